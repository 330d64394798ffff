//! Classifies one message (request, notification, batch, or junk) and answers it.
//!
//! jsonrpsee's `raw_json_request` takes one request with a u64 or string id, so batches are
//! split here, notifications get a stand-in id whose answer is dropped, and the caller's own id
//! (which JSON-RPC lets be any number or null) is put back on the response.

use super::in_flight::Peer;
use crate::api::errors::ProtocolError;
use crate::mcp::Session;
use crate::service::Caller;
use jsonrpsee::Methods;
use serde::{Deserialize, Deserializer};
use serde_json::json;
use serde_json::value::RawValue;

/// Batches larger than this are refused whole: a client that needs more sends more lines.
pub const MAX_BATCH: usize = 1000;

/// The id of an answer that cannot name its request.
const NULL_ID: &str = "null";

/// Answers the messages of one connection, on behalf of its caller.
#[derive(Clone)]
pub struct Dispatcher {
    methods: Methods,
    peer: Peer,
}

/// A request's members, unparsed: the params go to the method as written (so a repeated key in
/// them is refused by the method's params struct rather than silently collapsed) and the id
/// goes back as written (so a big or odd number comes back exactly).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    params: Option<&'a RawValue>,
}

/// Present-but-null is `Some("null")`, which plain `Option` would turn into `None`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct RawResponse<'a> {
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

fn response(id: &str, member: &str, value: &RawValue) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"{member}":{}}}"#,
        value.get()
    )
}

/// An error response; `id` is the request's id as JSON text.
pub fn error_response(id: &str, error: ProtocolError, detail: impl Into<String>) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"error":{}}}"#,
        error.object(detail)
    )
}

fn first_char(raw: &RawValue) -> u8 {
    raw.get().as_bytes().first().copied().unwrap_or(b' ')
}

impl Dispatcher {
    /// `methods` with `caller` and a fresh MCP session attached, so every handler knows who is
    /// asking and what the connection's `initialize` said.
    pub fn new(methods: &Methods, caller: Caller) -> Self {
        let mut methods = methods.clone();
        methods.extensions_mut().insert(caller);
        methods.extensions_mut().insert(Session::default());
        Dispatcher {
            methods,
            peer: Peer::default(),
        }
    }

    /// The connection's side handlers see: notifications go to `peer`'s writer.
    pub fn with_peer(mut self, peer: Peer) -> Self {
        self.peer = peer;
        self
    }

    /// The answer to one line: a response, a batch response, or nothing (notifications only).
    pub async fn handle(&self, line: &[u8]) -> Option<String> {
        let Ok(text) = std::str::from_utf8(line) else {
            return Some(error_response(
                NULL_ID,
                ProtocolError::Parse,
                "message is not UTF-8",
            ));
        };
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        // One parse checks the syntax of the whole message, nested as deep as serde_json allows.
        let message: &RawValue = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(e) => return Some(error_response(NULL_ID, ProtocolError::Parse, e.to_string())),
        };
        if text.starts_with('[') {
            let batch: Vec<&RawValue> = serde_json::from_str(message.get()).unwrap_or_default();
            return self.batch(batch).await;
        }
        self.single(message).await
    }

    // Batches stay plain JSON-RPC on an MCP session too (MCP 2025-06-18 dropped them; see
    // `crate::mcp` for why they are still answered).
    async fn batch(&self, batch: Vec<&RawValue>) -> Option<String> {
        if batch.is_empty() {
            return Some(error_response(
                NULL_ID,
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
                NULL_ID,
                ProtocolError::InvalidRequest,
                detail,
            ));
        }
        let answers = futures::future::join_all(batch.into_iter().map(|m| self.single(m))).await;
        let answers: Vec<String> = answers.into_iter().flatten().collect();
        (!answers.is_empty()).then(|| format!("[{}]", answers.join(",")))
    }

    async fn single(&self, message: &RawValue) -> Option<String> {
        let invalid = |detail: &str| {
            Some(error_response(
                NULL_ID,
                ProtocolError::InvalidRequest,
                detail,
            ))
        };
        if first_char(message) != b'{' {
            return invalid("a request is a JSON object");
        }
        let envelope: Envelope = match serde_json::from_str(message.get()) {
            Ok(envelope) => envelope,
            Err(e) => return invalid(&e.to_string()),
        };
        let id = match envelope.id {
            None => None,
            Some(id) if matches!(first_char(id), b'"' | b'-' | b'0'..=b'9' | b'n') => {
                Some(id.get())
            }
            Some(_) => return invalid("id must be a string, a number or null"),
        };
        let (in_flight, started) = self.peer.start(id);
        let answer = self.call(&envelope, in_flight).await;
        // The client gave up on it (MCP's notifications/cancelled): it expects no answer.
        if started.is_cancelled() {
            return None;
        }
        match answer {
            Ok((member, value)) => id.map(|id| response(id, member, &value)),
            Err((error, detail)) => id.map(|id| error_response(id, error, detail)),
        }
    }

    /// Runs one request; `Ok` carries `("result" | "error", value)` as jsonrpsee answered.
    async fn call(
        &self,
        envelope: &Envelope<'_>,
        in_flight: super::InFlight,
    ) -> Result<(&'static str, Box<RawValue>), (ProtocolError, String)> {
        let invalid = |detail: &str| Err((ProtocolError::InvalidRequest, detail.to_owned()));
        let jsonrpc = envelope
            .jsonrpc
            .and_then(|v| serde_json::from_str::<String>(v.get()).ok());
        if jsonrpc.as_deref() != Some("2.0") {
            return invalid("jsonrpc must be \"2.0\"");
        }
        let Some(method) = envelope
            .method
            .and_then(|m| serde_json::from_str::<String>(m.get()).ok())
        else {
            return invalid("method must be a string");
        };
        let params = match envelope.params {
            None => None,
            Some(p) if matches!(first_char(p), b'{' | b'[') => Some(p),
            Some(_) => return invalid("params must be an object or an array"),
        };
        if self.methods.method(&method).is_none() {
            return Err((
                ProtocolError::MethodNotFound,
                format!("no method named {method:?}"),
            ));
        }
        let request = match params {
            Some(params) => format!(
                r#"{{"jsonrpc":"2.0","id":0,"method":{},"params":{}}}"#,
                json!(method),
                params.get()
            ),
            None => format!(r#"{{"jsonrpc":"2.0","id":0,"method":{}}}"#, json!(method)),
        };
        let internal = |e: &dyn std::fmt::Display| (ProtocolError::Internal, e.to_string());
        // This request's own extensions: the connection's, plus what it alone is.
        let mut methods = self.methods.clone();
        methods.extensions_mut().insert(in_flight);
        // What the connection's MCP handshake said of the client rides on the caller, so the
        // method table needs to know nothing of MCP.
        let client = methods
            .extensions()
            .get::<Session>()
            .and_then(Session::client_name);
        if let Some(caller) = methods.extensions_mut().get_mut::<Caller>() {
            caller.client = client;
        }
        let (raw, _) = methods
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
