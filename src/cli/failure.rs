//! How a command fails: a method's error (from the service in-process, or off the wire), or a
//! server that cannot be reached; and the exit status each one gives.

use crate::api::errors::{bounded, to_rpc};
use crate::domain::error::INVALID_PARAMS_RPC;
use crate::domain::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// The exit status of a command: 0, or one per class of failure, so scripts can branch
/// without parsing. The classes of method errors come from `ErrorKind::exit_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u8);

impl Exit {
    pub const OK: Exit = Exit(0);
    /// A failure with no error kind (e.g. `apply --detailed-exitcode` failing).
    pub const FAILED: Exit = Exit(1);
    /// clap's own status for a bad command line, and a file that cannot be read.
    pub const USAGE: Exit = Exit(crate::domain::error::exit::USAGE);
    /// The server (or the host) could not be reached, or answered nonsense: a backend failure.
    pub const UNREACHABLE: Exit = Exit(ErrorKind::Backend.exit_code());

    pub fn is_ok(self) -> bool {
        self == Exit::OK
    }
}

/// Why a call gave no result.
#[derive(Debug)]
pub enum Failure {
    /// The method answered with an error.
    Method(Box<MethodError>),
    /// No answer: the socket or the host could not be reached, or answered nonsense.
    Unreachable(String),
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure::Unreachable(e)
    }
}

/// A method's error: typed from the service in-process, or as a server sent it.
#[derive(Debug)]
pub enum MethodError {
    Local(Error),
    Remote(RemoteError),
}

/// A JSON-RPC error object as it comes off the wire, read once into these types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteError {
    pub code: i32,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ErrorData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorData {
    /// The stable `data.code`; protocol errors have codes of their own, outside `ErrorKind`.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<Reason>>,
}

/// One of `data.errors`: a spec of `entries.apply`, or a line of a crontab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reason {
    Spec {
        index: usize,
        name: Option<String>,
        code: String,
        field: Option<String>,
        detail: String,
    },
    Line {
        line: usize,
        text: String,
        reason: String,
    },
    /// A reason of a shape this version does not know (a newer server's): shown as sent,
    /// rather than losing the error it belongs to.
    Other(serde_json::Value),
}

impl RemoteError {
    /// The error's kind in the one table, when it is a method's error.
    pub fn kind(&self) -> Option<ErrorKind> {
        ErrorKind::from_code(&self.data.as_ref()?.code)
    }
}

impl MethodError {
    /// The exit status of the error's kind. A kind this cronrpc does not know (a newer
    /// server's) is still an invalid-input failure when JSON-RPC says the params were bad.
    pub fn exit(&self) -> Exit {
        let kind = match self {
            MethodError::Local(e) => Some(e.kind),
            MethodError::Remote(r) => r.kind(),
        };
        Exit(match kind {
            Some(kind) => kind.exit_code(),
            None if matches!(self, MethodError::Remote(r) if r.code == INVALID_PARAMS_RPC) => {
                ErrorKind::InvalidParams.exit_code()
            }
            None => ErrorKind::Backend.exit_code(),
        })
    }

