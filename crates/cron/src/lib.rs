//! Cron syntax and semantics, exactly as Debian's cron (3.0pl1, Vixie cron) reads them.
//!
//! Written by hand because no crate reads crontab syntax the way Debian's cron does: the `cron`
//! crate wants a seconds field, numbers Sunday as 1 and ANDs the day fields; `croner` computes
//! good next runs but accepts what `crontab` rejects. See `schedule.rs` for the shared types.
//!
//! Its own crate so that the edge points down: it depends on nothing of cronrpc's, and what it
//! needs of the policies (`gate::CatchUp`), the zone database (`zone::lookup_zone`) and the
//! warnings it reports (`warning`) is defined here, and re-exported where the rest of cronrpc
//! keeps its domain types.

pub mod describe;
pub mod gate;
pub mod line;
pub mod next;
pub mod parse;
pub mod schedule;
mod transitions;
pub mod validate;
pub mod warning;
pub mod warnings;
pub mod zone;

#[cfg(all(test, feature = "oracles"))]
mod crontab_oracle_tests;

pub use schedule::{Expr, Field, FieldName, Macro, Part, Schedule, ScheduleError};
pub use validate::{validate_crontab, MAX_TAB_LINES};
pub use zone::Zone;

#[cfg(test)]
mod describe_tests;
#[cfg(test)]
mod next_tests;
#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
mod test_support;
