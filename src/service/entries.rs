//! Managed entries: list, get, create, update, delete. The wire types are in `entry_types`,
//! the shared checks in `entry_checks`, sweep in `sweep`.

pub(crate) use super::entry_checks::{not_found, parse_id};
pub use super::entry_types::*;

use super::entry_checks::{check_optional, check_schedule, render_job, user_syntax};
use super::policies::PolicyPatch;
use super::views::{entry_view, Entry};
use super::{Action, Caller, Edit, Service};
use crate::crontab::{Crontab, Job, Located, Slot};
use crate::domain::entry::{self, ManagedEntry};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, ErrorKind, Result};
use uuid::Uuid;

pub(super) type LastRuns = std::collections::HashMap<String, super::views::LastRun>;

impl Service {
    pub(super) fn view(
        &self,
        user: &User,
        entry: &ManagedEntry,
        now: Timestamp,
        last: &LastRuns,
    ) -> Entry {
        let last_run = last.get(&entry.meta.id.to_string()).cloned();
        entry_view(&user.name, entry, now, &self.zone, last_run)
    }

    pub(crate) fn read_crontab(&self, user: &User) -> Result<Crontab> {
        Ok(Crontab::from(self.read(user)?))
    }

    /// Lets the job cron runs as `user` record its runs. A failure only costs the recording.
    pub(super) fn prepare_history(&self, user: &User) {
        if self.recorder.is_some() {
            match self.history.prepare(user) {
                Ok(()) => self.provision_webhook_key(user),
                Err(e) => tracing::warn!(user = %user.name, "preparing the run history: {e}"),
            }
        }
    }

    pub fn entries_list(&self, caller: &Caller, p: ListParams) -> Result<EntryPage> {
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
        let now = self.now();
        // Every job is found and counted, but only the page's are read into entries: on a
        // 10,000-line crontab that is most of a list's cost.
        let (slots, recorders) = crontab.slots();
        self.note_recorders(&user, recorders.into_iter());
        let wanted = |slot: &&Slot| {
            let (kind, enabled) = match **slot {
                Slot::Managed { enabled, .. } => (EntryType::Managed, enabled),
                Slot::Raw { .. } => (EntryType::Raw, true),
            };
            p.kind.is_none_or(|k| k == kind) && p.enabled.is_none_or(|e| e == enabled)
        };
        let total = slots.iter().filter(wanted).count();
        let skip = usize::try_from((p.page - 1).saturating_mul(p.limit)).unwrap_or(usize::MAX);
        let page: Vec<Job> = slots
            .iter()
            .filter(wanted)
            .skip(skip)
            .take(p.limit as usize)
            .map(|&slot| crontab.job(slot))
            .collect();
        let any_managed = page.iter().any(|i| matches!(i, Job::Managed(_)));
        let last = if any_managed {
            self.last_runs(&user)
        } else {
            LastRuns::default()
        };
        let entries = page
            .into_iter()
            .map(|item| match item {
                Job::Managed(l) => {
                    ListItem::Managed(Box::new(self.view(&user, &l.entry, now, &last)))
                }
                Job::Raw { text, .. } => ListItem::Raw { line: text },
            })
            .collect();
        Ok(EntryPage {
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
            .read_cache
            .find(&user.name, self.read(&user)?, id)
            .ok_or_else(|| not_found(&user.name, id))?;
        let last = self.last_runs(&user);
        Ok(self.view(&user, &located.entry, self.now(), &last))
    }

    pub fn entries_create(&self, caller: &Caller, p: CreateParams) -> Result<Entry> {
        let (user, spec) = p.split();
        user_syntax(&user)?;
        let now = self.now();
        let spec = spec.check(now)?;
        let (entry, job) = spec.entry_and_line(Uuid::new_v4(), now, now, self.recorder.as_ref())?;
        let user = self.user(caller, &user)?;
        self.modify(caller, &user, Action::of("entries.create"), |edit| {
            edit.crontab.append(&entry.meta, job);
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
        let now = self.now();
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
                let stale_recorder = at.recorder.is_some() && at.recorder != self.recorder;
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
                    Some(render_job(&entry, self.recorder.as_ref())?)
                } else {
                    None
                };
                edit.crontab.replace(&at, &entry.meta, job);
                Ok(entry)
            },
        )?;
        self.prepare_history(&user);
        let last = self.last_runs(&user);
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
}
