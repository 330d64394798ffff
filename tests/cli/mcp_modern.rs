//! MCP 2026-07-28 over stdio as raw JSON: no handshake, every request carrying its own
//! version and capabilities, beside a legacy session and plain JSON-RPC on the same stream.

use crate::harness::Server;
use serde_json::{json, Value};

pub const MODERN: &str = "2026-07-28";
pub const TASKS: &str = "io.modelcontextprotocol/tasks";

/// A modern request's `_meta`; `tasks` declares the Tasks extension.
pub fn envelope(tasks: bool) -> Value {
    let capabilities = if tasks {
        json!({"extensions": {TASKS: {}}})
    } else {
        json!({})
    };
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "modern-agent", "version": "1"},
    })
}

/// Sends a request with `params` (its `_meta` set to `meta` unless null) and reads lines
/// until the response with `id` arrives; notifications read on the way are returned too.
pub fn exchange(
    server: &mut Server,
    id: u64,
    method: &str,
    mut params: Value,
    meta: Value,
) -> (Value, Vec<Value>) {
    if !meta.is_null() {
        params["_meta"] = meta;
    }
    let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    server.send_line(&request.to_string());
    let mut notifications = Vec::new();
    loop {
        let message = server.read_value();
        if message.get("id") == Some(&json!(id)) {
            return (message, notifications);
        }
        assert!(message.get("method").is_some(), "stray answer: {message}");
        notifications.push(message);
    }
}

pub fn modern(server: &mut Server, id: u64, method: &str, params: Value) -> Value {
    exchange(server, id, method, params, envelope(false)).0
}

fn assert_modern_result(response: &Value) -> &Value {
    let result = response
        .get("result")
        .unwrap_or_else(|| panic!("{response}"));
    assert_eq!(result["resultType"], "complete", "{response}");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "cronrpc",
        "{response}"
    );
    result
}

#[test]
fn discover_then_tools_without_a_handshake() {
    let mut server = Server::spool();
    let discover = modern(&mut server, 1, "server/discover", json!({}));
    let result = assert_modern_result(&discover);
    assert_eq!(result["supportedVersions"][0], MODERN);
    assert!(result["supportedVersions"]
        .as_array()
        .unwrap()
        .contains(&json!("2025-11-25")));
    assert_eq!(result["capabilities"]["extensions"][TASKS], json!({}));
    assert!(result["capabilities"]["tools"].is_object());
    assert!(result["ttlMs"].is_u64() && result["cacheScope"].is_string());

    let list = modern(&mut server, 2, "tools/list", json!({}));
    let result = assert_modern_result(&list).clone();
    assert!(result["ttlMs"].is_u64(), "{result}");
    assert_eq!(result["cacheScope"], "public");
    let names = |r: &Value| -> Vec<String> {
        r["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    // The same order every time.
    let again = modern(&mut server, 3, "tools/list", json!({}));
    assert_eq!(names(&result), names(&again["result"]));
    let run = result["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "entries_run")
        .unwrap();
    assert_eq!(run["annotations"]["destructiveHint"], true);
    assert_eq!(run["annotations"]["openWorldHint"], true);

    let create = json!({"name": "entries_create", "arguments": {"user": "root", "schedule": "@daily", "command": "true"}});
    let created = modern(&mut server, 4, "tools/call", create);
    let result = assert_modern_result(&created);
    assert_eq!(result["isError"], false, "{result}");
    let id = result["structuredContent"]["id"].clone();

    // A write over the modern era is attributed to the peer; the client named in that request
    // is kept beside it, as a claim, not an identity.
    let revisions = server.call("crontab.revisions", json!({"user": "root"}));
    assert_eq!(revisions["revisions"][0]["by"], "root", "{revisions}");
    assert_eq!(
        revisions["revisions"][0]["client"], "modern-agent",
        "{revisions}"
    );

    let got = modern(
        &mut server,
        5,
        "tools/call",
        json!({"name": "entries_get", "arguments": {"user": "root", "id": id}}),
    );
    assert_eq!(assert_modern_result(&got)["structuredContent"]["id"], id);
    server.finish();
}

#[test]
fn every_request_is_judged_by_its_own_meta() {
    let mut server = Server::spool();
    // An unknown version: the spec's error, naming what is served.
    let mut meta = envelope(false);
    meta["io.modelcontextprotocol/protocolVersion"] = json!("1900-01-01");
    let (refused, _) = exchange(&mut server, 1, "tools/list", json!({}), meta);
    assert_eq!(refused["error"]["code"], -32022, "{refused}");
    assert_eq!(refused["error"]["data"]["requested"], "1900-01-01");
    assert_eq!(refused["error"]["data"]["supported"][0], MODERN);
    // The version is judged before anything else in the request.
    let mut meta = envelope(false);
    meta["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let (refused, _) = exchange(&mut server, 7, "tools/call", json!({}), meta);
    assert_eq!(refused["error"]["code"], -32022, "{refused}");

    // A version without capabilities is malformed.
    let meta = json!({"io.modelcontextprotocol/protocolVersion": MODERN});
    let (malformed, _) = exchange(&mut server, 2, "tools/list", json!({}), meta);
    assert_eq!(malformed["error"]["code"], -32602, "{malformed}");

    // A good modern request right after: nothing carried over from the refused ones.
    let fine = modern(&mut server, 3, "tools/list", json!({}));
    assert_modern_result(&fine);

    // A legacy session on the same connection keeps its legacy shape...
    let init = json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "old", "version": "0"}});
    let (init, _) = exchange(&mut server, 4, "initialize", init, Value::Null);
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    let (legacy, _) = exchange(&mut server, 5, "tools/list", json!({}), Value::Null);
    assert!(legacy["result"].get("resultType").is_none(), "{legacy}");
    assert!(legacy["result"]["tools"].is_array());
    // ...and a modern request after it is still modern.
    assert_modern_result(&modern(&mut server, 6, "tools/list", json!({})));
    // Plain JSON-RPC alongside.
    assert_eq!(server.call("health", json!({}))["status"], "ok");
}

#[test]
fn bad_cursors_and_non_object_arguments_are_invalid_params() {
    let mut server = Server::spool();
    for (id, cursor) in [(1, json!("bogus")), (2, json!(7))] {
        let response = modern(&mut server, id, "tools/list", json!({"cursor": cursor}));
        assert_eq!(response["error"]["code"], -32602, "{response}");
    }
    for (id, arguments) in [
        (3, json!([1, 2])),
        (4, json!("user=root")),
        (5, json!(true)),
    ] {
        let call = json!({"name": "entries_list", "arguments": arguments});
        let response = modern(&mut server, id, "tools/call", call);
        assert_eq!(response["error"]["code"], -32602, "{response}");
        // The same holds in the legacy era.
        let call = json!({"name": "entries_list", "arguments": arguments});
        let (response, _) = exchange(&mut server, id + 10, "tools/call", call, Value::Null);
        assert_eq!(response["error"]["code"], -32602, "{response}");
    }
}
