//! Reading runs: `entries.history` and `runs.get`, and every entry's `last_run`. Starting and
//! cancelling them is in `run_now`.

use super::{Caller, Service};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, ErrorKind, Result};
use crate::history::{RunRecord, RunStatus, StoredRun};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const DEFAULT_HISTORY_LIMIT: i64 = 100;
pub const MAX_HISTORY_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    pub user: String,
    /// Only runs of this entry (its UUID; deleted entries keep their history).
    #[serde(default)]
    #[schemars(with = "Option<uuid::Uuid>")]
    pub id: Option<String>,
    /// Only runs started at or after this moment (RFC 3339).
    #[serde(default)]
    #[schemars(with = "Option<Timestamp>")]
    pub since: Option<String>,
    /// At most this many runs, 1 to 1000.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: i64,
    /// Also read the rotated history files (older runs).
    #[serde(default)]
    pub include_rotated: bool,
    /// Only runs in this state; `running` lists what is running now, cron's runs included.
    #[serde(default)]
    pub status: Option<RunStatus>,
}

/// One run of a user.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRef {
    pub user: String,
    /// The run's UUID, as `entries.run` and `entries.history` give it.
    #[schemars(with = "uuid::Uuid")]
    pub run_id: String,
}

pub fn default_limit() -> i64 {
    DEFAULT_HISTORY_LIMIT
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryResult {
    /// Newest first; manual and cron runs.
    pub runs: Vec<RunRecord>,
}

fn parse_uuid(text: &str, field: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text.trim())
        .map_err(|_| Error::invalid_params(Some(field.into()), format!("{text:?} is not a UUID")))
}

pub(crate) fn run_not_found(user: &str, run_id: uuid::Uuid) -> Error {
    Error::new(
        ErrorKind::RunNotFound,
        format!("{user} has no recorded run {run_id}"),
    )
    .with_field("run_id")
}

impl Service {
    pub fn entries_history(&self, caller: &Caller, p: HistoryParams) -> Result<HistoryResult> {
        crate::domain::user::check_name(&p.user)?;
        if !(1..=MAX_HISTORY_LIMIT).contains(&p.limit) {
            return Err(Error::new(
                ErrorKind::InvalidPagination,
                format!(
                    "limit must be between 1 and {MAX_HISTORY_LIMIT}, got {}",
                    p.limit
                ),
            )
            .with_field("limit"));
        }
        let id = p.id.as_deref().map(|t| parse_uuid(t, "id")).transpose()?;
        let since = p
            .since
            .as_deref()
            .map(|text| {
                Timestamp::parse(text).ok_or_else(|| {
                    Error::invalid_params(
                        Some("since".into()),
                        format!("{text:?} is not an RFC 3339 timestamp"),
                    )
                })
            })
            .transpose()?;
        let user = self.user(caller, &p.user)?;
        let runs = self
            .history
            .read(&user, p.include_rotated)
            .map_err(|e| history_error(&user, e))?
            .into_iter()
            .filter(|r| id.is_none_or(|id| r.entry_id == id.to_string()))
            .filter(|r| since.is_none_or(|since| r.started_at >= since))
            .filter(|r| p.status.is_none_or(|status| r.status == status))
            .take(p.limit as usize)
            .collect();
        Ok(HistoryResult { runs })
    }

    pub fn runs_get(&self, caller: &Caller, p: RunRef) -> Result<RunRecord> {
        let (_, stored) = self.find_run(caller, &p)?;
        Ok(stored.settled())
    }

    /// The user, and the last record of the run.
    pub(crate) fn find_run(&self, caller: &Caller, p: &RunRef) -> Result<(User, StoredRun)> {
        crate::domain::user::check_name(&p.user)?;
        let run_id = parse_uuid(&p.run_id, "run_id")?;
        let user = self.user(caller, &p.user)?;
        let stored = self
            .history
            .find(&user, &run_id.to_string())
            .map_err(|e| history_error(&user, e))?
            .ok_or_else(|| run_not_found(&user.name, run_id))?;
        Ok((user, stored))
    }

    /// The newest run of each of the user's entries; empty (and logged) when unreadable, so
    /// a broken history never breaks reading the crontab.
    /// `user` is the one the request looked up: looking it up again costs a user database
    /// read per request.
    pub(crate) fn last_runs(
        &self,
        user: &User,
    ) -> std::collections::HashMap<String, super::views::LastRun> {
        self.history.last_runs(user).unwrap_or_else(|e| {
            tracing::warn!(user = %user.name, "reading run history: {e}");
            Default::default()
        })
    }
}

fn history_error(user: &User, e: std::io::Error) -> Error {
    Error::backend(format!("reading {}'s run history: {e}", user.name))
}
