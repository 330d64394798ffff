//! One run of an entry, as `entries.run` returns it and as the history store keeps it.

use crate::domain::time::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Each output keeps at most this many bytes.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Started by `entries.run`.
    Manual,
    /// Started by the cron daemon, through `cronrpc exec`.
    Cron,
    /// Started when cron came back after downtime, for a fire it missed (`catch_up: latest`).
    #[serde(rename = "catch_up")]
    CatchUp,
}

/// Where a run is in its life. `running` is the only state that changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Exited with status 0.
    Succeeded,
    /// Exited non-zero, was killed by a signal, could not start, or its recorder died.
    Failed,
    /// Stopped because it exceeded its timeout.
    TimedOut,
    /// Not started, by policy (see `skip_reason`).
    Skipped,
    /// Stopped by `runs.cancel` (or an MCP cancellation).
    Cancelled,
}

/// A notification channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Mail,
    Webhook,
    Ping,
}

/// The outcome of one delivery attempt of a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NotificationOutcome {
    pub channel: Channel,
    pub ok: bool,
    /// What happened: an HTTP status, an error, or what was printed for cron's mail.
    pub detail: String,
}

/// A run of a managed entry. The store may hold the same `run_id` twice: once when it starts
/// (not finished yet) and once when it finishes; readers keep the last one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunRecord {
    #[schemars(with = "uuid::Uuid")]
    pub run_id: String,
    #[schemars(with = "uuid::Uuid")]
    pub entry_id: String,
    pub user: String,
    pub trigger: Trigger,
    pub status: RunStatus,
    /// The fire time a cron-started or catch-up run stands for; null for manual runs.
    #[serde(default)]
    pub scheduled_for: Option<Timestamp>,
    pub started_at: Timestamp,
    /// Null while it runs (or when the recorder died before it finished).
    pub finished_at: Option<Timestamp>,
    /// Null when killed by a signal, timed out, not started, or still running.
    pub exit_code: Option<i32>,
    pub duration_ms: Option<u64>,
    /// `timeout_ms` passed and its whole process group was killed.
    pub timed_out: bool,
    /// The first 64 KiB of standard output (invalid UTF-8 replaced).
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// Why a `skipped` run was not started (`overlap`); null otherwise.
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// Every notification delivery attempt and its outcome.
    #[serde(default)]
    pub notifications: Vec<NotificationOutcome>,
    /// Why the command could not be started; null when it was.
    #[serde(default)]
    pub error: Option<String>,
}

impl RunRecord {
    /// A run that has started and not finished.
    pub fn started(entry_id: String, user: String, trigger: Trigger, at: Timestamp) -> Self {
        RunRecord {
            run_id: uuid::Uuid::new_v4().to_string(),
            entry_id,
            user,
            trigger,
            status: RunStatus::Running,
            scheduled_for: None,
            started_at: at,
            finished_at: None,
            exit_code: None,
            duration_ms: None,
            timed_out: false,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            skip_reason: None,
            notifications: Vec::new(),
            error: None,
        }
    }
}

/// The last bytes of an output kept besides the preview, for a ping's body (`notify.ping_url`).
pub const TAIL_LIMIT: usize = 8 * 1024;

/// The newest recorded run of an entry, as entries show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LastRun {
    /// When it started.
    pub at: Timestamp,
    /// Null when it did not finish (killed, or still running).
    pub exit_code: Option<i32>,
    pub duration_ms: Option<u64>,
}

/// Keeps the first [`OUTPUT_LIMIT`] bytes of an output and notes whether more came, and the
/// last [`TAIL_LIMIT`] bytes.
#[derive(Debug, Default, Clone)]
pub struct Preview {
    pub bytes: Vec<u8>,
    pub truncated: bool,
    /// The last bytes past the preview, once it is full.
    overflow: Vec<u8>,
}

impl Preview {
    pub fn push(&mut self, chunk: &[u8]) {
        let room = OUTPUT_LIMIT - self.bytes.len();
        if chunk.len() > room {
            self.truncated = true;
            let rest = &chunk[room..];
            let rest = &rest[rest.len().saturating_sub(TAIL_LIMIT)..];
            let drop = (self.overflow.len() + rest.len()).saturating_sub(TAIL_LIMIT);
            self.overflow.drain(..drop);
            self.overflow.extend_from_slice(rest);
        }
        self.bytes
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
    }

    /// The last [`TAIL_LIMIT`] bytes of the whole output.
    pub fn tail(&self) -> Vec<u8> {
        let from_preview = TAIL_LIMIT - self.overflow.len();
        let start = self.bytes.len().saturating_sub(from_preview);
        [&self.bytes[start..], &self.overflow[..]].concat()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_keeps_the_first_64_kib() {
        let mut p = Preview::default();
        p.push(&[b'a'; 40 * 1024]);
        assert!(!p.truncated);
        p.push(&[b'b'; 24 * 1024]);
        assert!(!p.truncated, "exactly 64 KiB is not truncated");
        p.push(b"c");
        assert!(p.truncated);
        assert_eq!(p.bytes.len(), OUTPUT_LIMIT);
    }

    #[test]
    fn the_tail_is_the_end_of_the_whole_output() {
        let mut p = Preview::default();
        p.push(b"short");
        assert_eq!(p.tail(), b"short");
        p.push(&[b'a'; OUTPUT_LIMIT]);
        p.push(b"the end");
        let tail = p.tail();
        assert_eq!(tail.len(), TAIL_LIMIT);
        assert!(tail.ends_with(b"aaathe end"));
        p.push(&vec![b'z'; 3 * TAIL_LIMIT]);
        p.push(b"!");
        let tail = p.tail();
        assert_eq!(tail.len(), TAIL_LIMIT);
        assert!(tail.ends_with(b"zz!") && tail.starts_with(b"zz"));
    }
}
