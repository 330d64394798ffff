//! A crontab kept as its exact lines. Reading finds the managed entries; editing replaces only
//! the lines of the entry being changed, so every other byte survives.
//!
//! A marker counts only when the line right below it is the job line it was written for (a job
//! line, or a disabled one, whose recorder runs `--entry` with the marker's own id; see
//! [`claims`]) and its id was not seen above. A marker whose job line was deleted or replaced
//! by hand, or a second marker with an id already used (a copy), is an ordinary comment: it is
//! kept as it is and the line below it (if a job) lists as raw, with a warning. Nothing the
//! user wrote is ever dropped on their behalf; deleting an entry removes its marker, its own
//! job line, and the copies of its marker (cronrpc's own lines), never a copy's job line.

use super::command;
use super::marker::{self, DISABLED_PREFIX};
use super::recorder::{self, Recorder};
use crate::cron::line::{classify, LineKind};
use crate::domain::entry::{EntryMeta, ManagedEntry};
use crate::domain::time::Timestamp;
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct Crontab {
    /// The content as it was read. Lines nobody changed are ranges of it, so reading a
    /// 10,000-line crontab costs one copy, not an allocation per line.
    text: String,
    /// Each line with its `\n` (the last may lack one).
    lines: Vec<Line>,
}

#[derive(Debug, Clone)]
enum Line {
    /// Bytes `start..end` of the text read.
    Read(usize, usize),
    /// A line written since.
    Written(String),
}

impl Line {
    fn get<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            Line::Read(start, end) => &text[*start..*end],
            Line::Written(line) => line,
        }
    }
}

/// Two crontabs are equal when their lines are, however they came to be.
impl PartialEq for Crontab {
    fn eq(&self, other: &Self) -> bool {
        self.lines.len() == other.lines.len()
            && (0..self.lines.len()).all(|i| self.line(i) == other.line(i))
    }
}

impl Eq for Crontab {}

/// A job of the crontab as a read finds it, before anything of it is copied or decoded:
/// listing a page reads only the page's jobs into [`Job`]s (see [`Crontab::job`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A managed entry: its marker line (the job line is the next).
    Managed { marker: usize, enabled: bool },
    /// A job line cronrpc does not manage.
    Raw { line: usize },
}

/// Where a managed entry stands: its marker line, and the job line right below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub marker: usize,
    pub entry: ManagedEntry,
    /// The run recorder the job line goes through, if any.
    pub recorder: Option<Recorder>,
}

/// A job of the crontab, in crontab order.
// A managed job carries its policies; jobs are transient (one crontab's worth), so boxing
// them would only cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Managed(Located),
    /// A job line cronrpc does not manage, exactly as it stands (without its line end).
    Raw {
        line: usize,
        text: String,
    },
}

fn strip_eol(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line)
}

/// Reads a job line that may be commented out as disabled: (enabled, schedule, written command).
pub(crate) fn job_of(text: &str) -> Option<(bool, &str, &str)> {
    let (enabled, body) = match text.strip_prefix(DISABLED_PREFIX) {
        Some(body) => (false, body),
        None => (true, text),
    };
    match classify(body) {
        LineKind::Job(job) => Some((enabled, job.schedule, job.command)),
        _ => None,
    }
}

/// Whether the job line with written command `written` is the one `marker` was written for.
/// A line through the run recorder names its entry, and must name this one. A plain command
/// (an adopted line, or one written without a recorder) must match the digest the marker
/// keeps of it; only a marker from before digests were kept trusts any plain line below it.
pub(crate) fn claims(marker: &marker::Marker, written: &str) -> bool {
    if written.contains(recorder::MARK) {
        return command::recorded_entry(written) == Some(marker.meta.id);
    }
    marker
        .job
        .as_ref()
        .is_none_or(|digest| *digest == marker::digest(written))
}

/// The marker line for `meta` above `job_line` (a line as [`job_line`] writes it).
fn marker_for(meta: &EntryMeta, job_line: &str) -> String {
    marker::render(
        meta,
        job_of(strip_eol(job_line)).map(|(_, _, written)| written),
    )
}

/// The managed entry of a bound marker at line `marker` and its job line.
fn located(
    marker: usize,
    bound: marker::Marker,
    enabled: bool,
    schedule: &str,
    written: &str,
) -> Located {
    let decoded = command::decode(written);
    let entry = ManagedEntry {
        meta: bound.meta,
        enabled,
        // With a time zone the line's schedule is a host-zone cover; the entry's own is
        // the recorder's `--at`.
        schedule: decoded.schedule.unwrap_or_else(|| schedule.to_owned()),
        command: decoded.command,
    };
    Located {
        marker,
        entry,
        recorder: decoded.recorder,
    }
}

