//! The operations behind every method: typed params in, typed results out, domain errors.
//! Nothing here knows about JSON-RPC; `crate::api` puts these functions in its method table.

pub mod access;
pub mod adopt;
pub mod apply;
pub mod context;
pub mod crontab;
pub mod entries;
pub mod entry_checks;
pub mod entry_types;
pub mod notes;
pub mod params;
pub mod policies;
mod read_cache;
pub mod revisions;
pub mod run_now;
pub mod runs;
pub mod spec;
pub mod sweep;
pub mod system;
pub mod views;
mod webhook_keys;

pub use access::Caller;
pub use context::Context;

use crate::backend::journal::Journal;
use crate::backend::{Backend, Locks};
use crate::cron::{Zone, MAX_TAB_LINES};
use crate::crontab::recorder::Recorder;
use crate::crontab::Crontab;
use crate::domain::time::{Clock, Timestamp};
use crate::domain::user::{self, User};
use crate::domain::{Error, Result};
use crate::history::Store;

pub struct Service {
    backend: Box<dyn Backend>,
    locks: Locks,
    zone: Zone,
    journal: Option<Journal>,
    history: Store,
    /// The run recorder managed job lines go through; None writes plain commands.
    recorder: Option<Recorder>,
    /// What requests noticed, for `health`.
    notes: notes::Notes,
    /// What users' webhook keys are derived from (see `crate::notify::sign`).
    webhook_secret: Option<Vec<u8>>,
    /// Every "now" of every method: expiry, the times written to markers and revisions, next
    /// runs. The system clock unless a test gives a fake one ([`Service::with_clock`]).
    clock: Clock,
    /// Parsed crontabs for `entries.get`, reused only for the very same text.
    read_cache: read_cache::ReadCache,
}

/// The state a read-modify-write sees: the crontab as read, and its etag.
pub struct Edit {
    pub crontab: Crontab,
    pub etag_before: String,
    pub now: Timestamp,
}

impl Service {
    /// A service over `backend`. Until [`Service::with_runs`] says otherwise, runs are recorded
    /// in `.history` beside the lock directory (a test's own directory), never in the
    /// system's state directory.
    pub fn new(backend: Box<dyn Backend>, locks: Locks, zone: Zone) -> Self {
        let history = locks
            .dir()
            .parent()
            .map_or_else(|| ".history".into(), |dir| dir.join(".history"));
        Service {
            backend,
            locks,
            zone,
            journal: None,
            history: Store::new(history),
            recorder: None,
            notes: notes::Notes::default(),
            webhook_secret: None,
            clock: Clock::system(),
            read_cache: read_cache::ReadCache::default(),
        }
    }

