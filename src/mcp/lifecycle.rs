//! The MCP handshake and what it leaves behind on the connection: the negotiated version and
//! the client's name.

use super::shim::{Extensions, RpcModule};
use crate::api::errors::ErrorObject as ErrorObjectOwned;
use crate::api::{errors, params};
use crate::protocol::InFlight;
use crate::service::Service;
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

/// One connection's MCP state. The transport puts one in each connection's extensions; clones
/// share it, so what `initialize` records is seen by every later request of that connection.
#[derive(Debug, Clone, Default)]
pub struct Session(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    client_name: Option<String>,
    version: Option<&'static str>,
}

impl Session {
    /// `clientInfo.name` from `initialize`; what a write made over MCP is attributed to.
    pub fn client_name(&self) -> Option<String> {
        self.lock().client_name.clone()
    }

    /// The protocol revision agreed on, once `initialize` has run.
    pub fn protocol_version(&self) -> Option<&'static str> {
        self.lock().version
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two plain fields: a panic elsewhere cannot leave it half-written.
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
struct InitializeParams {
    protocol_version: String,
    #[serde(default)]
    client_info: Option<ClientInfo>,
}

#[derive(Deserialize)]
struct ClientInfo {
    name: String,
}

fn initialize(raw: Option<&str>, ext: &Extensions) -> Result<Value, ErrorObjectOwned> {
    let params: InitializeParams = params::parse(raw).map_err(|e| errors::to_rpc(&e))?;
    let version = negotiate(&params.protocol_version);
    if let Some(session) = ext.get::<Session>() {
        let mut state = session.lock();
        state.version = Some(version);
        state.client_name = params.client_info.map(|c| c.name);
    }
    Ok(json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "cronrpc", "title": "cronrpc", "version": env!("CARGO_PKG_VERSION")},
        "instructions": INSTRUCTIONS,
    }))
}

pub(super) fn register(module: &mut RpcModule<Service>) {
    module
        .register_method("initialize", |params, _, ext| {
            initialize(params.as_str(), ext)
        })
        .expect("initialize is not a contract method");
    module
        .register_method("server/discover", |params, _, _| {
            let params: Value = params::parse(params.as_str()).map_err(|e| errors::to_rpc(&e))?;
            super::discover::discover(&params)
        })
        .expect("server/discover is not a contract method");
    module
        .register_method("ping", |_, _, _| json!({}))
        .expect("ping is not a contract method");
    // The client gave up on a request: the connection drops its answer, and a waiting
    // entries_run stops its run. An unknown or finished id is ignored.
    module
        .register_method("notifications/cancelled", |params, _, ext| {
            let params: Value = params::parse(params.as_str()).map_err(|e| errors::to_rpc(&e))?;
            if let (Some(id), Some(in_flight)) = (params.get("requestId"), ext.get::<InFlight>()) {
                in_flight.peer.cancel(id);
            }
            Ok::<_, ErrorObjectOwned>(json!({}))
        })
        .expect("notifications/cancelled is not a contract method");
    // A notification: the responder drops the answer. Registered so it is not "not found"
    // should a client send it with an id.
    module
        .register_method("notifications/initialized", |_, _, _| json!({}))
        .expect("notifications/initialized is not a contract method");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_the_clients_version_when_supported() {
        for v in ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] {
            assert_eq!(negotiate(v), v);
        }
        assert_eq!(negotiate("2099-01-01"), "2025-11-25");
        assert_eq!(negotiate(""), "2025-11-25");
    }

    #[test]
    fn initialize_records_the_client_on_the_session() {
        let session = Session::default();
        let ext = Extensions::with_session(session.clone());
        let raw = r#"{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"claude-code","version":"1"}}"#;
        let result = initialize(Some(raw), &ext).unwrap();
        assert_eq!(result["protocolVersion"], "2025-06-18");
        assert_eq!(result["serverInfo"]["name"], "cronrpc");
        assert_eq!(result["capabilities"]["tools"]["listChanged"], false);
        assert_eq!(session.client_name().as_deref(), Some("claude-code"));
        assert_eq!(session.protocol_version(), Some("2025-06-18"));
    }

    #[test]
    fn initialize_without_a_version_names_the_field() {
        let error =
            initialize(Some("{}"), &Extensions::with_session(Session::default())).unwrap_err();
        assert_eq!(error.code(), errors::INVALID_PARAMS);
        let data: Value = error.data().unwrap().clone();
        assert_eq!(data["field"], "protocolVersion");
    }
}
