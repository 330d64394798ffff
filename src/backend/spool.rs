//! One file per user in a directory: for unprivileged use and fast tests. Writes are atomic:
//! a staging file in the same directory, fsync, rename, fsync of the directory. A crash leaves
//! the old file or the new one, never a torn one. The staging file has one fixed name per user
//! (`.USER.tmp`), written only under the user's lock, so one killed mid-write is simply
//! overwritten by the next write: temporary files never pile up.

use super::{mtime, user_files, Backend};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, Result};
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct SpoolBackend {
    dir: PathBuf,
}

impl SpoolBackend {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SpoolBackend { dir: dir.into() }
    }

    fn path(&self, user: &User) -> PathBuf {
        self.dir.join(&user.name)
    }

    fn create_dir(&self) -> std::io::Result<()> {
        super::dirs::ensure(&self.dir, 0o700)
    }

    fn write_atomically(&self, user: &User, content: &str) -> std::io::Result<()> {
        self.create_dir()?;
        let staging = self.dir.join(format!(".{}.tmp", user.name));
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&staging)?;
        file.write_all(content.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&staging, self.path(user))?;
        std::fs::File::open(&self.dir)?.sync_all()
    }
}

impl Backend for SpoolBackend {
    fn name(&self) -> &'static str {
        "spool"
    }

    fn read(&self, user: &User) -> Result<Option<String>> {
        let path = self.path(user);
        match read_file(&path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| Error::backend(format!("{} is not UTF-8", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::backend(format!("reading {}: {e}", path.display()))),
        }
    }

    fn write(&self, user: &User, content: &str) -> Result<()> {
        self.write_atomically(user, content)
            .map_err(|e| Error::backend(format!("writing {}: {e}", self.path(user).display())))
    }

    fn users(&self) -> Result<Vec<String>> {
        user_files(&self.dir)
    }

    fn modified_at(&self, user: &User) -> Option<Timestamp> {
        mtime(&self.path(user))
    }

    /// A read is one open and read of a file in cronrpc's own 0700 directory.
    fn reads_locally(&self) -> bool {
        true
    }
}

/// The whole file. `std::fs::read` (and `File::read_to_end`) first asks the file's size: one
/// more system call per read than reading to end of file, and a crontab is small and read on
/// every request. Through `take` the read knows no size and just reads into the buffer.
fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(8 * 1024);
    std::fs::File::open(path)?
        .take(u64::MAX)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_private_files_and_lists_users() {
        let dir = tempfile::tempdir().unwrap();
        let backend = SpoolBackend::new(dir.path().join("spool"));
        let root = user::lookup("root").unwrap();
        assert_eq!(backend.read(&root).unwrap(), None);
        backend.write(&root, "# hi\n").unwrap();
        assert_eq!(backend.read(&root).unwrap().as_deref(), Some("# hi\n"));
        let mode = std::fs::metadata(dir.path().join("spool/root"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(backend.users().unwrap(), vec!["root".to_string()]);
    }
}
