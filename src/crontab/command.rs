//! How a managed command is written into a job line, and read back.
//!
//! cron turns an unescaped `%` into a newline (the rest becomes stdin) and reads `\%` as `%` and
//! `\\` as `\` (do_command.c). An entry with `expires_at` also carries a shell guard, so that it
//! never fires after that moment even when no cronrpc process runs to remove it. The command
//! itself may go through the run recorder (see `recorder`); the guard stays outside it, so an
//! expired entry starts nothing and records nothing.

use super::recorder::{self, Recorder};
use crate::domain::policy::Policy;
use crate::domain::time::Timestamp;
use crate::domain::{Error, ErrorKind, Result};
use uuid::Uuid;

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

/// What the run recorder of a job line is told: whose runs it records, and under which policy.
#[derive(Debug, Clone, Copy)]
pub struct Recording<'a> {
    pub recorder: &'a Recorder,
    pub entry: Uuid,
    pub policy: &'a Policy,
    /// The entry's own schedule (the line's may be a host-zone cover of it).
    pub schedule: &'a str,
    /// When the entry was created: catch-up never runs for fires before it.
    pub created_at: Timestamp,
}

/// The command text of a managed job line: guard (if any), then the escaped command, through
/// the run recorder when `recording` is given.
pub fn encode(
    command: &str,
    expires_at: Option<Timestamp>,
    recording: Option<Recording<'_>>,
) -> Result<String> {
    let mut written = String::new();
    if let Some(at) = expires_at {
        written.push_str(GUARD_HEAD);
        written.push_str(&at.unix().to_string());
        written.push_str(GUARD_TAIL);
    }
    match recording {
        Some(r) => written.push_str(&escape(&recorder::write_call(
            r.recorder,
            r.entry,
            r.policy,
            r.schedule,
            r.created_at,
            command,
        ))),
        None => written.push_str(&escape(command)),
    }
    if written.len() > MAX_WRITTEN_LEN {
        let overhead = written.len() - command.len();
        return Err(Error::new(
            ErrorKind::InvalidCommand,
            format!(
                "command is too long for cron: {} bytes as written (including {overhead} bytes of escapes, expiry guard, run recorder and policy flags); the limit is {MAX_WRITTEN_LEN}",
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
    /// The recorder the command goes through; None for a plain (e.g. hand-written) command.
    pub recorder: Option<Recorder>,
    /// The policy the recorder enforces (the defaults for a plain command).
    pub policy: Policy,
    /// The entry's own schedule, when the recorder gates it by a time zone.
    pub schedule: Option<String>,
}

pub fn decode(written: &str) -> Decoded {
    let guarded = written.strip_prefix(GUARD_HEAD).and_then(|rest| {
        let (secs, rest) = rest.split_once(GUARD_TAIL)?;
        Some((secs.parse::<i64>().ok()?, rest))
    });
    let (guard, rest) = match guarded {
        Some((secs, rest)) => (Some(secs), rest),
        None => (None, written),
    };
    let text = unescape(rest);
    match recorder::parse_call(&text) {
        Some(call) => Decoded {
            command: call.command,
            guard,
            recorder: Some(call.recorder),
            policy: call.policy,
            schedule: call.schedule,
        },
        None => Decoded {
            command: text,
            guard,
            recorder: None,
            policy: Policy::default(),
            schedule: None,
        },
    }
}

/// The entry a recorder call records its runs under, e.g. for a job line whose marker was
/// lost.
pub fn recorded_entry(written: &str) -> Option<uuid::Uuid> {
    let rest = written
        .strip_prefix(GUARD_HEAD)
        .and_then(|rest| rest.split_once(GUARD_TAIL))
        .map_or(written, |(_, rest)| rest);
    recorder::parse_call(&unescape(rest)).map(|w| w.entry)
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
        let written = encode("echo 50%", Some(at), None).unwrap();
        assert_eq!(
            written,
            r#"[ "$(date +\%s)" -lt 1893456000 ] || exit 0; echo 50\%"#
        );
        assert_eq!(
            decode(&written),
            Decoded {
                command: "echo 50%".into(),
                guard: Some(1893456000),
                recorder: None,
                policy: Policy::default(),
                schedule: None,
            }
        );
    }

    #[test]
    fn length_counts_escapes() {
        assert!(encode(&"a".repeat(998), None, None).is_ok());
        assert!(encode(&"a".repeat(999), None, None).is_err());
        let err = encode(&"%".repeat(500), None, None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidCommand);
    }

    fn recorder() -> Recorder {
        Recorder {
            exe: "/usr/local/bin/cronrpc".into(),
            history_dir: None,
        }
    }

    const NO_POLICY: &Policy = &Policy {
        timezone: None,
        timeout_ms: None,
        concurrency: crate::domain::policy::Concurrency::Allow,
        catch_up: crate::domain::policy::CatchUp::None,
        notify: None,
    };

    fn rec(recorder: &Recorder, entry: Uuid) -> Option<Recording<'_>> {
        Some(Recording {
            recorder,
            entry,
            policy: NO_POLICY,
            schedule: "* * * * *",
            created_at: Timestamp::from_unix(0).unwrap(),
        })
    }

    #[test]
    fn recorder_calls_round_trip_through_cron_escaping() {
        let w = recorder();
        let id = Uuid::new_v4();
        let at = Timestamp::parse("2030-01-01T00:00:00Z").unwrap();
        for cmd in [
            "echo 50%",
            r"printf '%s\n' it's",
            r"a\%b \\ c\",
            r#"echo "$HOME" '%' \'"#,
        ] {
            for expiry in [None, Some(at)] {
                let written = encode(cmd, expiry, rec(&w, id)).unwrap();
                let back = decode(&written);
                assert_eq!(back.command, cmd, "{written}");
                assert_eq!(back.recorder, Some(recorder()));
                assert_eq!(back.guard, expiry.map(Timestamp::unix));
            }
        }
        let written = encode("echo 50%", None, rec(&w, Uuid::nil())).unwrap();
        assert_eq!(
            written,
            r"/usr/local/bin/cronrpc exec --entry 00000000-0000-0000-0000-000000000000 -- 'echo 50\%'"
        );
    }

    #[test]
    fn length_counts_the_recorder() {
        let w = recorder();
        let id = Uuid::new_v4();
        let overhead = encode("", None, rec(&w, id)).unwrap().len();
        let fits = "a".repeat(MAX_WRITTEN_LEN - overhead);
        assert_eq!(
            encode(&fits, None, rec(&w, id)).unwrap().len(),
            MAX_WRITTEN_LEN
        );
        let err = encode(&format!("{fits}a"), None, rec(&w, id)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidCommand);
        assert!(err.detail.contains("run recorder"), "{}", err.detail);
    }

    #[test]
    fn a_plain_line_still_reads() {
        assert_eq!(decode(r"echo 50\% done").command, "echo 50% done");
        assert_eq!(decode("echo hi").recorder, None);
    }
}
