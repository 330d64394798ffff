//! Managed entries: list, get, create, update, delete, sweep.

use super::params::{default_true, nullable, present};
use super::policies::{self, PolicyInput, PolicyPatch};
use super::views::{entry_view, Entry};
use super::{Action, Caller, Edit, Service};
use crate::cron::Schedule;
use crate::crontab::command::Recording;
use crate::crontab::wrapper::Wrapper;
use crate::crontab::{command, job_line, Crontab, Item, Located};
use crate::domain::entry::{self, EntryMeta, ManagedEntry};
use crate::domain::policy::{CatchUp, Concurrency, Notify, Policy};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, ErrorKind, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub const MAX_LIST_LIMIT: i64 = 200;

type LastRuns = std::collections::HashMap<String, super::views::LastRun>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    Managed,
    Raw,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
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

fn first_page() -> i64 {
    1
}

fn default_limit() -> i64 {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListResult {
    pub user: String,
    pub page: i64,
    pub limit: i64,
    /// Matching items on all pages.
    pub total: usize,
    /// In crontab order.
    pub entries: Vec<ListItem>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRef {
    pub user: String,
    /// The entry's UUID.
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateParams {
    pub user: String,
    /// Five fields (minute hour day-of-month month day-of-week) or a macro such as @daily.
    pub schedule: String,
    /// The shell command, exactly as the shell should run it (cronrpc escapes `%` for cron).
    pub command: String,
    /// A short label, one line, up to 200 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// A note, one line, up to 1000 characters.
    #[serde(default)]
    pub comment: Option<String>,
    /// false writes the entry commented out.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// After this moment the entry never fires again and is removed (RFC 3339, future).
    #[serde(default)]
    #[schemars(with = "Option<Timestamp>")]
    pub expires_at: Option<String>,
    /// IANA zone the five fields are wall-clock time in (default: cron's zone).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub timezone: Option<Value>,
    /// Every run is stopped after this many milliseconds (1000 to 86400000).
    #[serde(default)]
    #[schemars(with = "Option<u64>", range(min = 1000, max = 86_400_000))]
    pub timeout_ms: Option<Value>,
    /// `forbid`: a run does not start while another run of the entry is running.
    #[serde(default)]
    #[schemars(with = "Option<Concurrency>")]
    pub concurrency: Option<Value>,
    /// `latest`: when cron starts after downtime, the most recent missed fire runs once.
    #[serde(default)]
    #[schemars(with = "Option<CatchUp>")]
    pub catch_up: Option<Value>,
    /// Who hears about a run: cron's mail, a webhook, a healthchecks-style ping URL.
    #[serde(default)]
    #[schemars(with = "Option<Notify>")]
    pub notify: Option<Value>,
}

impl CreateParams {
    pub fn policy_input(&self) -> PolicyInput<'_> {
        PolicyInput {
            timezone: policies::given(&self.timezone),
            timeout_ms: policies::given(&self.timeout_ms),
            concurrency: policies::given(&self.concurrency),
            catch_up: policies::given(&self.catch_up),
            notify: policies::given(&self.notify),
        }
    }
}

/// Omitted fields stay; null clears `name`, `comment`, `expires_at` and the policies.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateParams {
    pub user: String,
    pub id: String,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "String")]
    pub schedule: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "String")]
    pub command: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<String>")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<String>")]
    pub comment: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "bool")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<Timestamp>")]
    pub expires_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<String>")]
    pub timezone: Option<Option<Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<u64>", range(min = 1000, max = 86_400_000))]
    pub timeout_ms: Option<Option<Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<Concurrency>")]
    pub concurrency: Option<Option<Value>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schemars(with = "Option<CatchUp>")]
    pub catch_up: Option<Option<Value>>,
    #[serde(default, deserialize_with = "nullable")]
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

#[derive(Debug, Clone, Deserialize, JsonSchema)]
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

pub(crate) fn parse_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id.trim()).map_err(|_| {
        Error::new(
            ErrorKind::EntryNotFound,
            format!("{id:?} is not an entry id (a UUID)"),
        )
        .with_field("id")
    })
}

pub(crate) fn not_found(user: &str, id: Uuid) -> Error {
    Error::new(
        ErrorKind::EntryNotFound,
        format!("{user} has no managed entry {id}"),
    )
    .with_field("id")
}

