//! Each method's result for a person, through the [`Render`] trait: one impl per result type,
//! reading the typed result (in-process, or read once off the wire), drawn with `render`.

use super::render::{fields, table, text, warnings};
use crate::history::RunRecord;
use crate::service::crontab::{CrontabSummaries, GetResult, PutResult};
use crate::service::entry_types::{DeleteResult, EntryPage, ListItem, SweepResult};
use crate::service::revisions::RevisionsResult;
use crate::service::runs::HistoryResult;
use crate::service::system::{DescribeResult, HealthResult};
use crate::service::views::Entry;
use std::io::{self, Write};

/// How a method's result looks to a person.
pub trait Render {
    /// What goes to stdout.
    fn human(&self, out: &mut dyn Write) -> io::Result<()>;

    /// What goes to stderr beside it (`crontab get` keeps stdout for the content alone).
    fn notes(&self, _err: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// Every field is named (no `..`): a field added to entries is a build error here until it
/// is shown.
impl Render for Entry {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let Entry {
            id,
            user,
            name,
            comment,
            schedule,
            schedule_human,
            command,
            enabled,
            expired,
            expires_at,
            next_run,
            last_run,
            created_at,
            updated_at,
            warnings: notes,
            timezone,
            timeout_ms,
            concurrency,
            catch_up,
            notify,
        } = self;
        let last_run = match last_run {
            None => "-".to_owned(),
            Some(run) => format!("{} (exit {})", run.at, text(&run.exit_code)),
        };
        let rows = [
            ("id", id.clone()),
            ("user", user.clone()),
            ("name", text(name)),
            ("comment", text(comment)),
            ("schedule", schedule.clone()),
            ("when", schedule_human.clone()),
            ("command", command.clone()),
            ("enabled", enabled.to_string()),
            ("expires at", text(expires_at)),
            ("expired", expired.to_string()),
            ("timezone", text(timezone)),
            ("timeout ms", text(timeout_ms)),
            ("overlap", text(concurrency)),
            ("catch up", text(catch_up)),
            ("notify", text(notify)),
            ("next run", text(next_run)),
            ("last run", last_run),
            ("created at", created_at.to_string()),
            ("updated at", updated_at.to_string()),
        ];
        fields(out, 11, &rows)?;
        warnings(out, notes)
    }
}

impl Render for EntryPage {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Vec<String>> = self
            .entries
            .iter()
            .map(|item| match item {
                ListItem::Raw { line } => vec![
                    "(raw)".into(),
                    "on".into(),
                    "-".into(),
                    "-".into(),
                    line.clone(),
                ],
                ListItem::Managed(e) => {
                    let mut state = String::from(match (e.expired, e.enabled) {
                        (true, _) => "expired",
                        (_, true) => "on",
                        _ => "off",
                    });
                    if !e.warnings.is_empty() {
                        state.push('!');
                    }
                    vec![
                        e.id.clone(),
                        state,
                        text(&e.next_run),
                        text(&e.name),
                        format!("{} {}", e.schedule, e.command),
                    ]
                }
            })
            .collect();
        table(out, &["ID", "STATE", "NEXT RUN", "NAME", "JOB"], &rows)?;
        let shown = self.entries.len();
        if shown < self.total {
            writeln!(
                out,
                "({shown} of {} on page {}; --page for more)",
                self.total, self.page
            )?;
        }
        for item in &self.entries {
            let ListItem::Managed(e) = item else { continue };
            for w in &e.warnings {
                writeln!(out, "warning: {} {}: {}", e.id, text(&w.code), w.message)?;
            }
        }
        Ok(())
    }
}

impl Render for DeleteResult {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "deleted")
    }
}

impl Render for RunRecord {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let timed_out = if self.timed_out { ", timed out" } else { "" };
        writeln!(
            out,
            "run {} of {}: {}, exit {} after {} ms{timed_out}",
            self.run_id,
            self.entry_id,
            text(&self.status),
            text(&self.exit_code),
            text(&self.duration_ms)
        )?;
        let streams = [
            ("stdout", &self.stdout, self.stdout_truncated),
            ("stderr", &self.stderr, self.stderr_truncated),
        ];
        for (stream, body, truncated) in streams {
            if body.is_empty() {
                continue;
            }
            let cut = if truncated { " (truncated)" } else { "" };
            writeln!(out, "--- {stream}{cut}")?;
            write!(out, "{body}")?;
            if !body.ends_with('\n') {
                writeln!(out)?;
            }
        }
        Ok(())
    }
}

impl Render for HistoryResult {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Vec<String>> = self
            .runs
            .iter()
            .map(|run| {
                vec![
                    run.started_at.to_string(),
                    run.entry_id.clone(),
                    text(&run.trigger),
                    text(&run.status),
                    text(&run.exit_code),
                    text(&run.duration_ms),
                    run.run_id.clone(),
                ]
            })
            .collect();
        table(
            out,
            &["STARTED", "ENTRY", "TRIGGER", "STATUS", "EXIT", "MS", "RUN"],
            &rows,
        )
    }
}

impl Render for SweepResult {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Vec<String>> = self
            .removed
            .iter()
            .map(|e| {
                vec![
                    e.user.clone(),
                    e.id.clone(),
                    text(&e.expires_at),
                    text(&e.name),
                ]
            })
            .collect();
        table(out, &["USER", "ID", "EXPIRED AT", "NAME"], &rows)
    }
}

impl Render for CrontabSummaries {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Vec<String>> = self
            .crontabs
            .iter()
            .map(|c| {
                vec![
                    c.user.clone(),
                    c.managed.to_string(),
                    c.raw.to_string(),
                    c.bytes.to_string(),
                    text(&c.modified_at),
                ]
            })
            .collect();
        table(out, &["USER", "MANAGED", "RAW", "BYTES", "MODIFIED"], &rows)
    }
}

impl Render for GetResult {
    /// The content alone, so `crontab get U > file` round-trips.
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(out, "{}", self.content)
    }

    fn notes(&self, err: &mut dyn Write) -> io::Result<()> {
        writeln!(err, "etag: {}", self.etag)?;
        warnings(err, &self.warnings)
    }
}

impl Render for PutResult {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let verb = if self.written {
            "written"
        } else {
            "dry run, nothing written"
        };
        let m = &self.managed;
        writeln!(
            out,
            "{verb}: {} etag {}; managed entries +{} ={} -{}",
            self.user,
            self.etag,
            m.added.len(),
            m.kept.len(),
            m.removed.len()
        )?;
        warnings(out, &self.warnings)
    }
}

impl Render for RevisionsResult {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Vec<String>> = self
            .revisions
            .iter()
            .map(|r| {
                vec![
                    r.revision.to_string(),
                    r.written_at.to_string(),
                    r.by.clone(),
                    r.etag.clone(),
                    r.summary.clone(),
                ]
            })
            .collect();
        table(out, &["REV", "WRITTEN", "BY", "ETAG", "SUMMARY"], &rows)
    }
}

impl Render for DescribeResult {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.schedule_human)?;
        for at in &self.next_runs {
            writeln!(out, "  {at}")?;
        }
        warnings(out, &self.warnings)
    }
}

/// Keyed by the result's own names, which the README's health section explains.
impl Render for HealthResult {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows = [
            ("status", self.status.clone()),
            ("version", self.version.clone()),
            ("backend", self.backend.clone()),
            ("timezone", self.timezone.clone()),
            ("user", text(&self.user)),
            ("recorder", text(&self.recorder)),
            ("missing_recorders", text(&self.missing_recorders)),
            ("journal_errors", text(&self.journal_errors)),
        ];
        fields(out, 18, &rows)
    }
}
