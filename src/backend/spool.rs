//! One file per user in a directory: for unprivileged use and fast tests. Writes are atomic:
//! a temporary file in the same directory, fsync, rename, fsync of the directory. A crash
//! leaves the old file or the new one, never a torn one, and at worst a `.tmp` file that the
//! next write of any user cleans up.

use super::{mtime, user_files, Backend};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, Result};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

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
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
    }

    fn write_atomically(&self, path: &Path, content: &str) -> std::io::Result<()> {
        self.create_dir()?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(&self.dir)?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
        tmp.write_all(content.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        std::fs::File::open(&self.dir)?.sync_all()
    }
}

impl Backend for SpoolBackend {
    fn name(&self) -> &'static str {
        "spool"
    }

    fn read(&self, user: &User) -> Result<Option<String>> {
        let path = self.path(user);
        match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| Error::backend(format!("{} is not UTF-8", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::backend(format!("reading {}: {e}", path.display()))),
        }
    }

    fn write(&self, user: &User, content: &str) -> Result<()> {
        let path = self.path(user);
        self.write_atomically(&path, content)
            .map_err(|e| Error::backend(format!("writing {}: {e}", path.display())))
    }

    fn users(&self) -> Result<Vec<String>> {
        user_files(&self.dir)
    }

    fn modified_at(&self, user: &User) -> Option<Timestamp> {
        mtime(&self.path(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user;

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
