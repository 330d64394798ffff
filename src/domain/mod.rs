//! The domain: users, entries and the errors they can raise. Knows nothing of JSON-RPC.

pub mod entry;
pub mod error;
pub mod policy;
pub mod time;
pub mod user;
/// What cron accepts but likely surprises: defined with the cron model, which finds them.
pub mod warning {
    pub use crate::cron::warning::{Warning, WarningCode};
}

pub use error::{Error, ErrorKind, Result};
