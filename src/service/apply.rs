//! `entries.apply`: make a user's named managed entries match a desired set, in one locked
//! write (contract: "Declarative apply"). The name is the key; unnamed entries, raw lines,
//! comments and variables are never touched.

use super::crontab::{check_etag, check_if_match};
use super::entry_checks::user_syntax;
use super::spec::{Checked, EntrySpec};
use super::{etag, Action, Caller, Service};
use crate::crontab::{Crontab, Located};
use crate::domain::error::SpecError;
use crate::domain::time::Timestamp;
use crate::domain::{Error, ErrorKind, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyParams {
    pub user: String,
    /// The desired named entries; each takes the fields of entries.create, `name` required.
    #[schemars(with = "Vec<EntrySpec>")]
    pub entries: Specs,
    /// Also remove the user's named managed entries whose name is not in `entries`.
    #[serde(default)]
    pub prune: bool,
    /// Report what would change without writing.
    #[serde(default)]
    pub dry_run: bool,
    /// Apply only if the crontab's current etag is this one (else CONFLICT).
    #[serde(default)]
    pub if_match: Option<String>,
}

/// The specs as given, each parsed on its own, so that one malformed spec is reported with
/// all the others (INVALID_ENTRIES) rather than stopping the parse at the first.
#[derive(Debug, Clone, Default)]
pub struct Specs(pub Vec<std::result::Result<EntrySpec, Box<Refused>>>);

/// A spec that does not parse: why, and the spec as given, so that params built in one
/// process (the CLI's `--connect`) can be sent on to a server that reports it the same way.
#[derive(Debug, Clone)]
pub struct Refused {
    pub error: SpecError,
    pub given: serde_json::Value,
}

impl<'de> Deserialize<'de> for Specs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let values = Vec::<serde_json::Value>::deserialize(d)?;
        Ok(Specs(
            values.into_iter().enumerate().map(parse_spec).collect(),
        ))
    }
}

impl Serialize for Specs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Given<'a> {
            Parsed(&'a EntrySpec),
            Refused(&'a serde_json::Value),
        }
        s.collect_seq(self.0.iter().map(|spec| match spec {
            Ok(spec) => Given::Parsed(spec),
            Err(refused) => Given::Refused(&refused.given),
        }))
    }
}

fn parse_spec(
    (index, value): (usize, serde_json::Value),
) -> std::result::Result<EntrySpec, Box<Refused>> {
    let name = value
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_owned);
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        let detail = e.into_inner().to_string();
        let field = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|p| detail.strip_prefix(p)?.split('`').next().map(str::to_owned))
            .or_else(|| (path != ".").then_some(path));
        let error = SpecError {
            index,
            name,
            code: ErrorKind::InvalidParams.code(),
            field,
            detail,
        };
        Box::new(Refused {
            error,
            given: value.clone(),
        })
    })
}

/// An entry named in the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Named {
    #[schemars(with = "uuid::Uuid")]
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyResult {
    pub user: String,
    /// The etag of the crontab now in place (unchanged by a dry run or an apply that changes
    /// nothing).
    pub etag: String,
    /// Whether the crontab was written.
    pub written: bool,
    /// Whether anything was (or, in a dry run, would be) added, updated or removed.
    pub changed: bool,
    /// New names, appended at the end, in `entries` order.
    pub added: Vec<Named>,
    /// Entries changed in place (same id, same position), in `entries` order.
    pub updated: Vec<Named>,
    /// Entries already as given, in `entries` order.
    pub kept: Vec<Named>,
    /// With `prune`: named entries not in the set, in crontab order.
    pub removed: Vec<Named>,
}

/// A spec that passed its checks, with its name (the key).
struct Wanted {
    index: usize,
    name: String,
    spec: Checked,
}

fn fault(index: usize, name: Option<&str>, e: Error) -> SpecError {
    SpecError {
        index,
        name: name.map(str::to_owned),
        code: e.kind.code(),
        field: e.field,
        detail: e.detail,
    }
}

impl Service {
    pub fn entries_apply(&self, caller: &Caller, p: ApplyParams) -> Result<ApplyResult> {
        user_syntax(&p.user)?;
        check_if_match(p.if_match.as_deref())?;
        let wanted = self.check_specs(p.entries, self.now())?;
        let user = self.user(caller, &p.user)?;
        if p.dry_run {
            let current = self.read(&user)?;
            check_etag(p.if_match.as_deref(), &etag(&current))?;
            let mut crontab = Crontab::from_text(&current);
            let lists = self.reconcile(&mut crontab, &wanted, p.prune, self.now())?;
            return Ok(lists.result(user.name, etag(&current), false));
        }
        let before = std::cell::Cell::new(String::new());
        let (lists, after) = self.modify(caller, &user, Action::of("entries.apply"), |edit| {
            check_etag(p.if_match.as_deref(), &edit.etag_before)?;
            before.set(edit.etag_before.clone());
            self.reconcile(&mut edit.crontab, &wanted, p.prune, edit.now)
        })?;
        if lists.changed() {
            self.prepare_history(&user);
        }
        let after = etag(&after);
        let written = after != before.take();
        Ok(lists.result(user.name, after, written))
    }

