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
    UserNotFound,
    EntryNotFound,
    Conflict,
    Forbidden,
    RunNotFound,
    Backend,
}

impl ErrorKind {
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
}

impl Error {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Error {
            kind,
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
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