/// Parses a managed schedule and returns it as it will be written (blanks collapsed).
pub(super) fn check_schedule(text: &str) -> Result<String> {
    Schedule::parse(text).map_err(|e| {
        Error::new(ErrorKind::InvalidSchedule, e.to_string()).with_field("schedule")
    })?;
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn check_optional(value: Option<&str>, check: fn(&str) -> Result<()>) -> Result<()> {
    value.map_or(Ok(()), check)
}

/// The job line of an entry, refusing anything cron would not read back as the same job. With
/// a time zone the line's schedule is a host-zone cover of the entry's (see `cron::gate`).
fn render_job(entry: &ManagedEntry, wrapper: Option<&Wrapper>) -> Result<String> {
    let meta = &entry.meta;
    policies::check_enforceable(&meta.policy, wrapper.is_some())?;
    let recording = wrapper.map(|wrapper| Recording {
        wrapper,
        entry: meta.id,
        policy: &meta.policy,
        schedule: &entry.schedule,
    });
    let written = command::encode(&entry.command, meta.expires_at, recording)?;
    let schedule = match &meta.policy.timezone {
        Some(_) => Schedule::parse(&entry.schedule)
            .ok()
            .and_then(|s| crate::cron::gate::cover(&s))
            .unwrap_or_else(|| entry.schedule.clone()),
        None => entry.schedule.clone(),
    };
    let line = job_line(true, &schedule, &written);
    let reads_back = matches!(
        crate::cron::line::classify(&line),
        crate::cron::line::LineKind::Job(job) if job.schedule == schedule && job.command == written
    );
    if !reads_back {
        return Err(Error::new(
            ErrorKind::InvalidCommand,
            "cron would not read this command back as given",
        )
        .with_field("command"));
    }
    Ok(job_line(entry.enabled, &schedule, &written))
}

impl Service {
    pub(super) fn view(
        &self,
        user: &User,
        entry: &ManagedEntry,
        now: Timestamp,
        last: &LastRuns,
    ) -> Entry {
        let last_run = last.get(&entry.meta.id.to_string()).cloned();
        entry_view(&user.name, entry, now, self.zone, last_run)
    }

    pub(crate) fn read_crontab(&self, user: &User) -> Result<Crontab> {
        Ok(Crontab::parse(&self.read(user)?))
    }

    /// Lets the job cron runs as `user` record its runs. A failure only costs the recording.
    fn prepare_history(&self, user: &User) {
        if self.wrapper.is_some() {
            if let Err(e) = self.history.prepare(user) {
                tracing::warn!(user = %user.name, "preparing the run history: {e}");
            }
        }
    }

    pub fn entries_list(&self, caller: &Caller, p: ListParams) -> Result<ListResult> {
        let pagination = |field: &str, why: String| {
            Err(Error::new(ErrorKind::InvalidPagination, why).with_field(field))
        };
        if p.page < 1 {
            return pagination("page", format!("page must be 1 or more, got {}", p.page));
        }
        if !(1..=MAX_LIST_LIMIT).contains(&p.limit) {
            return pagination(
                "limit",
                format!(
                    "limit must be between 1 and {MAX_LIST_LIMIT}, got {}",
                    p.limit
                ),
            );
        }
        let user = self.user(caller, &p.user)?;
        let crontab = self.read_crontab(&user)?;
        let now = Timestamp::now();
        let wanted = |item: &Item| {
            let (kind, enabled) = match item {
                Item::Managed(l) => (EntryType::Managed, l.entry.enabled),
                Item::Raw { .. } => (EntryType::Raw, true),
            };
            p.kind.is_none_or(|k| k == kind) && p.enabled.is_none_or(|e| e == enabled)
        };
        let items: Vec<Item> = crontab.items().into_iter().filter(wanted).collect();
        let total = items.len();
        let last = self.last_runs(&user.name);
        let skip = usize::try_from((p.page - 1).saturating_mul(p.limit)).unwrap_or(usize::MAX);
        let entries = items
            .into_iter()
            .skip(skip)
            .take(p.limit as usize)
            .map(|item| match item {
                Item::Managed(l) => {
                    ListItem::Managed(Box::new(self.view(&user, &l.entry, now, &last)))
                }
                Item::Raw { text, .. } => ListItem::Raw { line: text },
            })
            .collect();
        Ok(ListResult {
            user: user.name,
            page: p.page,
            limit: p.limit,
            total,
            entries,
        })
    }

    pub fn entries_get(&self, caller: &Caller, p: EntryRef) -> Result<Entry> {
        let user = self.user(caller, &p.user)?;
        let id = parse_id(&p.id)?;
        let located = self
            .read_crontab(&user)?
            .find(id)
            .ok_or_else(|| not_found(&user.name, id))?;
        let last = self.last_runs(&user.name);
        Ok(self.view(&user, &located.entry, Timestamp::now(), &last))
    }

    pub fn entries_create(&self, caller: &Caller, p: CreateParams) -> Result<Entry> {
        user_syntax(&p.user)?;
        let schedule = check_schedule(&p.schedule)?;
        entry::check_command(&p.command)?;
        check_optional(p.name.as_deref(), entry::check_name)?;
        check_optional(p.comment.as_deref(), entry::check_comment)?;
        let now = Timestamp::now();
        let expires_at = p
            .expires_at
            .as_deref()
            .map(|t| entry::parse_expiry(t, now))
            .transpose()?;
        let mut policy = Policy::default();
        PolicyPatch::parse(p.policy_input())?.apply(&mut policy);
        let meta = EntryMeta {
            id: Uuid::new_v4(),
            name: p.name,
            comment: p.comment,
            expires_at,
            created_at: now,
            updated_at: now,
            policy,
        };
        let entry = ManagedEntry {
            meta: meta.clone(),
            enabled: p.enabled,
            schedule,
            command: p.command,
        };
        let job = render_job(&entry, self.wrapper.as_ref())?;
        let user = self.user(caller, &p.user)?;
        self.modify(caller, &user, Action::of("entries.create"), |edit| {
            edit.crontab.append(&meta, job);
            Ok(())
        })?;
        self.prepare_history(&user);
        Ok(self.view(&user, &entry, now, &LastRuns::new()))
    }

    pub fn entries_update(&self, caller: &Caller, p: UpdateParams) -> Result<Entry> {
        user_syntax(&p.user)?;
        let id = parse_id(&p.id)?;
        let schedule = p.schedule.as_deref().map(check_schedule).transpose()?;
        check_optional(p.command.as_deref(), entry::check_command)?;
        check_optional(
            p.name.as_ref().and_then(|n| n.as_deref()),
            entry::check_name,
        )?;
        check_optional(
            p.comment.as_ref().and_then(|c| c.as_deref()),
            entry::check_comment,
        )?;
        let patch = PolicyPatch::parse(p.policy_input())?;
        let now = Timestamp::now();
        let expires_at = match &p.expires_at {
            Some(Some(t)) => Some(Some(entry::parse_expiry(t, now)?)),
            Some(None) => Some(None),
            None => None,
        };
        let user = self.user(caller, &p.user)?;
        let (entry, _) = self.modify(
            caller,
            &user,
            Action::of("entries.update"),
            |edit: &mut Edit| {
                let at: Located = edit
                    .crontab
                    .find(id)
                    .ok_or_else(|| not_found(&user.name, id))?;
                let mut entry = at.entry.clone();
                // A line whose recorder path is not this binary's (it moved) is rewritten too.
                let stale_recorder = at.wrapper.is_some() && at.wrapper != self.wrapper;
                let job_changes = schedule.is_some()
                    || p.command.is_some()
                    || p.enabled.is_some()
                    || expires_at.is_some()
                    || !patch.is_empty()
                    || stale_recorder;
                if let Some(s) = schedule {
                    entry.schedule = s;
                }
                if let Some(c) = p.command {
                    entry.command = c;
                }
                if let Some(e) = p.enabled {
                    entry.enabled = e;
                }
                if let Some(e) = expires_at {
                    entry.meta.expires_at = e;
                }
                if let Some(n) = p.name {
                    entry.meta.name = n;
                }
                if let Some(c) = p.comment {
                    entry.meta.comment = c;
                }
                patch.apply(&mut entry.meta.policy);
                entry.meta.updated_at = edit.now;
                let job = if job_changes {
                    Some(render_job(&entry, self.wrapper.as_ref())?)
                } else {
                    None
                };
                edit.crontab.replace(&at, &entry.meta, job);
                Ok(entry)
            },
        )?;
        self.prepare_history(&user);
        let last = self.last_runs(&user.name);
        Ok(self.view(&user, &entry, now, &last))
    }

    pub fn entries_delete(&self, caller: &Caller, p: EntryRef) -> Result<DeleteResult> {
        user_syntax(&p.user)?;
        let id = parse_id(&p.id)?;
        let user = self.user(caller, &p.user)?;
        self.modify(caller, &user, Action::of("entries.delete"), |edit| {
            let at = edit
                .crontab
                .find(id)
                .ok_or_else(|| not_found(&user.name, id))?;
            edit.crontab.remove(&at);
            Ok(())
        })?;
        Ok(DeleteResult { deleted: true })
    }

    pub fn entries_sweep(&self, caller: &Caller, p: SweepParams) -> Result<SweepResult> {
        let users = match &p.user {
            Some(name) => vec![self.user(caller, name)?],
            None => self.visible_users(caller)?,
        };
        let mut removed = Vec::new();
        for user in users {
            let swept = if p.dry_run {
                let now = Timestamp::now();
                self.read_crontab(&user)?
                    .entries()
                    .map(|l| l.entry.meta)
                    .filter(|m| m.is_expired(now))
                    .collect()
            } else {
                self.modify(caller, &user, Action::of("entries.sweep"), |edit| {
                    Ok(edit.crontab.clone().remove_expired(edit.now))
                })?
                .0
            };
            removed.extend(swept.into_iter().map(|meta| SweptEntry {
                user: user.name.clone(),
                id: meta.id.to_string(),
                name: meta.name,
                expires_at: meta.expires_at,
            }));
        }
        Ok(SweepResult { removed })
    }

    /// The users with a crontab that the caller may see.
    pub(crate) fn visible_users(&self, caller: &Caller) -> Result<Vec<User>> {
        let mut names = self.backend.users()?;
        if !caller.is_root() {
            // An unprivileged caller may not list the spool; it sees its own crontab at most.
            names = caller.name.iter().cloned().collect();
        }
        Ok(names
            .into_iter()
            .filter(|n| caller.may_access(n))
            .filter_map(|n| crate::domain::user::lookup(&n).ok())
            .collect())
    }
}

pub(super) fn user_syntax(name: &str) -> Result<()> {
    crate::domain::user::check_name(name)
}
