//! Per-user locks that hold across threads and processes: `flock` on one file per user.
//!
//! `crontab` itself takes no lock (measured: `crontab -l | edit | crontab -` lost 33 of 100
//! concurrent updates), so every read-modify-write holds the user's lock. flock is released by
//! the kernel when the holder dies, so a crash never leaves a stale lock behind.
//!
//! On the system backend every cronrpc writing a user's crontab — the root server and the
//! user's own cronrpc — must take the same lock, so they share one directory,
//! /var/lib/cronrpc/locks (see [`Locks::shared`]). It is root's and sticky, and writable by
//! all so that a user's own cronrpc can make its lock file before any root cronrpc has: like
//! /tmp, no one can remove or rename another's file there. Each lock file must belong to the
//! user whose crontab it guards, mode 0600, so no one else can even open it; one that does not
//! (made by someone else first, a symlink, a FIFO) is replaced by root (never a good one, and
//! never from under a holder: see lock_replace.rs), and refused by anyone else. Since a user can always hold their own lock, nobody waits for a lock for more than
//! [`LOCK_WAIT`]: a held lock costs only the holder's own crontab its writes.

use crate::domain::user::User;
use crate::domain::{Error, Result};
use nix::fcntl::Flock;
use nix::sys::stat::{fchmod, Mode};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;
use wait::wait_for;

#[path = "lock_replace.rs"]
mod replace;
#[path = "lock_wait.rs"]
mod wait;

/// How long a writer waits for a user's lock before it gives up with BACKEND_ERROR. Long enough
/// that honest contention (many writers queued behind `crontab` installs on a loaded machine)
/// never fails; bounded so that a user holding their own lock only delays their own crontab.
pub const LOCK_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct Locks {
    dir: PathBuf,
    /// The multi-user directory of the system backend, rather than a private one.
    shared: bool,
    /// For a user's own cronrpc on the system backend: the private directory it locks in
    /// while no root cronrpc has made the shared one. Judged at every lock, not once at
    /// start: a long-running process that kept a private lock after root made the shared
    /// directory would write alongside the root server, each under its own lock.
    until_shared: Option<PathBuf>,
}

/// Holds a user's lock until dropped.
#[derive(Debug)]
pub struct LockGuard {
    lock: Flock<File>,
    user: String,
    path: PathBuf,
}

impl LockGuard {
    /// Fails if the lock file is no longer the one held: its owner deleted or swapped it, so
    /// another writer may hold the file now in place. Checked just before a write, so that
    /// write fails rather than silently running alongside another.
    pub fn check(&self) -> Result<()> {
        if still_in_place(&self.lock, &self.path) {
            return Ok(());
        }
        Err(Error::backend(format!(
            "{}'s lock file {} was deleted or replaced while held; nothing was written, try again",
            self.user,
            self.path.display()
        )))
    }
}

/// The descriptor of each lock this process holds, by user, so that a program run under the
/// lock (`crontab`) can inherit it: flock belongs to the open file, so the lock then lasts
/// until that program exits too, even if cronrpc is killed first. Otherwise the next writer
/// could read the crontab while an orphaned `crontab` is still installing the old write.
static HELD: LazyLock<Mutex<HashMap<String, RawFd>>> = LazyLock::new(Default::default);

/// The descriptor holding `user`'s lock, while this process holds it.
pub fn held_fd(user: &str) -> Option<RawFd> {
    HELD.lock().ok()?.get(user).copied()
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Ok(mut held) = HELD.lock() {
            held.remove(&self.user);
        }
    }
}

const SHARED_MODE: u32 = 0o1733;

/// How often a lock may turn out replaced while we waited for it before we give up with an
/// error. Root replaces a bad file once; more means someone keeps replacing it.
const MAX_REPLACED: usize = 5;

