//! `cronrpc apply USER -f FILE`: `entries.apply` from a file (TOML or JSON, by extension),
//! printed as a diff for people: what is added, updated (with the fields that change), and
//! removed. `--detailed-exitcode` follows Terraform: 0 unchanged, 2 changed, 1 failed.

use super::{call, Done, Perform, Plan};
use crate::api as m;
use crate::cli::client::Connection;
use crate::cli::render::text;
use crate::domain::policy::{CatchUp, Concurrency, Notify};
use crate::domain::time::Timestamp;
use crate::service::apply::{ApplyParams, ApplyResult, Specs};
use crate::service::entry_types::{EntryType, ListItem, ListParams, MAX_LIST_LIMIT};
use crate::service::spec::EntrySpec;
use crate::service::views::Entry;
use clap::Args;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The user whose crontab to reconcile.
    user: String,
    /// The desired entries: `[[entries]]` tables in TOML, or `{"entries": [...]}` (or just the
    /// array) in JSON; chosen by the extension (.toml, .json; `-` reads JSON from stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: PathBuf,
    /// Also remove the user's named entries that the file does not list.
    #[arg(long)]
    prune: bool,
    /// Show what would change, and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Only if the crontab's etag is still this one.
    #[arg(long)]
    if_match: Option<String>,
    /// Exit 0 when nothing changed, 2 when something did, 1 on failure.
    #[arg(long)]
    pub(super) detailed_exitcode: bool,
}

/// `entries.apply` with the file's specs, each parsed as the server parses it.
#[derive(Debug, Clone)]
struct Apply {
    params: ApplyParams,
}

impl ApplyArgs {
    pub(super) fn plan(&self) -> Result<Plan, String> {
        let entries = read_entries(&self.file)?;
        Ok(Box::new(Apply {
            params: ApplyParams {
                user: self.user.clone(),
                entries,
                prune: self.prune,
                dry_run: self.dry_run,
                if_match: self.if_match.clone(),
            },
        }))
    }
}

/// The `entries` a file holds.
fn read_entries(file: &Path) -> Result<Specs, String> {
    let at = |e: String| format!("{}: {e}", file.display());
    let text = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| at(e.to_string()))?;
        text
    } else {
        std::fs::read_to_string(file).map_err(|e| at(e.to_string()))?
    };
    let doc = match file.extension().and_then(|e| e.to_str()) {
        Some("toml") => toml::from_str::<toml::Value>(&text)
            .map(from_toml)
            .map_err(|e| at(e.to_string()))?,
        Some("json") | None if file.extension().is_some() || file == Path::new("-") => {
            serde_json::from_str::<Value>(&text).map_err(|e| at(e.to_string()))?
        }
        _ => return Err(at("the file must end in .toml or .json".into())),
    };
    let read = match doc {
        Value::Array(_) => serde_json::from_value::<Specs>(doc),
        _ => serde_json::from_value::<EntriesFile>(doc).map(|f| f.entries),
    };
    read.map_err(|e| at(e.to_string()))
}

/// A file of entries: the params' own `entries`, each spec parsed as the server parses it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EntriesFile {
    entries: Specs,
}

/// TOML as JSON; a TOML date-time becomes its RFC 3339 text, as `expires_at` takes it.
fn from_toml(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => s.into(),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => f.into(),
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(a) => a.into_iter().map(from_toml).collect(),
        toml::Value::Table(t) => t
            .into_iter()
            .map(|(k, v)| (k, from_toml(v)))
            .collect::<Map<_, _>>()
            .into(),
    }
}

