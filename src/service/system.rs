//! health and schedule.describe.

use super::{Caller, Service};
use crate::cron::Schedule;
use crate::cron::Zone;
use crate::domain::time::Timestamp;
use crate::domain::warning::Warning;
use crate::domain::{Error, ErrorKind, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_DESCRIBE_COUNT: u32 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthResult {
    /// Always "ok" when the server answers.
    pub status: String,
    pub version: String,
    /// `system` or `spool`.
    pub backend: String,
    /// The zone next runs are computed in (cron's, the host's unless --timezone).
    pub timezone: String,
    /// The user cronrpc runs as.
    pub user: Option<String>,
    /// The binary that managed job lines run through (`cronrpc exec`) so cron's runs are
    /// recorded; null when they are written as plain commands.
    pub recorder: Option<String>,
    /// Recorder paths in the caller's crontabs, as last read or written by this server, that
    /// are not this server's recorder (the binary moved): cron's runs of those entries go
    /// through the old path until entries.update rewrites each. For root, only paths that no
    /// longer exist; for anyone else every such path, unchecked, so that the server's view of
    /// the file system never answers for them. Never reads a crontab: health stays cheap.
    pub missing_recorders: Vec<String>,
    /// Users whose revision journal could not be written at their latest write (as `USER:
    /// why`), among those the caller may act on: those writes are missing from
    /// crontab.revisions.
    pub journal_errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeParams {
    /// Five fields or a macro.
    pub schedule: String,
    /// How many next start times, 0 to 100.
    #[serde(default = "default_count")]
    #[schemars(range(min = 0, max = 100))]
    pub count: i64,
    /// Start times strictly after this moment (RFC 3339); default now.
    #[serde(default)]
    #[schemars(with = "Option<Timestamp>")]
    pub from: Option<String>,
    /// IANA zone such as Europe/Berlin; default cron's zone.
    #[serde(default)]
    pub timezone: Option<String>,
}

pub fn default_count() -> i64 {
    5
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeResult {
    pub schedule: String,
    pub schedule_human: String,
    /// Start times in UTC, ascending; empty for @reboot.
    pub next_runs: Vec<Timestamp>,
    /// What about the schedule likely surprises (empty when nothing does).
    pub warnings: Vec<Warning>,
}

impl Service {
    pub fn health(&self, caller: &Caller, _: super::crontab::NoParams) -> Result<HealthResult> {
        Ok(HealthResult {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            backend: self.backend_name().into(),
            timezone: self.zone().name().into(),
            user: caller.name.clone(),
            recorder: self.recorder.as_ref().map(|w| w.exe.clone()),
            missing_recorders: self.missing_recorders(caller),
            journal_errors: self.notes.journal_errors(|user| caller.may_access(user)),
        })
    }

    fn missing_recorders(&self, caller: &Caller) -> Vec<String> {
        let foreign = self.notes.recorders_of(|user| caller.may_access(user));
        foreign
            .into_iter()
            .filter(|exe| !caller.is_root() || !std::path::Path::new(exe).is_file())
            .collect()
    }

    pub fn schedule_describe(&self, _: &Caller, p: DescribeParams) -> Result<DescribeResult> {
        let schedule = Schedule::parse(&p.schedule).map_err(|e| {
            Error::new(ErrorKind::InvalidSchedule, e.to_string()).with_field("schedule")
        })?;
        if !(0..=i64::from(MAX_DESCRIBE_COUNT)).contains(&p.count) {
            return Err(Error::invalid_params(
                Some("count".into()),
                format!(
                    "count must be between 0 and {MAX_DESCRIBE_COUNT}, got {}",
                    p.count
                ),
            ));
        }
        let from = match p.from.as_deref() {
            None => self.now(),
            Some(text) => Timestamp::parse(text).ok_or_else(|| {
                Error::invalid_params(
                    Some("from".into()),
                    format!("{text:?} is not an RFC 3339 timestamp"),
                )
            })?,
        };
        // A zone of its own is read from the host's tz database, as an entry's `timezone` is
        // (and with the same INVALID_TIMEZONE); without one, cron's zone.
        let zone = match p.timezone.as_deref() {
            None => self.zone().clone(),
            Some(name) => {
                crate::domain::policy::check_timezone(name)?;
                Zone::named(name).unwrap_or_else(|| self.zone().clone())
            }
        };
        let mut next_runs = Vec::new();
        let mut after = from.utc();
        while next_runs.len() < p.count as usize {
            let Some(next) = schedule.next_after(after, &zone) else {
                break;
            };
            next_runs.push(Timestamp::from(next));
            after = next;
        }
        Ok(DescribeResult {
            schedule: p.schedule,
            schedule_human: schedule.describe(),
            next_runs,
            warnings: crate::cron::warnings::for_schedule(&schedule),
        })
    }
}
