//! Runs: `entries.run` (run an entry now, as cron would) and `entries.history`.

use super::{Caller, Service};
use crate::domain::time::Timestamp;
use crate::domain::{Error, ErrorKind, Result};
use crate::history::{RunRecord, Trigger};
use crate::runs::capture::{self, Spec};
use crate::runs::env::{self, Identity};
use crate::runs::{DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const DEFAULT_HISTORY_LIMIT: i64 = 100;
pub const MAX_HISTORY_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    pub user: String,
    /// The entry's UUID.
    pub id: String,
    /// Kill the command's whole process group after this many milliseconds (1 to 86400000;
    /// default 3600000, an hour).
    #[serde(default)]
    #[schemars(range(min = 1, max = 86_400_000))]
    pub timeout_ms: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
}

fn default_limit() -> i64 {
    DEFAULT_HISTORY_LIMIT
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryResult {
    /// Newest first; manual and cron runs.
    pub runs: Vec<RunRecord>,
}

fn parse_uuid(text: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text.trim())
        .map_err(|_| Error::invalid_params(Some("id".into()), format!("{text:?} is not a UUID")))
}

impl Service {
    pub fn entries_run(&self, caller: &Caller, p: RunParams) -> Result<RunRecord> {
        crate::domain::user::check_name(&p.user)?;
        let id = super::entries::parse_id(&p.id)?;
        let timeout_ms = p.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !(1..=MAX_TIMEOUT_MS).contains(&timeout_ms) {
            return Err(Error::invalid_params(
                Some("timeout_ms".into()),
                format!("timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, got {timeout_ms}"),
            ));
        }
        let user = self.user(caller, &p.user)?;
        let identity = Identity::for_user(&user)?;
        let crontab = self.read_crontab(&user)?;
        let at = crontab
            .find(id)
            .ok_or_else(|| super::entries::not_found(&user.name, id))?;
        let env = env::cron_env(crontab.env_above(at.marker), &user);
        let shell = env::get(&env, "SHELL")
            .unwrap_or(env::DEFAULT_SHELL)
            .to_owned();
        let home = env::get(&env, "HOME").map(Into::into);
        let mut record = RunRecord::started(
            id.to_string(),
            user.name.clone(),
            Trigger::Manual,
            Timestamp::now(),
        );
        self.record(&user, &record);
        let outcome = capture::run(Spec {
            shell,
            command: at.entry.command,
            env: Some(env),
            cwd: home,
            identity,
            timeout: Some(Duration::from_millis(timeout_ms as u64)),
            detached: true,
            passthrough: false,
        });
        crate::runs::finish(&mut record, outcome);
        self.record(&user, &record);
        Ok(record)
    }

    /// A run that cannot be recorded still happened; the caller gets its record either way.
    fn record(&self, user: &crate::domain::user::User, record: &RunRecord) {
        if let Err(e) = self.history.append(user, record) {
            tracing::warn!(user = %user.name, "run not recorded: {e}");
        }
    }

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
        let id = p.id.as_deref().map(parse_uuid).transpose()?;
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
            .read(&user.name, p.include_rotated)
            .map_err(|e| Error::backend(format!("reading {}'s run history: {e}", user.name)))?
            .into_iter()
            .filter(|r| id.is_none_or(|id| r.entry_id == id.to_string()))
            .filter(|r| since.is_none_or(|since| r.started_at >= since))
            .take(p.limit as usize)
            .collect();
        Ok(HistoryResult { runs })
    }

    /// The newest run of each of the user's entries; empty (and logged) when unreadable, so
    /// a broken history never breaks reading the crontab.
    pub(crate) fn last_runs(
        &self,
        user: &str,
    ) -> std::collections::HashMap<String, super::views::LastRun> {
        self.history.last_runs(user).unwrap_or_else(|e| {
            tracing::warn!(user, "reading run history: {e}");
            Default::default()
        })
    }
}
