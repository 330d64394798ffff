//! State directories no other user can create, replace or write into.
//!
//! A directory another user could create first (a fixed name under /tmp), or write into (mode
//! 0777, or below a parent they can write), lets them hold our locks or swap a staged crontab
//! before it is installed. So every state directory cronrpc creates or reuses is checked: each
//! directory on its path belongs to root or to us and is not writable by others (a sticky one
//! like /tmp may be, since no one else can rename what we own there), and the directory itself
//! is ours, a real directory (not a symlink), and writable by us alone.

use nix::unistd::geteuid;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

const STICKY: u32 = 0o1000;

fn refuse(path: &Path, why: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("unsafe state directory {}: {why}", path.display()),
    )
}

/// Others may not write into `meta` (a sticky directory aside, when `sticky_ok`).
fn check_writers(path: &Path, meta: &std::fs::Metadata, sticky_ok: bool) -> io::Result<()> {
    let mode = meta.mode();
    if mode & 0o022 != 0 && !(sticky_ok && mode & STICKY != 0) {
        return Err(refuse(
            path,
            format!(
                "writable by other users (mode {:04o}); chmod go-w it",
                mode & 0o7777
            ),
        ));
    }
    Ok(())
}

fn check_owner(path: &Path, meta: &std::fs::Metadata, also_root: bool) -> io::Result<()> {
    let me = geteuid().as_raw();
    if meta.uid() != me && !(also_root && meta.uid() == 0) {
        return Err(refuse(
            path,
            format!("owned by uid {}, not by uid {me}", meta.uid()),
        ));
    }
    Ok(())
}

/// Creates `path` (mode `mode`) and any missing parents if needed, and checks it and every
/// directory above it as the module says.
pub fn ensure(path: &Path, mode: u32) -> io::Result<()> {
    walk(path, Some(mode))
}

/// Checks an existing `path` and every directory above it as the module says, creating
/// nothing: for a directory cronrpc acts in as root without writing a file of its own there
/// first (moving directories, say), which one a user could plant or replace must never be.
pub fn verify(path: &Path) -> io::Result<()> {
    walk(path, None)
}

fn walk(path: &Path, create: Option<u32>) -> io::Result<()> {
    let path = std::path::absolute(path)?;
    let mut at = PathBuf::new();
    let parts: Vec<_> = path.components().collect();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        let last = i + 1 == parts.len();
        let meta = match std::fs::symlink_metadata(&at) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let Some(mode) = create else {
                    return Err(e);
                };
                // Parents a root cronrpc creates must stay reachable (users' run history lies
                // below them); anyone else's are private.
                let parent_mode = if geteuid().is_root() { 0o755 } else { 0o700 };
                match std::fs::DirBuilder::new()
                    .mode(if last { mode } else { parent_mode })
                    .create(&at)
                {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
                std::fs::symlink_metadata(&at)?
            }
            Err(e) => return Err(e),
        };
        if last {
            if !meta.file_type().is_dir() {
                return Err(refuse(&at, "not a directory (a symlink?)".into()));
            }
            check_owner(&at, &meta, false)?;
            check_writers(&at, &meta, false)?;
        } else {
            // A parent may be a symlink (e.g. /home on some systems): judge where it leads.
            let meta = if meta.file_type().is_symlink() {
                std::fs::metadata(&at)?
            } else {
                meta
            };
            check_owner(&at, &meta, true)?;
            check_writers(&at, &meta, true)?;
        }
    }
    Ok(())
}

/// Like [`ensure`] with mode 0755 for a directory others must pass through (root's state
/// directory: users' run history and lock files lie below it). One that lost its search bits
/// (e.g. made 0700 by a service manager) gets them back; nothing in it becomes listable.
pub fn ensure_reachable(path: &Path) -> io::Result<()> {
    ensure(path, 0o755)?;
    let mode = std::fs::metadata(path)?.mode() & 0o7777;
    if mode & 0o011 != 0o011 {
        std::fs::set_permissions(
            path,
            std::os::unix::fs::PermissionsExt::from_mode(mode | 0o011),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn creates_private_dirs_and_refuses_open_ones() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("a/b/cronrpc");
        ensure(&state, 0o700).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&state), 0o700);
        ensure(&state, 0o700).unwrap();
        std::fs::set_permissions(&state, PermissionsExt::from_mode(0o777)).unwrap();
        assert!(ensure(&state, 0o700).is_err(), "world-writable");
        std::fs::set_permissions(&state, PermissionsExt::from_mode(0o700)).unwrap();
        std::fs::set_permissions(dir.path().join("a"), PermissionsExt::from_mode(0o777)).unwrap();
        assert!(
            ensure(&state, 0o700).is_err(),
            "below a world-writable parent"
        );
        std::fs::set_permissions(dir.path().join("a"), PermissionsExt::from_mode(0o700)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&state, &link).unwrap();
        assert!(ensure(&link, 0o700).is_err(), "a symlink");
    }
}
