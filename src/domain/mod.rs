//! The domain: users, entries and the errors they can raise. Knows nothing of JSON-RPC.

pub mod entry;
pub mod error;
pub mod policy;
pub mod time;
pub mod user;
pub mod warning;

pub use error::{Error, ErrorKind, Result};
