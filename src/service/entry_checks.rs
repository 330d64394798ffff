//! Checks and helpers the entry operations share: ids, schedules, and the job line as written.

use crate::cron::Schedule;
use crate::crontab::command::Recording;
use crate::crontab::recorder::{self, Recorder};
use crate::crontab::{command, job_line};
use crate::domain::entry::ManagedEntry;
use crate::domain::{Error, ErrorKind, Result};
use uuid::Uuid;

pub(crate) fn parse_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id.trim()).map_err(|_| {
        Error::new(
            ErrorKind::EntryNotFound,
            format!("{id:?} is not an entry id (a UUID)"),
        )
        .with_field("id")
    })
}

pub(crate) fn not_found(user: &str, id: Uuid) -> Error {
    Error::new(
        ErrorKind::EntryNotFound,
        format!("{user} has no managed entry {id}"),
    )
    .with_field("id")
}

/// Parses a managed schedule and returns it as it will be written (blanks collapsed).
pub(crate) fn check_schedule(text: &str) -> Result<String> {
    Schedule::parse(text).map_err(|e| {
        Error::new(ErrorKind::InvalidSchedule, e.to_string()).with_field("schedule")
    })?;
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

pub(super) fn check_optional(value: Option<&str>, check: fn(&str) -> Result<()>) -> Result<()> {
    value.map_or(Ok(()), check)
}

/// The job line of an entry, refusing anything cron would not read back as the same job. With
/// a time zone the line's schedule is a host-zone cover of the entry's (see `cron::gate`).
pub(super) fn render_job(entry: &ManagedEntry, recorder: Option<&Recorder>) -> Result<String> {
    let meta = &entry.meta;
    super::policies::check_enforceable(&meta.policy, recorder.is_some())?;
    let recording = recorder.map(|recorder| Recording {
        recorder,
        entry: meta.id,
        policy: &meta.policy,
        schedule: &entry.schedule,
        created_at: meta.created_at,
    });
    let written = command::encode(&entry.command, meta.expires_at, recording)?;
    let schedule = match recorder {
        Some(_) if recorder::gated(&meta.policy) => Schedule::parse(&entry.schedule)
            .ok()
            .and_then(|s| crate::cron::gate::cover(&s, meta.policy.catch_up))
            .unwrap_or_else(|| entry.schedule.clone()),
        _ => entry.schedule.clone(),
    };
    let line = job_line(true, &schedule, &written);
    let reads_back = matches!(
        crate::cron::line::classify(&line),
        crate::cron::line::LineKind::Job(job) if job.schedule == schedule && job.command == written
    );
    if !reads_back {
        return Err(Error::new(
            ErrorKind::InvalidCommand,
            "cron would not read this command back as given",
        )
        .with_field("command"));
    }
    Ok(job_line(entry.enabled, &schedule, &written))
}

/// Checks a user name's syntax (before anything is looked up).
pub(crate) fn user_syntax(name: &str) -> Result<()> {
    crate::domain::user::check_name(name)
}