/// One allocation for the text, and each line a range of it.
impl From<String> for Crontab {
    fn from(text: String) -> Self {
        let mut lines = Vec::with_capacity(text.len() / 32 + 1);
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            lines.push(Line::Read(start, start + line.len()));
            start += line.len();
        }
        Crontab { text, lines }
    }
}

impl Crontab {
    /// The crontab as its lines; any text is one (what cron would refuse is found by
    /// `cron::validate_crontab`, not here).
    pub fn from_text(content: &str) -> Self {
        Crontab::from(content.to_owned())
    }

    /// Line `i`, with its `\n`.
    fn line(&self, i: usize) -> &str {
        self.lines[i].get(&self.text)
    }

    /// Line `i` without its `\n`, if there is such a line.
    fn text_of(&self, i: usize) -> Option<&str> {
        self.lines.get(i).map(|l| strip_eol(l.get(&self.text)))
    }

    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for line in &self.lines {
            out.push_str(line.get(&self.text));
        }
        out
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Every job, managed or raw, in crontab order.
    pub fn jobs(&self) -> Vec<Job> {
        self.walk(
            |marker, bound, enabled, schedule, written| {
                Job::Managed(located(marker, bound, enabled, schedule, written))
            },
            |line, text| Job::Raw {
                line,
                text: text.to_owned(),
            },
        )
    }

    /// Every job, managed or raw, in crontab order, as [`jobs`](Self::jobs) finds them, but
    /// with nothing decoded or copied; and the run recorders the managed job lines go
    /// through, read in the same pass (a command without [`recorder::MARK`] is not decoded).
    pub fn slots(&self) -> (Vec<Slot>, Vec<Recorder>) {
        let mut recorders = Vec::new();
        let slots = self.walk(
            |marker, _, enabled, _, written| {
                if written.contains(recorder::MARK) {
                    recorders.extend(command::decode(written).recorder);
                }
                Slot::Managed { marker, enabled }
            },
            |line, _| Slot::Raw { line },
        );
        (slots, recorders)
    }

    /// The job of a slot [`slots`](Self::slots) found in this crontab.
    pub fn job(&self, slot: Slot) -> Job {
        match slot {
            Slot::Managed { marker, .. } => Job::Managed(
                self.managed_at(marker)
                    .expect("a slot names a managed entry of this crontab"),
            ),
            Slot::Raw { line } => Job::Raw {
                line,
                text: strip_eol(self.line(line)).to_owned(),
            },
        }
    }

