//! Reading a user's history files, which the user controls, without being led astray by them.
//!
//! The directory is opened once without following a link and must belong to the user (a
//! directory left by a deleted user whose uid was reused belongs to someone else); files are
//! opened relative to it with `O_NOFOLLOW | O_NONBLOCK`, so a planted link is refused and a FIFO
//! never blocks the open, then checked by `fstat` to be a plain, singly linked file before one
//! byte is read. Only the last [`MAX_READ`] bytes of a file are read: a sparse 8 GiB file costs
//! what a normal one does.

use crate::domain::user::User;
use nix::fcntl::{open, openat, OFlag};
use nix::sys::stat::Mode;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The most read of one history file. Files are rotated at 1 MiB and one record is at most
/// about 800 KiB (two 64 KiB outputs, JSON-escaped), so a file the recorder wrote is never
/// larger; of anything larger, which only the user can have made, the tail is read.
pub const MAX_READ: u64 = 2 * 1024 * 1024;

/// A user's history directory, opened.
pub struct UserDir(OwnedFd);

impl UserDir {
    /// None when there is none, or when it is not the user's (left by a deleted user, or not a
    /// directory): its runs are not this user's to see.
    pub fn open(dir: &Path, user: &User) -> io::Result<Option<UserDir>> {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        let fd = match open(dir, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(nix::errno::Errno::ENOENT) => return Ok(None),
            Err(nix::errno::Errno::ENOTDIR | nix::errno::Errno::ELOOP) => {
                tracing::warn!(dir = %dir.display(), "not a directory; history ignored");
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        // fstat on the descriptor itself: no duplicate to make and close per read.
        let owner = nix::sys::stat::fstat(&fd)?.st_uid;
        if owner != user.uid {
            tracing::warn!(dir = %dir.display(), owner, user = %user.name, "history directory is not the user's; ignored");
            return Ok(None);
        }
        Ok(Some(UserDir(fd)))
    }

    /// The last [`MAX_READ`] bytes of `name`, starting at a line; None when it does not exist
    /// or is not a plain file of the user's (refused quietly: it is the user's own doing).
    pub fn read_tail(&self, name: &str, user: &User) -> io::Result<Option<Vec<u8>>> {
        let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
        let fd = match openat(&self.0, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(nix::errno::Errno::ENOENT) => return Ok(None),
            Err(nix::errno::Errno::ELOOP) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut file = File::from(fd);
        let meta = file.metadata()?;
        if !meta.is_file() || meta.nlink() != 1 || (meta.uid() != user.uid && meta.uid() != 0) {
            tracing::warn!(file = name, user = %user.name, "history file is not a plain file of the user's; ignored");
            return Ok(None);
        }
        let start = meta.len().saturating_sub(MAX_READ);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.take(MAX_READ).read_to_end(&mut bytes)?;
        if start > 0 {
            // The first line was cut by the start of the window.
            let from = bytes
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| i + 1);
            bytes.drain(..from);
        }
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> User {
        crate::domain::user::current().unwrap()
    }

    #[test]
    fn reads_only_the_tail_of_a_huge_sparse_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("f")).unwrap();
        file.set_len(8 << 30).unwrap();
        drop(file);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("f"))
            .unwrap();
        std::io::Write::write_all(&mut f, b"\nlast line\n").unwrap();
        let user = me();
        let d = UserDir::open(dir.path(), &user).unwrap().unwrap();
        let tail = d.read_tail("f", &user).unwrap().unwrap();
        assert!(tail.len() as u64 <= MAX_READ);
        assert!(tail.ends_with(b"last line\n"));
    }

    #[test]
    fn a_fifo_a_link_and_a_hard_link_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let user = me();
        nix::unistd::mkfifo(&dir.path().join("fifo"), Mode::from_bits_truncate(0o600)).unwrap();
        std::fs::write(dir.path().join("target"), "secret\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("target"), dir.path().join("link")).unwrap();
        std::fs::hard_link(dir.path().join("target"), dir.path().join("hard")).unwrap();
        let d = UserDir::open(dir.path(), &user).unwrap().unwrap();
        for name in ["fifo", "link", "hard", "missing"] {
            assert_eq!(d.read_tail(name, &user).unwrap(), None, "{name}");
        }
    }

    #[test]
    fn a_directory_of_another_owner_is_not_the_users() {
        let dir = tempfile::tempdir().unwrap();
        let other = User {
            uid: me().uid + 1,
            ..me()
        };
        assert!(UserDir::open(dir.path(), &other).unwrap().is_none());
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        assert!(UserDir::open(&link, &me()).unwrap().is_none());
    }
}
