//! Run history: what ran, when, how it ended, and the start of its output.

pub mod record;
mod stale;
pub mod store;
pub mod stored;
mod tail;

pub use record::{
    Channel, LastRun, NotificationOutcome, Preview, RunRecord, RunStatus, Trigger, OUTPUT_LIMIT,
};
pub use store::Store;

/// Where `cronrpc exec` records runs unless the job line names another directory (the history
/// layer's fact: the recorder reads it with no server and no app around it).
pub const DEFAULT_HISTORY_DIR: &str = "/var/lib/cronrpc/history";
pub use stored::StoredRun;