impl Locks {
    /// Lock files in a private directory of this process's user (the spool backend, or an
    /// explicit --lock-dir).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Locks {
            dir: dir.into(),
            shared: false,
            until_shared: None,
        }
    }

    /// The system backend's lock directory shared by root and users, as the module says.
    pub fn shared(dir: impl Into<PathBuf>) -> Self {
        Locks {
            dir: dir.into(),
            shared: true,
            until_shared: None,
        }
    }

    /// A user's own cronrpc on the system backend: the `shared` directory once root has made
    /// it, until then `private` (see `until_shared`).
    pub fn shared_once_made(shared: impl Into<PathBuf>, private: impl Into<PathBuf>) -> Self {
        Locks {
            until_shared: Some(private.into()),
            ..Locks::shared(shared)
        }
    }

    /// A root cronrpc makes the shared directory now rather than at its first write, so
    /// users' own cronrpc processes find it from the moment a root server runs. Nothing to do
    /// for anyone else, or for private locks.
    pub fn prepare(&self) -> std::io::Result<()> {
        if self.shared && self.until_shared.is_none() && nix::unistd::geteuid().is_root() {
            ensure_shared_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Where the lock files are (for now).
    pub fn dir(&self) -> &Path {
        self.choose().0
    }

    /// The directory to lock in, and whether it is the shared one.
    fn choose(&self) -> (&Path, bool) {
        match &self.until_shared {
            Some(private) if !Self::shared_exists(&self.dir) => (private, false),
            _ => (&self.dir, self.shared),
        }
    }

    /// Whether the shared directory can be used by this process: root makes it; anyone else
    /// needs it made by root already.
    pub fn shared_exists(dir: &Path) -> bool {
        std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir() && m.uid() == 0)
    }

    /// Waits (at most [`LOCK_WAIT`]) until this process holds `user`'s lock.
    pub fn lock(&self, user: &User) -> Result<LockGuard> {
        let (dir, shared) = self.choose();
        let fail = |e: &dyn std::fmt::Display| {
            Error::backend(format!(
                "locking {}'s crontab in {}: {e}",
                user.name,
                dir.display()
            ))
        };
        let mut tries = 0;
        let lock = loop {
            tries += 1;
            if tries > MAX_REPLACED {
                // Silently taking a lock no longer in place would let another writer in.
                return Err(fail(&"the lock file keeps being replaced"));
            }
            let file = if shared {
                open_shared(dir, user)
            } else {
                super::dirs::ensure(dir, 0o700).and_then(|()| open_private(dir, user))
            }
            .map_err(|e| fail(&e))?;
            let lock = wait_for(file).map_err(|e| fail(&e))?;
            // Root may have replaced a bad file while we waited on it: a lock on a file no
            // longer in place guards nothing, so take the one that is.
            if !shared || still_in_place(&lock, &lock_path(dir, user)) {
                break lock;
            }
        };
        if let Ok(mut held) = HELD.lock() {
            held.insert(user.name.clone(), lock.as_raw_fd());
        }
        Ok(LockGuard {
            lock,
            user: user.name.clone(),
            path: lock_path(dir, user),
        })
    }
}

fn lock_path(dir: &Path, user: &User) -> PathBuf {
    // The name has been checked, so it is a safe file name.
    dir.join(format!("{}.lock", user.name))
}

fn open_private(dir: &Path, user: &User) -> std::io::Result<File> {
    let file = open(&lock_path(dir, user), true)?;
    check_file(&file, nix::unistd::geteuid().as_raw())?;
    Ok(file)
}

fn open_shared(dir: &Path, user: &User) -> std::io::Result<File> {
    if nix::unistd::geteuid().is_root() {
        ensure_shared_dir(dir)?;
        return replace::root_open(dir, user, &|| {});
    }
    check_shared_dir(dir)?;
    // Made by its owner with O_CREAT, so it is whole the moment it appears.
    let file = open(&lock_path(dir, user), true)?;
    check_file(&file, user.uid).map_err(|e| {
        std::io::Error::other(format!(
            "{e}; the root cronrpc replaces it at its next write of this crontab"
        ))
    })?;
    Ok(file)
}

