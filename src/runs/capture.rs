//! Starting `$SHELL -c command` in a process group of its own and collecting how it ended: exit
//! code, duration and the first 64 KiB of each output. The pipes are drained to the end so the
//! child never blocks on a full pipe, however much it writes. A timeout or a cancel stops the
//! whole group: SIGTERM, then SIGKILL after [`KILL_GRACE`].

use crate::history::Preview;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a stopped job has between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long to wait for the outputs to close once the process group has been killed; a
/// process that left the group may hold them open forever.
const DRAIN_GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(10);

pub struct Spec {
    pub shell: String,
    pub command: String,
    /// Stop the process group after this long.
    pub timeout: Option<Duration>,
    /// Copy the outputs to our own stdout and stderr as they come (under cron, so cron mails
    /// them).
    pub passthrough: bool,
}

/// Why a job was stopped before it ended by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Timeout,
    Cancel,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stopped: Option<Stop>,
    pub stdout: Preview,
    pub stderr: Preview,
    /// Why it could not be started.
    pub error: Option<String>,
    pub duration: Duration,
}

/// Marks every descriptor but stdin, stdout and stderr close-on-exec, so a job gets those three
/// only: nothing the server or cron left open, no lock of the recorder's. (Marking rather than
/// closing keeps std's own exec-error pipe working.) Async-signal-safe: one system call.
pub fn only_stdio_on_exec() -> std::io::Result<()> {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    // SAFETY: a plain system call with no pointers.
    let rc = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, CLOSE_RANGE_CLOEXEC) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Runs the command; `on_start` gets the job's pid (its process group) once it runs, and
/// `cancel` stops it when set.
pub fn run(spec: Spec, cancel: &AtomicBool, on_start: impl FnOnce(i32)) -> Outcome {
    let started = Instant::now();
    let mut command = Command::new(&spec.shell);
    command
        .arg("-c")
        .arg(&spec.command)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: one async-signal-safe system call between fork and exec.
    unsafe {
        command.pre_exec(only_stdio_on_exec);
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
    on_start(child.id() as i32);
    let stdout = drain(child.stdout.take(), spec.passthrough.then(std::io::stdout));
    let stderr = drain(child.stderr.take(), spec.passthrough.then(std::io::stderr));
    let readers = [&stdout, &stderr];
    let all_closed = || readers.iter().all(|r| r.1.is_finished());
    let deadline = spec.timeout.map(|t| started + t);
    let mut status: Option<ExitStatus> = None;
    // Background processes of the job may hold the outputs open after the shell exits; the run
    // ends when they close them too, as under cron.
    let stopped = loop {
        if status.is_none() {
            status = child.try_wait().ok().flatten();
        }
        if status.is_some() && all_closed() {
            break None;
        }
        if cancel.load(Ordering::SeqCst) {
            break Some(Stop::Cancel);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break Some(Stop::Timeout);
        }
        std::thread::sleep(POLL);
    };
    if stopped.is_some() {
        signal_group(&child, libc::SIGTERM);
        let grace = Instant::now() + KILL_GRACE;
        loop {
            if status.is_none() {
                status = child.try_wait().ok().flatten();
            }
            if (status.is_some() && all_closed()) || Instant::now() >= grace {
                break;
            }
            std::thread::sleep(POLL);
        }
        // Whatever of the group is left, even when the shell itself is gone.
        signal_group(&child, libc::SIGKILL);
        let drained = Instant::now() + DRAIN_GRACE;
        while Instant::now() < drained && !all_closed() {
            std::thread::sleep(POLL);
        }
    }
    let status = status.unwrap_or_else(|| child.wait().expect("the child was spawned"));
    // A reader still blocked (a process that left the group holds the pipe) is left behind
    // with what it has read; the recorder exits soon anyway.
    let collect = if all_closed() { join } else { snapshot };
    let (stdout, stderr) = (collect(stdout), collect(stderr));
    Outcome {
        exit_code: status.code(),
        signal: status.signal(),
        stopped,
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

fn signal_group(child: &Child, signal: libc::c_int) {
    // SAFETY: a plain system call. The group is the job's own (process_group(0)), and its
    // leader is our unreaped child or has been reaped just now, so the id names no other group.
    unsafe {
        libc::killpg(child.id() as libc::pid_t, signal);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(command: &str, timeout_ms: Option<u64>) -> Spec {
        Spec {
            shell: "/bin/sh".into(),
            command: command.into(),
            timeout: timeout_ms.map(Duration::from_millis),
            passthrough: false,
        }
    }

    #[test]
    fn a_timeout_stops_the_group_with_term_then_kill() {
        let flag = AtomicBool::new(false);
        let out = run(
            spec("trap '' TERM; sleep 30 & sleep 30", Some(200)),
            &flag,
            |_| {},
        );
        assert_eq!(out.stopped, Some(Stop::Timeout));
        assert_eq!(out.exit_code, None);
        assert_eq!(
            out.signal,
            Some(libc::SIGKILL),
            "TERM was ignored, KILL was not"
        );
    }

    #[test]
    fn a_cancel_stops_it_and_the_job_sees_only_three_descriptors() {
        let flag = AtomicBool::new(true);
        let out = run(spec("sleep 30", None), &flag, |_| {});
        assert_eq!(out.stopped, Some(Stop::Cancel));
        assert_eq!(out.signal, Some(libc::SIGTERM));
        // A descriptor without close-on-exec, as a server may inherit one.
        let null = std::fs::File::open("/dev/null").unwrap();
        // SAFETY: dup of a descriptor we own; the copy is closed below.
        let leak = unsafe { libc::dup(std::os::fd::AsRawFd::as_raw_fd(&null)) };
        assert!(leak > 2);
        let out = run(
            spec("ls /proc/self/fd", None),
            &AtomicBool::new(false),
            |_| {},
        );
        // SAFETY: closing the copy made above.
        unsafe { libc::close(leak) };
        // ls itself opens one descriptor to read the directory.
        assert_eq!(out.stdout.text(), "0\n1\n2\n3\n", "{:?}", out.stdout.text());
        assert_eq!(out.exit_code, Some(0));
    }
}
