//! How results look to a person: aligned tables for lists, `key: value` for one object, the
//! crontab itself for `crontab get`. Warnings follow what they are about, marked `warning:`.

use serde_json::Value;
use std::io::{self, Write};

pub fn json(out: &mut impl Write, value: &Value) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    writeln!(out, "{text}")
}

pub fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Columns padded to their widest cell; the last column is not padded.
pub fn table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i == last {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        line
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

pub fn warnings(out: &mut impl Write, value: &Value) -> io::Result<()> {
    for w in value["warnings"].as_array().into_iter().flatten() {
        let at = w["line"]
            .as_u64()
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default();
        writeln!(
            out,
            "warning: {}{at}: {}",
            text(&w["code"]),
            text(&w["message"])
        )?;
    }
    Ok(())
}

pub fn entry(out: &mut impl Write, e: &Value) -> io::Result<()> {
    let last_run = match &e["last_run"] {
        Value::Null => "-".to_owned(),
        run => format!("{} (exit {})", text(&run["at"]), text(&run["exit_code"])),
    };
    let rows = [
        ("id", text(&e["id"])),
        ("user", text(&e["user"])),
        ("name", text(&e["name"])),
        ("comment", text(&e["comment"])),
        ("schedule", text(&e["schedule"])),
        ("when", text(&e["schedule_human"])),
        ("command", text(&e["command"])),
        ("enabled", text(&e["enabled"])),
        ("expires at", text(&e["expires_at"])),
        ("expired", text(&e["expired"])),
        ("timezone", text(&e["timezone"])),
        ("timeout ms", text(&e["timeout_ms"])),
        ("overlap", text(&e["concurrency"])),
        ("catch up", text(&e["catch_up"])),
        ("notify", text(&e["notify"])),
        ("next run", text(&e["next_run"])),
        ("last run", last_run),
        ("created at", text(&e["created_at"])),
        ("updated at", text(&e["updated_at"])),
    ];
    for (key, value) in rows {
        writeln!(out, "{:<11} {value}", format!("{key}:"))?;
    }
    warnings(out, e)
}

pub fn entries_list(out: &mut impl Write, r: &Value) -> io::Result<()> {
    let items = r["entries"].as_array().cloned().unwrap_or_default();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| match i["type"].as_str() {
            Some("raw") => vec![
                "(raw)".into(),
                "on".into(),
                "-".into(),
                "-".into(),
                text(&i["line"]),
            ],
            _ => {
                let mut flags = String::from(if i["enabled"] == true { "on" } else { "off" });
                if i["expired"] == true {
                    flags = "expired".into();
                }
                if i["warnings"].as_array().is_some_and(|w| !w.is_empty()) {
                    flags.push('!');
                }
                vec![
                    text(&i["id"]),
                    flags,
                    text(&i["next_run"]),
                    text(&i["name"]),
                    format!("{} {}", text(&i["schedule"]), text(&i["command"])),
                ]
            }
        })
        .collect();
    table(out, &["ID", "STATE", "NEXT RUN", "NAME", "JOB"], &rows)?;
    let shown = items.len();
    let total = r["total"].as_u64().unwrap_or(0) as usize;
    if shown < total {
        writeln!(
            out,
            "({shown} of {total} on page {}; --page for more)",
            text(&r["page"])
        )?;
    }
    for i in &items {
        for w in i["warnings"].as_array().into_iter().flatten() {
            writeln!(
                out,
                "warning: {} {}: {}",
                text(&i["id"]),
                text(&w["code"]),
                text(&w["message"])
            )?;
        }
    }
    Ok(())
}

pub fn run(out: &mut impl Write, r: &Value) -> io::Result<()> {
    let timed_out = if r["timed_out"] == true {
        ", timed out"
    } else {
        ""
    };
    let status = match r["status"].as_str() {
        Some(status) => format!("{status}, "),
        None => String::new(),
    };
    writeln!(
        out,
        "run {} of {}: {status}exit {} after {} ms{timed_out}",
        text(&r["run_id"]),
        text(&r["entry_id"]),
        text(&r["exit_code"]),
        text(&r["duration_ms"])
    )?;
    for stream in ["stdout", "stderr"] {
        let body = r[stream].as_str().unwrap_or_default();
        if body.is_empty() {
            continue;
        }
        let cut = if r[format!("{stream}_truncated")] == true {
            " (truncated)"
        } else {
            ""
        };
        writeln!(out, "--- {stream}{cut}")?;
        write!(out, "{body}")?;
        if !body.ends_with('\n') {
            writeln!(out)?;
        }
    }
    Ok(())
}

pub fn put(out: &mut impl Write, r: &Value) -> io::Result<()> {
    let ids = |key: &str| r["managed"][key].as_array().map_or(0, Vec::len);
    let verb = if r["written"] == true {
        "written"
    } else {
        "dry run, nothing written"
    };
    writeln!(
        out,
        "{verb}: {} etag {}; managed entries +{} ={} -{}",
        text(&r["user"]),
        text(&r["etag"]),
        ids("added"),
        ids("kept"),
        ids("removed")
    )?;
    warnings(out, r)
}

/// An error for a person: the title and detail, the field at fault, and per-line (or, for
/// `entries.apply`, per-spec) reasons.
pub fn error(err: &mut impl Write, error: &Value) -> io::Result<()> {
    let data = &error["data"];
    let mut line = format!(
        "cronrpc: {}: {}",
        text(&error["message"]),
        data["detail"].as_str().unwrap_or_default()
    );
    if let Some(field) = data["field"].as_str() {
        line.push_str(&format!(" (field: {field})"));
    }
    writeln!(err, "{line}")?;
    for e in data["errors"].as_array().into_iter().flatten() {
        if e.get("index").is_some() {
            writeln!(
                err,
                "  entries[{}] {}: {}: {}{}",
                text(&e["index"]),
                text(&e["name"]),
                text(&e["code"]),
                text(&e["detail"]),
                e["field"]
                    .as_str()
                    .map(|f| format!(" (field: {f})"))
                    .unwrap_or_default()
            )?;
        } else {
            writeln!(
                err,
                "  line {}: {}: {}",
                text(&e["line"]),
                text(&e["reason"]),
                text(&e["text"])
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_on_the_widest_cell() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["a".to_owned(), "x".to_owned(), "last".to_owned()],
            vec!["longer".to_owned(), "é".to_owned(), "z".to_owned()],
        ];
        table(&mut out, &["ID", "S", "JOB"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID      S  JOB\na       x  last\nlonger  é  z\n"
        );
    }
}
