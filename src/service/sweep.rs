//! entries.sweep: removing expired entries from every crontab the caller may see; and which
//! crontabs those are.

use super::entry_types::{SweepParams, SweepResult, SweptEntry};
use super::{Action, Caller, Service};
use crate::domain::user::User;
use crate::domain::Result;

impl Service {
    pub fn entries_sweep(&self, caller: &Caller, p: SweepParams) -> Result<SweepResult> {
        let users = match &p.user {
            Some(name) => vec![self.user(caller, name)?],
            None => self.visible_users(caller)?,
        };
        let mut removed = Vec::new();
        for user in users {
            let swept = if p.dry_run {
                let now = self.now();
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

    /// The users with a crontab that the caller may see. An unprivileged caller sees its own
    /// crontab at most, and the spool (which it may not be able to list) is never read for it.
    pub(crate) fn visible_users(&self, caller: &Caller) -> Result<Vec<User>> {
        let names = if caller.is_root() {
            self.backend.users()?
        } else {
            caller.name.iter().cloned().collect()
        };
        Ok(names
            .into_iter()
            .filter(|n| caller.may_access(n))
            .filter_map(|n| crate::domain::user::lookup(&n).ok())
            .collect())
    }
}
