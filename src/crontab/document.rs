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
use super::recorder::Recorder;
use crate::cron::line::{classify, LineKind};
use crate::domain::entry::{EntryMeta, ManagedEntry};
use crate::domain::time::Timestamp;
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Crontab {
    /// Each line with its `\n` (the last may lack one).
    lines: Vec<String>,
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
    match command::recorded_entry(written) {
        Some(entry) => entry == marker.meta.id,
        None if written.contains(" exec --entry ") => false,
        None => marker
            .job
            .as_ref()
            .is_none_or(|digest| *digest == marker::digest(written)),
    }
}

/// The marker line for `meta` above `job_line` (a line as [`job_line`] writes it).
fn marker_for(meta: &EntryMeta, job_line: &str) -> String {
    marker::render(
        meta,
        job_of(strip_eol(job_line)).map(|(_, _, written)| written),
    )
}

impl Crontab {
    /// The crontab as its lines; any text is one (what cron would refuse is found by
    /// `cron::validate_crontab`, not here).
    pub fn from_text(content: &str) -> Self {
        Crontab {
            lines: content.split_inclusive('\n').map(str::to_owned).collect(),
        }
    }

    pub fn render(&self) -> String {
        self.lines.concat()
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Every job, managed or raw, in crontab order.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut i = 0;
        while i < self.lines.len() {
            let text = strip_eol(&self.lines[i]);
            if let Some(located) = self.managed_at(i) {
                if seen.insert(located.entry.meta.id) {
                    jobs.push(Job::Managed(located));
                    i += 2;
                    continue;
                }
            }
            if let LineKind::Job(_) = classify(text) {
                jobs.push(Job::Raw {
                    line: i,
                    text: text.to_owned(),
                });
            }
            i += 1;
        }
        jobs
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

    fn managed_at(&self, i: usize) -> Option<Located> {
        let bound = marker::parse_bound(strip_eol(&self.lines[i]))?;
        let (enabled, schedule, written) = job_of(strip_eol(self.lines.get(i + 1)?))?;
        if !claims(&bound, written) {
            return None;
        }
        let meta = bound.meta;
        let decoded = command::decode(written);
        let entry = ManagedEntry {
            meta,
            enabled,
            // With a time zone the line's schedule is a host-zone cover; the entry's own is
            // the recorder's `--at`.
            schedule: decoded.schedule.unwrap_or_else(|| schedule.to_owned()),
            command: decoded.command,
        };
        Some(Located {
            marker: i,
            entry,
            recorder: decoded.recorder,
        })
    }

    /// The variables cron has set when it reaches line `line`: every `NAME=value` line above
    /// it, in order (a later line wins).
    pub fn env_above(&self, line: usize) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = Vec::new();
        for text in &self.lines[..line.min(self.lines.len())] {
            if let LineKind::Env { name, value } = classify(strip_eol(text)) {
                env.retain(|(n, _)| *n != name);
                env.push((name, value));
            }
        }
        env
    }

    /// Makes sure the last line ends in `\n` before something is appended after it.
    fn terminate_last_line(&mut self) {
        if let Some(last) = self.lines.last_mut() {
            if !last.ends_with('\n') {
                last.push('\n');
            }
        }
    }

    /// Appends an entry at the end of the crontab. `job_line` comes from [`job_line`].
    pub fn append(&mut self, meta: &EntryMeta, job_line: String) {
        self.terminate_last_line();
        self.lines.push(marker_for(meta, &job_line) + "\n");
        self.lines.push(job_line + "\n");
    }

    /// Rewrites the marker of the entry at `at`, and its job line when `job_line` is given.
    pub fn replace(&mut self, at: &Located, meta: &EntryMeta, job_line: Option<String>) {
        if let Some(job) = job_line {
            let eol = eol_of(&self.lines[at.marker + 1]);
            self.lines[at.marker + 1] = job + if eol.is_empty() { "\n" } else { eol };
        }
        self.lines[at.marker] =
            marker_for(meta, &self.lines[at.marker + 1]) + eol_of(&self.lines[at.marker]);
    }

    /// Makes the job line at `line` a managed entry: its marker goes right above it, and the
    /// line itself is rewritten only when `rewritten` is given.
    pub fn adopt(&mut self, line: usize, meta: &EntryMeta, rewritten: Option<String>) {
        if let Some(job) = rewritten {
            let eol = eol_of(&self.lines[line]);
            self.lines[line] = job + if eol.is_empty() { "\n" } else { eol };
        }
        let marker = marker_for(meta, &self.lines[line]);
        self.lines.insert(line, marker + "\n");
    }

