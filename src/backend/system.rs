//! The real crontabs, through Debian's `crontab` program, so the running cron daemon picks
//! changes up (crontab signals it through the spool directory's mtime).

use super::{mtime, user_files, Backend};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, Result};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub const DEFAULT_SPOOL: &str = "/var/spool/cron/crontabs";

#[derive(Debug, Clone)]
pub struct SystemBackend {
    program: PathBuf,
    spool: PathBuf,
}

impl SystemBackend {
    pub fn new(program: impl Into<PathBuf>, spool: impl Into<PathBuf>) -> Self {
        SystemBackend {
            program: program.into(),
            spool: spool.into(),
        }
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

impl Backend for SystemBackend {
    fn name(&self) -> &'static str {
        "system"
    }

    fn read(&self, user: &User) -> Result<Option<String>> {
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
        let mut child = self
            .command(user)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::backend(format!("running {}: {e}", self.program.display())))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let written = stdin.write_all(content.as_bytes());
        drop(stdin);
        let out = child
            .wait_with_output()
            .map_err(|e| Error::backend(format!("waiting for crontab: {e}")))?;
        written.map_err(|e| Error::backend(format!("sending the crontab to crontab: {e}")))?;
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