    /// The one pass every read makes: a bound marker with a job line claiming it, and an id
    /// not seen above, is a managed entry (`managed` gets the marker's line, the marker, and
    /// the job line's state, schedule and written command); any other job line is raw.
    fn walk<T>(
        &self,
        mut managed: impl FnMut(usize, marker::Marker, bool, &str, &str) -> T,
        mut raw: impl FnMut(usize, &str) -> T,
    ) -> Vec<T> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::with_capacity(self.lines.len() / 4);
        let mut i = 0;
        while i < self.lines.len() {
            let text = strip_eol(self.line(i));
            if let Some((bound, enabled, schedule, written)) = self.bound_at(i) {
                if seen.insert(bound.meta.id) {
                    out.push(managed(i, bound, enabled, schedule, written));
                    i += 2;
                    continue;
                }
            }
            if let LineKind::Job(_) = classify(text) {
                out.push(raw(i, text));
            }
            i += 1;
        }
        out
    }

    pub fn entries(&self) -> impl Iterator<Item = Located> {
        self.jobs().into_iter().filter_map(|job| match job {
            Job::Managed(located) => Some(located),
            Job::Raw { .. } => None,
        })
    }

    pub fn find(&self, id: Uuid) -> Option<Located> {
        // The first marker with this id that heads a job line is the entry (`items` skips only
        // job lines, never a marker), so no other line needs classifying or copying.
        (0..self.lines.len()).find_map(|i| self.managed_at(i).filter(|l| l.entry.meta.id == id))
    }

    /// The marker at `i` and the job line below it that claims it: (marker, enabled,
    /// schedule, written command).
    fn bound_at(&self, i: usize) -> Option<(marker::Marker, bool, &str, &str)> {
        let text = self.text_of(i)?;
        if !text.starts_with(marker::MARKER_PREFIX) {
            return None;
        }
        let bound = marker::parse_bound(text)?;
        let (enabled, schedule, written) = job_of(self.text_of(i + 1)?)?;
        claims(&bound, written).then_some((bound, enabled, schedule, written))
    }

    fn managed_at(&self, i: usize) -> Option<Located> {
        let (bound, enabled, schedule, written) = self.bound_at(i)?;
        Some(located(i, bound, enabled, schedule, written))
    }

    /// The variables cron has set when it reaches line `line`: every `NAME=value` line above
    /// it, in order (a later line wins).
    pub fn env_above(&self, line: usize) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        for i in 0..line.min(self.lines.len()) {
            if let LineKind::Env { name, value } = classify(strip_eol(self.line(i))) {
                env.retain(|(n, _)| *n != name);
                env.push((name, value));
            }
        }
        env
    }

    /// Makes sure the last line ends in `\n` before something is appended after it.
    fn terminate_last_line(&mut self) {
        if let Some(last) = self.lines.len().checked_sub(1) {
            let text = self.line(last);
            if !text.ends_with('\n') {
                self.lines[last] = Line::Written(format!("{text}\n"));
            }
        }
    }

    /// Appends an entry at the end of the crontab. `job_line` comes from [`job_line`].
    pub fn append(&mut self, meta: &EntryMeta, job_line: String) {
        self.terminate_last_line();
        self.lines
            .push(Line::Written(marker_for(meta, &job_line) + "\n"));
        self.lines.push(Line::Written(job_line + "\n"));
    }

    /// Rewrites the marker of the entry at `at`, and its job line when `job_line` is given.
    pub fn replace(&mut self, at: &Located, meta: &EntryMeta, job_line: Option<String>) {
        if let Some(job) = job_line {
            let eol = eol_of(self.line(at.marker + 1));
            self.lines[at.marker + 1] =
                Line::Written(job + if eol.is_empty() { "\n" } else { eol });
        }
        let marker = marker_for(meta, self.line(at.marker + 1)) + eol_of(self.line(at.marker));
        self.lines[at.marker] = Line::Written(marker);
    }

    /// Makes the job line at `line` a managed entry: its marker goes right above it, and the
    /// line itself is rewritten only when `rewritten` is given.
    pub fn adopt(&mut self, line: usize, meta: &EntryMeta, rewritten: Option<String>) {
        if let Some(job) = rewritten {
            let eol = eol_of(self.line(line));
            self.lines[line] = Line::Written(job + if eol.is_empty() { "\n" } else { eol });
        }
        let marker = marker_for(meta, self.line(line));
        self.lines.insert(line, Line::Written(marker + "\n"));
    }

    /// Removes the marker and job line of the entry at `at`, and every other marker with its
    /// id (copies, or ones whose job line is gone): with the entry gone they mark nothing, and
    /// left in place a copy would become the entry, so that a retried delete removed the
    /// user's copied job line. The lines below those markers stay, as raw lines.
    pub fn remove(&mut self, at: &Located) {
        let id = at.entry.meta.id;
        self.lines.drain(at.marker..at.marker + 2);
        let text = &self.text;
        self.lines.retain(|line| {
            let line = line.get(text);
            !(line.starts_with(marker::MARKER_PREFIX)
                && marker::parse(strip_eol(line)).is_some_and(|m| m.id == id))
        });
    }

    /// Removes every entry expired at `now`, returning what was removed.
    pub fn remove_expired(&mut self, now: Timestamp) -> Vec<EntryMeta> {
        // This runs on every write: skip the full scan when no marker carries an expiry.
        let any_expiry = self.lines.iter().any(|l| {
            let l = l.get(&self.text);
            l.starts_with(marker::MARKER_PREFIX) && l.contains("\"expires_at\"")
        });
        if !any_expiry {
            return Vec::new();
        }
        let expired: Vec<Located> = self
            .entries()
            .filter(|l| l.entry.meta.is_expired(now))
            .collect();
        // One at a time, found afresh: each removal may take copies of markers elsewhere.
        for located in &expired {
            if let Some(at) = self.find(located.entry.meta.id) {
                self.remove(&at);
            }
        }
        expired.into_iter().map(|l| l.entry.meta).collect()
    }
}

/// Keeps a line's own ending (`\n`, or none on an unterminated last line) when it is rewritten.
fn eol_of(line: &str) -> &'static str {
    if line.ends_with('\n') {
        "\n"
    } else {
        ""
    }
}

/// The job line of a managed entry, as written: `schedule command`, commented out when disabled.
/// The command must already be encoded (see [`command::encode`]).
pub fn job_line(enabled: bool, schedule: &str, written_command: &str) -> String {
    let prefix = if enabled { "" } else { DISABLED_PREFIX };
    format!("{prefix}{schedule} {written_command}")
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
