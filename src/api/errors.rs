//! The one place where errors become JSON-RPC error objects.
//!
//! Every error object carries `data.code` (a stable string), `message` (its title) and
//! `data.detail`; `data.field` names the parameter at fault and `data.errors` lists per-line
//! reasons for INVALID_CRONTAB.

use crate::domain::{Error, ErrorKind};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

pub const PARSE_ERROR: i32 = -32700;
pub const INVALID_REQUEST: i32 = -32600;
pub const METHOD_NOT_FOUND: i32 = -32601;
pub const INVALID_PARAMS: i32 = crate::domain::error::INVALID_PARAMS_RPC;
pub const INTERNAL_ERROR: i32 = -32603;

/// Longest `data.detail`, in characters. Details quote the input at fault, and input may be
/// a megabyte: an error must not echo it (or, escaped, several times its size) back.
pub const MAX_DETAIL_CHARS: usize = 1000;

/// `detail`, cut to [`MAX_DETAIL_CHARS`] with a marker where it was cut.
pub fn bounded(detail: &str) -> String {
    match detail.char_indices().nth(MAX_DETAIL_CHARS) {
        None => detail.to_owned(),
        Some((at, _)) => format!("{}… (cut; {} bytes in all)", &detail[..at], detail.len()),
    }
}

/// The JSON-RPC code of a domain error (from the one table, `ErrorKind`).
pub fn rpc_code(kind: ErrorKind) -> i32 {
    kind.rpc_code()
}

/// The `data` member of a domain error.
pub fn error_data(e: &Error) -> Value {
    let mut data = Map::new();
    data.insert("code".into(), e.kind.code().into());
    data.insert("detail".into(), bounded(&e.detail).into());
    if let Some(field) = &e.field {
        data.insert("field".into(), field.clone().into());
    }
    if e.kind == ErrorKind::InvalidCrontab {
        data.insert(
            "errors".into(),
            serde_json::to_value(&e.errors).map_or_else(
                |_| Value::Array(Vec::new()),
                |mut errors| {
                    // A rejected line is quoted back; a megabyte line is quoted in part.
                    for error in errors.as_array_mut().into_iter().flatten() {
                        if let Some(Value::String(text)) = error.get_mut("text") {
                            *text = bounded(text);
                        }
                    }
                    errors
                },
            ),
        );
    }
    if e.kind == ErrorKind::InvalidEntries {
        let specs: Vec<Value> = e
            .specs
            .iter()
            .map(|s| {
                json!({"index": s.index, "name": s.name.as_deref().map(bounded), "code": s.code,
                       "field": s.field, "detail": bounded(&s.detail)})
            })
            .collect();
        data.insert("errors".into(), Value::Array(specs));
    }
    Value::Object(data)
}

/// A JSON-RPC error object, as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorObject {
    code: i32,
    message: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
}

impl ErrorObject {
    /// An error object with any code, message and data (MCP's own errors, for one).
    pub fn owned(
        code: i32,
        message: impl Into<Cow<'static, str>>,
        data: Option<impl Serialize>,
    ) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: data.and_then(|d| serde_json::to_value(d).ok()),
        }
    }

    pub fn code(&self) -> i32 {
        self.code
    }

    pub fn data(&self) -> Option<&Value> {
        self.data.as_ref()
    }

    /// The object as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an error object serializes")
    }
}

impl From<&Error> for ErrorObject {
    fn from(e: &Error) -> Self {
        to_rpc(e)
    }
}

pub fn to_rpc(e: &Error) -> ErrorObject {
    ErrorObject::owned(rpc_code(e.kind), e.kind.title(), Some(error_data(e)))
}

/// Errors of the protocol itself, outside any method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    Parse,
    InvalidRequest,
    MethodNotFound,
    TooLarge,
    /// The answer (a batch's answers together) would be over the answer limit.
    AnswerTooLarge,
    /// The caller holds its share of the server's connections.
    Busy,
    Internal,
}

impl ProtocolError {
    fn parts(self) -> (i32, &'static str, &'static str) {
        match self {
            ProtocolError::Parse => (PARSE_ERROR, "Parse error", "PARSE_ERROR"),
            ProtocolError::InvalidRequest => {
                (INVALID_REQUEST, "Invalid Request", "INVALID_REQUEST")
            }
            ProtocolError::MethodNotFound => {
                (METHOD_NOT_FOUND, "Method not found", "METHOD_NOT_FOUND")
            }
            ProtocolError::TooLarge => (INVALID_REQUEST, "Request too large", "REQUEST_TOO_LARGE"),
            ProtocolError::AnswerTooLarge => {
                (INTERNAL_ERROR, "Answer too large", "ANSWER_TOO_LARGE")
            }
            ProtocolError::Busy => (-32010, "Too many connections", "TOO_MANY_CONNECTIONS"),
            ProtocolError::Internal => (INTERNAL_ERROR, "Internal error", "INTERNAL_ERROR"),
        }
    }

    /// The error object, with `detail` saying what exactly was wrong.
    pub fn object(self, detail: impl Into<String>) -> ErrorObject {
        let (code, message, data_code) = self.parts();
        let mut data = Map::new();
        data.insert("code".into(), data_code.into());
        data.insert("detail".into(), bounded(&detail.into()).into());
        ErrorObject::owned(code, message, Some(Value::Object(data)))
    }
}
