//! The revision journal: every crontab cronrpc wrote, and the one it replaced, per user.
//!
//! ```text
//! <dir>/<user>/index.ndjson      one Revision per line, oldest first
//! <dir>/<user>/000042.crontab    the content of revision 42
//! ```
//!
//! Directories are 0700 and files 0600: a crontab may hold secrets in its environment lines.
//! Only ever touched under the user's crontab lock, so there is one writer per user. The index
//! is rewritten whole (staging file, rename) and a content file is complete before the index
//! names it, so a crash leaves at worst an unlisted file that the next prune removes.

use crate::domain::time::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// Increases by one with each revision of this user's crontab; pass it to crontab.restore.
    pub revision: u64,
    /// The etag the crontab had with this content.
    pub etag: String,
    /// When cronrpc wrote it (for content found in place: when it was last modified).
    pub written_at: Timestamp,
    /// Who wrote it: the socket peer's user (over stdio, the user cronrpc runs as);
    /// `external` for content written outside cronrpc. Never taken from what a client says.
    pub by: String,
    /// The name the MCP client gave for itself, when the write came through MCP. Informational
    /// only: any client may call itself anything.
    #[serde(default)]
    pub client: Option<String>,
    /// What changed, for a person.
    pub summary: String,
    /// Journaled before the write was installed, and not yet confirmed: a kill in between
    /// leaves it so, and [`Journal::resolve`] keeps it if the crontab holds it, else drops it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(skip)]
    pub pending: bool,
}

/// How much history to keep per user. The newest revision is always kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub keep: usize,
    pub max_age_days: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
    retention: Retention,
}

/// One revision about to be recorded.
pub struct Record<'a> {
    pub content: &'a str,
    pub etag: String,
    pub written_at: Timestamp,
    pub by: String,
    pub client: Option<String>,
    pub summary: String,
    /// Recorded ahead of the write it describes (see [`Revision::pending`]).
    pub pending: bool,
}

const INDEX: &str = "index.ndjson";

impl Journal {
    pub fn new(dir: impl Into<PathBuf>, retention: Retention) -> Self {
        Journal {
            dir: dir.into(),
            retention,
        }
    }

    fn user_dir(&self, user: &str) -> PathBuf {
        self.dir.join(user)
    }

    fn content_path(&self, user: &str, revision: u64) -> PathBuf {
        self.user_dir(user).join(format!("{revision:06}.crontab"))
    }

