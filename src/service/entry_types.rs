//! The wire types of the entries methods: params and results of list, get, create, update,
//! delete and sweep.

use super::params::{nullable, present};
use super::policies::{self, PolicyInput};
use super::views::Entry;
use crate::domain::policy::{CatchUp, Concurrency, Notify};
use crate::domain::time::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const MAX_LIST_LIMIT: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    Managed,
    Raw,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// System user whose crontab to read.
    pub user: String,
    /// 1-based page number.
    #[serde(default = "first_page")]
    #[schemars(range(min = 1))]
    pub page: i64,
    /// Items per page, 1 to 200.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 200))]
    pub limit: i64,
    /// Only managed entries, or only raw job lines.
    #[serde(default, rename = "type")]
    pub kind: Option<EntryType>,
    /// Only enabled (raw job lines count as enabled) or only disabled entries.
    #[serde(default)]
    pub enabled: Option<bool>,
}

pub fn first_page() -> i64 {
    1
}

pub fn default_limit() -> i64 {
    50
}

/// One job of a crontab: a managed entry, or a job line cronrpc does not manage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ListItem {
    Managed(Box<Entry>),
    Raw {
        /// The line exactly as it stands in the crontab.
        line: String,
    },
}

/// One page of a user's jobs (`entries.list`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryPage {
    pub user: String,
    pub page: i64,
    pub limit: i64,
    /// Matching items on all pages.
    pub total: usize,
    /// In crontab order.
    pub entries: Vec<ListItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRef {
    pub user: String,
    /// The entry's UUID.
    pub id: String,
}

pub use super::spec::CreateParams;

/// Omitted fields stay; null clears `name`, `comment`, `expires_at` and the policies.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateParams {
    pub user: String,
    pub id: String,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "String")]
    pub schedule: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "String")]
    pub command: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<String>")]
    pub name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<String>")]
    pub comment: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "bool")]
    pub enabled: Option<bool>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<Timestamp>")]
    pub expires_at: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<String>")]
    pub timezone: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<u64>", range(min = 1000, max = 86_400_000))]
    pub timeout_ms: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<Concurrency>")]
    pub concurrency: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<CatchUp>")]
    pub catch_up: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(skip_serializing_if = "super::params::published_default")]
    #[schemars(with = "Option<Notify>")]
    pub notify: Option<Option<Value>>,
}

impl UpdateParams {
    pub fn policy_input(&self) -> PolicyInput<'_> {
        PolicyInput {
            timezone: policies::patched(&self.timezone),
            timeout_ms: policies::patched(&self.timeout_ms),
            concurrency: policies::patched(&self.concurrency),
            catch_up: policies::patched(&self.catch_up),
            notify: policies::patched(&self.notify),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteResult {
    pub deleted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepParams {
    /// Only this user's crontab; default every crontab the caller may see.
    #[serde(default)]
    pub user: Option<String>,
    /// Report what would be removed without writing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweptEntry {
    pub user: String,
    #[schemars(with = "uuid::Uuid")]
    pub id: String,
    pub name: Option<String>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepResult {
    pub removed: Vec<SweptEntry>,
}