    /// The error object, as the wire carries it.
    pub fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            MethodError::Local(e) => super::render::json(out, &to_rpc(e)),
            MethodError::Remote(r) => super::render::json(out, r),
        }
    }

    /// For a person: the title and detail, the field at fault, and per-line (or, for
    /// `entries.apply`, per-spec) reasons.
    pub fn human(&self, err: &mut dyn Write) -> io::Result<()> {
        match self {
            MethodError::Local(e) => {
                let detail = bounded(&e.detail);
                headline(err, e.kind.title(), &detail, e.field.as_deref())?;
                for line in &e.errors {
                    line_reason(err, line.line, &line.reason, &bounded(&line.text))?;
                }
                for spec in &e.specs {
                    spec_reason(
                        err,
                        spec.index,
                        spec.name.as_deref(),
                        spec.code,
                        &bounded(&spec.detail),
                        spec.field.as_deref(),
                    )?;
                }
                Ok(())
            }
            MethodError::Remote(r) => {
                let data = r.data.clone().unwrap_or_default();
                headline(err, &r.message, &data.detail, data.field.as_deref())?;
                for reason in data.errors.iter().flatten() {
                    match reason {
                        Reason::Spec {
                            index,
                            name,
                            code,
                            field,
                            detail,
                        } => spec_reason(
                            err,
                            *index,
                            name.as_deref(),
                            code,
                            detail,
                            field.as_deref(),
                        )?,
                        Reason::Line { line, text, reason } => {
                            line_reason(err, *line, reason, text)?
                        }
                        Reason::Other(other) => writeln!(err, "  {other}")?,
                    }
                }
                Ok(())
            }
        }
    }
}

fn at_field(field: Option<&str>) -> String {
    field.map(|f| format!(" (field: {f})")).unwrap_or_default()
}

fn headline(err: &mut dyn Write, title: &str, detail: &str, field: Option<&str>) -> io::Result<()> {
    writeln!(err, "cronrpc: {title}: {detail}{}", at_field(field))
}

fn line_reason(err: &mut dyn Write, line: usize, reason: &str, text: &str) -> io::Result<()> {
    writeln!(err, "  line {line}: {reason}: {text}")
}

fn spec_reason(
    err: &mut dyn Write,
    index: usize,
    name: Option<&str>,
    code: &str,
    detail: &str,
    field: Option<&str>,
) -> io::Result<()> {
    let name = name.unwrap_or("-");
    writeln!(
        err,
        "  entries[{index}] {name}: {code}: {detail}{}",
        at_field(field)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::exit;

    fn remote(data_code: &str, rpc: i32) -> MethodError {
        MethodError::Remote(RemoteError {
            code: rpc,
            message: "m".into(),
            data: Some(ErrorData {
                code: data_code.into(),
                ..ErrorData::default()
            }),
        })
    }

    #[test]
    fn every_kind_exits_with_its_class_in_process_and_over_the_wire() {
        for kind in ErrorKind::ALL {
            let local = MethodError::Local(Error::new(*kind, "x"));
            assert_eq!(local.exit(), Exit(kind.exit_code()), "{kind:?}");
            let sent = to_rpc(&Error::new(*kind, "x")).to_json();
            let wire = MethodError::Remote(serde_json::from_str(&sent).unwrap());
            assert_eq!(wire.exit(), Exit(kind.exit_code()), "{kind:?}");
        }
        assert_eq!(
            remote("SOMETHING_NEW", INVALID_PARAMS_RPC).exit().0,
            exit::INVALID
        );
        assert_eq!(remote("METHOD_NOT_FOUND", -32601).exit().0, exit::BACKEND);
        assert_eq!(Exit::UNREACHABLE.0, exit::BACKEND);
    }

    #[test]
    fn errors_read_the_same_in_process_and_off_the_wire() {
        let e = Error::invalid_entries(vec![crate::domain::error::SpecError {
            index: 1,
            name: None,
            code: ErrorKind::InvalidSchedule.code(),
            field: Some("schedule".into()),
            detail: "no".into(),
        }]);
        let wire: RemoteError = serde_json::from_str(&to_rpc(&e).to_json()).unwrap();
        let (mut local_text, mut wire_text) = (Vec::new(), Vec::new());
        MethodError::Local(e).human(&mut local_text).unwrap();
        MethodError::Remote(wire).human(&mut wire_text).unwrap();
        let text = String::from_utf8(local_text).unwrap();
        assert_eq!(
            text,
            "cronrpc: Invalid entries: entries[1]: no (field: entries)\n  \
             entries[1] -: INVALID_SCHEDULE: no (field: schedule)\n"
        );
        assert_eq!(String::from_utf8(wire_text).unwrap(), text);
    }
}
