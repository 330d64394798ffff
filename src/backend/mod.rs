//! Where crontabs live. A backend reads and installs whole crontabs; the service above it holds
//! the per-user lock across each read-modify-write.

pub mod dirs;
pub mod journal;
mod lock;
mod spool;
pub mod system;

pub use lock::Locks;
pub use spool::SpoolBackend;
pub use system::SystemBackend;

use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::Result;

pub trait Backend: Send + Sync {
    /// `system` or `spool`, as `health` reports it.
    fn name(&self) -> &'static str;

    /// The user's crontab, or `None` when the user has none.
    fn read(&self, user: &User) -> Result<Option<String>>;

    /// Installs `content` as the user's crontab, all or nothing.
    fn write(&self, user: &User, content: &str) -> Result<()>;

    /// Names of the users that have a crontab.
    fn users(&self) -> Result<Vec<String>>;

    /// When the user's crontab last changed, where the backend can tell.
    fn modified_at(&self, user: &User) -> Option<Timestamp>;

    /// Reads are a few system calls on local files of cronrpc's own (no process to start, no
    /// lock to wait for), so a quick read may run on the connection's thread.
    fn reads_locally(&self) -> bool {
        false
    }
}

fn mtime(path: &std::path::Path) -> Option<Timestamp> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(Timestamp::from(chrono::DateTime::<chrono::Utc>::from(
        modified,
    )))
}

/// File names in `dir` that look like user names, sorted.
fn user_files(dir: &std::path::Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(crate::domain::Error::backend(format!(
                "listing {}: {e}",
                dir.display()
            )))
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| crate::domain::user::check_name(name).is_ok())
        .collect();
    names.sort();
    Ok(names)
}
