//! The history store: one NDJSON file per user, `<root>/<user>/runs.ndjson`, rotated by size.
//!
//! The directory belongs to the user (0700) and each file is 0600, so the job that cron runs as
//! the user can append its own runs while other users can read nothing. The root server writes
//! there too, so it refuses to follow links and to append to a file the user does not own: a
//! user must not be able to point root's appends at another file. Writers hold an exclusive
//! `flock` on the file and write each record as one line, so concurrent runs never interleave.

use super::record::RunRecord;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::service::views::LastRun;
use nix::fcntl::{Flock, FlockArg};
use serde::Deserialize;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const FILE: &str = "runs.ndjson";
/// The current file is rotated to `.1` once it reaches this size.
pub const ROTATE_AT: u64 = 1024 * 1024;
/// Rotated files kept: `.1` (newest) to `.3`.
pub const KEEP: usize = 3;

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    rotate_at: u64,
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn refused(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, why)
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Store {
            root: root.into(),
            rotate_at: ROTATE_AT,
        }
    }

    #[cfg(test)]
    fn with_rotation(mut self, bytes: u64) -> Self {
        self.rotate_at = bytes;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, user: &str) -> PathBuf {
        self.root.join(user)
    }

    fn file(&self, user: &str, generation: usize) -> PathBuf {
        match generation {
            0 => self.dir(user).join(FILE),
            n => self.dir(user).join(format!("{FILE}.{n}")),
        }
    }

    /// Creates the user's directory, owned by the user when we are root, so that the job cron
    /// runs as that user can write its runs. The root directory only lets users pass through.
    pub fn prepare(&self, user: &User) -> io::Result<()> {
        let dir = self.dir(&user.name);
        if !self.root.is_dir() {
            std::fs::create_dir_all(&self.root)?;
            if is_root() {
                std::fs::set_permissions(&self.root, PermissionsExt::from_mode(0o711))?;
            }
        }
        if is_root() {
            let_users_through(self.root.parent())?;
        }
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let meta = std::fs::symlink_metadata(&dir)?;
        if !meta.is_dir() {
            return Err(refused(format!("{} is not a directory", dir.display())));
        }
        if is_root() && meta.uid() != user.uid {
            std::os::unix::fs::lchown(&dir, Some(user.uid), Some(user.gid))?;
        }
        Ok(())
    }

    /// Appends one record, rotating first when the file has grown past the limit.
    pub fn append(&self, user: &User, record: &RunRecord) -> io::Result<()> {
        self.prepare(user)?;
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        let path = self.file(&user.name, 0);
        loop {
            let file = OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .custom_flags(nix::libc::O_NOFOLLOW)
                .open(&path)?;
            claim(&file, user, &path)?;
            let mut file =
                Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| io::Error::from(e))?;
            let meta = file.metadata()?;
            // Another writer may have rotated the file away while we waited for the lock.
            let current = std::fs::symlink_metadata(&path).ok();
            if current.is_none_or(|c| c.ino() != meta.ino() || c.dev() != meta.dev()) {
                continue;
            }
            if meta.len() >= self.rotate_at {
                self.rotate(&user.name)?;
                continue;
            }
            return file.write_all(&line);
        }
    }

    fn rotate(&self, user: &str) -> io::Result<()> {
        for generation in (0..KEEP).rev() {
            let from = self.file(user, generation);
            if std::fs::symlink_metadata(&from).is_ok() {
                std::fs::rename(&from, self.file(user, generation + 1))?;
            }
        }
        Ok(())
    }

    /// Every run of the user, each `run_id` once (its last record), newest first.
    pub fn read(&self, user: &str, include_rotated: bool) -> io::Result<Vec<RunRecord>> {
        let generations = if include_rotated { KEEP } else { 0 };
        let records: Vec<RunRecord> = self.lines(user, generations)?;
        Ok(newest_first(records, |r| (&r.run_id, r.started_at)))
    }

    /// The newest run of each entry, from the current file and the newest rotated one (so a
    /// rotation does not blank every `last_run`). One read per call.
    pub fn last_runs(&self, user: &str) -> io::Result<HashMap<String, LastRun>> {
        let runs: Vec<Summary> = self.lines(user, 1)?;
        let mut last = HashMap::new();
        for run in newest_first(runs, |r| (&r.run_id, r.started_at)) {
            last.entry(run.entry_id).or_insert(LastRun {
                at: run.started_at,
                exit_code: run.exit_code,
                duration_ms: run.duration_ms,
            });
        }
        Ok(last)
    }

    /// The parseable lines of the files from the oldest generation wanted to the current one.
    fn lines<T: for<'de> Deserialize<'de>>(
        &self,
        user: &str,
        generations: usize,
    ) -> io::Result<Vec<T>> {
        let mut out = Vec::new();
        for generation in (0..=generations).rev() {
            let Some(text) = read_file(&self.file(user, generation))? else {
                continue;
            };
            // A torn or foreign line is skipped rather than failing the whole history.
            out.extend(text.lines().filter_map(|l| serde_json::from_str(l).ok()));
        }
        Ok(out)
    }
}

