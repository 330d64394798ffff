//! Running a managed entry's command. Every run goes through the recorder (`cronrpc exec`):
//! cron starts it from the job line, `entries.run` starts it as the entry's user in a session of
//! its own (see `spawn`). The recorder enforces the entry's timeout and overlap policy and
//! records the run's start and end.

pub mod capture;
pub mod env;
pub mod exec;
pub mod process;
pub mod spawn;

use crate::domain::time::Timestamp;
use crate::history::{RunRecord, RunStatus};
use capture::{Outcome, Stop};

/// The longest `timeout_ms` a manual run accepts: a day.
pub const MAX_TIMEOUT_MS: i64 = crate::domain::policy::MAX_TIMEOUT_MS as i64;
/// A manual run without `timeout_ms` (and whose entry has none) is stopped after an hour, so a
/// hung command does not run forever unnoticed; pass a larger `timeout_ms` for longer jobs.
pub const DEFAULT_TIMEOUT_MS: i64 = 3_600_000;
/// `skip_reason` of a run not started because another run of the entry was running.
pub const SKIP_OVERLAP: &str = "overlap";

/// Fills in how a run ended.
pub fn finish(record: &mut RunRecord, outcome: Outcome) {
    record.finished_at = Some(Timestamp::now());
    record.duration_ms = Some(u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX));
    record.exit_code = outcome.exit_code;
    record.timed_out = outcome.stopped == Some(Stop::Timeout);
    record.stdout = outcome.stdout.text();
    record.stderr = outcome.stderr.text();
    record.stdout_truncated = outcome.stdout.truncated;
    record.stderr_truncated = outcome.stderr.truncated;
    record.status = match outcome.stopped {
        Some(Stop::Timeout) => RunStatus::TimedOut,
        Some(Stop::Cancel) => RunStatus::Cancelled,
        None if outcome.exit_code == Some(0) && outcome.error.is_none() => RunStatus::Succeeded,
        None => RunStatus::Failed,
    };
    record.error = outcome.error;
}

/// Marks a run as not started because another run of its entry is running.
pub fn skip_overlap(record: &mut RunRecord) {
    record.status = RunStatus::Skipped;
    record.skip_reason = Some(SKIP_OVERLAP.into());
    record.finished_at = Some(Timestamp::now());
    record.duration_ms = Some(0);
}
