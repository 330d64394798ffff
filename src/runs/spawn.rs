//! Starting the recorder for `entries.run`: this very binary (`/proc/self/exe`, so the user
//! needs no path to it and a replaced binary on disk does not matter), as the entry's user, in a
//! session of its own, so the run outlives the connection and the server. Between fork and exec
//! the child switches identity first and only then enters HOME, as cron does, falling back to
//! `/` where the user cannot enter it; it gets stdin from /dev/null, stdout as the pipe the
//! recorder reports its records on, stderr to /dev/null, and no other descriptor.
//!
//! The server reaps the recorder (a thread waits on it), and that is all it waits on: whatever
//! the job leaves behind holds the recorder's pipes, never the server's.

use super::capture::only_stdio_on_exec;
use super::env::Identity;
use crate::history::RunRecord;
use std::ffi::{CString, OsString};
use std::io::{self, BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, Stdio};

pub struct Start {
    /// Arguments after the program name (`exec --entry …`).
    pub args: Vec<OsString>,
    /// The whole environment.
    pub env: Vec<(String, String)>,
    /// Where the run starts (the job's HOME).
    pub dir: Option<String>,
    pub identity: Option<Identity>,
}

/// A recorder that has been started and not yet reaped.
pub struct Started {
    child: Child,
    lines: BufReader<ChildStdout>,
}

pub fn start(start: Start) -> io::Result<Started> {
    let dir = start
        .dir
        .map(CString::new)
        .transpose()
        .map_err(|_| io::Error::other("HOME contains NUL"))?;
    let identity = start.identity;
    let mut command = Command::new("/proc/self/exe");
    command
        .arg0("cronrpc")
        .args(&start.args)
        .env_clear()
        .envs(start.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // SAFETY: only async-signal-safe system calls run between fork and exec; the group list
    // and the directory name were made before the fork.
    unsafe {
        command.pre_exec(move || {
            nix::unistd::setsid()?;
            if let Some(id) = &identity {
                nix::unistd::setgroups(&id.groups)?;
                nix::unistd::setgid(id.gid)?;
                nix::unistd::setuid(id.uid)?;
            }
            if let Some(dir) = &dir {
                if libc::chdir(dir.as_ptr()) != 0 {
                    libc::chdir(c"/".as_ptr());
                }
            }
            only_stdio_on_exec()
        });
    }
    let mut child = command.spawn()?;
    let stdout = child.stdout.take().expect("stdout is piped");
    Ok(Started {
        child,
        lines: BufReader::new(stdout),
    })
}

impl Started {
    /// The next record the recorder reports; None once it has closed its stdout (ended or died).
    pub fn next_record(&mut self) -> Option<RunRecord> {
        let mut line = String::new();
        loop {
            line.clear();
            match self.lines.read_line(&mut line) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {
                    if let Ok(record) = serde_json::from_str(&line) {
                        return Some(record);
                    }
                }
            }
        }
    }

    /// Waits for the run to end: its last record, if the recorder reported one.
    pub fn finish(mut self) -> Option<RunRecord> {
        let mut last = None;
        while let Some(record) = self.next_record() {
            last = Some(record);
        }
        let _ = self.child.wait();
        last
    }

    /// Lets the run go on; a thread drains what the recorder reports and reaps it when it ends.
    pub fn detach(self) {
        let spawned = std::thread::Builder::new()
            .name("recorder-reaper".into())
            .spawn(move || drop(self.finish()));
        if let Err(e) = spawned {
            tracing::warn!("no thread to reap a recorder: {e}");
        }
    }
}
