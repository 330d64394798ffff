//! The crontab as a document: every byte kept, managed entries found by their markers.

pub mod command;
pub mod document;
pub mod marker;
pub mod recorder;
pub mod recorder_flags;
pub mod warnings;

pub use document::{job_line, Crontab, Job, Located, Slot};