    /// Removes the marker and job line of the entry at `at`, and every other marker with its
    /// id (copies, or ones whose job line is gone): with the entry gone they mark nothing, and
    /// left in place a copy would become the entry, so that a retried delete removed the
    /// user's copied job line. The lines below those markers stay, as raw lines.
    pub fn remove(&mut self, at: &Located) {
        let id = at.entry.meta.id;
        self.lines.drain(at.marker..at.marker + 2);
        self.lines.retain(|line| {
            !(line.starts_with(marker::MARKER_PREFIX)
                && marker::parse(strip_eol(line)).is_some_and(|m| m.id == id))
        });
    }

    /// Removes every entry expired at `now`, returning what was removed.
    pub fn remove_expired(&mut self, now: Timestamp) -> Vec<EntryMeta> {
        // This runs on every write: skip the full scan when no marker carries an expiry.
        let any_expiry = self
            .lines
            .iter()
            .any(|l| l.starts_with(marker::MARKER_PREFIX) && l.contains("\"expires_at\""));
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
mod tests {
    use super::*;

    fn meta(id: u128) -> EntryMeta {
        let at = Timestamp::parse("2024-11-01T10:30:00Z").unwrap();
        EntryMeta {
            id: Uuid::from_u128(id),
            name: None,
            comment: None,
            expires_at: None,
            created_at: at,
            updated_at: at,
            policy: Default::default(),
        }
    }

    const OTHER: &str = "# keep me\r\nSHELL=/bin/bash\n\n*/5 * * * * raw job\n";

    #[test]
    fn from_text_render_is_lossless() {
        for content in ["", "no newline at end", OTHER, "\n\n\n", "* * * * * a\r\n"] {
            assert_eq!(Crontab::from_text(content).render(), content);
        }
    }

    #[test]
    fn append_replace_remove_touch_only_the_entry() {
        let mut tab = Crontab::from_text(OTHER);
        tab.append(&meta(1), job_line(true, "0 2 * * *", "echo one"));
        tab.append(&meta(2), job_line(false, "@daily", "echo two"));
        let items = tab.jobs();
        assert_eq!(items.len(), 3);
        assert!(matches!(&items[0], Job::Raw { text, .. } if text == "*/5 * * * * raw job"));
        let two = tab.find(Uuid::from_u128(2)).unwrap();
        assert!(!two.entry.enabled);
        assert_eq!(two.entry.schedule, "@daily");
        assert_eq!(two.entry.command, "echo two");

        let one = tab.find(Uuid::from_u128(1)).unwrap();
        let mut renamed = one.entry.meta.clone();
        renamed.name = Some("renamed".into());
        tab.replace(&one, &renamed, None);
        assert_eq!(
            tab.find(Uuid::from_u128(1))
                .unwrap()
                .entry
                .meta
                .name
                .as_deref(),
            Some("renamed")
        );
        assert!(
            tab.render().contains("\n0 2 * * * echo one\n"),
            "the job line is untouched"
        );

        tab.remove(&tab.find(Uuid::from_u128(1)).unwrap());
        tab.remove(&tab.find(Uuid::from_u128(2)).unwrap());
        assert_eq!(tab.render(), OTHER);
    }

    #[test]
    fn appending_after_an_unterminated_line_terminates_it() {
        let mut tab = Crontab::from_text("# last");
        tab.append(&meta(1), job_line(true, "@hourly", "x"));
        assert!(tab.render().starts_with("# last\n# cronrpc:v1 "));
    }

    #[test]
    fn orphan_and_duplicate_markers_are_plain_comments() {
        let mut tab = Crontab::default();
        tab.append(&meta(1), job_line(true, "@hourly", "first"));
        let mut content = tab.render();
        let marker = content.lines().next().unwrap().to_owned();
        content = format!("{marker}\n\n{content}{marker}\n@daily copy\n");
        let tab = Crontab::from_text(&content);
        let items = tab.jobs();
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(matches!(&items[0], Job::Managed(l) if l.entry.command == "first"));
        assert!(matches!(&items[1], Job::Raw { text, .. } if text == "@daily copy"));
    }

    #[test]
    fn expired_entries_are_removed_bottom_up() {
        let mut tab = Crontab::from_text(OTHER);
        let now = Timestamp::parse("2025-01-01T00:00:00Z").unwrap();
        for (id, expires) in [
            (1, "2024-12-31T00:00:00Z"),
            (2, "2026-01-01T00:00:00Z"),
            (3, "2024-06-01T00:00:00Z"),
        ] {
            let mut m = meta(id);
            m.expires_at = Timestamp::parse(expires);
            tab.append(&m, job_line(true, "* * * * *", "x"));
        }
        let removed: Vec<u128> = tab
            .remove_expired(now)
            .iter()
            .map(|m| m.id.as_u128())
            .collect();
        assert_eq!(removed, vec![1, 3]);
        let left: Vec<u128> = tab.entries().map(|l| l.entry.meta.id.as_u128()).collect();
        assert_eq!(left, vec![2]);
        assert!(tab.render().starts_with(OTHER));
    }
}
