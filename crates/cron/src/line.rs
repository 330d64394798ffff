//! Classification of crontab lines the way cron reads them: a port of env.c's load_env and the
//! rest of entry.c's load_entry, driven like crontab.c's replace_cmd loop. Ported by hand
//! because no crate reads crontab lines the way Debian's cron does, and the model that splits
//! lines must agree exactly with the validator (which uses the same code).

use super::parse::{is_blank, scan_schedule, Cursor, Parts, EOF, MAX_COMMAND};

/// What one line of a user crontab is to cron.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind<'a> {
    /// Empty or only blanks.
    Blank,
    /// First non-blank character is `#`.
    Comment,
    /// `NAME=value` as cron's load_env reads it (quotes removed from name and value).
    Env { name: String, value: String },
    /// A job: schedule text (five fields or a macro, exactly as written, trimmed) and the
    /// command text as written (still cron-escaped; may end in `\r`).
    Job(JobLine<'a>),
    /// Something cron would reject.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobLine<'a> {
    pub schedule: &'a str,
    pub command: &'a str,
}

/// Classifies one line (without its `\n`).
pub fn classify(line: &str) -> LineKind<'_> {
    match line.bytes().find(|&b| !is_blank(i32::from(b))) {
        None => return LineKind::Blank,
        Some(b'#') => return LineKind::Comment,
        Some(_) => {}
    }
    // A NUL ends what cron reads as one entry, so a line can hold several; the first counts,
    // unless cron refuses any of them.
    let mut first = None;
    let mut refused = false;
    scan_items(line.as_bytes(), true, |item| match item {
        Loaded::Error(_) => refused = true,
        item => {
            first.get_or_insert(item);
        }
    });
    match first {
        _ if refused => LineKind::Invalid,
        Some(Loaded::Env { name, value }) => LineKind::Env { name, value },
        Some(Loaded::Job { schedule, command }) => match (line.get(schedule), line.get(command)) {
            (Some(schedule), Some(command)) => LineKind::Job(JobLine { schedule, command }),
            _ => LineKind::Invalid,
        },
        _ => LineKind::Invalid,
    }
}

/// What cron loaded from the input (env.c's load_env or entry.c's load_entry): an environment
/// setting, a job (byte ranges of its schedule and command) or the reason it refused the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Loaded {
    Env {
        name: String,
        value: String,
    },
    Job {
        schedule: std::ops::Range<usize>,
        command: std::ops::Range<usize>,
    },
    Error(String),
}

pub(crate) const MISSING_NEWLINE: &str = "missing newline before end of file";

/// crontab.c's check loop over one line (`terminated`: it ended in `\n`, else the file ends
/// there). Like crontab, it stops at the first error.
pub(crate) fn scan_line(bytes: &[u8], terminated: bool) -> Vec<Loaded> {
    let mut items = Vec::new();
    scan_items(bytes, terminated, |item| items.push(item));
    items
}

/// [`scan_line`], handing each item to `each` (classifying a line keeps none of them).
fn scan_items(bytes: &[u8], terminated: bool, mut each: impl FnMut(Loaded)) {
    let mut cur = Cursor::new(bytes, terminated);
    loop {
        match load_env(&mut cur) {
            Env::Eof { empty } => {
                if !empty {
                    each(Loaded::Error(MISSING_NEWLINE.to_string()));
                }
                return;
            }
            Env::Set { name, value } => each(Loaded::Env { name, value }),
            Env::Other => match load_entry(&mut cur) {
                Ok(Some(job)) => each(job),
                Ok(None) => return,
                Err(reason) => {
                    each(Loaded::Error(reason));
                    return;
                }
            },
        }
    }
}

enum Env {
    Eof { empty: bool },
    Set { name: String, value: String },
    Other,
}

/// C isspace() in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    NameI,
    Name,
    Eq1,
    Eq2,
    ValueI,
    Value,
    Fini,
    Error,
}

/// env.c load_env: reads one line and decides whether it is `NAME=value`; if not, rewinds.
fn load_env(cur: &mut Cursor<'_>) -> Env {
    const MAX_ENVSTR: usize = 1000;
    let filepos = cur.pos();
    cur.skip_comments();
    let (s, ch) = cur.get_string(MAX_ENVSTR - 1, b"\n");
    if ch == EOF {
        return Env::Eof {
            empty: s.is_empty(),
        };
    }
    // Only a line with an `=` can reach the value states; most lines are jobs without one.
    if !s.contains(&b'=') {
        cur.set_pos(filepos);
        return Env::Other;
    }
    let (mut name, mut val) = (Vec::new(), Vec::new());
    let mut in_val = false;
    let mut state = State::NameI;
    let mut quote = None;
    let mut i = 0;
    while state != State::Error && i < s.len() {
        match state {
            State::NameI | State::ValueI | State::Name | State::Value => {
                if matches!(state, State::NameI | State::ValueI) {
                    if s[i] == b'\'' || s[i] == b'"' {
                        quote = Some(s[i]);
                        i += 1;
                    }
                    state = if state == State::NameI {
                        State::Name
                    } else {
                        State::Value
                    };
                    // cron would copy the NUL and read on past it; its buffer is zeroed there
                    // in practice, which ends the loop.
                    if i >= s.len() {
                        break;
                    }
                }
                let c = s[i];
                if let Some(q) = quote {
                    if c == q {
                        state = if state == State::Name {
                            State::Eq1
                        } else {
                            State::Fini
                        };
                        i += 1;
                        continue;
                    }
                    if state == State::Name && c == b'=' {
                        state = State::Error;
                        continue;
                    }
                } else if state == State::Name {
                    if is_space(c) {
                        i += 1;
                        state = State::Eq1;
                        continue;
                    }
                    if c == b'=' {
                        state = State::Eq1;
                        continue;
                    }
                }
                if in_val { &mut val } else { &mut name }.push(c);
                i += 1;
            }
            State::Eq1 => {
                if s[i] == b'=' {
                    state = State::Eq2;
                    in_val = true;
                    quote = None;
                } else if !is_space(s[i]) {
                    state = State::Error;
                }
                i += 1;
            }
            State::Eq2 | State::Fini => {
                if is_space(s[i]) {
                    i += 1;
                } else if state == State::Eq2 {
                    state = State::ValueI;
                } else {
                    state = State::Error;
                }
            }
            State::Error => {}
        }
    }
    let unquoted_value = state == State::Value && quote.is_none();
    if state != State::Fini && !unquoted_value {
        cur.set_pos(filepos);
        return Env::Other;
    }
    // The unquoted-value trim and strdtb() both drop trailing isspace().
    while val.last().is_some_and(|&b| is_space(b)) {
        val.pop();
    }
    if val.len() >= 2 && (val[0] == b'\'' || val[0] == b'"') && val[val.len() - 1] == val[0] {
        val.pop();
        val.remove(0);
    }
    Env::Set {
        name: String::from_utf8_lossy(&name).into_owned(),
        value: String::from_utf8_lossy(&val).into_owned(),
    }
}

