//! Programs run with a faked clock (libfaketime).

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

/// `program` with its clock at `spec` (libfaketime's FAKETIME forms: `+2h`, `+2h x40` for a
/// clock that also runs 40 times as fast, `@2027-01-14 11:15:02` for a start instant).
///
/// The library is preloaded directly, not through the `faketime` wrapper: the wrapper keeps a
/// named semaphore per pid in /dev/shm, a killed wrapper leaves it behind, and a later wrapper
/// that is given the same pid (pids wrap at 32,768 here) refuses to start ("sem_open: File
/// exists"), failing whichever test it was.
pub fn faked(program: impl AsRef<OsStr>, spec: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env("LD_PRELOAD", library())
        .env("FAKETIME", spec)
        .env_remove("FAKETIME_SHARED");
    command
}

/// libfaketime's path for this machine's architecture (`apt-get install faketime`).
fn library() -> PathBuf {
    std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|dir| dir.path().join("faketime/libfaketime.so.1"))
        .find(|lib| lib.is_file())
        .expect("libfaketime (apt-get install faketime)")
}
