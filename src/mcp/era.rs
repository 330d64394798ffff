//! Which MCP era a request speaks, read from that request alone.
//!
//! MCP 2026-07-28 is stateless: every request carries its protocol version and the client's
//! capabilities in `params._meta`, and a server must not infer either from earlier requests.
//! A request whose `_meta` names `io.modelcontextprotocol/protocolVersion` is modern (that key
//! is reserved, so legacy traffic never carries it); anything else is legacy and leans on the
//! connection's `initialize`. Both eras, and plain JSON-RPC, share one connection.

use crate::api::errors;
use crate::api::errors::ErrorObject;
use rmcp::model::{ErrorCode, Implementation, ResultType, TASKS_EXTENSION_ID};
use serde_json::{json, Map, Value};

pub const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
pub const CLIENT_CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
pub const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// Modern revisions served, newest first (rmcp's `ProtocolVersion::V_2026_07_28`).
pub const MODERN_VERSIONS: [&str; 1] = ["2026-07-28"];

/// What a modern request says about itself.
#[derive(Debug, Clone, Default)]
pub struct Modern {
    /// `clientInfo.name`, what a write is attributed to.
    pub client_name: Option<String>,
    /// The client declared the Tasks extension on this request.
    pub tasks: bool,
}

/// A request's `_meta` member as sent, which each MCP params struct carries: only an object
/// counts (anything else reads as none, so such a request is legacy).
pub type Meta = Option<Value>;

fn object(meta: &Meta) -> Option<&Map<String, Value>> {
    meta.as_ref()?.as_object()
}

/// `Ok(None)` for a legacy request; `Ok(Some(..))` for a modern one whose envelope is
/// complete and whose version is served; the spec's errors otherwise.
pub fn read(meta: &Meta) -> Result<Option<Modern>, ErrorObject> {
    let Some(meta) = object(meta) else {
        return Ok(None);
    };
    let Some(version) = meta.get(PROTOCOL_VERSION_KEY) else {
        return Ok(None);
    };
    let Some(version) = version.as_str() else {
        return Err(invalid_meta(format!(
            "{PROTOCOL_VERSION_KEY} must be a string"
        )));
    };
    let Some(capabilities) = meta.get(CLIENT_CAPABILITIES_KEY) else {
        return Err(invalid_meta(format!(
            "_meta lacks {CLIENT_CAPABILITIES_KEY}, which every modern request carries"
        )));
    };
    if !capabilities.is_object() {
        return Err(invalid_meta(format!(
            "{CLIENT_CAPABILITIES_KEY} must be an object"
        )));
    }
    if !MODERN_VERSIONS.contains(&version) {
        return Err(unsupported_version(version));
    }
    let tasks = capabilities
        .get("extensions")
        .and_then(|e| e.get(TASKS_EXTENSION_ID))
        .is_some_and(Value::is_object);
    let client_name = meta
        .get(CLIENT_INFO_KEY)
        .and_then(|i| i.get("name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Some(Modern { client_name, tasks }))
}

/// `_meta.progressToken` (a string or an integer), in either era.
pub fn progress_token(meta: &Meta) -> Option<Value> {
    object(meta)?
        .get("progressToken")
        .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
        .cloned()
}

/// `-32602` naming `_meta`: the envelope is there but incomplete.
fn invalid_meta(detail: String) -> ErrorObject {
    errors::to_rpc(&crate::domain::Error::invalid_params(
        Some("_meta".into()),
        detail,
    ))
}

/// The spec's UnsupportedProtocolVersionError: `data.supported` lists every revision served,
/// modern and legacy, so a dual-era client can pick either.
pub fn unsupported_version(requested: &str) -> ErrorObject {
    ErrorObject::owned(
        ErrorCode::UNSUPPORTED_PROTOCOL_VERSION.0,
        "Unsupported protocol version",
        Some(json!({"supported": supported_versions(), "requested": requested})),
    )
}

/// Every revision served, newest first.
pub fn supported_versions() -> Vec<&'static str> {
    MODERN_VERSIONS
        .into_iter()
        .chain(super::lifecycle::SUPPORTED_VERSIONS)
        .collect()
}

pub fn server_info() -> Implementation {
    let mut info = Implementation::new("cronrpc", env!("CARGO_PKG_VERSION"));
    info.title = Some("cronrpc".into());
    info
}

/// A modern result: `resultType` (unless the result set its own, e.g. `"task"`) and the
/// server's identity in `_meta`. Legacy results are left as they were.
pub fn complete(mut result: Value, modern: Option<&Modern>) -> Value {
    if modern.is_none() {
        return result;
    }
    if let Some(object) = result.as_object_mut() {
        object
            .entry("resultType")
            .or_insert_with(|| json!(ResultType::COMPLETE));
        let meta = object.entry("_meta").or_insert_with(|| json!({}));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert(SERVER_INFO_KEY.into(), json!(server_info()));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ProtocolVersion;

    fn envelope(version: &str, capabilities: Value) -> Meta {
        Some(json!({
            PROTOCOL_VERSION_KEY: version,
            CLIENT_CAPABILITIES_KEY: capabilities,
            CLIENT_INFO_KEY: {"name": "agent", "version": "1"},
        }))
    }

    #[test]
    fn the_modern_version_is_rmcps() {
        assert_eq!(MODERN_VERSIONS[0], ProtocolVersion::V_2026_07_28.as_str());
    }

    #[test]
    fn a_request_without_the_version_key_is_legacy() {
        assert!(read(&None).unwrap().is_none());
        assert!(read(&Some(json!("not an object"))).unwrap().is_none());
        assert!(read(&Some(json!({"progressToken": 1}))).unwrap().is_none());
    }

    #[test]
    fn a_modern_request_says_who_it_is_and_what_it_supports() {
        let plain = read(&envelope("2026-07-28", json!({}))).unwrap().unwrap();
        assert_eq!(plain.client_name.as_deref(), Some("agent"));
        assert!(!plain.tasks);
        let tasks = json!({"extensions": {TASKS_EXTENSION_ID: {}}});
        assert!(read(&envelope("2026-07-28", tasks)).unwrap().unwrap().tasks);
    }

    #[test]
    fn an_unknown_version_is_refused_with_the_supported_ones() {
        for version in ["1900-01-01", "2025-11-25"] {
            let error = read(&envelope(version, json!({}))).unwrap_err();
            assert_eq!(error.code(), -32022);
            let data: Value = error.data().unwrap().clone();
            assert_eq!(data["requested"], version);
            assert_eq!(data["supported"][0], "2026-07-28");
            assert!(data["supported"]
                .as_array()
                .unwrap()
                .contains(&json!("2025-11-25")));
        }
    }

    #[test]
    fn an_envelope_without_capabilities_is_invalid_params() {
        let meta = Some(json!({PROTOCOL_VERSION_KEY: "2026-07-28"}));
        assert_eq!(read(&meta).unwrap_err().code(), errors::INVALID_PARAMS);
    }

    #[test]
    fn modern_results_carry_their_type_and_the_server() {
        let modern = Modern::default();
        let result = complete(json!({"tools": []}), Some(&modern));
        assert_eq!(result["resultType"], "complete");
        assert_eq!(result["_meta"][SERVER_INFO_KEY]["name"], "cronrpc");
        let task = complete(json!({"resultType": "task"}), Some(&modern));
        assert_eq!(task["resultType"], "task");
        assert_eq!(complete(json!({"tools": []}), None), json!({"tools": []}));
    }
}
