//! A run as the store keeps it: the record, plus who records it (off the wire), and how a
//! reader settles a record whose recorder is gone.

use super::record::{RunRecord, RunStatus};
use crate::runs::process::RecorderId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRun {
    #[serde(flatten)]
    pub run: RunRecord,
    /// The recorder's process, while the run is running; readers use it to tell a run whose
    /// recorder was killed (SIGKILL leaves no last record) from one still going.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorder: Option<RecorderId>,
}

impl StoredRun {
    pub fn new(run: RunRecord, recorder: Option<RecorderId>) -> Self {
        StoredRun { run, recorder }
    }

    /// One line of the store; None for a torn or foreign line. A record written before runs
    /// had a status reads as `running`, and `settled` tells its status from its other fields.
    pub fn parse(line: &[u8]) -> Option<StoredRun> {
        if let Ok(stored) = serde_json::from_slice(line) {
            return Some(stored);
        }
        let mut value: serde_json::Value = serde_json::from_slice(line).ok()?;
        let object = value.as_object_mut()?;
        if object.contains_key("status") {
            return None;
        }
        object.insert("status".into(), "running".into());
        serde_json::from_value(value).ok()
    }

    /// The record as readers see it: a `running` record whose recorder no longer lives is
    /// `failed` with the reason in `error`; a record written before runs had a status gets
    /// the status its fields say.
    pub fn settled(self) -> RunRecord {
        let mut run = self.run;
        if run.status != RunStatus::Running {
            return run;
        }
        if run.finished_at.is_some() {
            run.status = legacy_status(&run);
            return run;
        }
        match &self.recorder {
            Some(id) if id.alive() => {}
            Some(id) => {
                run.status = RunStatus::Failed;
                run.error = Some(format!(
                    "the run's recorder (pid {}) died before the run ended",
                    id.pid
                ));
            }
            None => {
                run.status = RunStatus::Failed;
                run.error = Some("the run's recorder is unknown and it never ended".into());
            }
        }
        run
    }
}

/// How a finished record from before `status` existed ended.
fn legacy_status(run: &RunRecord) -> RunStatus {
    if run.timed_out {
        RunStatus::TimedOut
    } else if run.exit_code == Some(0) && run.error.is_none() {
        RunStatus::Succeeded
    } else {
        RunStatus::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::Timestamp;
    use crate::history::Trigger;

    fn running() -> RunRecord {
        RunRecord::started("e".into(), "u".into(), Trigger::Cron, Timestamp::now())
    }

    #[test]
    fn a_live_recorder_keeps_running_and_a_dead_one_is_failed() {
        let me = RecorderId::current().unwrap();
        let live = StoredRun::new(running(), Some(me.clone())).settled();
        assert_eq!(live.status, RunStatus::Running);
        let dead = RecorderId {
            start: me.start + 7,
            ..me
        };
        let run = StoredRun::new(running(), Some(dead)).settled();
        assert_eq!(run.status, RunStatus::Failed);
        assert!(run.error.unwrap().contains("died"));
        assert_eq!(
            StoredRun::new(running(), None).settled().status,
            RunStatus::Failed
        );
    }

    #[test]
    fn the_recorder_stays_off_the_wire_and_old_records_get_a_status() {
        let stored = StoredRun::new(running(), RecorderId::current());
        let text = serde_json::to_string(&stored).unwrap();
        assert!(text.contains("\"recorder\""));
        let back: StoredRun = serde_json::from_str(&text).unwrap();
        assert_eq!(back, stored);
        let wire = serde_json::to_value(back.settled()).unwrap();
        assert!(wire.get("recorder").is_none());

        let old = r#"{"run_id":"r","entry_id":"e","user":"u","trigger":"cron","started_at":"2024-01-01T00:00:00Z","finished_at":"2024-01-01T00:00:01Z","exit_code":0,"duration_ms":5,"timed_out":false,"stdout":"","stderr":"","stdout_truncated":false,"stderr_truncated":false}"#;
        let old = StoredRun::parse(old.as_bytes()).unwrap();
        assert_eq!(old.settled().status, RunStatus::Succeeded);
    }
}
