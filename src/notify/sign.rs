//! Webhook signatures and where their keys live.
//!
//! The server may be configured with a secret (`--webhook-secret-file`, a file root alone reads).
//! Each user gets a key of their own derived from it, `hex(HMAC-SHA256(secret, "cronrpc webhook
//! key:" + user))`, which the server writes to `<history dir>/<user>/webhook.key` (0600, owned by
//! the user, in the user's own history directory) whenever it installs that user's managed
//! entries. The recorder, running as the user under cron with no server, reads it there. A user
//! thus learns only their own key: they can sign for their own jobs, never for another user's.
//! A receiver holding the server secret derives the key from the record's `user`.
//!
//! A delivery carries `X-Cronrpc-Timestamp: <unix seconds>` and `X-Cronrpc-Signature:
//! sha256=<hex(HMAC-SHA256(key, timestamp + "." + body))>`; the receiver recomputes it, compares
//! in constant time, and refuses stale timestamps, so a captured delivery cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const SIGNATURE_HEADER: &str = "X-Cronrpc-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Cronrpc-Timestamp";
/// The key file's name in the user's history directory.
pub const KEY_FILE: &str = "webhook.key";
/// What the per-user key is derived with, before the user name.
const DERIVE_PREFIX: &[u8] = b"cronrpc webhook key:";
/// A key or secret file larger than this is refused (a key is 64 bytes).
const MAX_SECRET_BYTES: u64 = 4096;

type HmacSha256 = Hmac<Sha256>;

/// The key a user's webhooks are signed with (the hex text, used as the HMAC key as it is).
#[derive(Clone, PartialEq, Eq)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// The user's key, from the server's secret.
    pub fn derive(secret: &[u8], user: &str) -> Key {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(DERIVE_PREFIX);
        mac.update(user.as_bytes());
        Key(hex::encode(mac.finalize().into_bytes()).into_bytes())
    }

    /// The signature header's value for a body sent at `timestamp` (unix seconds).
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    /// Checks a signature header's value in constant time (what a receiver does; for tests).
    pub fn verify(&self, timestamp: i64, body: &[u8], header: &str) -> bool {
        let Some(hex_sig) = header.strip_prefix("sha256=") else {
            return false;
        };
        let Ok(sig) = hex::decode(hex_sig) else {
            return false;
        };
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&sig).is_ok()
    }
}

/// The user's key file under the history root.
pub fn key_path(history_root: &Path, user: &str) -> PathBuf {
    history_root.join(user).join(KEY_FILE)
}

/// Reads the server's secret: a regular file (no link followed), bounded, trailing newline
/// dropped. It must not be readable by group or others, or it is no secret.
pub fn read_secret(path: &Path) -> io::Result<Vec<u8>> {
    let (bytes, mode) = read_small(path)?;
    if mode & 0o077 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is readable by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is empty", path.display()),
        ));
    }
    Ok(bytes)
}

/// The recorder's read of the user's key: None when there is none (unsigned deliveries).
pub fn load_key(history_root: &Path, user: &str) -> Option<Key> {
    let (bytes, _) = read_small(&key_path(history_root, user)).ok()?;
    (!bytes.is_empty()).then_some(Key(bytes))
}

fn read_small(path: &Path) -> io::Result<(Vec<u8>, u32)> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a regular file", path.display()),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SECRET_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is larger than {MAX_SECRET_BYTES} bytes", path.display()),
        ));
    }
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    Ok((bytes, meta.mode()))
}

