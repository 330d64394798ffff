//! The history store: one NDJSON file per user, `<root>/<user>/runs.ndjson`, rotated by size.
//!
//! The directory belongs to the user (0700) and each file is 0600, so the job that cron runs as
//! the user can append its own runs while other users can read nothing. The root server writes
//! there too, so it refuses to follow links and to append to a file the user does not own: a
//! user must not be able to point root's appends at another file. Writers hold an exclusive
//! `flock` on the file and write each record as one line, so concurrent runs never interleave.

use super::record::LastRun;
use super::record::RunRecord;
use super::stored::StoredRun;
use super::tail::UserDir;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use nix::fcntl::{Flock, FlockArg};
use serde::Deserialize;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FILE: &str = "runs.ndjson";
/// The current file is rotated to `.1` once it reaches this size.
pub const ROTATE_AT: u64 = 1024 * 1024;
/// Rotated files kept: `.1` (newest) to `.3`.
pub const KEEP: usize = 3;
/// How long a writer waits for the file's lock. The user can hold it forever; a run is then
/// not recorded, but nothing waits on it for long.
const LOCK_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    rotate_at: u64,
}

pub(super) fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

pub(super) fn refused(why: String) -> io::Error {
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

    pub fn dir(&self, user: &str) -> PathBuf {
        self.root.join(user)
    }

    fn name(generation: usize) -> String {
        match generation {
            0 => FILE.to_owned(),
            n => format!("{FILE}.{n}"),
        }
    }

    fn file(&self, user: &str, generation: usize) -> PathBuf {
        self.dir(user).join(Self::name(generation))
    }

    /// Creates the user's directory, owned by the user when we are root, so that the job cron
    /// runs as that user can write its runs. The root directory only lets users pass through.
    /// A directory owned by another uid was left by a deleted user whose uid or name was
    /// reused: it is moved out of reach and a fresh one made.
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
            if let Ok(meta) = std::fs::symlink_metadata(&dir) {
                if meta.uid() != user.uid && meta.uid() != 0 {
                    self.quarantine(&user.name, meta.uid())?;
                }
            }
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
    pub fn append(&self, user: &User, record: &StoredRun) -> io::Result<()> {
        self.prepare(user)?;
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        let path = self.file(&user.name, 0);
        loop {
            // Never blocks on a FIFO planted in its place, never follows a link.
            let file = OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
                .open(&path)?;
            claim(&file, user, &path)?;
            let mut file = lock(file, &path)?;
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

    /// Every run of the user, each `run_id` once (its last record, settled), newest first.
    pub fn read(&self, user: &User, include_rotated: bool) -> io::Result<Vec<RunRecord>> {
        let generations = if include_rotated { KEEP } else { 0 };
        let records = self.lines(user, generations, StoredRun::parse)?;
        let records = newest_first(records, |r| (&r.run.run_id, r.run.started_at));
        Ok(records.into_iter().map(StoredRun::settled).collect())
    }

    /// The last record of one run, from any generation.
    pub fn find(&self, user: &User, run_id: &str) -> io::Result<Option<StoredRun>> {
        let records = self.lines(user, KEEP, StoredRun::parse)?;
        Ok(records.into_iter().rev().find(|r| r.run.run_id == run_id))
    }

    /// The newest run of each entry, from the current file and the newest rotated one (so a
    /// rotation does not blank every `last_run`). One read per call.
    pub fn last_runs(&self, user: &User) -> io::Result<HashMap<String, LastRun>> {
        let runs = self.lines(user, 1, |l| serde_json::from_slice::<Summary>(l).ok())?;
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
    fn lines<T>(
        &self,
        user: &User,
        generations: usize,
        parse: impl Fn(&[u8]) -> Option<T>,
    ) -> io::Result<Vec<T>> {
        let mut out = Vec::new();
        let Some(dir) = UserDir::open(&self.dir(&user.name), user)? else {
            return Ok(out);
        };
        for generation in (0..=generations).rev() {
            let Some(bytes) = dir.read_tail(&Self::name(generation), user)? else {
                continue;
            };
            // A torn or foreign line is skipped rather than failing the whole history.
            out.extend(bytes.split(|&b| b == b'\n').filter_map(&parse));
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

/// The file's exclusive lock, waited for at most [`LOCK_WAIT`].
fn lock(file: File, path: &Path) -> io::Result<Flock<File>> {
    let deadline = Instant::now() + LOCK_WAIT;
    let mut file = file;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(locked) => return Ok(locked),
            Err((back, nix::errno::Errno::EWOULDBLOCK)) if Instant::now() < deadline => {
                file = back;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err((_, e)) => {
                return Err(io::Error::other(format!("locking {}: {e}", path.display())))
            }
        }
    }
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
#[path = "store_tests.rs"]
mod tests;
