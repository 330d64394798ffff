//! `server/discover`: the modern era's one look at the server (versions, capabilities,
//! identity). Answering it is also what tells a dual-era client probing on stdio that this
//! server is modern.

use super::era;
use super::lifecycle::INSTRUCTIONS;
use crate::api::errors;
use crate::api::errors::ErrorObject;
use crate::domain::Error;
use rmcp::model::{
    CacheScope, DiscoverResult, ProtocolVersion, ServerCapabilities, ToolsCapability,
    TASKS_EXTENSION_ID,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// How long a client may keep the discover and tools/list answers: they change only with
/// the binary, so a day; a host restarts the server to upgrade it anyway.
pub const TTL_MS: u64 = 24 * 60 * 60 * 1000;

/// What this server offers, in both eras: tools (the list never changes while it runs) and,
/// to modern clients, the Tasks extension for `entries_run`.
pub fn capabilities() -> ServerCapabilities {
    let mut tools = ToolsCapability::default();
    tools.list_changed = Some(false);
    let mut capabilities = ServerCapabilities::default();
    capabilities.tools = Some(tools);
    capabilities.extensions = Some([(TASKS_EXTENSION_ID.to_owned(), Default::default())].into());
    capabilities
}

/// `server/discover`'s params: only `_meta` says anything.
#[derive(Deserialize)]
pub(super) struct DiscoverParams {
    #[serde(rename = "_meta", default)]
    meta: era::Meta,
}

pub(super) fn discover(params: DiscoverParams) -> Result<Value, ErrorObject> {
    let Some(modern) = era::read(&params.meta)? else {
        let detail = format!(
            "server/discover is a modern request: _meta must carry {} and {}",
            era::PROTOCOL_VERSION_KEY,
            era::CLIENT_CAPABILITIES_KEY
        );
        return Err(errors::to_rpc(&Error::invalid_params(
            Some("_meta".into()),
            detail,
        )));
    };
    let mut result = DiscoverResult::new(
        era::supported_versions()
            .into_iter()
            .filter_map(|v| {
                ProtocolVersion::KNOWN_VERSIONS
                    .iter()
                    .find(|k| k.as_str() == v)
            })
            .cloned()
            .collect(),
        capabilities(),
    )
    .with_server_info(era::server_info())
    .with_ttl_ms(TTL_MS)
    .with_cache_scope(CacheScope::Public);
    result.instructions = Some(INSTRUCTIONS.to_owned());
    Ok(era::complete(json!(result), Some(&modern)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discover_names_versions_capabilities_and_the_server() {
        let params = DiscoverParams {
            meta: Some(json!({
                era::PROTOCOL_VERSION_KEY: "2026-07-28",
                era::CLIENT_CAPABILITIES_KEY: {},
            })),
        };
        let result = discover(params).unwrap();
        assert_eq!(result["resultType"], "complete");
        assert_eq!(result["supportedVersions"][0], "2026-07-28");
        assert_eq!(result["capabilities"]["tools"]["listChanged"], false);
        assert_eq!(
            result["capabilities"]["extensions"][TASKS_EXTENSION_ID],
            json!({})
        );
        assert_eq!(result["_meta"][era::SERVER_INFO_KEY]["name"], "cronrpc");
        assert_eq!(result["ttlMs"], TTL_MS);
        assert_eq!(result["cacheScope"], "public");
        assert!(result["instructions"].is_string());
    }

    #[test]
    fn discover_without_an_envelope_is_invalid_params() {
        let error = discover(DiscoverParams { meta: None }).unwrap_err();
        assert_eq!(error.code(), errors::INVALID_PARAMS);
    }
}