/// Only what `last_run` needs; the outputs are skipped without being kept.
#[derive(Deserialize)]
struct Summary {
    run_id: String,
    entry_id: String,
    started_at: Timestamp,
    exit_code: Option<i32>,
    duration_ms: Option<u64>,
}

/// Keeps the last record of each run (records are in file order, oldest first), then orders
/// newest start first; among equal starts, the one written later first.
fn newest_first<T>(records: Vec<T>, key: impl Fn(&T) -> (&String, Timestamp)) -> Vec<T> {
    let mut last_index = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        last_index.insert(key(r).0.clone(), i);
    }
    let mut kept: Vec<(usize, T)> = records
        .into_iter()
        .enumerate()
        .filter(|(i, r)| last_index.get(key(r).0) == Some(i))
        .collect();
    kept.sort_by(|(i, a), (j, b)| key(b).1.cmp(&key(a).1).then(j.cmp(i)));
    kept.into_iter().map(|(_, r)| r).collect()
}

fn read_file(path: &Path) -> io::Result<Option<String>> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Makes sure root appends only to the user's own single-link file: a fresh file (root's,
/// empty) is handed to the user; anything else not the user's is refused.
fn claim(file: &File, user: &User, path: &Path) -> io::Result<()> {
    let meta = file.metadata()?;
    if !meta.is_file() || meta.nlink() != 1 {
        return Err(refused(format!("{} is not a plain file", path.display())));
    }
    if !is_root() || meta.uid() == user.uid {
        return Ok(());
    }
    if meta.uid() == 0 && meta.len() == 0 {
        return std::os::unix::fs::fchown(file, Some(user.uid), Some(user.gid));
    }
    Err(refused(format!(
        "{} belongs to uid {}, not {}",
        path.display(),
        meta.uid(),
        user.name
    )))
}

/// Lets users pass through the state directory to reach their own history directory.
fn let_users_through(dir: Option<&Path>) -> io::Result<()> {
    let Some(dir) = dir else { return Ok(()) };
    let meta = std::fs::metadata(dir)?;
    let mode = meta.mode() & 0o7777;
    if meta.uid() == 0 && mode & 0o011 != 0o011 {
        std::fs::set_permissions(dir, PermissionsExt::from_mode(mode | 0o011))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::record::Trigger;

    fn me() -> User {
        crate::domain::user::current().unwrap()
    }

    fn record(entry: &str, at: &str, exit: i32) -> RunRecord {
        let mut r = RunRecord::started(
            entry.into(),
            me().name,
            Trigger::Manual,
            Timestamp::parse(at).unwrap(),
        );
        r.exit_code = Some(exit);
        r
    }

    #[test]
    fn reads_newest_first_and_keeps_the_last_record_of_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("history"));
        let user = me();
        let mut running = record("e1", "2024-01-01T00:00:00Z", 0);
        running.exit_code = None;
        store.append(&user, &running).unwrap();
        store
            .append(&user, &record("e2", "2024-01-01T00:00:05Z", 2))
            .unwrap();
        let mut done = running.clone();
        done.exit_code = Some(1);
        store.append(&user, &done).unwrap();
        let runs = store.read(&user.name, false).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].entry_id, "e2");
        assert_eq!(runs[1].exit_code, Some(1));
        let last = store.last_runs(&user.name).unwrap();
        assert_eq!(last["e1"].exit_code, Some(1));
        assert_eq!(last["e2"].exit_code, Some(2));
        let file = store.file(&user.name, 0);
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
        let dir_mode = std::fs::metadata(store.dir(&user.name)).unwrap().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn rotates_by_size_and_keeps_a_few_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path()).with_rotation(300);
        let user = me();
        for i in 0..40 {
            store
                .append(&user, &record(&format!("e{i}"), "2024-01-01T00:00:00Z", i))
                .unwrap();
        }
        for generation in 1..=KEEP {
            assert!(store.file(&user.name, generation).exists(), "{generation}");
        }
        assert!(!store.file(&user.name, KEEP + 1).exists());
        let current = store.read(&user.name, false).unwrap();
        let all = store.read(&user.name, true).unwrap();
        assert!(current.len() < all.len() && all.len() < 40);
        assert_eq!(all[0].entry_id, "e39", "newest first");
        assert_eq!(current[0].entry_id, "e39");
    }

    #[test]
    fn refuses_to_follow_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let user = me();
        store.prepare(&user).unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "").unwrap();
        std::os::unix::fs::symlink(&target, store.file(&user.name, 0)).unwrap();
        assert!(store
            .append(&user, &record("e", "2024-01-01T00:00:00Z", 0))
            .is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    }

    #[test]
    fn a_missing_history_is_empty() {
        let store = Store::new("/nonexistent/cronrpc-history");
        assert!(store.read("nobody", true).unwrap().is_empty());
        assert!(store.last_runs("nobody").unwrap().is_empty());
    }
}