    /// Every check `entries.create` makes, on every spec, plus a name for each and no name
    /// twice. All faults are reported together.
    fn check_specs(&self, specs: Specs, now: Timestamp) -> Result<Vec<Wanted>> {
        let mut faults = Vec::new();
        let mut wanted = Vec::new();
        let mut first_at: HashMap<String, usize> = HashMap::new();
        for (index, spec) in specs.0.into_iter().enumerate() {
            let spec = match spec {
                Ok(spec) => spec,
                Err(bad) => {
                    faults.push(bad.error);
                    continue;
                }
            };
            let name = spec.name.clone();
            let Some(key) = name.clone() else {
                let e = Error::new(
                    ErrorKind::InvalidName,
                    "every entry of entries.apply needs a name: it is the key",
                )
                .with_field("name");
                faults.push(fault(index, None, e));
                continue;
            };
            // The job line is checked with a stand-in id: every id is as long as any other.
            let checked = spec.check(now).and_then(|c| {
                c.clone()
                    .entry_and_line(Uuid::nil(), now, now, self.recorder.as_ref())?;
                Ok(c)
            });
            match checked {
                Err(e) => faults.push(fault(index, Some(&key), e)),
                Ok(spec) => {
                    if let Some(&first) = first_at.get(&key) {
                        let e = Error::new(
                            ErrorKind::InvalidName,
                            format!(
                                "the name {key:?} is also given at index {first}; names are unique"
                            ),
                        )
                        .with_field("name");
                        faults.push(fault(index, Some(&key), e));
                        continue;
                    }
                    first_at.insert(key.clone(), index);
                    wanted.push(Wanted {
                        index,
                        name: key,
                        spec,
                    });
                }
            }
        }
        if faults.is_empty() {
            Ok(wanted)
        } else {
            faults.sort_by_key(|f| f.index);
            Err(Error::invalid_entries(faults))
        }
    }

    /// Edits `crontab` to match `wanted`: updates in place first (they keep every line index),
    /// then removals from the bottom up, then appends.
    fn reconcile(
        &self,
        crontab: &mut Crontab,
        wanted: &[Wanted],
        prune: bool,
        now: Timestamp,
    ) -> Result<Lists> {
        let mut by_name: HashMap<String, Vec<Located>> = HashMap::new();
        for located in crontab.entries() {
            if let Some(name) = located.entry.meta.name.clone() {
                by_name.entry(name).or_default().push(located);
            }
        }
        let shared: Vec<SpecError> = wanted
            .iter()
            .filter(|w| by_name.get(&w.name).is_some_and(|l| l.len() > 1))
            .map(|w| {
                let ids: Vec<String> = by_name[&w.name]
                    .iter()
                    .map(|l| l.entry.meta.id.to_string())
                    .collect();
                let e = Error::new(
                    ErrorKind::InvalidName,
                    format!(
                        "{} managed entries are already named {:?} ({}); rename or delete all but one",
                        ids.len(),
                        w.name,
                        ids.join(", ")
                    ),
                )
                .with_field("name");
                fault(w.index, Some(&w.name), e)
            })
            .collect();
        if !shared.is_empty() {
            return Err(Error::invalid_entries(shared));
        }
        let mut lists = Lists::default();
        let mut appends = Vec::new();
        for w in wanted {
            let named = |id: Uuid| Named {
                id: id.to_string(),
                name: w.name.clone(),
            };
            let Some(at) = by_name.get(&w.name).and_then(|l| l.first()) else {
                let id = Uuid::new_v4();
                let (entry, job) =
                    w.spec
                        .clone()
                        .entry_and_line(id, now, now, self.recorder.as_ref())?;
                appends.push((entry.meta, job));
                lists.added.push(named(id));
                continue;
            };
            let id = at.entry.meta.id;
            // A line whose recorder is not this binary's (it moved) is rewritten too.
            let stale_recorder = at.recorder.is_some() && at.recorder != self.recorder;
            if w.spec.matches(&at.entry) && !stale_recorder {
                lists.kept.push(named(id));
                continue;
            }
            let (entry, job) = w.spec.clone().entry_and_line(
                id,
                at.entry.meta.created_at,
                now,
                self.recorder.as_ref(),
            )?;
            crontab.replace(at, &entry.meta, Some(job));
            lists.updated.push(named(id));
        }
        if prune {
            let keep: HashSet<&str> = wanted.iter().map(|w| w.name.as_str()).collect();
            let mut gone: Vec<Located> = by_name
                .into_iter()
                .filter(|(name, _)| !keep.contains(name.as_str()))
                .flat_map(|(_, located)| located)
                .collect();
            gone.sort_by_key(|l| l.marker);
            for located in gone.iter().rev() {
                crontab.remove(located);
            }
            lists.removed = gone
                .into_iter()
                .map(|l| Named {
                    id: l.entry.meta.id.to_string(),
                    name: l.entry.meta.name.unwrap_or_default(),
                })
                .collect();
        }
        for (meta, job) in appends {
            crontab.append(&meta, job);
        }
        Ok(lists)
    }
}

#[derive(Debug, Default)]
struct Lists {
    added: Vec<Named>,
    updated: Vec<Named>,
    kept: Vec<Named>,
    removed: Vec<Named>,
}

impl Lists {
    fn changed(&self) -> bool {
        !(self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty())
    }

    fn result(self, user: String, etag: String, written: bool) -> ApplyResult {
        ApplyResult {
            user,
            etag,
            written,
            changed: self.changed(),
            added: self.added,
            updated: self.updated,
            kept: self.kept,
            removed: self.removed,
        }
    }
}
