//! History directories that are no longer their user's: a user was deleted (or renumbered) and
//! the uid may go to someone new, who would then own the old directory and could read it. A
//! root service moves such directories into a root-only directory.
//!
//! Looking every directory's user up costs a user-database lookup each (with plain files, a
//! parse of /etc/passwd each), which with a thousand users made every stdio session start
//! ~80 ms late. A directory can only go stale when the user database changes, so the sweep
//! records the state of /etc/passwd it swept for and runs again only when that has changed, or
//! after [`RESWEEP_AFTER`] for users from other sources (LDAP and the like) that change without
//! /etc/passwd changing.

use super::store::{is_root, Store};
use crate::domain::time::Timestamp;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Where directories that are no longer their user's are moved (root only, mode 0700); user
/// names never start with a dot.
const STALE: &str = ".stale";
/// The state of the user database the last sweep was for (root's, 0600).
const SWEPT: &str = ".swept";
/// The file whose change can make a directory stale.
const PASSWD: &str = "/etc/passwd";
/// The longest a sweep's record holds, whatever /etc/passwd says.
const RESWEEP_AFTER: Duration = Duration::from_secs(3600);

/// What identifies a version of a file: device, inode, modification time, size. `userdel` and
/// `useradd` replace /etc/passwd by rename, so every change shows in it.
fn version(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    Some(format!(
        "{} {} {}.{:09} {}",
        meta.dev(),
        meta.ino(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.len()
    ))
}

/// Whether a sweep recorded as `recorded`, `age` ago, still holds for `current`.
fn still_holds(recorded: &str, age: Option<Duration>, current: &str) -> bool {
    recorded.trim_end() == current && age.is_some_and(|age| age < RESWEEP_AFTER)
}

impl Store {
    /// Moves away every user directory whose user is gone or is now another uid, so a
    /// recycled uid never inherits a deleted user's runs; skipped while the user database is as
    /// it was at the last sweep. Root only; run at server start and by the server's sweeper.
    pub fn sweep_stale(&self) {
        if !is_root() || !self.root().is_dir() {
            return;
        }
        if let Err(e) = crate::backend::dirs::verify(self.root()) {
            tracing::warn!("not sweeping the run history: {e}");
            return;
        }
        // Taken before the sweep: a change during it makes the next start sweep again.
        let Some(current) = version(Path::new(PASSWD)) else {
            return self.sweep_every_directory();
        };
        let marker = self.root().join(SWEPT);
        if let Some((recorded, age)) = read_marker(&marker) {
            if still_holds(&recorded, age, &current) {
                return;
            }
        }
        self.sweep_every_directory();
        if let Err(e) = write_marker(self.root(), &current) {
            tracing::debug!("recording the history sweep: {e}");
        }
    }

    fn sweep_every_directory(&self) {
        let Ok(entries) = std::fs::read_dir(self.root()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if name.starts_with('.') || crate::domain::user::check_name(&name).is_err() {
                continue;
            }
            let current = crate::domain::user::lookup(&name).ok().map(|u| u.uid);
            if current != Some(meta.uid()) && meta.uid() != 0 {
                if let Err(e) = self.quarantine(&name, meta.uid()) {
                    tracing::warn!(user = name, "moving a stale history directory: {e}");
                }
            }
        }
    }

    /// Moves a user directory that is not its user's into the root-only stale directory.
    /// Only in a history root no user can write into or replace (a root server on a spool a
    /// user owns would otherwise move directories wherever that user's links point), and only
    /// into a `.stale` that is root's own directory.
    pub(super) fn quarantine(&self, name: &str, owner: u32) -> io::Result<()> {
        crate::backend::dirs::verify(self.root())?;
        let stale = self.root().join(STALE);
        match std::fs::DirBuilder::new().mode(0o700).create(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        crate::backend::dirs::verify(&stale)?;
        let to = stale.join(format!("{name}.uid{owner}.{}", Timestamp::now().unix()));
        tracing::warn!(user = name, owner, to = %to.display(), "history directory of a former user moved away");
        std::fs::rename(self.dir(name), to)
    }
}

/// The recorded state and its age, if the marker is root's own regular file. Never follows a
/// link, never blocks on a FIFO, reads a few bytes at most.
fn read_marker(path: &Path) -> Option<(String, Option<Duration>)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.uid() != 0 {
        return None;
    }
    let mut text = String::new();
    file.take(128).read_to_string(&mut text).ok()?;
    let age = meta
        .modified()
        .ok()
        .and_then(|at| SystemTime::now().duration_since(at).ok());
    Some((text, age))
}

/// Records `current` as swept: a fresh file renamed over the marker, so a reader sees the old
/// record or the new one.
fn write_marker(root: &Path, current: &str) -> io::Result<()> {
    let temporary = root.join(format!("{SWEPT}.{}", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temporary)?;
    file.write_all(format!("{current}\n").as_bytes())?;
    drop(file);
    std::fs::rename(&temporary, root.join(SWEPT)).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_holds_while_the_user_database_is_unchanged_and_for_an_hour_at_most() {
        let now = version(Path::new(PASSWD)).unwrap();
        let minute = Some(Duration::from_secs(60));
        assert!(still_holds(&format!("{now}\n"), minute, &now));
        assert!(!still_holds("1 2 3.000000000 4\n", minute, &now));
        assert!(!still_holds(&now, Some(RESWEEP_AFTER), &now));
        // A marker from the future (a clock set back) does not hold.
        assert!(!still_holds(&now, None, &now));
    }

    #[test]
    fn a_replaced_file_is_a_new_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("passwd");
        std::fs::write(&path, "root:x:0:0::/root:/bin/sh\n").unwrap();
        let before = version(&path).unwrap();
        let next = dir.path().join("passwd+");
        std::fs::write(&next, "root:x:0:0::/root:/bin/sh\n").unwrap();
        std::fs::rename(&next, &path).unwrap();
        assert_ne!(version(&path).unwrap(), before);
    }

    #[test]
    fn the_marker_is_read_only_from_a_plain_file_of_roots() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join(SWEPT);
        write_marker(dir.path(), "1 2 3.4 5").unwrap();
        let read = read_marker(&marker);
        if is_root() {
            assert_eq!(read.unwrap().0, "1 2 3.4 5\n");
        } else {
            assert!(read.is_none(), "not root's: ignored");
        }
        std::fs::remove_file(&marker).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", &marker).unwrap();
        assert!(read_marker(&marker).is_none(), "a link is never followed");
        std::fs::remove_file(&marker).unwrap();
        nix::unistd::mkfifo(&marker, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert!(
            read_marker(&marker).is_none(),
            "a FIFO neither blocks nor counts"
        );
    }
}