/// Writes the user's key into their history directory (which must exist, owned by them), so
/// their jobs can sign. The directory is the user's, so nothing in it is trusted: the key goes
/// to a fresh temporary file (O_EXCL, no links followed) that is then renamed over the old one;
/// a rename replaces a link rather than following it. Nothing is written when it is current.
pub fn provision(history_root: &Path, uid: u32, gid: u32, user: &str, key: &Key) -> io::Result<()> {
    let path = key_path(history_root, user);
    if read_small(&path).is_ok_and(|(bytes, _)| bytes == key.0) {
        return Ok(());
    }
    let dir = history_root.join(user);
    // The directory itself sits in the root-owned history root, so the user cannot swap it
    // for a link once it is checked; a link or a stranger's directory is never written into.
    let meta = std::fs::symlink_metadata(&dir)?;
    if !meta.is_dir() || meta.uid() != uid {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} is not a directory of the user's", dir.display()),
        ));
    }
    let tmp = dir.join(format!(".{KEY_FILE}.{}", uuid::Uuid::new_v4()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&tmp)?;
    let written = (|| {
        file.set_permissions(PermissionsExt::from_mode(0o600))?;
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::fchown(&file, Some(uid), Some(gid))?;
        }
        file.write_all(&key.0)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_body_or_time_does_not() {
        let key = Key::derive(b"server secret", "alice");
        let sig = key.sign(1_700_000_000, b"{\"a\":1}");
        assert!(sig.starts_with("sha256="));
        assert!(key.verify(1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!key.verify(1_700_000_001, b"{\"a\":1}", &sig));
        assert!(!key.verify(1_700_000_000, b"{\"a\":2}", &sig));
        let bob = Key::derive(b"server secret", "bob");
        assert_ne!(bob, key, "each user has a key of their own");
        assert!(!bob.verify(1_700_000_000, b"{\"a\":1}", &sig));
    }

    #[test]
    fn the_derivation_is_the_documented_one() {
        // hmac.new(b"s3cret", b"cronrpc webhook key:alice", sha256).hexdigest()
        let key = Key::derive(b"s3cret", "alice");
        let mut mac = HmacSha256::new_from_slice(b"s3cret").unwrap();
        mac.update(b"cronrpc webhook key:alice");
        assert_eq!(key.0, hex::encode(mac.finalize().into_bytes()).into_bytes());
        assert_eq!(key.0.len(), 64);
        // The vector the README's Python check computes.
        assert_eq!(
            key.0,
            b"b037f12f5582c08bd8560e726d57a51ad9e4bf1ec745f3c95c1fbdc57c5e8788"
        );
        assert_eq!(
            key.sign(1_700_000_000, b"{\"a\":1}"),
            "sha256=124f6362155465d8f515f2f74ecd0c13941d8c22e0d5a95b849df07a0f9bd000"
        );
    }

    #[test]
    fn provisioned_keys_load_and_links_are_replaced_not_followed() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("alice")).unwrap();
        let target = root.path().join("elsewhere");
        std::fs::write(&target, "keep me").unwrap();
        std::os::unix::fs::symlink(&target, key_path(root.path(), "alice")).unwrap();
        let key = Key::derive(b"secret", "alice");
        let (uid, gid) = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        provision(root.path(), uid, gid, "alice", &key).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        assert_eq!(load_key(root.path(), "alice"), Some(key.clone()));
        let meta = std::fs::symlink_metadata(key_path(root.path(), "alice")).unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.mode() & 0o777, 0o600);
        provision(root.path(), uid, gid, "alice", &key).unwrap();
        assert_eq!(load_key(root.path(), "bob"), None);
    }

    #[test]
    fn a_user_directory_that_is_a_link_is_never_written_into() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join("mallory")).unwrap();
        let (uid, gid) = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        let key = Key::derive(b"secret", "mallory");
        assert!(provision(root.path(), uid, gid, "mallory", &key).is_err());
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_secret_readable_by_others_or_a_fifo_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cret\n").unwrap();
        std::fs::set_permissions(&path, PermissionsExt::from_mode(0o644)).unwrap();
        assert!(read_secret(&path).is_err());
        std::fs::set_permissions(&path, PermissionsExt::from_mode(0o600)).unwrap();
        assert_eq!(read_secret(&path).unwrap(), b"s3cret");
        let sparse = std::fs::File::create(dir.path().join("sparse")).unwrap();
        sparse.set_len(1 << 40).unwrap();
        std::fs::set_permissions(dir.path().join("sparse"), PermissionsExt::from_mode(0o600))
            .unwrap();
        assert!(
            read_secret(&dir.path().join("sparse")).is_err(),
            "a huge file is not read"
        );
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert!(read_secret(&fifo).is_err(), "a FIFO must not hang the read");
        std::fs::create_dir(dir.path().join("carol")).unwrap();
        let key_fifo = key_path(dir.path(), "carol");
        nix::unistd::mkfifo(&key_fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert!(load_key(dir.path(), "carol").is_none());
    }
}
