//! entries.adopt: a raw job line becomes a managed entry where it stands.
//!
//! The line keeps its bytes unless it has extra blanks between its schedule fields, which are
//! collapsed as a managed schedule is written; the command's bytes are always kept. A line that
//! cron reads differently from what a managed entry can say is refused rather than rewritten:
//! an unescaped `%` (cron feeds the rest to stdin), or a schedule that entries.create refuses.
//!
//! The adopted line is not put through the run recorder (that would change its bytes): cron's
//! runs of it are recorded once an update rewrites the line. A line that is a recorder call already (a
//! managed entry whose marker was lost) gets its old id back, so its run history continues.

use super::entry_checks::{check_schedule, user_syntax};
use super::views::Entry;
use super::{Action, Caller, Service};
use crate::cron::line::{classify, LineKind};
use crate::crontab::warnings::has_unescaped_percent;
use crate::crontab::{command, job_line, Job};
use crate::domain::entry::{self, EntryMeta, ManagedEntry};
use crate::domain::time::Timestamp;
use crate::domain::{Error, ErrorKind, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptParams {
    pub user: String,
    /// A raw job line exactly as entries.list shows it. With several identical lines, the
    /// first is adopted.
    pub line: String,
    /// A short label, one line, up to 200 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// A note, one line, up to 1000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// What the adopted entry will be: schedule, command, guard expiry, and the line to write
/// when it differs from the one in place.
struct Adoption {
    schedule: String,
    command: String,
    expires_at: Option<Timestamp>,
    written: String,
    /// The id a recorder call line records its runs under.
    recorded_id: Option<Uuid>,
    /// The policies a recorder call line enforces (a line whose marker was lost keeps them).
    policy: crate::domain::policy::Policy,
}

fn at_line(e: Error) -> Error {
    Error {
        field: Some("line".into()),
        ..e
    }
}

fn read_line(line: &str) -> Result<Adoption> {
    let LineKind::Job(job) = classify(line) else {
        return Err(Error::invalid_params(
            Some("line".into()),
            format!("{line:?} is not a cron job line"),
        ));
    };
    let schedule = check_schedule(job.schedule).map_err(at_line)?;
    if has_unescaped_percent(job.command) {
        return Err(Error::new(
            ErrorKind::InvalidCommand,
            "the line has an unescaped %: cron ends the command there and sends the rest to \
             its stdin, which a managed entry cannot express. Write \\% with crontab.put if a \
             literal % is meant, then adopt the line",
        )
        .with_field("line"));
    }
    let decoded = command::decode(job.command);
    entry::check_command(&decoded.command).map_err(at_line)?;
    Ok(Adoption {
        written: job_line(true, &schedule, job.command),
        expires_at: decoded.guard.and_then(Timestamp::from_unix),
        recorded_id: command::recorded_entry(job.command),
        // With a time zone the line's schedule is a cover; the entry's own is the recorder's.
        schedule: decoded.schedule.unwrap_or(schedule),
        policy: decoded.policy,
        command: decoded.command,
    })
}

impl Service {
    pub fn entries_adopt(&self, caller: &Caller, p: AdoptParams) -> Result<Entry> {
        user_syntax(&p.user)?;
        let adoption = read_line(&p.line)?;
        if let Some(name) = &p.name {
            entry::check_name(name)?;
        }
        if let Some(comment) = &p.comment {
            entry::check_comment(comment)?;
        }
        let user = self.user(caller, &p.user)?;
        let now = self.now();
        let mut meta = EntryMeta {
            id: Uuid::new_v4(),
            name: p.name,
            comment: p.comment,
            expires_at: adoption.expires_at,
            created_at: now,
            updated_at: now,
            policy: adoption.policy.clone(),
        };
        let (meta, _) = self.modify(caller, &user, Action::of("entries.adopt"), |edit| {
            let line = edit
                .crontab
                .jobs()
                .into_iter()
                .find_map(|item| match item {
                    Job::Raw { line, text } if text == p.line => Some(line),
                    _ => None,
                })
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::EntryNotFound,
                        format!(
                            "{}'s crontab has no raw job line {:?}; pass it exactly as \
                             entries.list shows it (a managed line is adopted already)",
                            user.name, p.line
                        ),
                    )
                    .with_field("line")
                })?;
            if let Some(old) = adoption.recorded_id {
                if edit.crontab.find(old).is_none() {
                    meta.id = old;
                }
            }
            let rewritten = (adoption.written != p.line).then(|| adoption.written.clone());
            edit.crontab.adopt(line, &meta, rewritten);
            Ok(meta)
        })?;
        let entry = ManagedEntry {
            meta,
            enabled: true,
            schedule: adoption.schedule,
            command: adoption.command,
        };
        let last = self.last_runs(&user);
        Ok(self.view(&user, &entry, now, &last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_command_bytes_and_collapses_schedule_blanks() {
        let a = read_line(r"0  2 * * *   echo 50\% done").unwrap();
        assert_eq!(a.schedule, "0 2 * * *");
        assert_eq!(a.command, "echo 50% done");
        assert_eq!(a.written, r"0 2 * * * echo 50\% done");
    }

    #[test]
    fn refuses_what_a_managed_entry_cannot_say() {
        let code = |line: &str| read_line(line).err().map(|e| (e.kind, e.field));
        let line = Some("line".to_owned());
        assert_eq!(
            code("* * * * * date +%s"),
            Some((ErrorKind::InvalidCommand, line.clone()))
        );
        assert_eq!(
            code("5-1 * * * * x"),
            Some((ErrorKind::InvalidSchedule, line.clone()))
        );
        assert_eq!(
            code("FOO=bar"),
            Some((ErrorKind::InvalidParams, line.clone()))
        );
        assert!(code("@daily /bin/true").is_none());
    }
}
