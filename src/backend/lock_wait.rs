//! Waiting for a `flock` with a deadline: a blocking flock (waiters are served in the kernel's
//! order) that a per-thread timer signal interrupts at [`LOCK_WAIT`].

use super::LOCK_WAIT;
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;
use std::time::{Duration, Instant};

/// The signal that interrupts a blocked flock at its deadline. Its handler does nothing; it
/// is installed without SA_RESTART, so the flock call returns EINTR.
fn wakeup_signal() -> nix::libc::c_int {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    let signo = nix::libc::SIGRTMIN() + 4;
    INSTALL.call_once(|| {
        extern "C" fn nothing(_: nix::libc::c_int) {}
        // SAFETY: a handler that does nothing is async-signal-safe; the struct is zeroed and
        // then filled as sigaction(2) says.
        unsafe {
            let mut action: nix::libc::sigaction = std::mem::zeroed();
            action.sa_sigaction =
                nothing as extern "C" fn(nix::libc::c_int) as nix::libc::sighandler_t;
            nix::libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = 0;
            nix::libc::sigaction(signo, &action, std::ptr::null_mut());
        }
    });
    signo
}

/// A timer that sends [`wakeup_signal`] to this thread at the deadline and then every few ms
/// (a signal that came just before the thread blocked must not be the only one).
struct Alarm(nix::libc::timer_t);

impl Alarm {
    fn new(after: Duration) -> std::io::Result<Alarm> {
        let ts = |d: Duration| nix::libc::timespec {
            tv_sec: d.as_secs() as nix::libc::time_t,
            tv_nsec: d.subsec_nanos() as nix::libc::c_long,
        };
        // SAFETY: plain calls of timer_create(2) and timer_settime(2) with initialised
        // arguments; the timer is deleted on drop.
        unsafe {
            let mut event: nix::libc::sigevent = std::mem::zeroed();
            event.sigev_notify = nix::libc::SIGEV_THREAD_ID;
            event.sigev_signo = wakeup_signal();
            event.sigev_notify_thread_id = nix::libc::gettid();
            let mut timer: nix::libc::timer_t = std::mem::zeroed();
            if nix::libc::timer_create(nix::libc::CLOCK_MONOTONIC, &mut event, &mut timer) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let alarm = Alarm(timer);
            let spec = nix::libc::itimerspec {
                it_value: ts(after.max(Duration::from_millis(1))),
                it_interval: ts(Duration::from_millis(10)),
            };
            if nix::libc::timer_settime(timer, 0, &spec, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(alarm)
        }
    }
}

impl Drop for Alarm {
    fn drop(&mut self) {
        // SAFETY: the timer was created by timer_create and is deleted once.
        unsafe {
            nix::libc::timer_delete(self.0);
        }
    }
}

/// A blocking flock, so waiters are served as the kernel queues them (polling would let a
/// busy process starve the others), given up at [`LOCK_WAIT`]: a holder that never lets go
/// costs this request a BACKEND_ERROR, never the thread forever.
pub(super) fn wait_for(file: File) -> std::io::Result<Flock<File>> {
    let file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => return Ok(lock),
        Err((file, nix::errno::Errno::EWOULDBLOCK)) => file,
        Err((_, e)) => return Err(e.into()),
    };
    let deadline = Instant::now() + LOCK_WAIT;
    let alarm = Alarm::new(LOCK_WAIT)?;
    let mut file = file;
    loop {
        match Flock::lock(file, FlockArg::LockExclusive) {
            Ok(lock) => {
                drop(alarm);
                return Ok(lock);
            }
            Err((back, nix::errno::Errno::EINTR)) => {
                if Instant::now() >= deadline {
                    return Err(std::io::Error::other(format!(
                        "another process has held it for over {} s; try again later",
                        LOCK_WAIT.as_secs()
                    )));
                }
                file = back;
            }
            Err((_, e)) => return Err(e.into()),
        }
    }
}
