//! The fields a caller gives to say what a managed entry is. `entries.create` takes them with a
//! `user`; each of `entries.apply`'s `entries` is exactly them. They are declared once, in the
//! macro call below, so a field added there (a policy, say) reaches both methods.
//!
//! A macro rather than `#[serde(flatten)]`: serde loses the field path (and so `data.field`)
//! for type errors inside a flattened struct, and flatten does not mix with
//! `deny_unknown_fields` on the spec itself.

use super::entry_checks::{check_schedule, render_job};
use super::params::default_true;
use super::policies::{self, PolicyInput, PolicyPatch};
use crate::crontab::recorder::Recorder;
use crate::domain::entry::{self, EntryMeta, ManagedEntry};
use crate::domain::policy::{CatchUp, Concurrency, Notify, Policy};
use crate::domain::time::Timestamp;
use crate::domain::Result;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

macro_rules! entry_spec {
    ($( $(#[$attr:meta])* $field:ident: $ty:ty, )*) => {
        /// A managed entry as a caller describes it.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct EntrySpec {
            $( $(#[$attr])* pub $field: $ty, )*
        }

        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct CreateParams {
            pub user: String,
            $( $(#[$attr])* pub $field: $ty, )*
        }

        impl CreateParams {
            /// The user, and the entry to create for them.
            pub fn split(self) -> (String, EntrySpec) {
                (self.user, EntrySpec { $( $field: self.$field, )* })
            }
        }
    };
}

entry_spec! {
    /// Five fields (minute hour day-of-month month day-of-week) or a macro such as @daily.
    schedule: String,
    /// The shell command, exactly as the shell should run it (cronrpc escapes `%` for cron).
    command: String,
    /// A short label, one line, up to 200 characters. entries.apply's key: required there.
    #[serde(default)]
    name: Option<String>,
    /// A note, one line, up to 1000 characters.
    #[serde(default)]
    comment: Option<String>,
    /// false writes the entry commented out.
    #[serde(default = "default_true")]
    enabled: bool,
    /// After this moment the entry never fires again and is removed (RFC 3339, future).
    #[serde(default)]
    #[schemars(with = "Option<Timestamp>")]
    expires_at: Option<String>,
    /// IANA zone the five fields are wall-clock time in (default: cron's zone).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    timezone: Option<Value>,
    /// Every run is stopped after this many milliseconds (1000 to 86400000).
    #[serde(default)]
    #[schemars(with = "Option<u64>", range(min = 1000, max = 86_400_000))]
    timeout_ms: Option<Value>,
    /// `forbid`: a run does not start while another run of the entry is running.
    #[serde(default)]
    #[schemars(with = "Option<Concurrency>")]
    concurrency: Option<Value>,
    /// `latest`: when cron starts after downtime, the most recent missed fire runs once.
    #[serde(default)]
    #[schemars(with = "Option<CatchUp>")]
    catch_up: Option<Value>,
    /// Who hears about a run: cron's mail, a webhook, a healthchecks-style ping URL.
    #[serde(default)]
    #[schemars(with = "Option<Notify>")]
    notify: Option<Value>,
}

/// A spec that passed every check, in the form it will be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub schedule: String,
    pub command: String,
    pub name: Option<String>,
    pub comment: Option<String>,
    pub enabled: bool,
    pub expires_at: Option<Timestamp>,
    pub policy: Policy,
}

impl EntrySpec {
    /// Every check `entries.create` makes, in the order it makes them.
    pub fn check(&self, now: Timestamp) -> Result<Checked> {
        let schedule = check_schedule(&self.schedule)?;
        entry::check_command(&self.command)?;
        if let Some(name) = &self.name {
            entry::check_name(name)?;
        }
        if let Some(comment) = &self.comment {
            entry::check_comment(comment)?;
        }
        let expires_at = self
            .expires_at
            .as_deref()
            .map(|t| entry::parse_expiry(t, now))
            .transpose()?;
        let mut policy = Policy::default();
        PolicyPatch::parse(self.policy_input())?.apply(&mut policy);
        Ok(Checked {
            schedule,
            command: self.command.clone(),
            name: self.name.clone(),
            comment: self.comment.clone(),
            enabled: self.enabled,
            expires_at,
            policy,
        })
    }

    /// The policy members as given (for create, null and absent both mean the default).
    fn policy_input(&self) -> PolicyInput<'_> {
        PolicyInput {
            timezone: policies::given(&self.timezone),
            timeout_ms: policies::given(&self.timeout_ms),
            concurrency: policies::given(&self.concurrency),
            catch_up: policies::given(&self.catch_up),
            notify: policies::given(&self.notify),
        }
    }
}

impl Checked {
    /// The entry this spec makes, with `id` and the given times, and its job line (refused when
    /// cron would not read it back).
    pub fn entry_and_line(
        self,
        id: Uuid,
        created_at: Timestamp,
        updated_at: Timestamp,
        recorder: Option<&Recorder>,
    ) -> Result<(ManagedEntry, String)> {
        let entry = self.into_entry(id, created_at, updated_at);
        let line = render_job(&entry, recorder)?;
        Ok((entry, line))
    }

    /// The entry this spec makes, with `id` and the given times.
    fn into_entry(self, id: Uuid, created_at: Timestamp, updated_at: Timestamp) -> ManagedEntry {
        ManagedEntry {
            meta: EntryMeta {
                id,
                name: self.name,
                comment: self.comment,
                expires_at: self.expires_at,
                created_at,
                updated_at,
                policy: self.policy,
            },
            enabled: self.enabled,
            schedule: self.schedule,
            command: self.command,
        }
    }

    /// True when `entry` already is what this spec says (the name is the key, not compared).
    pub fn matches(&self, entry: &ManagedEntry) -> bool {
        self.differences(entry).is_empty()
    }

    /// The names of the fields that differ from `entry`, for people reading a diff.
    pub fn differences(&self, entry: &ManagedEntry) -> Vec<&'static str> {
        let mut fields = Vec::new();
        if self.schedule != entry.schedule {
            fields.push("schedule");
        }
        if self.command != entry.command {
            fields.push("command");
        }
        if self.enabled != entry.enabled {
            fields.push("enabled");
        }
        if self.comment != entry.meta.comment {
            fields.push("comment");
        }
        if self.expires_at != entry.meta.expires_at {
            fields.push("expires_at");
        }
        let (want, have) = (&self.policy, &entry.meta.policy);
        if want.timezone != have.timezone {
            fields.push("timezone");
        }
        if want.timeout_ms != have.timeout_ms {
            fields.push("timeout_ms");
        }
        if want.concurrency != have.concurrency {
            fields.push("concurrency");
        }
        if want.catch_up != have.catch_up {
            fields.push("catch_up");
        }
        if want.notify != have.notify {
            fields.push("notify");
        }
        fields
    }
}
