//! Classifies one message (request, notification, batch, or junk) and answers it.
//!
//! jsonrpsee's `raw_json_request` takes one request with a u64 or string id, so batches are
//! split here, notifications get a stand-in id whose answer is dropped, and the caller's own id
//! (which JSON-RPC lets be any number or null) is put back on the response.

use crate::api::errors::ProtocolError;
use crate::mcp::Session;
use crate::service::Caller;
use jsonrpsee::Methods;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

/// Batches larger than this are refused whole: a client that needs more sends more lines.
pub const MAX_BATCH: usize = 1000;

/// Answers the messages of one connection, on behalf of its caller.
#[derive(Clone)]
pub struct Dispatcher {
    methods: Methods,
}

#[derive(Deserialize)]
struct RawResponse<'a> {
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

fn response(id: &Value, outcome: (&str, &RawValue)) -> String {
    let id = serde_json::to_string(id).expect("ids serialize");
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"{}":{}}}"#,
        outcome.0,
        outcome.1.get()
    )
}

/// An error response as a string.
pub fn error_response(id: &Value, error: ProtocolError, detail: impl Into<String>) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": error.object(detail)}).to_string()
}

impl Dispatcher {
    /// `methods` with `caller` and a fresh MCP session attached, so every handler knows who is
    /// asking and what the connection's `initialize` said.
    pub fn new(methods: &Methods, caller: Caller) -> Self {
        let mut methods = methods.clone();
        methods.extensions_mut().insert(caller);
        methods.extensions_mut().insert(Session::default());
        Dispatcher { methods }
    }

    /// The answer to one line: a response, a batch response, or nothing (notifications only).
    pub async fn handle(&self, line: &[u8]) -> Option<String> {
        let Ok(text) = std::str::from_utf8(line) else {
            return Some(error_response(
                &Value::Null,
                ProtocolError::Parse,
                "message is not UTF-8",
            ));
        };
        if text.trim().is_empty() {
            return None;
        }
        let message: Value = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(e) => {
                return Some(error_response(
                    &Value::Null,
                    ProtocolError::Parse,
                    e.to_string(),
                ))
            }
        };
        match message {
            Value::Array(batch) => self.batch(batch).await,
            single => self.single(single).await,
        }
    }

    // Batches stay plain JSON-RPC on an MCP session too (MCP 2025-06-18 dropped them; see
    // `crate::mcp` for why they are still answered).
    async fn batch(&self, batch: Vec<Value>) -> Option<String> {
        if batch.is_empty() {
            return Some(error_response(
                &Value::Null,
                ProtocolError::InvalidRequest,
                "empty batch",
            ));
        }
        if batch.len() > MAX_BATCH {
            let detail = format!(
                "batch of {} messages; the limit is {MAX_BATCH}",
                batch.len()
            );
            return Some(error_response(
                &Value::Null,
                ProtocolError::InvalidRequest,
                detail,
            ));
        }
        let answers = futures::future::join_all(batch.into_iter().map(|m| self.single(m))).await;
        let answers: Vec<String> = answers.into_iter().flatten().collect();
        (!answers.is_empty()).then(|| format!("[{}]", answers.join(",")))
    }

    async fn single(&self, message: Value) -> Option<String> {
        let Value::Object(message) = message else {
            return Some(error_response(
                &Value::Null,
                ProtocolError::InvalidRequest,
                "a request is a JSON object",
            ));
        };
        let id = match message.get("id") {
            None => None,
            Some(id @ (Value::Null | Value::Number(_) | Value::String(_))) => Some(id.clone()),
            Some(_) => {
                let detail = "id must be a string, a number or null";
                return Some(error_response(
                    &Value::Null,
                    ProtocolError::InvalidRequest,
                    detail,
                ));
            }
        };
        match self.call(&message).await {
            Ok(outcome) => id.map(|id| response(&id, (outcome.0, &outcome.1))),
            Err((error, detail)) => id.map(|id| error_response(&id, error, detail)),
        }
    }

    /// Runs one request; `Ok` carries `("result" | "error", value)` as jsonrpsee answered.
    async fn call(
        &self,
        message: &Map<String, Value>,
    ) -> Result<(&'static str, Box<RawValue>), (ProtocolError, String)> {
        let invalid = |detail: &str| Err((ProtocolError::InvalidRequest, detail.to_owned()));
        if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return invalid("jsonrpc must be \"2.0\"");
        }
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            return invalid("method must be a string");
        };
        let params = match message.get("params") {
            None => None,
            Some(p @ (Value::Object(_) | Value::Array(_))) => Some(p),
            Some(_) => return invalid("params must be an object or an array"),
        };
        if self.methods.method(method).is_none() {
            return Err((
                ProtocolError::MethodNotFound,
                format!("no method named {method:?}"),
            ));
        }
        let request =
            json!({"jsonrpc": "2.0", "id": 0, "method": method, "params": params}).to_string();
        let internal = |e: &dyn std::fmt::Display| (ProtocolError::Internal, e.to_string());
        let (raw, _) = self
            .methods
            .raw_json_request(&request, 1)
            .await
            .map_err(|e| internal(&e))?;
        let parsed: RawResponse = serde_json::from_str(raw.get()).map_err(|e| internal(&e))?;
        match (parsed.result, parsed.error) {
            (Some(result), _) => Ok(("result", result.to_owned())),
            (None, Some(error)) => Ok(("error", error.to_owned())),
            (None, None) => Err(internal(&"the method gave neither a result nor an error")),
        }
    }
}
