//! How entries look in results: the contract's entry object, built from what the crontab holds.

use crate::cron::Schedule;
use crate::cron::Zone;
use crate::domain::entry::ManagedEntry;
use crate::domain::policy::{CatchUp, Concurrency, Notify};
use crate::domain::time::Timestamp;
use crate::domain::warning::Warning;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A managed entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Lowercase hyphenated UUID.
    #[schemars(with = "uuid::Uuid")]
    pub id: String,
    pub user: String,
    pub name: Option<String>,
    pub comment: Option<String>,
    /// Five fields or a macro, as it stands in the crontab.
    pub schedule: String,
    /// The schedule in English.
    pub schedule_human: String,
    /// Exactly what the shell runs (cron's escapes undone).
    pub command: String,
    pub enabled: bool,
    /// `expires_at` has passed; the entry no longer fires and is removed at the next write.
    pub expired: bool,
    pub expires_at: Option<Timestamp>,
    /// When cron will next start it; null when disabled, expired, `@reboot`, or never.
    pub next_run: Option<Timestamp>,
    /// The newest recorded run.
    pub last_run: Option<LastRun>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// What about the schedule likely surprises (empty when nothing does).
    pub warnings: Vec<Warning>,
    /// IANA zone the schedule is read in; null: cron's zone.
    pub timezone: Option<String>,
    /// Every run is stopped after this long; null: no limit for cron-started runs.
    pub timeout_ms: Option<u64>,
    pub concurrency: Concurrency,
    pub catch_up: CatchUp,
    /// Null: cron's usual mail of any output.
    pub notify: Option<Notify>,
}

/// The history store summarises an entry's newest run; entries show it as it is.
pub use crate::history::LastRun;

/// English for a schedule as it stands in a crontab; a hand edit cron accepts is described too.
/// A schedule read in its own `timezone` says so.
pub fn describe(schedule: &str, timezone: Option<&str>) -> String {
    let text = match Schedule::parse_lenient(schedule) {
        Ok(s) => s.describe(),
        Err(_) => schedule.to_owned(),
    };
    match timezone {
        Some(zone) => format!("{text} ({zone})"),
        None => text,
    }
}

/// The next fire after `after`: in the entry's `timezone` when it has one (falling back to
/// cron's zone, as the recorder's gate does, if the host no longer knows it), else in `zone`.
pub fn next_run(
    schedule: &str,
    after: Timestamp,
    zone: &Zone,
    timezone: Option<&str>,
) -> Option<Timestamp> {
    let parsed = Schedule::parse_lenient(schedule).ok()?;
    let entry_zone = timezone.and_then(Zone::named);
    parsed
        .next_after(after.utc(), entry_zone.as_ref().unwrap_or(zone))
        .map(Timestamp::from)
}

pub fn entry_view(
    user: &str,
    entry: &ManagedEntry,
    now: Timestamp,
    zone: &Zone,
    last_run: Option<LastRun>,
) -> Entry {
    let meta = &entry.meta;
    let policy = &meta.policy;
    let timezone = policy.timezone.as_deref();
    let expired = meta.is_expired(now);
    let next_run = if entry.enabled && !expired {
        next_run(&entry.schedule, now, zone, timezone)
            .filter(|next| meta.expires_at.is_none_or(|end| *next < end))
    } else {
        None
    };
    Entry {
        id: meta.id.to_string(),
        user: user.to_owned(),
        name: meta.name.clone(),
        comment: meta.comment.clone(),
        schedule: entry.schedule.clone(),
        schedule_human: describe(&entry.schedule, timezone),
        command: entry.command.clone(),
        enabled: entry.enabled,
        expired,
        expires_at: meta.expires_at,
        next_run,
        last_run,
        created_at: meta.created_at,
        updated_at: meta.updated_at,
        warnings: crate::cron::warnings::for_text(&entry.schedule),
        timezone: policy.timezone.clone(),
        timeout_ms: policy.timeout_ms,
        concurrency: policy.concurrency,
        catch_up: policy.catch_up,
        notify: policy.notify.clone(),
    }
}
