//! What a managed entry is, apart from the crontab lines that carry it, and the checks on the
//! text a caller may give it.

use super::policy::Policy;
use super::time::Timestamp;
use super::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The metadata cronrpc keeps in an entry's marker line. Schedule, command and enabled state
/// are not here: they are read from the job line itself, so a hand edit of that line shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMeta {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The job policies; markers written before policies existed have none (the defaults).
    #[serde(flatten)]
    pub policy: Policy,
}

impl EntryMeta {
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// A plain entry's metadata for tests: id `id`, written 2024-11-01T10:30:00Z, nothing else.
    #[cfg(test)]
    pub fn for_test(id: u128) -> EntryMeta {
        let at = Timestamp::parse("2024-11-01T10:30:00Z").unwrap();
        EntryMeta {
            id: uuid::Uuid::from_u128(id),
            name: None,
            comment: None,
            expires_at: None,
            created_at: at,
            updated_at: at,
            policy: Default::default(),
        }
    }
}

/// A managed entry as read from a crontab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedEntry {
    pub meta: EntryMeta,
    pub enabled: bool,
    /// The schedule text as it stands in the job line.
    pub schedule: String,
    /// What the shell runs: the job line's command with cron's escapes and cronrpc's guard undone.
    pub command: String,
}

fn check_text(value: &str, max: usize, kind: ErrorKind, field: &str) -> Result<()> {
    let fail = |why: String| Err(Error::new(kind, format!("{field} {why}")).with_field(field));
    if value.trim().is_empty() {
        return fail("is empty".into());
    }
    let chars = value.chars().count();
    if chars > max {
        return fail(format!("has {chars} characters; the limit is {max}"));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return fail(format!(
            "must be one line without control characters (found U+{:04X})",
            c as u32
        ));
    }
    Ok(())
}

pub fn check_name(name: &str) -> Result<()> {
    check_text(name, MAX_NAME_CHARS, ErrorKind::InvalidName, "name")
}

pub fn check_comment(comment: &str) -> Result<()> {
    check_text(
        comment,
        MAX_COMMENT_CHARS,
        ErrorKind::InvalidComment,
        "comment",
    )
}

/// Checks a command before it is escaped: one line, no control characters but tab, and not
/// starting with a blank (cron strips leading blanks, so the command would not read back as
/// given). The length limit depends on the written form; see `crontab::command`.
pub fn check_command(command: &str) -> Result<()> {
    let fail = |why: String| Err(Error::new(ErrorKind::InvalidCommand, why).with_field("command"));
    if command.trim().is_empty() {
        return fail("command is empty".into());
    }
    if let Some(c) = command.chars().find(|&c| c.is_control() && c != '\t') {
        let what = match c {
            '\n' | '\r' => "a line break",
            '\0' => "a NUL byte",
            _ => "a control character",
        };
        return fail(format!(
            "command contains {what} (U+{:04X}); a crontab command is one line",
            c as u32
        ));
    }
    if command.starts_with([' ', '\t']) {
        return fail("command starts with a blank, which cron would strip".into());
    }
    Ok(())
}

/// Parses an expiry given by a caller: RFC 3339, strictly after `now`.
pub fn parse_expiry(text: &str, now: Timestamp) -> Result<Timestamp> {
    let fail =
        |why: String| Err(Error::new(ErrorKind::InvalidExpiresAt, why).with_field("expires_at"));
    match Timestamp::parse(text) {
        None => fail(format!(
            "{text:?} is not an RFC 3339 timestamp (e.g. 2030-01-01T00:00:00Z)"
        )),
        Some(at) if at <= now => fail(format!("{at} is not in the future (now is {now})")),
        Some(at) => Ok(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_comments_are_one_bounded_line() {
        assert!(check_name("Daily backup").is_ok());
        assert_eq!(check_name("").unwrap_err().kind, ErrorKind::InvalidName);
        assert_eq!(check_name("a\nb").unwrap_err().kind, ErrorKind::InvalidName);
        assert_eq!(
            check_name(&"x".repeat(201)).unwrap_err().kind,
            ErrorKind::InvalidName
        );
        assert!(check_name(&"é".repeat(200)).is_ok());
        assert_eq!(
            check_comment("a\rb").unwrap_err().kind,
            ErrorKind::InvalidComment
        );
        assert_eq!(
            check_comment(&"x".repeat(1001)).unwrap_err().kind,
            ErrorKind::InvalidComment
        );
    }

    #[test]
    fn commands_refuse_line_injection() {
        for bad in [
            "",
            " ",
            "echo a\n* * * * * evil",
            "a\rb",
            "a\0b",
            "a\x1bb",
            " lead",
        ] {
            let err = check_command(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidCommand, "{bad:?}");
            assert_eq!(err.field.as_deref(), Some("command"));
        }
        assert!(check_command("printf '%s\\t' a\tb").is_ok());
    }

    #[test]
    fn expiry_must_be_future_rfc3339() {
        let now = Timestamp::parse("2025-01-01T00:00:00Z").unwrap();
        assert!(parse_expiry("2025-01-01T00:00:01+00:00", now).is_ok());
        assert_eq!(
            parse_expiry("2025-01-01T00:00:00Z", now).unwrap_err().kind,
            ErrorKind::InvalidExpiresAt
        );
        assert_eq!(
            parse_expiry("soon", now).unwrap_err().kind,
            ErrorKind::InvalidExpiresAt
        );
    }
}
