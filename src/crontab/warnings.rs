//! Warnings about a whole crontab, each with its 1-based line: what cron accepts but likely
//! surprises, and markers that no longer mark anything.

use super::document::{claims, job_of};
use super::marker;
use crate::cron::line::{classify, LineKind};
use crate::domain::warning::{Warning, WarningCode};
use std::collections::HashMap;

pub fn for_content(content: &str) -> Vec<Warning> {
    let lines: Vec<&str> = content
        .split_inclusive('\n')
        .map(|l| l.strip_suffix('\n').unwrap_or(l))
        .collect();
    let mut warnings = Vec::new();
    // Marker ids that made a managed entry, and the line they stand on.
    let mut managed: HashMap<uuid::Uuid, usize> = HashMap::new();
    let mut i = 0;
    while i < lines.len() {
        let number = i + 1;
        if let Some(bound) = marker::parse_bound(lines[i]) {
            let has_job = lines.get(i + 1).is_some_and(|next| {
                job_of(next).is_some_and(|(_, _, written)| claims(&bound, written))
            });
            let meta = bound.meta;
            match (has_job, managed.get(&meta.id)) {
                (false, _) => warnings.push(
                    Warning::new(
                        WarningCode::MarkerOrphaned,
                        format!(
                            "the cronrpc marker of entry {} has not its own job line below it; \
                             the job was deleted or moved by hand, and the marker is kept as a \
                             comment (a line below it is raw)",
                            meta.id
                        ),
                    )
                    .at(number),
                ),
                (true, Some(first)) => warnings.push(
                    Warning::new(
                        WarningCode::DuplicateId,
                        format!(
                            "entry id {} is already used by the marker on line {first}; this \
                             copy is a comment and the job below it lists as raw",
                            meta.id
                        ),
                    )
                    .at(number),
                ),
                (true, None) => {
                    managed.insert(meta.id, number);
                    // The job line is checked as a job; disabled ones never fire.
                    i += 1;
                    warnings.extend(job_warnings(lines[i], i + 1));
                    i += 1;
                    continue;
                }
            }
        } else {
            warnings.extend(job_warnings(lines[i], number));
        }
        i += 1;
    }
    warnings
}

fn job_warnings(text: &str, number: usize) -> Vec<Warning> {
    match classify(text) {
        LineKind::Env { name, .. } if name == "CRON_TZ" => vec![Warning::new(
            WarningCode::CronTzIgnored,
            "Debian's cron ignores CRON_TZ: jobs run in the cron daemon's time zone",
        )
        .at(number)],
        LineKind::Job(job) => {
            let mut warnings: Vec<Warning> = crate::cron::warnings::for_text(job.schedule)
                .into_iter()
                .map(|w| w.at(number))
                .collect();
            if has_unescaped_percent(job.command) {
                warnings.push(
                    Warning::new(
                        WarningCode::UnescapedPercent,
                        "cron ends the command at the first unescaped % and sends the rest to \
                         its stdin, each further % as a newline; write \\% for a literal %",
                    )
                    .at(number),
                );
            }
            warnings
        }
        _ => Vec::new(),
    }
}

/// As cron's do_command reads a command: a backslash escapes the character after it.
pub fn has_unescaped_percent(written: &str) -> bool {
    let mut escaped = false;
    for c in written.chars() {
        if !escaped && c == '%' {
            return true;
        }
        escaped = !escaped && c == '\\';
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crontab::{job_line, Crontab};
    use crate::domain::entry::EntryMeta;

    fn codes(content: &str) -> Vec<(WarningCode, usize)> {
        for_content(content)
            .into_iter()
            .map(|w| (w.code, w.line.unwrap()))
            .collect()
    }

    #[test]
    fn percent_escapes_follow_cron() {
        assert!(has_unescaped_percent("date +%s"));
        assert!(!has_unescaped_percent(r"date +\%s"));
        assert!(
            has_unescaped_percent(r"a\\%b"),
            "an escaped backslash, then a bare %"
        );
        assert!(!has_unescaped_percent("plain"));
    }

    #[test]
    fn lines_are_numbered_from_one() {
        let content = "# c\nCRON_TZ=Europe/Berlin\n0 0 1 * 1 a\n* * * * * date +%F\n";
        assert_eq!(
            codes(content),
            [
                (WarningCode::CronTzIgnored, 2),
                (WarningCode::DomDowOr, 3),
                (WarningCode::UnescapedPercent, 4)
            ]
        );
        assert!(codes("0 2 * * * fine\n# 50% in a comment\n").is_empty());
    }

    #[test]
    fn orphaned_and_duplicate_markers() {
        let meta = EntryMeta::for_test(7);
        let mut tab = Crontab::default();
        tab.append(&meta, job_line(true, "@daily", "a"));
        let entry = tab.render();
        let marker = entry.lines().next().unwrap();
        let content = format!("{entry}{marker}\n\n{entry}");
        assert_eq!(
            codes(&content),
            [
                (WarningCode::MarkerOrphaned, 3),
                (WarningCode::DuplicateId, 5)
            ]
        );
    }
}