impl Perform for Apply {
    fn perform(
        &self,
        conn: &mut Connection,
        json: bool,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> Done {
        // What the named entries are now, to show which fields an update changes.
        let current = if json {
            HashMap::new()
        } else {
            named_entries(conn, &self.params.user)
        };
        let show = |result: &ApplyResult, out: &mut Vec<u8>, _: &mut Vec<u8>| {
            diff(out, &self.params.entries, &current, result)
        };
        let params = self.params.clone();
        let (exit, result) = call::<m::EntriesApply>(conn, params, json, out, err, show);
        let changed = result.is_some_and(|r| r.changed);
        Done { exit, changed }
    }
}

/// The user's named managed entries, by name; empty when they cannot be read (the apply
/// itself then says why).
fn named_entries(conn: &mut Connection, user: &str) -> HashMap<String, Entry> {
    let mut named = HashMap::new();
    for page in 1.. {
        let params = ListParams {
            user: user.to_owned(),
            page,
            limit: MAX_LIST_LIMIT,
            kind: Some(EntryType::Managed),
            enabled: None,
        };
        let Ok(list) = conn.call::<m::EntriesList>(params) else {
            break;
        };
        let last = (list.entries.len() as i64) < MAX_LIST_LIMIT;
        for item in list.entries {
            if let ListItem::Managed(entry) = item {
                if let Some(name) = entry.name.clone() {
                    named.insert(name, *entry);
                }
            }
        }
        if last {
            break;
        }
    }
    named
}

fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// A field as a spec gives it, read as the entry's type would hold it (so `{"webhook": u}`
/// compares equal to the whole notify object it means); left out, the entry's default.
fn given<T: Serialize + DeserializeOwned>(value: &Option<Value>, default: T) -> Value {
    match value {
        None => to_value(&default),
        Some(v) => {
            serde_json::from_value::<T>(v.clone()).map_or_else(|_| v.clone(), |t| to_value(&t))
        }
    }
}

fn words(schedule: &str) -> Value {
    schedule
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .into()
}

/// `field: old -> new` for each field the spec changes. Every field of a spec is named here
/// (no `..`): a field added to specs is a build error until the diff shows it.
pub(super) fn changes(spec: &EntrySpec, entry: &Entry) -> Vec<String> {
    let EntrySpec {
        schedule,
        command,
        name: _,
        comment,
        enabled,
        expires_at,
        timezone,
        timeout_ms,
        concurrency,
        catch_up,
        notify,
    } = spec;
    let rows = [
        ("schedule", words(&entry.schedule), words(schedule)),
        ("command", to_value(&entry.command), to_value(command)),
        ("comment", to_value(&entry.comment), to_value(comment)),
        ("enabled", to_value(&entry.enabled), to_value(enabled)),
        (
            "expires_at",
            to_value(&entry.expires_at),
            given(&expires_at.clone().map(Value::from), None::<Timestamp>),
        ),
        (
            "timezone",
            to_value(&entry.timezone),
            given(timezone, None::<String>),
        ),
        (
            "timeout_ms",
            to_value(&entry.timeout_ms),
            given(timeout_ms, None::<u64>),
        ),
        (
            "concurrency",
            to_value(&entry.concurrency),
            given(concurrency, Concurrency::default()),
        ),
        (
            "catch_up",
            to_value(&entry.catch_up),
            given(catch_up, CatchUp::default()),
        ),
        (
            "notify",
            to_value(&entry.notify),
            given(notify, None::<Notify>),
        ),
    ];
    rows.into_iter()
        .filter(|(_, have, want)| have != want)
        .map(|(field, have, want)| format!("{field}: {} -> {}", shown(&have), shown(&want)))
        .collect()
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => text(other),
    }
}

fn diff(
    out: &mut Vec<u8>,
    specs: &Specs,
    current: &HashMap<String, Entry>,
    r: &ApplyResult,
) -> std::io::Result<()> {
    let spec_of = |name: &str| {
        specs
            .0
            .iter()
            .filter_map(|s| s.as_ref().ok())
            .find(|s| s.name.as_deref() == Some(name))
    };
    for added in &r.added {
        let (schedule, command) =
            spec_of(&added.name).map_or(("-", "-"), |s| (s.schedule.as_str(), s.command.as_str()));
        writeln!(out, "+ {}  {schedule} {command}", added.name)?;
    }
    for updated in &r.updated {
        writeln!(out, "~ {}", updated.name)?;
        let fields = match (spec_of(&updated.name), current.get(&updated.name)) {
            (Some(spec), Some(entry)) => changes(spec, entry),
            _ => Vec::new(),
        };
        if fields.is_empty() {
            writeln!(out, "    (its job line is rewritten)")?;
        }
        for field in fields {
            writeln!(out, "    {field}")?;
        }
    }
    for removed in &r.removed {
        writeln!(out, "- {}", removed.name)?;
    }
    let verb = if r.written {
        "applied"
    } else if r.changed {
        "would change (dry run, nothing written)"
    } else {
        "unchanged"
    };
    writeln!(
        out,
        "{}: {verb}: {} added, {} updated, {} kept, {} removed",
        r.user,
        r.added.len(),
        r.updated.len(),
        r.kept.len(),
        r.removed.len()
    )
}
