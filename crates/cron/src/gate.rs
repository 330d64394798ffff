//! Entries with a `timezone` under a cron that ignores `CRON_TZ` (Debian's).
//!
//! The job line gets a host-zone schedule that fires at every minute the entry could fire at,
//! whatever zone the host is in: `M * * * *`, where M is the entry's minutes shifted by every
//! multiple of 15 minutes (every UTC offset in use is a multiple of 15 minutes, so the entry's
//! minute lands on one of these in any host zone), plus :00/:15/:30/:45 for fixed-time
//! schedules (a time skipped by a DST jump runs right after the jump, and jumps fall on quarter
//! hours). Hour and day fields are `*`: that also makes the line a wildcard job for the host's
//! cron, which then starts it exactly once each real minute across the host's own DST changes.
//!
//! The recorder then asks [`admits`] whether the current minute is a fire time of the entry's
//! own schedule in its zone, computed by the same cron.c rules as `next_run` (see `next.rs`),
//! and starts the command only then. Nothing in the line depends on the host's zone or on
//! tzdata, so neither a change of host zone nor a tzdata update needs the line rewritten.

use super::zone::Zone;
use super::Schedule;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What happens to fires missed while cron was not running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatchUp {
    /// Missed fires are forgotten (cron's behaviour).
    #[default]
    None,
    /// When cron starts, run once for the most recent missed fire of the last 7 days.
    Latest,
}

const QUARTERS: [u32; 4] = [0, 15, 30, 45];

/// The host-zone schedule a line carries for `schedule` in another zone; None for `@reboot`,
/// which has no time and keeps its text. With catch-up the line runs every minute, so that the
/// recorder notices a start of cron within a minute (see `catch_up`).
pub fn cover(schedule: &Schedule, catch_up: CatchUp) -> Option<String> {
    if schedule.reboot {
        return None;
    }
    if catch_up == CatchUp::Latest {
        return Some("* * * * *".into());
    }
    let minutes = schedule.minute_bits();
    let mut cover = 0u64;
    for m in (0..60).filter(|m| minutes & (1 << m) != 0) {
        for q in QUARTERS {
            cover |= 1 << ((m + q) % 60);
        }
    }
    if schedule.is_fixed_time() {
        for q in QUARTERS {
            cover |= 1 << q;
        }
    }
    Some(format!("{} * * * *", minute_field(cover)))
}

/// A minute set as cron's shortest usual spelling: `*`, `*/N`, or ranges and values.
fn minute_field(set: u64) -> String {
    let all = (1u64 << 60) - 1;
    if set == all {
        return "*".into();
    }
    for step in [2, 3, 4, 5, 6, 10, 12, 15, 20, 30] {
        let every = (0..60).step_by(step).fold(0u64, |acc, m| acc | 1 << m);
        if set == every {
            return format!("*/{step}");
        }
    }
    let mut parts = Vec::new();
    let mut m = 0;
    while m < 60 {
        if set & (1 << m) == 0 {
            m += 1;
            continue;
        }
        let start = m;
        while m + 1 < 60 && set & (1 << (m + 1)) != 0 {
            m += 1;
        }
        parts.push(if m > start {
            format!("{start}-{m}")
        } else {
            start.to_string()
        });
        m += 1;
    }
    parts.join(",")
}

/// Whether the recorder starts the command now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Start it. `problem` says why the gate could not apply the entry's zone, for the record.
    Run { problem: Option<String> },
    /// Not a fire time in the entry's zone: exit 0 silently, record nothing.
    Skip,
}

impl Decision {
    const RUN: Decision = Decision::Run { problem: None };
}

/// Decides for a start at `now` of an entry whose `schedule` is read in `zone` (cron's zone, the
/// host's, when None). A zone the
/// host's tz database no longer knows falls back to the host's zone (how cron itself would read
/// the schedule); a schedule that does not parse (a hand edit) is not gated at all.
pub fn admits(zone: Option<&str>, schedule: Option<&str>, now: DateTime<Utc>) -> Decision {
    let Some(schedule) = schedule else {
        return Decision::RUN;
    };
    let zone_name = zone.unwrap_or("cron's zone");
    let parsed = match Schedule::parse_lenient(schedule) {
        Ok(parsed) if parsed.reboot => return Decision::RUN,
        Ok(parsed) => parsed,
        Err(e) => {
            return Decision::Run {
                problem: Some(format!(
                    "the schedule {schedule:?} for {zone_name} does not parse ({e}); run \
                     without the gate"
                )),
            }
        }
    };
    let minute = now.timestamp().div_euclid(60) * 60;
    let (Some(start), Some(before)) = (
        DateTime::from_timestamp(minute, 0),
        DateTime::from_timestamp(minute - 60, 0),
    ) else {
        return Decision::RUN;
    };
    let (next, problem) = match zone.map(|zone| (zone, Zone::named(zone))) {
        None => (parsed.next_after(before, &Zone::host()), None),
        Some((_, Some(entry_zone))) => (parsed.next_after(before, &entry_zone), None),
        Some((zone, None)) => {
            let host = Zone::host();
            let why = format!(
                "time zone {zone:?} is not in the host's tz database; the schedule was read in \
                 the host's zone ({host})"
            );
            (parsed.next_after(before, &host), Some(why))
        }
    };
    if next == Some(start) {
        Decision::Run { problem }
    } else {
        Decision::Skip
    }
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
