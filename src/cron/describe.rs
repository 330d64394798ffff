//! STUB: English descriptions of schedules.
use super::Schedule;

impl Schedule {
    /// A readable English sentence saying when cron runs it, e.g. "At 02:00 AM, every day".
    pub fn describe(&self) -> String {
        todo!()
    }
}
