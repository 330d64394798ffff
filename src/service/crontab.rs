//! Raw crontabs: list, get, put.

use super::{etag, Action, Caller, Service};
use crate::cron::validate_crontab;
use crate::crontab::{Crontab, Job};
use crate::domain::error::LineError;
use crate::domain::time::Timestamp;
use crate::domain::warning::Warning;
use crate::domain::{Error, ErrorKind, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrontabSummary {
    pub user: String,
    /// Managed entries in it.
    pub managed: usize,
    /// Job lines cronrpc does not manage.
    pub raw: usize,
    /// Size of the crontab in bytes.
    pub bytes: usize,
    /// When it last changed, where the backend can tell.
    pub modified_at: Option<Timestamp>,
}

/// Every crontab the caller may see, summarized (`crontab.list`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrontabSummaries {
    pub crontabs: Vec<CrontabSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetParams {
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetResult {
    pub user: String,
    /// The whole crontab; empty when the user has none.
    pub content: String,
    /// Changes whenever the content does; pass it as `if_match` to `crontab.put`.
    pub etag: String,
    /// What in the content likely surprises, by line (empty when nothing does).
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PutParams {
    pub user: String,
    /// The new crontab, whole. Refused as a whole if Debian's crontab would refuse it.
    pub content: String,
    /// Write only if the crontab's current etag is this one (else CONFLICT).
    #[serde(default)]
    pub if_match: Option<String>,
    /// Validate and diff without writing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagedDiff {
    /// Ids of managed entries in the new content but not the old.
    pub added: Vec<String>,
    /// Ids in both.
    pub kept: Vec<String>,
    /// Ids in the old content but not the new (expired ones swept count here too).
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PutResult {
    pub user: String,
    /// The etag of the crontab now in place.
    pub etag: String,
    /// false for a dry run.
    pub written: bool,
    pub managed: ManagedDiff,
    /// What in the new content likely surprises, by line (empty when nothing does).
    pub warnings: Vec<Warning>,
}

fn ids(crontab: &Crontab) -> BTreeSet<String> {
    crontab
        .entries()
        .map(|l| l.entry.meta.id.to_string())
        .collect()
}

fn diff(old: &Crontab, new: &Crontab) -> ManagedDiff {
    let (old, new) = (ids(old), ids(new));
    ManagedDiff {
        added: new.difference(&old).cloned().collect(),
        kept: new.intersection(&old).cloned().collect(),
        removed: old.difference(&new).cloned().collect(),
    }
}

/// Etags are 24 hex digits; anything much longer is not one, and is not echoed back.
const MAX_IF_MATCH_CHARS: usize = 128;

pub(super) fn check_if_match(if_match: Option<&str>) -> Result<()> {
    match if_match {
        Some(text) if text.chars().count() > MAX_IF_MATCH_CHARS => Err(Error::invalid_params(
            Some("if_match".into()),
            format!("if_match is not an etag: over {MAX_IF_MATCH_CHARS} characters"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn check_etag(if_match: Option<&str>, current: &str) -> Result<()> {
    match if_match {
        Some(expected) if expected != current => Err(Error::new(
            ErrorKind::Conflict,
            format!("the crontab's etag is {current}, not {expected}; read it again and retry"),
        )
        .with_field("if_match")),
        _ => Ok(()),
    }
}

impl Service {
    pub fn crontab_list(&self, caller: &Caller, _: NoParams) -> Result<CrontabSummaries> {
        let mut crontabs = Vec::new();
        for user in self.visible_users(caller)? {
            let Some(content) = self.backend.read(&user)? else {
                continue;
            };
            let items = Crontab::from_text(&content).jobs();
            let managed = items
                .iter()
                .filter(|i| matches!(i, Job::Managed(_)))
                .count();
            crontabs.push(CrontabSummary {
                managed,
                raw: items.len() - managed,
                bytes: content.len(),
                modified_at: self.backend.modified_at(&user),
                user: user.name,
            });
        }
        Ok(CrontabSummaries { crontabs })
    }

    pub fn crontab_get(&self, caller: &Caller, p: GetParams) -> Result<GetResult> {
        let user = self.user(caller, &p.user)?;
        let content = self.read(&user)?;
        Ok(GetResult {
            user: user.name,
            etag: etag(&content),
            warnings: crate::crontab::warnings::for_content(&content),
            content,
        })
    }

    pub fn crontab_put(&self, caller: &Caller, p: PutParams) -> Result<PutResult> {
        self.put(caller, p, Action::of("crontab.put"))
    }

    /// `crontab.put`, and `crontab.restore` which writes a revision back the same way.
    pub(super) fn put(&self, caller: &Caller, p: PutParams, action: Action) -> Result<PutResult> {
        crate::domain::user::check_name(&p.user)?;
        check_if_match(p.if_match.as_deref())?;
        validate_crontab(&p.content).map_err(|errors| {
            Error::invalid_crontab(
                errors
                    .into_iter()
                    .map(|e| LineError {
                        line: e.line,
                        text: e.text,
                        reason: e.reason,
                    })
                    .collect(),
            )
        })?;
        let user = self.user(caller, &p.user)?;
        if p.dry_run {
            let current = self.read(&user)?;
            check_etag(p.if_match.as_deref(), &etag(&current))?;
            let mut new = Crontab::from_text(&p.content);
            new.remove_expired(self.now());
            let managed = diff(&Crontab::from_text(&current), &new);
            return Ok(PutResult {
                user: user.name,
                etag: etag(&current),
                written: false,
                managed,
                warnings: crate::crontab::warnings::for_content(&p.content),
            });
        }
        let (managed, after) = self.modify(caller, &user, action, |edit| {
            check_etag(p.if_match.as_deref(), &edit.etag_before)?;
            let old = std::mem::replace(&mut edit.crontab, Crontab::from_text(&p.content));
            let mut swept = edit.crontab.clone();
            swept.remove_expired(edit.now);
            Ok(diff(&old, &swept))
        })?;
        Ok(PutResult {
            user: user.name,
            etag: etag(&after),
            written: true,
            managed,
            warnings: crate::crontab::warnings::for_content(&after),
        })
    }
}