    /// Reads the time from `clock` instead of the system clock (tests set and advance it).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The time as this service sees it; every method reads "now" here.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Keeps every write in `journal`, for crontab.revisions and crontab.restore.
    pub fn with_journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Where runs are recorded, and the recorder cron's runs go through.
    /// A root service first moves away history directories of users that are gone or now
    /// another uid, so a recycled uid never inherits them.
    pub fn with_runs(mut self, history: Store, recorder: Option<Recorder>) -> Self {
        history.sweep_stale();
        self.history = history;
        self.recorder = recorder;
        self
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// Whether quick reads may run on the caller's own thread (see `Backend::reads_locally`).
    pub fn reads_locally(&self) -> bool {
        self.backend.reads_locally()
    }

    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// Checks the name, that the caller may act on it, and that the user exists.
    fn user(&self, caller: &Caller, name: &str) -> Result<User> {
        user::check_name(name)?;
        caller.check(name)?;
        user::lookup(name)
    }

    fn read(&self, user: &User) -> Result<String> {
        Ok(self.backend.read(user)?.unwrap_or_default())
    }

    /// One read-modify-write of a user's crontab under the user's lock. Expired entries are
    /// swept from every write; nothing is written when `change` fails or changes nothing.
    fn modify<T>(
        &self,
        caller: &Caller,
        user: &User,
        action: Action,
        change: impl FnOnce(&mut Edit) -> Result<T>,
    ) -> Result<(T, String)> {
        let guard = self.locks.lock(user)?;
        let before = self.read(user)?;
        let mut edit = Edit {
            crontab: Crontab::from_text(&before),
            etag_before: etag(&before),
            now: self.now(),
        };
        let out = change(&mut edit)?;
        edit.crontab.remove_expired(edit.now);
        let after = edit.crontab.render();
        self.note_recorders(user, edit.crontab.entries().filter_map(|l| l.recorder));
        if edit.crontab.line_count() > MAX_TAB_LINES {
            return Err(Error::new(
                crate::domain::ErrorKind::InvalidCrontab,
                format!(
                    "the crontab would have {} lines; cron's limit is {MAX_TAB_LINES}",
                    edit.crontab.line_count()
                ),
            ));
        }
        if after != before {
            // The lock should make this impossible; it is checked because a lock can fail to
            // exclude (the user deleted or swapped their lock file while we held it, or wrote
            // with `crontab` without it), and then this write would silently undo theirs.
            if self.read(user)? != before {
                return Err(Error::new(
                    crate::domain::ErrorKind::Conflict,
                    format!(
                        "{}'s crontab changed while this request held its lock (written \
                         without cronrpc's lock, or the lock file was replaced); nothing was \
                         written: read it again and retry",
                        user.name
                    ),
                ));
            }
            guard.check()?;
            let replaced_at = self.backend.modified_at(user);
            // Journaled ahead of the write, then settled, so a kill in between cannot leave
            // cronrpc's own write looking like someone else's.
            self.record_revision(caller, &action, user, &before, &after, replaced_at);
            if let Err(e) = self.backend.write(user, &after) {
                self.confirm_revision(user, &before);
                return Err(e);
            }
            self.confirm_revision(user, &after);
        }
        Ok((out, after))
    }
}

impl Service {
    /// Remembers which recorder paths in `user`'s crontab are not this server's, for `health`.
    fn note_recorders(&self, user: &User, recorders: impl Iterator<Item = Recorder>) {
        let ours = self.recorder.as_ref().map(|w| w.exe.as_str());
        let foreign = recorders
            .map(|w| w.exe)
            .filter(|exe| Some(exe.as_str()) != ours)
            .collect();
        self.notes.recorders(&user.name, foreign);
    }
}

/// What a write is, for the revision journal's summary: the method, and anything the diff
/// cannot show (e.g. "to revision 2").
#[derive(Debug, Clone)]
pub struct Action {
    pub method: &'static str,
    pub note: Option<String>,
}

impl Action {
    pub fn of(method: &'static str) -> Self {
        Action { method, note: None }
    }
}

/// An opaque tag that changes whenever the content does.
pub fn etag(content: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(content.as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::SpoolBackend;

    /// A service on a spool in a new temporary directory, and root's crontab there holding
    /// `content`.
    fn spool_root(content: &str) -> (tempfile::TempDir, Service, User, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let service = Service::new(
            Box::new(SpoolBackend::new(dir.path())),
            Locks::new(dir.path().join(".locks")),
            crate::cron::Zone::utc(),
        );
        let spool = dir.path().join("root");
        std::fs::write(&spool, content).unwrap();
        (dir, service, user::lookup("root").unwrap(), spool)
    }

    /// The lock file is deleted while a request holds it (its owner may: it is theirs), so
    /// another writer could take a new one: the request fails before its write.
    #[test]
    fn a_lock_file_deleted_mid_request_fails_the_request_and_writes_nothing() {
        let (dir, service, root, spool) = spool_root("@daily echo first\n");
        let lock = dir.path().join(".locks/root.lock");
        let result = service.modify(&Caller::from_uid(0), &root, Action::of("test"), |edit| {
            std::fs::remove_file(&lock).unwrap();
            edit.crontab = Crontab::from_text("@daily echo mine\n");
            Ok(())
        });
        let err = result.expect_err("the request fails");
        assert_eq!(err.kind, crate::domain::ErrorKind::Backend, "{err}");
        assert_eq!(
            std::fs::read_to_string(&spool).unwrap(),
            "@daily echo first\n"
        );
    }

    /// A write that did not take the lock lands between this request's read and its write:
    /// the request fails with CONFLICT and writes nothing, so the other write survives.
    #[test]
    fn a_write_the_lock_did_not_keep_out_is_never_undone() {
        let (_dir, service, root, spool) = spool_root("@daily echo first\n");
        let result = service.modify(&Caller::from_uid(0), &root, Action::of("test"), |edit| {
            std::fs::write(&spool, "@daily echo unlocked\n").unwrap();
            edit.crontab = Crontab::from_text("@daily echo mine\n");
            Ok(())
        });
        let err = result.expect_err("the request fails");
        assert_eq!(err.kind, crate::domain::ErrorKind::Conflict, "{err}");
        assert_eq!(
            std::fs::read_to_string(&spool).unwrap(),
            "@daily echo unlocked\n"
        );
    }

    /// Every "now" of the service layer is its clock's: a direct read of the system clock here
    /// would make expiry and written times untestable without waiting.
    #[test]
    fn the_service_reads_no_clock_but_its_own() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service");
        let mut checked = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // Spelled in two halves so that this file does not match itself.
            for clock in ["Timestamp", "Utc", "SystemTime"] {
                let direct = format!("{clock}::{}", "now(");
                assert!(!text.contains(&direct), "{} calls {direct}", path.display());
            }
            checked += 1;
        }
        assert!(checked > 10, "read the service's sources");
    }
}