/// entry.c load_entry for a user crontab (no username field).
fn load_entry(cur: &mut Cursor<'_>) -> Result<Option<Loaded>, String> {
    cur.skip_comments();
    let ch = cur.get_char();
    if ch == EOF {
        return Ok(None);
    }
    let start = cur.at(ch);
    // Lines are read for their kind and extent: the schedule itself is parsed again where
    // it is wanted (a listed entry's next run), so its parts are not kept here.
    let scanned = scan_schedule(cur, ch, Parts::Drop).map_err(|e| e.to_string())?;
    let ch = cur.skip_blanks(scanned.ch);
    cur.unget_char(ch);
    if ch == i32::from(b'*') {
        return Err("command starts with '*': is there a sixth schedule field?".to_string());
    }
    let cmd_start = cur.pos();
    let (cmd, ch) = cur.get_string(MAX_COMMAND, b"\n");
    // cron assumes a command that fills its buffer was truncated.
    if cmd.len() == MAX_COMMAND - 1 {
        let len = cur.at(ch) - cmd_start;
        return Err(format!(
            "command is too long ({len} bytes; cron allows at most {})",
            MAX_COMMAND - 2
        ));
    }
    if ch == EOF {
        return Err(MISSING_NEWLINE.to_string());
    }
    Ok(Some(Loaded::Job {
        schedule: start..scanned.end,
        command: cmd_start..cur.at(ch),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job<'a>(schedule: &'a str, command: &'a str) -> LineKind<'a> {
        LineKind::Job(JobLine { schedule, command })
    }

    fn env(name: &str, value: &str) -> LineKind<'static> {
        LineKind::Env {
            name: name.to_string(),
            value: value.to_string(),
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(classify(""), LineKind::Blank);
        assert_eq!(classify(" \t "), LineKind::Blank);
        assert_eq!(classify("\r"), LineKind::Invalid);
        assert_eq!(classify("  # x"), LineKind::Comment);
        assert_eq!(classify("\u{feff}# x"), LineKind::Invalid);
        assert_eq!(
            classify(" 0 5 * * 1\t tar -zcf x\r"),
            job("0 5 * * 1", "tar -zcf x\r")
        );
        assert_eq!(classify("*x * * * *\tcmd"), job("*x * * * *", "cmd"));
        assert_eq!(classify("@daily  a b "), job("@daily", "a b "));
        assert_eq!(classify("* * * * *"), job("* * * * *", ""));
        assert_eq!(classify("* * * * * *cmd"), LineKind::Invalid);
        assert_eq!(classify("@Daily cmd"), LineKind::Invalid);
        assert_eq!(classify("@daily\r"), LineKind::Invalid);
    }

    #[test]
    fn env_lines() {
        assert_eq!(classify("MAILTO=a@b"), env("MAILTO", "a@b"));
        assert_eq!(classify(" A = b c \r"), env("A", "b c"));
        assert_eq!(classify("MAILTO=\"\""), env("MAILTO", ""));
        assert_eq!(classify("A='x y'"), env("A", "x y"));
        assert_eq!(classify("\"A B\"=c"), env("A B", "c"));
        assert_eq!(classify("=b"), env("", "b"));
        assert_eq!(classify("MAILTO="), LineKind::Invalid);
        assert_eq!(classify("MAILTO=  "), LineKind::Invalid);
        assert_eq!(classify("A=\"b\" c"), LineKind::Invalid);
        assert_eq!(classify("\u{feff}A=b"), env("\u{feff}A", "b"));
        // cron reads this as an assignment, not a job with junk after the minute.
        assert_eq!(classify("1= * * * * x"), env("1", "* * * * x"));
    }

    #[test]
    fn command_length() {
        let ok = format!("* * * * * {}", "x".repeat(998));
        assert!(matches!(classify(&ok), LineKind::Job(_)));
        let long = format!("* * * * * {}", "x".repeat(999));
        assert_eq!(classify(&long), LineKind::Invalid);
    }
}
