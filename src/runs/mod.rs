//! Running a managed entry's command: by hand (`entries.run`) or under cron (`cronrpc exec`).

pub mod capture;
pub mod env;
pub mod exec;

use crate::domain::time::Timestamp;
use crate::history::{RunRecord, RunStatus};
use capture::Outcome;

/// The longest `timeout_ms` a manual run accepts: a day.
pub const MAX_TIMEOUT_MS: i64 = crate::domain::policy::MAX_TIMEOUT_MS as i64;
/// A manual run without `timeout_ms` is killed after an hour, so a hung command cannot hold a
/// server thread forever; pass a larger `timeout_ms` for longer jobs.
pub const DEFAULT_TIMEOUT_MS: i64 = 3_600_000;

/// Fills in how a run ended.
pub fn finish(record: &mut RunRecord, outcome: Outcome) {
    record.finished_at = Some(Timestamp::now());
    record.duration_ms = Some(u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX));
    record.exit_code = outcome.exit_code;
    record.timed_out = outcome.timed_out;
    record.stdout = outcome.stdout.text();
    record.stderr = outcome.stderr.text();
    record.stdout_truncated = outcome.stdout.truncated;
    record.stderr_truncated = outcome.stderr.truncated;
    record.status = if outcome.timed_out {
        RunStatus::TimedOut
    } else if outcome.exit_code == Some(0) && outcome.error.is_none() {
        RunStatus::Succeeded
    } else {
        RunStatus::Failed
    };
    record.error = outcome.error;
}
