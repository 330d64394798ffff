//! Starting `$SHELL -c command` and collecting how it ended: exit code, duration and the first
//! 64 KiB of each output. The pipes are drained to the end so the child never blocks on a full
//! pipe, however much it writes.

use super::env::Identity;
use crate::history::Preview;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long to wait for the outputs to close once the process group has been killed; a
/// process that left the group may hold them open forever.
const DRAIN_GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(10);

pub struct Spec {
    pub shell: String,
    pub command: String,
    /// The whole environment; None inherits this process's.
    pub env: Option<Vec<(String, String)>>,
    pub cwd: Option<PathBuf>,
    pub identity: Option<Identity>,
    /// Kill the process group after this long.
    pub timeout: Option<Duration>,
    /// stdin from /dev/null and a process group of its own (a manual run); otherwise the child
    /// shares ours (under cron, the recorder is the job).
    pub detached: bool,
    /// Copy the outputs to our own stdout and stderr as they come.
    pub passthrough: bool,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub stdout: Preview,
    pub stderr: Preview,
    /// Why it could not be started.
    pub error: Option<String>,
    pub duration: Duration,
}

pub fn run(spec: Spec) -> Outcome {
    let started = Instant::now();
    let mut command = Command::new(&spec.shell);
    command
        .arg("-c")
        .arg(&spec.command)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(env) = &spec.env {
        command.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
    }
    if let Some(dir) = &spec.cwd {
        command.current_dir(dir);
    }
    if spec.detached {
        command.stdin(Stdio::null()).process_group(0);
    }
    if let Some(id) = spec.identity.clone() {
        // SAFETY: only async-signal-safe system calls run between fork and exec; the group list
        // was computed before the fork.
        unsafe {
            command.pre_exec(move || {
                nix::unistd::setgroups(&id.groups)?;
                nix::unistd::setgid(id.gid)?;
                nix::unistd::setuid(id.uid)?;
                Ok(())
            });
        }
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Outcome {
                error: Some(format!("could not start {} -c: {e}", spec.shell)),
                duration: started.elapsed(),
                ..Outcome::default()
            }
        }
    };
    let stdout = drain(child.stdout.take(), spec.passthrough.then(std::io::stdout));
    let stderr = drain(child.stderr.take(), spec.passthrough.then(std::io::stderr));
    let deadline = spec.timeout.map(|t| started + t);
    let (status, mut timed_out) = wait(&mut child, deadline);
    // Background processes of the job may still hold the outputs open; wait for them too,
    // until the deadline.
    let readers = [&stdout, &stderr];
    let all_closed = || readers.iter().all(|r| r.1.is_finished());
    while deadline.is_some_and(|d| Instant::now() < d) && !all_closed() {
        std::thread::sleep(POLL);
    }
    if !all_closed() && deadline.is_some() {
        kill_group(&child);
        timed_out = true;
        let grace = Instant::now() + DRAIN_GRACE;
        while Instant::now() < grace && !all_closed() {
            std::thread::sleep(POLL);
        }
    }
    let status = match status {
        Some(status) => status,
        None => child.wait().expect("the child was spawned"),
    };
    // Without a deadline (under cron) wait for the outputs as cron itself does; with one, a
    // reader still blocked after the kill is left behind with what it has read.
    let collect = if deadline.is_none() { join } else { snapshot };
    let (stdout, stderr) = (collect(stdout), collect(stderr));
    Outcome {
        exit_code: status.code(),
        signal: status.signal(),
        timed_out,
        stdout,
        stderr,
        error: None,
        duration: started.elapsed(),
    }
}

type Reader = (Arc<Mutex<Preview>>, JoinHandle<()>);

fn join((preview, handle): Reader) -> Preview {
    let _ = handle.join();
    copy(&preview)
}

fn snapshot((preview, _): Reader) -> Preview {
    copy(&preview)
}

fn copy(preview: &Mutex<Preview>) -> Preview {
    preview.lock().map(|p| p.clone()).unwrap_or_default()
}

/// Waits for the shell to exit; kills its group at the deadline. Returns its status if it
/// exited by then, and whether the deadline struck.
fn wait(child: &mut Child, deadline: Option<Instant>) -> (Option<std::process::ExitStatus>, bool) {
    let Some(deadline) = deadline else {
        return (child.wait().ok(), false);
    };
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return (Some(status), false);
        }
        if Instant::now() >= deadline {
            kill_group(child);
            return (child.wait().ok(), true);
        }
        std::thread::sleep(POLL);
    }
}

fn kill_group(child: &Child) {
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
}

/// Reads a pipe to its end in a thread, keeping a preview and copying to `copy_to`.
fn drain<R, W>(pipe: Option<R>, mut copy_to: Option<W>) -> Reader
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    let preview = Arc::new(Mutex::new(Preview::default()));
    let shared = Arc::clone(&preview);
    let handle = std::thread::spawn(move || {
        let Some(mut pipe) = pipe else { return };
        let mut buf = [0u8; 16 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if let Ok(mut p) = shared.lock() {
                        p.push(&buf[..n]);
                    }
                    if let Some(out) = copy_to.as_mut() {
                        // A closed stdout of ours must not stop the draining.
                        if out.write_all(&buf[..n]).and_then(|()| out.flush()).is_err() {
                            copy_to = None;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    });
    (preview, handle)
}
