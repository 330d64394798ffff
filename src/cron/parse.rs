//! STUB: to be replaced by the strict parser.
use super::{Schedule, ScheduleError};

impl Schedule {
    /// Parses a managed schedule: what Debian's `crontab` accepts, minus the junk it silently
    /// tolerates (reversed ranges, trailing characters).
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let _ = text;
        todo!()
    }

    /// Parses a schedule exactly as cron does, junk and all.
    pub fn parse_lenient(text: &str) -> Result<Schedule, ScheduleError> {
        let _ = text;
        todo!()
    }
}
