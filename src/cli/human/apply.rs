//! `cronrpc apply USER -f FILE`: `entries.apply` from a file (TOML or JSON, by extension),
//! printed as a diff for people: what is added, updated (with the fields that change), and
//! removed. `--detailed-exitcode` follows Terraform: 0 unchanged, 2 changed, 1 failed.

use super::{call, Done};
use crate::api as m;
use crate::cli::client::{Connection, Outcome};
use crate::cli::render::text;
use crate::service::entry_types::MAX_LIST_LIMIT;
use clap::Args;
use serde_json::{json, Map, Value};
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

#[derive(Debug, Clone)]
pub struct Plan {
    params: Value,
}

impl ApplyArgs {
    pub(super) fn plan(&self) -> Result<Plan, String> {
        let entries = read_entries(&self.file)?;
        let mut params = json!({"user": self.user, "entries": entries});
        if self.prune {
            params["prune"] = true.into();
        }
        if self.dry_run {
            params["dry_run"] = true.into();
        }
        if let Some(etag) = &self.if_match {
            params["if_match"] = etag.clone().into();
        }
        Ok(Plan { params })
    }
}

/// The `entries` a file holds.
fn read_entries(file: &Path) -> Result<Value, String> {
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
    match doc {
        Value::Array(_) => Ok(doc),
        Value::Object(mut map) => {
            let entries = map
                .remove("entries")
                .ok_or_else(|| at("no `entries` in the file".into()))?;
            if let Some(other) = map.keys().next() {
                return Err(at(format!(
                    "unknown key `{other}`; the file holds `entries`"
                )));
            }
            Ok(entries)
        }
        _ => Err(at("the file holds `entries`, a list of entries".into())),
    }
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

impl Plan {
    pub(super) fn perform(
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
            named_entries(conn, &self.params["user"])
        };
        let show = |out: &mut Vec<u8>, result: &Value| {
            diff(out, &self.params["entries"], &current, result)
        };
        let invoke = |c: &mut Connection| c.invoke::<m::EntriesApply>(self.params.clone());
        let (exit, result) = call(conn, invoke, json, out, err, show);
        let changed = result.is_some_and(|r| r["changed"] == true);
        Done { exit, changed }
    }
}

/// The user's named managed entries, by name; empty when they cannot be read (the apply
/// itself then says why).
fn named_entries(conn: &mut Connection, user: &Value) -> HashMap<String, Value> {
    let mut named = HashMap::new();
    for page in 1.. {
        let params =
            json!({"user": user, "type": "managed", "page": page, "limit": MAX_LIST_LIMIT});
        let Ok(Outcome::Result(mut list)) = conn.invoke::<m::EntriesList>(params) else {
            break;
        };
        let Some(items) = list["entries"].as_array_mut().map(std::mem::take) else {
            break;
        };
        let last = (items.len() as i64) < MAX_LIST_LIMIT;
        for item in items {
            if let Some(name) = item["name"].as_str() {
                named.insert(name.to_owned(), item);
            }
        }
        if last {
            break;
        }
    }
    named
}

/// The fields a spec may give.
const FIELDS: &[&str] = &[
    "schedule",
    "command",
    "comment",
    "enabled",
    "expires_at",
    "timezone",
    "timeout_ms",
    "concurrency",
    "catch_up",
    "notify",
];

/// The value an entry has for `field` when a spec leaves it out.
fn default_of(field: &str) -> Value {
    match field {
        "enabled" => true.into(),
        "concurrency" => "allow".into(),
        "catch_up" => "none".into(),
        _ => Value::Null,
    }
}

fn normalized(field: &str, value: &Value) -> Value {
    match (field, value) {
        ("schedule", Value::String(s)) => s.split_whitespace().collect::<Vec<_>>().join(" ").into(),
        _ => value.clone(),
    }
}

/// `field: old -> new` for each field the spec changes.
fn changes(spec: &Value, entry: &Value) -> Vec<String> {
    FIELDS
        .iter()
        .filter_map(|field| {
            let default = default_of(field);
            let want = normalized(field, spec.get(*field).unwrap_or(&default));
            let have = normalized(field, entry.get(*field).unwrap_or(&default));
            (want != have).then(|| format!("{field}: {} -> {}", shown(&have), shown(&want)))
        })
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
    specs: &Value,
    current: &HashMap<String, Value>,
    r: &Value,
) -> std::io::Result<()> {
    let spec_of = |name: &str| {
        specs
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let list = |key: &str| r[key].as_array().cloned().unwrap_or_default();
    for added in list("added") {
        let spec = spec_of(added["name"].as_str().unwrap_or_default());
        writeln!(
            out,
            "+ {}  {} {}",
            text(&added["name"]),
            text(&spec["schedule"]),
            text(&spec["command"])
        )?;
    }
    for updated in list("updated") {
        let name = updated["name"].as_str().unwrap_or_default();
        writeln!(out, "~ {name}")?;
        let fields = match current.get(name) {
            Some(entry) => changes(&spec_of(name), entry),
            None => Vec::new(),
        };
        if fields.is_empty() {
            writeln!(out, "    (its job line is rewritten)")?;
        }
        for field in fields {
            writeln!(out, "    {field}")?;
        }
    }
    for removed in list("removed") {
        writeln!(out, "- {}", text(&removed["name"]))?;
    }
    let verb = if r["written"] == true {
        "applied"
    } else if r["changed"] == true {
        "would change (dry run, nothing written)"
    } else {
        "unchanged"
    };
    writeln!(
        out,
        "{}: {verb}: {} added, {} updated, {} kept, {} removed",
        text(&r["user"]),
        list("added").len(),
        list("updated").len(),
        list("kept").len(),
        list("removed").len()
    )
}
