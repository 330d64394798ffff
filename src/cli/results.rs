//! Each method's result for a person, through the [`Render`] trait: one impl per method, using
//! the pieces in `render`.

use super::render::{entries_list, entry, put, run, table, text, warnings};
use crate::api::{self as m, Method};
use serde_json::Value;
use std::io::{self, Write};

/// How a method's result looks to a person. Results are read as JSON values rather than as
/// the result types: a host's cronrpc may be another version, with fields this one lacks.
pub trait Render: Method {
    fn render(out: &mut Vec<u8>, result: &Value) -> io::Result<()>;
}

macro_rules! renders {
    ($($method:ident => $show:expr;)*) => {
        $(impl Render for m::$method {
            fn render(out: &mut Vec<u8>, result: &Value) -> io::Result<()> {
                $show(out, result)
            }
        })*
    };
}

renders! {
    EntriesList => entries_list;
    EntriesGet => entry;
    EntriesCreate => entry;
    EntriesUpdate => entry;
    EntriesAdopt => entry;
    EntriesDelete => |out: &mut Vec<u8>, _: &Value| writeln!(out, "deleted");
    EntriesRun => run;
    RunsGet => run;
    RunsCancel => run;
    EntriesHistory => history;
    EntriesSweep => sweep;
    CrontabList => crontab_list;
    CrontabGet => crontab_get;
    CrontabPut => put;
    CrontabRestore => put;
    CrontabRevisions => revisions;
    ScheduleDescribe => describe;
    Health => health;
}

fn history(out: &mut Vec<u8>, r: &Value) -> io::Result<()> {
    let rows: Vec<Vec<String>> = r["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|run| {
            [
                "started_at",
                "entry_id",
                "trigger",
                "status",
                "exit_code",
                "duration_ms",
                "run_id",
            ]
            .iter()
            .map(|k| text(&run[*k]))
            .collect()
        })
        .collect();
    table(
        out,
        &["STARTED", "ENTRY", "TRIGGER", "STATUS", "EXIT", "MS", "RUN"],
        &rows,
    )
}

fn sweep(out: &mut Vec<u8>, r: &Value) -> io::Result<()> {
    let rows: Vec<Vec<String>> = r["removed"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            vec![
                text(&e["user"]),
                text(&e["id"]),
                text(&e["expires_at"]),
                text(&e["name"]),
            ]
        })
        .collect();
    table(out, &["USER", "ID", "EXPIRED AT", "NAME"], &rows)
}

fn crontab_list(out: &mut Vec<u8>, r: &Value) -> io::Result<()> {
    let rows: Vec<Vec<String>> = r["crontabs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            ["user", "managed", "raw", "bytes", "modified_at"]
                .iter()
                .map(|k| text(&c[*k]))
                .collect()
        })
        .collect();
    table(out, &["USER", "MANAGED", "RAW", "BYTES", "MODIFIED"], &rows)
}

fn crontab_get(out: &mut Vec<u8>, r: &Value) -> io::Result<()> {
    // The content alone on stdout, so `crontab get U > file` round-trips.
    write!(out, "{}", r["content"].as_str().unwrap_or_default())?;
    let mut err = io::stderr().lock();
    writeln!(err, "etag: {}", text(&r["etag"]))?;
    warnings(&mut err, r)
}

fn revisions(out: &mut Vec<u8>, r: &Value) -> io::Result<()> {
    let rows: Vec<Vec<String>> = r["revisions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            ["revision", "written_at", "by", "etag", "summary"]
                .iter()
                .map(|k| text(&v[*k]))
                .collect()
        })
        .collect();
    table(out, &["REV", "WRITTEN", "BY", "ETAG", "SUMMARY"], &rows)
}

fn describe(out: &mut Vec<u8>, r: &Value) -> io::Result<()> {
    writeln!(out, "{}", text(&r["schedule_human"]))?;
    for at in r["next_runs"].as_array().into_iter().flatten() {
        writeln!(out, "  {}", text(at))?;
    }
    warnings(out, r)
}

fn health(out: &mut Vec<u8>, r: &Value) -> io::Result<()> {
    for (key, value) in r.as_object().into_iter().flatten() {
        writeln!(out, "{:<9} {}", format!("{key}:"), text(value))?;
    }
    Ok(())
}
