//! Telling a process apart from a later one with the same pid, and signalling it safely.
//!
//! A run's record names its recorder by pid, the process's start time (field 22 of
//! `/proc/PID/stat`) and the boot it ran in, so readers can tell a dead recorder from a live one
//! however pids are reused. Signals go through a pidfd (`pidfd_open` + `pidfd_send_signal`,
//! which nix does not wrap): once the pidfd is open and the start time checked, the signal can
//! only reach that very process.

use serde::{Deserialize, Serialize};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Who records a run: enough to know later whether it still lives. Kept in the history store,
/// never on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecorderId {
    pub pid: i32,
    /// Clock ticks after boot at which the process started.
    pub start: u64,
    /// `/proc/sys/kernel/random/boot_id`: a pid of an earlier boot is never alive.
    pub boot: String,
    /// The process group of the job (its shell's pid), which a cancel stops.
    #[serde(default)]
    pub job_pgid: Option<i32>,
}

impl RecorderId {
    /// This process.
    pub fn current() -> Option<RecorderId> {
        let pid = std::process::id() as i32;
        Some(RecorderId {
            pid,
            start: start_time(pid)?,
            boot: boot_id()?,
            job_pgid: None,
        })
    }

    /// Whether the process named is still the one that started (not a reused pid, not an
    /// earlier boot, not a zombie).
    pub fn alive(&self) -> bool {
        boot_id().as_deref() == Some(self.boot.as_str())
            && stat(self.pid).is_some_and(|s| s.start == self.start && s.state != 'Z')
    }
}

struct Stat {
    state: char,
    start: u64,
}

fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    // `rest` starts at field 3 (state); the start time is field 22.
    let start = fields.nth(18)?.parse().ok()?;
    Some(Stat { state, start })
}

pub fn start_time(pid: i32) -> Option<u64> {
    stat(pid).map(|s| s.start)
}

fn boot_id() -> Option<String> {
    let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    Some(id.trim().to_owned())
}

/// The real, effective, saved and filesystem uids of a process, all of which must be the
/// user's before root signals it on the user's behalf.
fn uids(pid: i32) -> Option<[u32; 4]> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    let ids: Vec<u32> = line
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    ids.try_into().ok()
}

/// A process pinned by a pidfd, checked to be the one named (same start time) and to belong
/// wholly to `uid`.
pub struct Pinned(OwnedFd);

impl Pinned {
    pub fn open(id: &RecorderId, uid: u32) -> Option<Pinned> {
        if !id.alive() {
            return None;
        }
        // SAFETY: a plain system call; the fd it returns is owned here.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, id.pid, 0) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        // Checked after pinning: a reused pid now has another start time.
        let same = id.alive() && uids(id.pid).is_some_and(|u| u.iter().all(|&x| x == uid));
        same.then_some(Pinned(fd))
    }

    /// Sends `signal`; false when the process is gone.
    pub fn signal(&self, signal: libc::c_int) -> bool {
        // SAFETY: a plain system call on a descriptor we own.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.0.as_raw_fd(),
                signal,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        rc == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_changed_start_is_not() {
        let me = RecorderId::current().unwrap();
        assert!(me.alive());
        let reused = RecorderId {
            start: me.start + 1,
            ..me.clone()
        };
        assert!(!reused.alive(), "a reused pid starts at another time");
        let earlier_boot = RecorderId {
            boot: "00000000-0000-0000-0000-000000000000".into(),
            ..me.clone()
        };
        assert!(!earlier_boot.alive());
    }

    #[test]
    fn a_reaped_child_is_dead_and_cannot_be_pinned() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        let id = RecorderId {
            pid,
            start: start_time(pid).unwrap(),
            boot: boot_id().unwrap(),
            job_pgid: None,
        };
        child.wait().unwrap();
        assert!(!id.alive());
        assert!(Pinned::open(&id, nix::unistd::getuid().as_raw()).is_none());
    }

    #[test]
    fn a_process_of_another_uid_is_not_pinned_for_this_one() {
        let me = RecorderId::current().unwrap();
        let uid = nix::unistd::getuid().as_raw();
        assert!(Pinned::open(&me, uid).is_some());
        assert!(Pinned::open(&me, uid + 1).is_none());
    }
}