fn still_in_place(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(held), Ok(there)) => held.ino() == there.ino() && held.dev() == there.dev(),
        _ => false,
    }
}

/// Opens a lock file without following a symlink or blocking on a FIFO.
fn open(path: &Path, create: bool) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
}

/// A lock file must be a plain file of `uid`'s that no one else may open.
fn check_file(file: &File, uid: u32) -> std::io::Result<()> {
    let meta = file.metadata()?;
    let why = if !meta.file_type().is_file() {
        "is not a regular file".to_owned()
    } else if meta.uid() != uid {
        format!("belongs to uid {}, not {uid}", meta.uid())
    } else if meta.nlink() != 1 {
        "has other hard links".to_owned()
    } else {
        // Its owner may have opened it up; no one else may hold it.
        fchmod(file, Mode::from_bits_truncate(0o600))?;
        return Ok(());
    };
    Err(std::io::Error::other(format!("the lock file {why}")))
}

/// Root makes the shared directory (root's, sticky, mode 1733) or puts its mode right.
fn ensure_shared_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent() {
        // Users reach their lock files through it, and their run history beside it.
        super::dirs::ensure_reachable(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.uid() != 0 {
        return Err(std::io::Error::other(format!(
            "{} is not a directory of root's",
            dir.display()
        )));
    }
    if meta.mode() & 0o7777 != SHARED_MODE {
        // The umask would have taken bits off at creation; a sticky bit is essential.
        std::fs::set_permissions(
            dir,
            std::os::unix::fs::PermissionsExt::from_mode(SHARED_MODE),
        )?;
    }
    Ok(())
}

/// Anyone else trusts the shared directory only as root made it.
fn check_shared_dir(dir: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(dir)?;
    let writable_by_others = meta.mode() & 0o022 != 0;
    if !meta.is_dir() || meta.uid() != 0 || (writable_by_others && meta.mode() & 0o1000 == 0) {
        return Err(std::io::Error::other(format!(
            "{} is not root's sticky lock directory (mode {:04o}, uid {})",
            dir.display(),
            meta.mode() & 0o7777,
            meta.uid()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn excludes_other_threads() {
        let dir = tempfile::tempdir().unwrap();
        let locks = Locks::new(dir.path().join("locks"));
        let me = crate::domain::user::lookup("root").unwrap();
        let inside = Arc::new(AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        let _guard = locks.lock(&me).unwrap();
                        assert_eq!(
                            inside.fetch_add(1, Ordering::SeqCst),
                            0,
                            "two holders at once"
                        );
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
    }

    /// A user's own cronrpc started before any root cronrpc made the shared directory moves
    /// to it at its next lock, so it never keeps writing under a lock the root server does not
    /// know of.
    #[test]
    fn a_users_cronrpc_moves_to_the_shared_directory_once_root_made_it() {
        let dir = tempfile::tempdir().unwrap();
        let (shared, private) = (dir.path().join("shared"), dir.path().join("private"));
        let locks = Locks::shared_once_made(&shared, &private);
        assert_eq!(locks.choose(), (private.as_path(), false));
        Locks::shared(&shared).prepare().unwrap();
        assert_eq!(locks.choose(), (shared.as_path(), true));
        assert_eq!(locks.dir(), shared);
    }

    #[test]
    fn a_lock_file_deleted_while_held_fails_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let locks = Locks::new(dir.path().join("locks"));
        let me = crate::domain::user::lookup("root").unwrap();
        let guard = locks.lock(&me).unwrap();
        guard.check().unwrap();
        std::fs::remove_file(dir.path().join("locks/root.lock")).unwrap();
        let other = locks.lock(&me).expect("a new file, not held by anyone");
        other.check().unwrap();
        assert!(
            guard.check().is_err(),
            "two holders, and the first one not told"
        );
    }
}
