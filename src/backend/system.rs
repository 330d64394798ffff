//! The real crontabs, through Debian's `crontab` program, so the running cron daemon picks
//! changes up (crontab signals it through the spool directory's mtime).
//!
//! A new crontab is handed to `crontab` as a complete file, never through a pipe: if cronrpc
//! were killed while feeding a pipe, `crontab` would see end of input and install the torn
//! half. The staging file has one fixed name per user and is written only under the user's
//! lock, so one left behind by a crash is overwritten by the next write.

use super::{mtime, user_files, Backend};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, Result};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub const DEFAULT_SPOOL: &str = "/var/spool/cron/crontabs";

#[derive(Debug, Clone)]
pub struct SystemBackend {
    program: PathBuf,
    spool: PathBuf,
    staging: PathBuf,
}

impl SystemBackend {
    /// `staging` is a private directory of cronrpc's where new crontabs are written before
    /// `crontab` installs them.
    pub fn new(
        program: impl Into<PathBuf>,
        spool: impl Into<PathBuf>,
        staging: impl Into<PathBuf>,
    ) -> Self {
        SystemBackend {
            program: program.into(),
            spool: spool.into(),
            staging: staging.into(),
        }
    }

    fn stage(&self, user: &User, content: &str) -> std::io::Result<PathBuf> {
        super::dirs::ensure(&self.staging, 0o700)?;
        let path = self.staging.join(&user.name);
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(&path)?;
        file.write_all(content.as_bytes())?;
        Ok(path)
    }

    /// `crontab` on PATH, if there is one.
    pub fn find_program() -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("crontab"))
            .find(|p| p.is_file())
    }

    fn command(&self, user: &User) -> Command {
        let mut cmd = Command::new(&self.program);
        // Only root may name another user; for one's own crontab `-u` is refused to others.
        if nix::unistd::geteuid().is_root() {
            cmd.arg("-u").arg(&user.name);
        }
        cmd.env("LC_ALL", "C");
        cmd
    }
}

/// crontab installs a header of up to this many comment lines above the user's content, and
/// `crontab -l` leaves them out (NHEADER_LINES, crontab.c).
const HEADER_LINES: usize = 3;

/// The largest spool file read: cron's 10,000 lines of its longest line, with room to spare.
const MAX_SPOOL_BYTES: u64 = 64 << 20;

/// What `crontab -l` shows of a spool file, byte for byte but for its escapes: the leading
/// comment lines of the header are skipped, as list_cmd does.
fn without_header(mut bytes: &[u8]) -> &[u8] {
    for _ in 0..HEADER_LINES {
        if bytes.first() != Some(&b'#') {
            break;
        }
        bytes = match bytes.iter().position(|&b| b == b'\n') {
            Some(end) => &bytes[end + 1..],
            None => &[],
        };
    }
    bytes
}

impl SystemBackend {
    fn read_spool(&self, user: &User) -> Result<Option<String>> {
        use std::io::Read;
        let path = self.spool.join(&user.name);
        let fail =
            |e: &dyn std::fmt::Display| Error::backend(format!("reading {}: {e}", path.display()));
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(fail(&e)),
        };
        let meta = file.metadata().map_err(|e| fail(&e))?;
        if !meta.is_file() {
            return Err(fail(&"not a regular file"));
        }
        // Sized from the file up front (the size may change under us; read_to_end still reads
        // all there is), and the header cut off in place: no copy of a 10,000-line crontab.
        let mut bytes = Vec::with_capacity(meta.len().min(MAX_SPOOL_BYTES) as usize + 1);
        file.take(MAX_SPOOL_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(&e))?;
        if bytes.len() as u64 > MAX_SPOOL_BYTES {
            return Err(fail(&format!("over {MAX_SPOOL_BYTES} bytes")));
        }
        let header = bytes.len() - without_header(&bytes).len();
        bytes.drain(..header);
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::backend(format!("{}'s crontab is not UTF-8", user.name)))
    }
}

impl Backend for SystemBackend {
    fn name(&self) -> &'static str {
        "system"
    }

    fn read(&self, user: &User) -> Result<Option<String>> {
        // `crontab -l` prints CR and backspace as the two characters `\r` and `\b`, the same
        // as a literal backslash-r in the line (crontab.c, list_cmd), so its output cannot be
        // undone exactly. Root reads the installed bytes from the spool instead.
        if nix::unistd::geteuid().is_root() {
            return self.read_spool(user);
        }
        let out = self
            .command(user)
            .arg("-l")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::backend(format!("running {}: {e}", self.program.display())))?;
        if out.status.success() {
            return String::from_utf8(out.stdout)
                .map(Some)
                .map_err(|_| Error::backend(format!("{}'s crontab is not UTF-8", user.name)));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("no crontab for") {
            return Ok(None);
        }
        Err(Error::backend(format!(
            "crontab -l for {} failed: {}",
            user.name,
            stderr.trim()
        )))
    }

    fn write(&self, user: &User, content: &str) -> Result<()> {
        let staged = self.stage(user, content).map_err(|e| {
            Error::backend(format!(
                "staging {}'s crontab in {}: {e}",
                user.name,
                self.staging.display()
            ))
        })?;
        let mut command = self.command(user);
        if let Some(fd) = super::lock::held_fd(&user.name) {
            // SAFETY: only fcntl, which is async-signal-safe, runs between fork and exec.
            unsafe {
                use std::os::unix::process::CommandExt;
                command.pre_exec(move || {
                    if nix::libc::fcntl(fd, nix::libc::F_SETFD, 0) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let out = command
            .arg(&staged)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::backend(format!("running {}: {e}", self.program.display())))?;
        let _ = std::fs::remove_file(&staged);
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(Error::backend(format!(
                "crontab refused {}'s crontab: {}",
                user.name,
                stderr.trim()
            )));
        }
        Ok(())
    }

    fn users(&self) -> Result<Vec<String>> {
        user_files(&self.spool)
    }

    fn modified_at(&self, user: &User) -> Option<Timestamp> {
        mtime(&self.spool.join(&user.name))
    }
}

#[cfg(test)]
mod tests {
    use super::without_header;

    #[test]
    fn the_header_is_skipped_as_crontab_l_does() {
        let header = "# DO NOT EDIT THIS FILE\n# (x installed on y)\n# (Cron version z)\n";
        let body = "# mine\nA=b\r\n@daily x\n";
        assert_eq!(
            without_header(format!("{header}{body}").as_bytes()),
            body.as_bytes()
        );
        assert_eq!(without_header(b"@daily x\n"), b"@daily x\n");
        assert_eq!(without_header(b"# one\n"), b"");
    }
}
