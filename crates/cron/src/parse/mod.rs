//! Schedule parsing, ported from Debian cron 3.0pl1-162's entry.c (load_entry, get_list,
//! get_range, get_number, set_element) and misc.c (get_char, unget_char, get_string,
//! skip_comments).
//!
//! Ported rather than taken from a crate because no crate reads crontab syntax the way Debian's
//! cron does (junk after a field is skipped, reversed ranges are accepted, names match in any
//! case, 7 is Sunday, `1/5` is refused ...), and the validator must accept exactly what
//! `crontab` accepts. The port keeps cron's control flow; where cron returns EOF we return an
//! error that says why.

mod cursor;
mod entry;
mod field;

pub(crate) use cursor::{is_blank, Cursor, EOF};
pub(crate) use entry::{scan_schedule, Parts, MAX_COMMAND};

use super::{FieldName, Schedule, ScheduleError};
use cursor::show;
use entry::Scanned;

fn err(field: Option<FieldName>, reason: impl Into<String>) -> ScheduleError {
    ScheduleError {
        field,
        reason: reason.into(),
    }
}

/// The longest managed schedule, in bytes, blanks included.
pub const MAX_SCHEDULE_BYTES: usize = 1000;

fn trim_blanks(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

impl Schedule {
    /// Parses a managed schedule: what Debian's `crontab` accepts, minus the junk it silently
    /// tolerates (reversed ranges, trailing characters).
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        // cron reads a crontab line into a 1000-byte buffer; a managed schedule that long is
        // never meant, and refusing it keeps hostile input out of the field scanners.
        if text.len() > MAX_SCHEDULE_BYTES {
            return Err(err(
                None,
                format!(
                    "the schedule has {} bytes; the limit is {MAX_SCHEDULE_BYTES}",
                    text.len()
                ),
            ));
        }
        let text = trim_blanks(text);
        let tokens: Vec<&str> = text.split([' ', '\t']).filter(|t| !t.is_empty()).collect();
        if text.starts_with('@') {
            if tokens.len() > 1 {
                return Err(err(
                    None,
                    format!(
                        "a macro stands alone: unexpected '{}' after {}",
                        tokens[1..].join(" ").escape_debug(),
                        tokens[0].escape_debug()
                    ),
                ));
            }
        } else if !text.is_empty() && tokens.len() != 5 {
            return Err(err(
                None,
                format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week) or a macro \
                     like @daily, got {}",
                    tokens.len()
                ),
            ));
        }
        let scanned = scan_whole(text)?;
        match scanned.lint {
            Some(lint) => Err(lint),
            None => Ok(scanned.schedule),
        }
    }

    /// Parses a schedule exactly as cron does, junk and all.
    pub fn parse_lenient(text: &str) -> Result<Schedule, ScheduleError> {
        scan_whole(trim_blanks(text)).map(|s| s.schedule)
    }
}

/// The schedule must be all of `text`: anything after it would be a command to cron.
fn scan_whole(text: &str) -> Result<Scanned, ScheduleError> {
    if text.is_empty() {
        return Err(err(
            None,
            "empty schedule: expected 5 fields (minute hour day-of-month month day-of-week) \
             or a macro like @daily",
        ));
    }
    let mut cur = Cursor::new(text.as_bytes(), true);
    let first = cur.get_char();
    let scanned = scan_schedule(&mut cur, first, Parts::Keep)?;
    let ch = cur.skip_blanks(scanned.ch);
    let at = cur.at(ch);
    if at < text.len() {
        return Err(err(
            None,
            format!(
                "unexpected text after the schedule: '{}'",
                show(cur.slice(at, text.len()))
            ),
        ));
    }
    Ok(scanned)
}

#[cfg(test)]
mod tests;
