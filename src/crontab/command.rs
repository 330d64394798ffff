//! How a managed command is written into a job line, and read back.
//!
//! cron turns an unescaped `%` into a newline (the rest becomes stdin) and reads `\%` as `%` and
//! `\\` as `\` (do_command.c). An entry with `expires_at` also carries a shell guard, so that it
//! never fires after that moment even when no cronrpc process runs to remove it.

use crate::domain::time::Timestamp;
use crate::domain::{Error, ErrorKind, Result};

/// cron refuses a command of 999 bytes or more (MAX_COMMAND - 1, entry.c).
pub const MAX_WRITTEN_LEN: usize = 998;

const GUARD_HEAD: &str = "[ \"$(date +\\%s)\" -lt ";
const GUARD_TAIL: &str = " ] || exit 0; ";

/// Escapes `command` so that cron hands exactly it to the shell. Only what cron would misread
/// is escaped, so the line stays readable: every `%`, and a `\` that precedes `%` or `\`.
pub fn escape(command: &str) -> String {
    let mut out = String::with_capacity(command.len() + 8);
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push_str("\\%"),
            '\\' if matches!(chars.peek(), Some('%' | '\\')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// What cron runs for a written command: `\%` → `%`, `\\` → `\`, other escapes kept as written.
/// An unescaped `%` (possible only in a hand-edited line) is kept as `%`.
pub fn unescape(written: &str) -> String {
    let mut out = String::with_capacity(written.len());
    let mut chars = written.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(next @ ('%' | '\\')) => out.push(next),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The command text of a managed job line: guard (if any) and escaped command.
pub fn encode(command: &str, expires_at: Option<Timestamp>) -> Result<String> {
    let mut written = String::new();
    if let Some(at) = expires_at {
        written.push_str(GUARD_HEAD);
        written.push_str(&at.unix().to_string());
        written.push_str(GUARD_TAIL);
    }
    written.push_str(&escape(command));
    if written.len() > MAX_WRITTEN_LEN {
        let overhead = written.len() - command.len();
        return Err(Error::new(
            ErrorKind::InvalidCommand,
            format!(
                "command is too long for cron: {} bytes as written (including {overhead} bytes of escapes and guard); the limit is {MAX_WRITTEN_LEN}",
                written.len()
            ),
        )
        .with_field("command"));
    }
    Ok(written)
}

/// A managed job line's command, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub command: String,
    /// The expiry the guard enforces, if the line has one.
    pub guard: Option<i64>,
}

pub fn decode(written: &str) -> Decoded {
    let guarded = written.strip_prefix(GUARD_HEAD).and_then(|rest| {
        let (secs, rest) = rest.split_once(GUARD_TAIL)?;
        Some((secs.parse::<i64>().ok()?, rest))
    });
    match guarded {
        Some((secs, rest)) => Decoded {
            command: unescape(rest),
            guard: Some(secs),
        },
        None => Decoded {
            command: unescape(written),
            guard: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips() {
        for cmd in [
            "date +%s", r"a\%b", r"a\\b", r"end\", r"\\%", "100%", r"a\tb", "plain",
        ] {
            assert_eq!(unescape(&escape(cmd)), cmd, "{cmd}");
        }
        assert_eq!(escape("date +%F"), r"date +\%F");
        assert_eq!(escape(r"printf 'a\tb'"), r"printf 'a\tb'");
    }

    #[test]
    fn guard_is_read_back() {
        let at = Timestamp::parse("2030-01-01T00:00:00Z").unwrap();
        let written = encode("echo 50%", Some(at)).unwrap();
        assert_eq!(
            written,
            r#"[ "$(date +\%s)" -lt 1893456000 ] || exit 0; echo 50\%"#
        );
        assert_eq!(
            decode(&written),
            Decoded {
                command: "echo 50%".into(),
                guard: Some(1893456000)
            }
        );
    }

    #[test]
    fn length_counts_escapes() {
        assert!(encode(&"a".repeat(998), None).is_ok());
        assert!(encode(&"a".repeat(999), None).is_err());
        let err = encode(&"%".repeat(500), None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidCommand);
    }
}
