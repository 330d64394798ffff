//! Domain errors: the one table of error kinds, and the error a request fails with.
//! `crate::api::errors` builds the wire's error objects from them.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// JSON-RPC's code for bad params, which every INVALID_* kind answers with.
pub const INVALID_PARAMS_RPC: i32 = -32602;

/// The CLI's exit status for each class of failure, so scripts can branch without parsing.
pub mod exit {
    /// clap's own status for a bad command line.
    pub const USAGE: u8 = 2;
    pub const INVALID: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
    pub const CONFLICT: u8 = 5;
    pub const FORBIDDEN: u8 = 6;
    pub const BACKEND: u8 = 7;
}

/// The one table of error kinds: `data.code`, `message` (the title), JSON-RPC code and CLI exit
/// status. The contract's Errors table and the README are this table, written out.
macro_rules! kinds {
    ($( $(#[$doc:meta])* $kind:ident: $code:literal, $title:literal, $rpc:expr, $exit:expr; )*) => {
        /// The stable classes of failure.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $( $(#[$doc])* $kind, )*
        }

        impl ErrorKind {
            /// Every kind, in the table's order.
            pub const ALL: &'static [ErrorKind] = &[$( ErrorKind::$kind, )*];

            /// The contract's `data.code`.
            pub const fn code(self) -> &'static str {
                match self { $( ErrorKind::$kind => $code, )* }
            }

            /// The contract's `message`: the title of the error.
            pub const fn title(self) -> &'static str {
                match self { $( ErrorKind::$kind => $title, )* }
            }

            /// The JSON-RPC error code.
            pub const fn rpc_code(self) -> i32 {
                match self { $( ErrorKind::$kind => $rpc, )* }
            }

            /// The CLI's exit status when a command fails with this kind.
            pub const fn exit_code(self) -> u8 {
                match self { $( ErrorKind::$kind => $exit, )* }
            }
        }
    };
}

kinds! {
    InvalidParams: "INVALID_PARAMS", "Invalid params", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidUser: "INVALID_USER", "Invalid user", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidName: "INVALID_NAME", "Invalid name", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidComment: "INVALID_COMMENT", "Invalid comment", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidSchedule: "INVALID_SCHEDULE", "Invalid schedule", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidCommand: "INVALID_COMMAND", "Invalid command", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidExpiresAt: "INVALID_EXPIRES_AT", "Invalid expiration", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidPagination: "INVALID_PAGINATION", "Invalid pagination", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidCrontab: "INVALID_CRONTAB", "Invalid crontab", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidTimezone: "INVALID_TIMEZONE", "Invalid timezone", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidPolicy: "INVALID_POLICY", "Invalid policy", INVALID_PARAMS_RPC, exit::INVALID;
    InvalidEntries: "INVALID_ENTRIES", "Invalid entries", INVALID_PARAMS_RPC, exit::INVALID;
    UserNotFound: "USER_NOT_FOUND", "User not found", -32001, exit::NOT_FOUND;
    EntryNotFound: "ENTRY_NOT_FOUND", "Entry not found", -32002, exit::NOT_FOUND;
    Conflict: "CONFLICT", "Crontab changed", -32003, exit::CONFLICT;
    Forbidden: "FORBIDDEN", "Access denied", -32004, exit::FORBIDDEN;
    RunNotFound: "RUN_NOT_FOUND", "Run not found", -32005, exit::NOT_FOUND;
    Backend: "BACKEND_ERROR", "Backend error", -32000, exit::BACKEND;
}

// A kind added to the enum but not to `ALL` fails the build (`Backend` stays the last).
const _: () = assert!(ErrorKind::ALL.len() == ErrorKind::Backend as usize + 1);

impl ErrorKind {
    /// The kind whose `data.code` is `code`.
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.code() == code)
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
    pub errors: Vec<LineError>,
    /// Per-spec reasons, for `InvalidEntries`.
    pub specs: Vec<SpecError>,
}

/// Most per-spec reasons one INVALID_ENTRIES lists.
pub const MAX_SPEC_ERRORS: usize = 1000;

/// One line of a crontab that cron would refuse (`data.errors` of INVALID_CRONTAB). The cron
/// layer's own reason type is turned into this by the service, so the domain knows nothing of
/// cron's parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// The line as it stands.
    pub text: String,
    pub reason: String,
}

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

    pub fn invalid_crontab(errors: Vec<LineError>) -> Self {
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
    fn codes_are_unique_and_found_again() {
        let mut codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(*kind));
            let invalid = kind.code().starts_with("INVALID_");
            assert_eq!(kind.rpc_code() == INVALID_PARAMS_RPC, invalid, "{kind:?}");
            assert_eq!(kind.exit_code() == exit::INVALID, invalid, "{kind:?}");
        }
        assert_eq!(ErrorKind::from_code("NOPE"), None);
    }
}
