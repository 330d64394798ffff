//! The MCP handshake and what it leaves behind on the connection: the client's name.

use crate::protocol::InFlight;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// Protocol revisions answered, newest first. They differ in ways a tools-only server does not
/// show (output schemas and titles are ignored by older clients), so one set of answers serves
/// them all.
pub const SUPPORTED_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

pub(super) const INSTRUCTIONS: &str =
    "Manages users' crontabs as Debian's cron reads them. Check a schedule \
with schedule_describe before creating an entry; entries_* tools act on managed jobs by id and \
leave every other crontab line untouched; crontab_get and crontab_put read and replace the whole \
crontab (pass the etag as if_match). Times are RFC 3339 UTC. A failed call returns isError with \
a code (e.g. INVALID_SCHEDULE), a detail and the field at fault: fix that argument and retry.";

/// One connection's MCP state. Each connection's handler holds one; clones share it, so what
/// `initialize` records is seen by every later request of that connection.
#[derive(Debug, Clone, Default)]
pub struct Session(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    client_name: Option<String>,
}

impl Session {
    /// `clientInfo.name` from `initialize`; what a write made over MCP is attributed to.
    pub fn client_name(&self) -> Option<String> {
        self.lock().client_name.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is one plain field: a panic elsewhere cannot leave it half-written.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The client's version when supported, else the newest: the client then decides whether it
/// can speak that one.
pub fn negotiate(requested: &str) -> &'static str {
    SUPPORTED_VERSIONS
        .iter()
        .find(|v| **v == requested)
        .copied()
        .unwrap_or(SUPPORTED_VERSIONS[0])
}

// Fields MCP adds in later revisions (capabilities, _meta, ...) are accepted and ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InitializeParams {
    protocol_version: String,
    #[serde(default)]
    client_info: Option<ClientInfo>,
}

#[derive(Deserialize)]
struct ClientInfo {
    name: String,
}

pub(super) fn initialize(params: InitializeParams, session: &Session) -> Value {
    let version = negotiate(&params.protocol_version);
    session.lock().client_name = params.client_info.map(|c| c.name);
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "cronrpc", "title": "cronrpc", "version": env!("CARGO_PKG_VERSION")},
        "instructions": INSTRUCTIONS,
    })
}

/// `notifications/cancelled`'s params; `reason` and whatever else is ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CancelledParams {
    #[serde(default)]
    request_id: Option<Value>,
}

/// The client gave up on a request: the connection drops its answer, and a waiting
/// entries_run stops its run. An unknown or finished id is ignored.
pub(super) fn cancelled(params: CancelledParams, in_flight: &InFlight) {
    if let Some(id) = params.request_id {
        in_flight.peer.cancel(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::super::method::typed;
    use super::*;
    use crate::api::errors;
    use serde_json::value::RawValue;

    #[test]
    fn answers_with_the_clients_version_when_supported() {
        for v in ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] {
            assert_eq!(negotiate(v), v);
        }
        assert_eq!(negotiate("2099-01-01"), "2025-11-25");
        assert_eq!(negotiate(""), "2025-11-25");
    }

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn initialize_records_the_client_on_the_session() {
        let session = Session::default();
        let params = raw(
            r#"{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"claude-code","version":"1"}}"#,
        );
        let result = initialize(typed(Some(&params)).unwrap(), &session);
        assert_eq!(result["protocolVersion"], "2025-06-18");
        assert_eq!(result["serverInfo"]["name"], "cronrpc");
        assert_eq!(result["capabilities"]["tools"]["listChanged"], false);
        assert_eq!(session.client_name().as_deref(), Some("claude-code"));
    }

    #[test]
    fn initialize_without_a_version_names_the_field() {
        let error = typed::<InitializeParams>(Some(&raw("{}"))).err().unwrap();
        assert_eq!(error.code(), errors::INVALID_PARAMS);
        let data: Value = error.data().unwrap().clone();
        assert_eq!(data["field"], "protocolVersion");
    }
}
