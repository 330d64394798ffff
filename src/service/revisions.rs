//! crontab.revisions and crontab.restore, and the journal entry every write leaves.

use super::crontab::{PutParams, PutResult};
use super::{etag, Action, Caller, Service};
use crate::backend::journal::{Journal, Record, Revision};
use crate::crontab::marker;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::{Error, ErrorKind, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

pub const MAX_REVISIONS_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionsParams {
    pub user: String,
    /// How many revisions, newest first, 1 to 1000.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: i64,
}

pub fn default_limit() -> i64 {
    20
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionsResult {
    /// Newest first.
    pub revisions: Vec<Revision>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreParams {
    pub user: String,
    /// A revision number from crontab.revisions.
    pub revision: u64,
    /// Write only if the crontab's current etag is this one (else CONFLICT).
    #[serde(default)]
    pub if_match: Option<String>,
}

fn journal_error(e: std::io::Error) -> Error {
    Error::backend(format!("revision journal: {e}"))
}

impl Service {
    fn journal(&self) -> Result<&Journal> {
        self.journal.as_ref().ok_or_else(|| {
            Error::backend("the revision journal is off (no state directory configured)")
        })
    }

    pub fn crontab_revisions(
        &self,
        caller: &Caller,
        p: RevisionsParams,
    ) -> Result<RevisionsResult> {
        if !(1..=MAX_REVISIONS_LIMIT).contains(&p.limit) {
            return Err(Error::new(
                ErrorKind::InvalidPagination,
                format!(
                    "limit must be between 1 and {MAX_REVISIONS_LIMIT}, got {}",
                    p.limit
                ),
            )
            .with_field("limit"));
        }
        let user = self.user(caller, &p.user)?;
        let journal = self.journal()?;
        journal.claim(&user.name, user.uid).map_err(journal_error)?;
        let current = super::etag(&self.read(&user)?);
        if let Err(e) = journal.resolve(&user.name, &current) {
            tracing::warn!(user = %user.name, error = %e, "settling the revision journal");
        }
        let mut revisions = journal.list(&user.name).map_err(journal_error)?;
        revisions.retain(|r| !r.pending);
        revisions.reverse();
        revisions.truncate(p.limit as usize);
        Ok(RevisionsResult { revisions })
    }

    /// Writes a kept revision's content back through `crontab.put`, so it is validated,
    /// diffed and journaled like any put.
    pub fn crontab_restore(&self, caller: &Caller, p: RestoreParams) -> Result<PutResult> {
        let user = self.user(caller, &p.user)?;
        let journal = self.journal()?;
        journal.claim(&user.name, user.uid).map_err(journal_error)?;
        let content = journal
            .content(&user.name, p.revision)
            .map_err(journal_error)?
            .ok_or_else(|| {
                Error::invalid_params(
                    Some("revision".into()),
                    format!(
                        "{} has no revision {}; crontab.revisions lists the kept ones",
                        user.name, p.revision
                    ),
                )
            })?;
        let action = Action {
            method: "crontab.restore",
            note: Some(format!("to revision {}", p.revision)),
        };
        let params = PutParams {
            user: p.user,
            content,
            if_match: p.if_match,
            dry_run: false,
        };
        self.put(caller, params, action)
    }

    /// Records a write in the journal: the replaced content first when the journal does not
    /// already end with it (a first write, or an edit made outside cronrpc), then the new one.
    /// It runs before the write is installed, as pending (a kill between write and journal
    /// then leaves the revision to be settled by [`Journal::resolve`], never mislabelled as
    /// external); [`Service::confirm_revision`] settles it after. A journal failure is
    /// logged and shown in `health`, not returned: the crontab is the user's, the journal
    /// only cronrpc's account of it.
    pub(super) fn record_revision(
        &self,
        caller: &Caller,
        action: &Action,
        user: &User,
        before: &str,
        after: &str,
        replaced_at: Option<Timestamp>,
    ) {
        let Some(journal) = &self.journal else {
            return;
        };
        let now = self.now();
        let result = journal
            .claim(&user.name, user.uid)
            .and_then(|()| journal.resolve(&user.name, &etag(before)));
        let result = result
            .and_then(|()| journal.list(&user.name))
            .and_then(|index| {
                let mut records = Vec::new();
                let before_etag = etag(before);
                if index.last().map(|r| &r.etag) != Some(&before_etag) {
                    let summary = if before.is_empty() && index.is_empty() {
                        "no crontab before cronrpc's first write"
                    } else {
                        "found in place: written outside cronrpc"
                    };
                    records.push(Record {
                        content: before,
                        etag: before_etag,
                        written_at: replaced_at.unwrap_or(now),
                        by: "external".into(),
                        client: None,
                        pending: false,
                        summary: summary.into(),
                    });
                }
                records.push(Record {
                    content: after,
                    etag: etag(after),
                    written_at: now,
                    by: caller.author(),
                    client: caller.client.clone(),
                    pending: true,
                    summary: summarize(action, before, after),
                });
                journal.append(&user.name, records, now)
            });
        if let Err(e) = &result {
            tracing::warn!(user = %user.name, error = %e, "recording the revision failed");
        }
        self.notes
            .journal(&user.name, result.map_err(|e| e.to_string()));
    }
}

impl Service {
    /// Settles the revision [`Service::record_revision`] journaled ahead of a write, once the
    /// write succeeded (`installed`) or failed.
    pub(super) fn confirm_revision(&self, user: &User, installed: &str) {
        if let Some(journal) = &self.journal {
            if let Err(e) = journal.resolve(&user.name, &etag(installed)) {
                tracing::warn!(user = %user.name, error = %e, "confirming the revision failed");
                self.notes.journal(&user.name, Err(e.to_string()));
            }
        }
    }
}

/// "entries.create 1b2c3d4e: +1 managed, +2 lines", "crontab.put: +2 -1 lines".
///
/// Works from the lines that differ, not from parsing both crontabs: it runs on every write,
/// and a 10,000-line crontab would otherwise be classified twice more per write. Managed
/// entries are told apart by their markers, which cronrpc rewrites on every change.
pub fn summarize(action: &Action, before: &str, after: &str) -> String {
    let (gone, came) = line_diff(before, after);
    let ids = |lines: &[&str]| -> BTreeSet<uuid::Uuid> {
        lines
            .iter()
            .filter_map(|l| marker::parse(l))
            .map(|m| m.id)
            .collect()
    };
    let (old, new) = (ids(&gone), ids(&came));
    let added: Vec<_> = new.difference(&old).collect();
    let removed: Vec<_> = old.difference(&new).collect();
    let changed: Vec<_> = new.intersection(&old).collect();
    let mut parts = Vec::new();
    for (n, label) in [
        (added.len(), "+{} managed"),
        (removed.len(), "-{} managed"),
        (changed.len(), "~{} managed"),
    ] {
        if n > 0 {
            parts.push(label.replace("{}", &n.to_string()));
        }
    }
    let lines = match (came.len(), gone.len()) {
        (0, 0) => String::new(),
        (p, 0) => format!("+{p} lines"),
        (0, m) => format!("-{m} lines"),
        (p, m) => format!("+{p} -{m} lines"),
    };
    if !lines.is_empty() {
        parts.push(lines);
    }
    let mut head = action.method.to_owned();
    let touched: Vec<_> = added.iter().chain(&removed).chain(&changed).collect();
    if let [only] = touched.as_slice() {
        head.push(' ');
        head.push_str(&only.to_string()[..8]);
    }
    if let Some(note) = &action.note {
        head.push(' ');
        head.push_str(note);
    }
    format!("{head}: {}", parts.join(", "))
}

/// Lines removed and lines added, as multisets: order changes are not counted.
fn line_diff<'a>(before: &'a str, after: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut counts: HashMap<&str, isize> = HashMap::new();
    for line in before.lines() {
        *counts.entry(line).or_default() -= 1;
    }
    for line in after.lines() {
        *counts.entry(line).or_default() += 1;
    }
    let (mut gone, mut came) = (Vec::new(), Vec::new());
    for (line, n) in counts {
        let side = if n < 0 { &mut gone } else { &mut came };
        side.extend(std::iter::repeat_n(line, n.unsigned_abs()));
    }
    (gone, came)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_the_entry_and_count_lines() {
        let marker = "# cronrpc:v1 {\"id\":\"1b2c3d4e-0000-4000-8000-000000000000\",\"created_at\":\"2024-11-01T10:30:00Z\",\"updated_at\":\"2024-11-01T10:30:00Z\"}";
        let with = format!("# keep\n{marker}\n@daily x\n");
        assert_eq!(
            summarize(&Action::of("entries.create"), "# keep\n", &with),
            "entries.create 1b2c3d4e: +1 managed, +2 lines"
        );
        assert_eq!(
            summarize(&Action::of("crontab.put"), "a\nb\n", "a\nc\nd\n"),
            "crontab.put: +2 -1 lines"
        );
    }
}
