//! STUB: next start times as Debian's cron computes them.
use super::Schedule;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

impl Schedule {
    /// The first time strictly after `after` at which cron, running in `tz`, starts the job.
    /// `None` for `@reboot` and for schedules that can never fire (e.g. `0 0 31 2 *`).
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let _ = (after, tz);
        todo!()
    }
}