    /// Makes sure `user`'s journal is that of the user with `uid`: a user deleted and then
    /// made again under the same name (or a name reused for someone else) must not inherit
    /// the old one's crontab history, secrets in environment lines included. The journal
    /// notes its owner's uid; a journal of another uid is removed.
    pub fn claim(&self, user: &str, uid: u32) -> io::Result<()> {
        let dir = self.user_dir(user);
        let owner = dir.join("owner");
        match std::fs::read_to_string(&owner) {
            Ok(text) if text.trim() == uid.to_string() => return Ok(()),
            Ok(_) => std::fs::remove_dir_all(&dir)?,
            // None yet, or one from before owners were noted (adopted by the current user).
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        super::dirs::ensure(&dir, 0o700)?;
        write_private(&owner, &format!("{uid}\n"))
    }

    /// Every kept revision, oldest first. Lines that do not parse (a torn write) are skipped.
    pub fn list(&self, user: &str) -> io::Result<Vec<Revision>> {
        match std::fs::read_to_string(self.user_dir(user).join(INDEX)) {
            Ok(text) => Ok(text
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The content of a kept revision.
    pub fn content(&self, user: &str, revision: u64) -> io::Result<Option<String>> {
        if !self.list(user)?.iter().any(|r| r.revision == revision) {
            return Ok(None);
        }
        match std::fs::read_to_string(self.content_path(user, revision)) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Appends revisions (oldest first), then prunes to the retention.
    pub fn append(&self, user: &str, records: Vec<Record<'_>>, now: Timestamp) -> io::Result<()> {
        let dir = self.user_dir(user);
        super::dirs::ensure(&dir, 0o700)?;
        let mut index = self.list(user)?;
        let first = index.last().map_or(1, |r| r.revision + 1);
        for (next, record) in (first..).zip(records) {
            write_private(&self.content_path(user, next), record.content)?;
            index.push(Revision {
                revision: next,
                etag: record.etag,
                written_at: record.written_at,
                by: record.by,
                client: record.client,
                summary: record.summary,
                pending: record.pending,
            });
        }
        let kept = self.prune(index, now);
        self.write_index(user, &kept)
    }

    /// Settles revisions journaled ahead of their write: the newest is confirmed when the
    /// crontab now has its etag (the write happened), and any other pending one is dropped
    /// (the write failed, or never happened).
    pub fn resolve(&self, user: &str, current_etag: &str) -> io::Result<()> {
        let index = self.list(user)?;
        if !index.iter().any(|r| r.pending) {
            return Ok(());
        }
        let last = index.len() - 1;
        let kept: Vec<Revision> = index
            .into_iter()
            .enumerate()
            .filter(|(i, r)| !r.pending || (*i == last && r.etag == current_etag))
            .map(|(_, mut r)| {
                r.pending = false;
                r
            })
            .collect();
        self.write_index(user, &kept)
    }

    fn write_index(&self, user: &str, kept: &[Revision]) -> io::Result<()> {
        let dir = self.user_dir(user);
        let mut text = String::new();
        for revision in kept {
            text.push_str(&serde_json::to_string(revision).expect("revisions serialize"));
            text.push('\n');
        }
        let staging = dir.join(".index.tmp");
        write_private(&staging, &text)?;
        std::fs::rename(&staging, dir.join(INDEX))?;
        self.remove_unlisted(user, kept);
        Ok(())
    }

    fn prune(&self, mut index: Vec<Revision>, now: Timestamp) -> Vec<Revision> {
        let keep = self.retention.keep.max(1);
        if index.len() > keep {
            index.drain(..index.len() - keep);
        }
        if let Some(days) = self.retention.max_age_days {
            let oldest = now.unix() - i64::from(days) * 86_400;
            let newest = index.len().saturating_sub(1);
            let mut i = 0;
            index.retain(|r| {
                i += 1;
                i - 1 == newest || r.written_at.unix() >= oldest
            });
        }
        index
    }

    /// Content files the index no longer names: pruned ones, or left by a crash.
    fn remove_unlisted(&self, user: &str, kept: &[Revision]) {
        let Ok(entries) = std::fs::read_dir(self.user_dir(user)) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(number) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".crontab"))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if !kept.iter().any(|r| r.revision == number) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn write_private(path: &std::path::Path, content: &str) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn record(content: &str, at: i64) -> Record<'_> {
        Record {
            content,
            etag: format!("e-{content}"),
            written_at: Timestamp::from_unix(at).unwrap(),
            by: "root".into(),
            client: None,
            summary: "s".into(),
            pending: false,
        }
    }

    #[test]
    fn appends_numbers_and_prunes_by_count() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(
            dir.path(),
            Retention {
                keep: 3,
                max_age_days: None,
            },
        );
        let now = Timestamp::from_unix(1_000_000).unwrap();
        for n in 0..5 {
            let content = format!("c{n}");
            journal
                .append("alice", vec![record(&content, 1_000_000)], now)
                .unwrap();
        }
        let numbers: Vec<u64> = journal
            .list("alice")
            .unwrap()
            .iter()
            .map(|r| r.revision)
            .collect();
        assert_eq!(numbers, [3, 4, 5]);
        assert_eq!(journal.content("alice", 5).unwrap().as_deref(), Some("c4"));
        assert_eq!(journal.content("alice", 1).unwrap(), None, "pruned");
        assert!(!dir.path().join("alice/000001.crontab").exists());
        let mode = |p: &str| {
            std::fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("alice"), 0o700);
        assert_eq!(mode("alice/000005.crontab"), 0o600);
        assert_eq!(mode("alice/index.ndjson"), 0o600);
    }

    #[test]
    fn prunes_by_age_but_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(
            dir.path(),
            Retention {
                keep: 50,
                max_age_days: Some(1),
            },
        );
        let day = 86_400;
        let now = Timestamp::from_unix(10 * day).unwrap();
        journal
            .append(
                "bob",
                vec![record("old", 2 * day), record("older-but-newest", 3 * day)],
                now,
            )
            .unwrap();
        let kept = journal.list("bob").unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].revision, 2);
        journal
            .append("bob", vec![record("fresh", 10 * day)], now)
            .unwrap();
        let kept: Vec<u64> = journal
            .list("bob")
            .unwrap()
            .iter()
            .map(|r| r.revision)
            .collect();
        assert_eq!(kept, [3], "numbers continue; the old newest ages out");
    }
}
