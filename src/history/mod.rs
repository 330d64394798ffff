//! Run history: what ran, when, how it ended, and the start of its output.

pub mod record;
pub mod store;
pub mod stored;
mod tail;

pub use record::{
    Channel, LastRun, NotificationOutcome, Preview, RunRecord, RunStatus, Trigger, OUTPUT_LIMIT,
};
pub use store::Store;
pub use stored::StoredRun;
