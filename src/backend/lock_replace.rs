//! Root making or replacing a user's lock file in the shared directory, so that every cronrpc
//! that holds "the" lock holds the same file:
//! - A new file is set up under a staging name and renamed into place, so the name never has
//!   a second link (which a user's process would refuse) or a gap.
//! - Where there was no file, the rename is RENAME_NOREPLACE: a file the user's own cronrpc
//!   made with O_CREAT in the meantime is kept. Removing it, as a plain remove-and-link did,
//!   could pull it from under a user's process that already locked it and found it in place,
//!   and root would then lock the new file: two writers at once, one update lost.
//! - A bad file that can be opened is replaced only while root holds its lock: a process
//!   that locked it while it was still good (before its owner linked it elsewhere) finishes
//!   first, and those still waiting on it find it no longer in place and retry.

use super::{check_file, open, still_in_place, wait::wait_for};
use crate::domain::user::User;
use nix::fcntl::{renameat2, Flock, FlockArg, RenameFlags};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Passes through a file that keeps changing under us before giving up with an error: only
/// someone replacing their own lock file on purpose gets that far.
const TRIES: usize = 5;

/// What root found at the lock file's name.
enum Found {
    Good(File),
    Absent,
    /// A file root can open and lock but no one may use (another's, or with other links).
    Bad(File),
    /// Something no cronrpc can open, so no one holds it: a symlink, a socket.
    Unopenable,
}

fn look(path: &Path, user: &User) -> io::Result<Found> {
    Ok(match open(path, false) {
        Ok(file) if check_file(&file, user.uid).is_ok() => Found::Good(file),
        Ok(file) => Found::Bad(file),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Found::Absent,
        Err(e) if e.raw_os_error() == Some(nix::libc::EACCES) => return Err(e),
        Err(_) => Found::Unopenable,
    })
}

/// `user`'s lock file in `dir`, made or replaced by root as the module says. `before_placing`
/// runs just before a new file is put in place (under the directory's lock): a seam for the
/// tests that act out a user's process at that moment, a no-op otherwise.
pub(super) fn root_open(dir: &Path, user: &User, before_placing: &dyn Fn()) -> io::Result<File> {
    let name = format!("{}.lock", user.name);
    let path = dir.join(&name);
    for _ in 0..TRIES {
        // Waiting on a bad file happens before the directory's lock is taken, so a user who
        // holds their bad file delays only root's writes of their own crontab.
        let (held_bad, absent) = match look(&path, user)? {
            Found::Good(file) => return Ok(file),
            Found::Bad(file) => (Some(wait_for(file)?), false),
            Found::Absent => (None, true),
            Found::Unopenable => (None, false),
        };
        // The directory's own lock, which only root can take (others may not open the
        // directory): two root processes never replace each other's new file.
        let dir_file = File::open(dir)?;
        let _dir_lock =
            Flock::lock(dir_file.try_clone()?, FlockArg::LockExclusive).map_err(|(_, e)| e)?;
        // Still what was judged above?
        let unchanged = match (&held_bad, look(&path, user)?) {
            (_, Found::Good(file)) => return Ok(file),
            (Some(bad), Found::Bad(_)) => still_in_place(bad, &path),
            (None, Found::Absent) => absent,
            (None, Found::Unopenable) => !absent,
            _ => false,
        };
        if !unchanged {
            continue;
        }
        // Unguessable, so no one can plant a file under the name before root makes it.
        let staging = format!(".{}.{}.new", user.name, uuid::Uuid::new_v4().simple());
        let _ = std::fs::remove_file(dir.join(&staging));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(dir.join(&staging))?;
        let placed =
            std::os::unix::fs::fchown(&file, Some(user.uid), Some(user.gid)).and_then(|()| {
                before_placing();
                let flags = if absent {
                    RenameFlags::RENAME_NOREPLACE
                } else {
                    RenameFlags::empty()
                };
                renameat2(&dir_file, staging.as_str(), &dir_file, name.as_str(), flags)
                    .map_err(io::Error::from)
            });
        match placed {
            Ok(()) => return Ok(file),
            Err(e) => {
                let _ = std::fs::remove_file(dir.join(&staging));
                // Made by the user's own cronrpc just now: judge that one.
                if e.raw_os_error() != Some(nix::libc::EEXIST) {
                    return Err(e);
                }
            }
        }
    }
    Err(io::Error::other(format!(
        "{} kept changing while it was being made",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::errno::Errno;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn shared_dir() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("locks");
        std::fs::create_dir(&locks).unwrap();
        std::fs::set_permissions(&locks, PermissionsExt::from_mode(0o1733)).unwrap();
        (dir, locks)
    }

    /// The first write of a new user's crontab: root finds no lock file, and the user's own
    /// cronrpc makes one (O_CREAT), locks it and finds it in place before root puts its new
    /// file there. Root must take the user's file, not replace it from under its holder.
    #[test]
    fn a_lock_file_the_user_made_meanwhile_is_kept_and_shared() {
        let (_keep, dir) = shared_dir();
        let user = crate::domain::user::lookup("nobody").unwrap();
        let path = dir.join("nobody.lock");
        let held = std::cell::RefCell::new(None);
        let users_process = || {
            if held.borrow().is_some() {
                return;
            }
            let file = open(&path, true).unwrap();
            std::os::unix::fs::fchown(&file, Some(user.uid), Some(user.gid)).unwrap();
            let lock = Flock::lock(file, FlockArg::LockExclusiveNonblock).unwrap();
            assert!(still_in_place(&lock, &path));
            *held.borrow_mut() = Some(lock);
        };
        let root = root_open(&dir, &user, &users_process).unwrap();
        let users = held.borrow_mut().take().expect("the user's process ran");
        assert!(
            still_in_place(&users, &path),
            "the user's lock was replaced"
        );
        assert_eq!(
            root.metadata().unwrap().ino(),
            users.metadata().unwrap().ino()
        );
        assert!(
            matches!(
                Flock::lock(root, FlockArg::LockExclusiveNonblock),
                Err((_, Errno::EWOULDBLOCK))
            ),
            "root could lock while the user's process holds the lock"
        );
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "no staging file left behind");
    }

    /// Another user's file, or one with a second link, is replaced by one of the user's own
    /// with a single link from the start (a user's process refuses a file with two).
    #[test]
    fn a_bad_lock_file_is_replaced_by_a_good_one() {
        let (_keep, dir) = shared_dir();
        let user = crate::domain::user::lookup("nobody").unwrap();
        let path = dir.join("nobody.lock");
        std::fs::write(&path, "").unwrap(); // root's, not nobody's
        let links = std::cell::Cell::new(0);
        let observe = || links.set(std::fs::symlink_metadata(&path).unwrap().nlink());
        let file = root_open(&dir, &user, &observe).unwrap();
        assert_eq!(
            links.get(),
            1,
            "the bad file was still there until replaced"
        );
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!((meta.uid(), meta.nlink()), (user.uid, 1));
        assert!(still_in_place(&file, &path));
        std::fs::hard_link(&path, dir.join("elsewhere")).unwrap();
        let again = root_open(&dir, &user, &|| {}).unwrap();
        assert!(still_in_place(&again, &path));
        assert_ne!(
            again.metadata().unwrap().ino(),
            file.metadata().unwrap().ino()
        );
        assert_eq!(std::fs::symlink_metadata(&path).unwrap().nlink(), 1);
    }
}
