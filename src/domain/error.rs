//! Domain errors. `crate::api::errors` is the one place that maps them onto the wire.

use crate::cron::CrontabError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stable classes of failure. Each has a contract code (`data.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidParams,
    InvalidUser,
    InvalidName,
    InvalidComment,
    InvalidSchedule,
    InvalidCommand,
    InvalidExpiresAt,
    InvalidPagination,
    InvalidCrontab,
    InvalidTimezone,
    InvalidPolicy,
    InvalidEntries,
    UserNotFound,
    EntryNotFound,
    Conflict,
    Forbidden,
    RunNotFound,
    Backend,
}

// A kind added to the enum but not to `ALL` fails the build (`Backend` stays the last).
const _: () = assert!(ErrorKind::ALL.len() == ErrorKind::Backend as usize + 1);

impl ErrorKind {
    /// Every kind, to find one by its code (e.g. a CLI reading an error off the wire).
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidParams,
        ErrorKind::InvalidUser,
        ErrorKind::InvalidName,
        ErrorKind::InvalidComment,
        ErrorKind::InvalidSchedule,
        ErrorKind::InvalidCommand,
        ErrorKind::InvalidExpiresAt,
        ErrorKind::InvalidPagination,
        ErrorKind::InvalidCrontab,
        ErrorKind::InvalidTimezone,
        ErrorKind::InvalidPolicy,
        ErrorKind::InvalidEntries,
        ErrorKind::UserNotFound,
        ErrorKind::EntryNotFound,
        ErrorKind::Conflict,
        ErrorKind::Forbidden,
        ErrorKind::RunNotFound,
        ErrorKind::Backend,
    ];

    /// The kind whose `data.code` this is.
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The human CLI's exit status for this kind, so scripts can branch without parsing
    /// (0 is success, 1 a failure with no kind, 2 a bad command line).
    pub const fn exit_code(self) -> u8 {
        match self {
            ErrorKind::UserNotFound | ErrorKind::EntryNotFound | ErrorKind::RunNotFound => 4,
            ErrorKind::Conflict => 5,
            ErrorKind::Forbidden => 6,
            ErrorKind::Backend => 7,
            _ => 3,
        }
    }

    /// The contract's `data.code`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidParams => "INVALID_PARAMS",
            ErrorKind::InvalidUser => "INVALID_USER",
            ErrorKind::InvalidName => "INVALID_NAME",
            ErrorKind::InvalidComment => "INVALID_COMMENT",
            ErrorKind::InvalidSchedule => "INVALID_SCHEDULE",
            ErrorKind::InvalidCommand => "INVALID_COMMAND",
            ErrorKind::InvalidExpiresAt => "INVALID_EXPIRES_AT",
            ErrorKind::InvalidPagination => "INVALID_PAGINATION",
            ErrorKind::InvalidCrontab => "INVALID_CRONTAB",
            ErrorKind::InvalidTimezone => "INVALID_TIMEZONE",
            ErrorKind::InvalidPolicy => "INVALID_POLICY",
            ErrorKind::InvalidEntries => "INVALID_ENTRIES",
            ErrorKind::UserNotFound => "USER_NOT_FOUND",
            ErrorKind::EntryNotFound => "ENTRY_NOT_FOUND",
            ErrorKind::Conflict => "CONFLICT",
            ErrorKind::Forbidden => "FORBIDDEN",
            ErrorKind::RunNotFound => "RUN_NOT_FOUND",
            ErrorKind::Backend => "BACKEND_ERROR",
        }
    }

    /// The contract's `message`: the title of the error.
    pub fn title(self) -> &'static str {
        match self {
            ErrorKind::InvalidParams => "Invalid params",
            ErrorKind::InvalidUser => "Invalid user",
            ErrorKind::InvalidName => "Invalid name",
            ErrorKind::InvalidComment => "Invalid comment",
            ErrorKind::InvalidSchedule => "Invalid schedule",
            ErrorKind::InvalidCommand => "Invalid command",
            ErrorKind::InvalidExpiresAt => "Invalid expiration",
            ErrorKind::InvalidPagination => "Invalid pagination",
            ErrorKind::InvalidCrontab => "Invalid crontab",
            ErrorKind::InvalidTimezone => "Invalid timezone",
            ErrorKind::InvalidPolicy => "Invalid policy",
            ErrorKind::InvalidEntries => "Invalid entries",
            ErrorKind::UserNotFound => "User not found",
            ErrorKind::EntryNotFound => "Entry not found",
            ErrorKind::Conflict => "Crontab changed",
            ErrorKind::Forbidden => "Access denied",
            ErrorKind::RunNotFound => "Run not found",
            ErrorKind::Backend => "Backend error",
        }
    }
}

/// A failed request: what class, what exactly, and which parameter was at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", kind.title())]
pub struct Error {
    pub kind: ErrorKind,
    pub detail: String,
    pub field: Option<String>,
    /// Per-line reasons, for `InvalidCrontab`.
    pub errors: Vec<CrontabError>,
    /// Per-spec reasons, for `InvalidEntries`.
    pub specs: Vec<SpecError>,
}

/// Most per-spec reasons one INVALID_ENTRIES lists.
pub const MAX_SPEC_ERRORS: usize = 1000;

/// Why one spec of `entries.apply` cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// 0-based position in `entries`.
    pub index: usize,
    pub name: Option<String>,
    /// The `data.code` the same fault has on its own (e.g. INVALID_SCHEDULE).
    pub code: &'static str,
    pub field: Option<String>,
    pub detail: String,
}

impl Error {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Error {
            kind,
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
            specs: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn invalid_params(field: Option<String>, detail: impl Into<String>) -> Self {
        Error {
            field,
            ..Error::new(ErrorKind::InvalidParams, detail)
        }
    }

    pub fn backend(detail: impl std::fmt::Display) -> Self {
        Error::new(ErrorKind::Backend, detail.to_string())
    }

    pub fn invalid_crontab(errors: Vec<CrontabError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("line {}: {}", one.line, one.reason),
            many => format!("{} lines would be rejected by cron", many.len()),
        };
        Error {
            errors,
            field: Some("content".into()),
            ..Error::new(ErrorKind::InvalidCrontab, detail)
        }
    }
}

impl Error {
    /// INVALID_ENTRIES, listing every spec at fault.
    pub fn invalid_entries(mut specs: Vec<SpecError>) -> Self {
        let detail = match specs.as_slice() {
            [one] => format!("entries[{}]: {}", one.index, one.detail),
            many if many.len() > MAX_SPEC_ERRORS => format!(
                "{} entries cannot be applied; the first {MAX_SPEC_ERRORS} are listed",
                many.len()
            ),
            many => format!("{} entries cannot be applied", many.len()),
        };
        // A megabyte of one-line bad specs must not come back as many megabytes of reasons.
        specs.truncate(MAX_SPEC_ERRORS);
        Error {
            specs,
            field: Some("entries".into()),
            ..Error::new(ErrorKind::InvalidEntries, detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_code() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(ErrorKind::from_code("NOPE"), None);
    }
}
