use super::*;
use crate::api::openrpc::document;
use crate::backend::{Locks, SpoolBackend};
use crate::protocol::Handler;
use crate::service::Caller;
use std::sync::Arc;

fn tool(method: &str) -> &'static Tool {
    tool_list()
        .iter()
        .find(|t| t.method == method)
        .unwrap_or_else(|| panic!("no tool for {method}"))
}

#[test]
fn one_tool_per_method_but_rpc_discover() {
    let methods: Vec<&str> = document()["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .filter(|m| *m != "rpc.discover")
        .collect();
    let tools: Vec<&str> = tool_list().iter().map(|t| t.method).collect();
    assert_eq!(tools, methods);
    for contract in [
        "entries.list",
        "entries.get",
        "entries.create",
        "entries.update",
        "entries.delete",
        "entries.sweep",
        "crontab.list",
        "crontab.get",
        "crontab.put",
        "schedule.describe",
        "health",
    ] {
        assert_eq!(tool(contract).name(), contract.replace('.', "_"));
    }
}

#[test]
fn names_are_what_mcp_clients_accept() {
    for tool in tool_list() {
        let name = tool.name();
        assert!(
            !name.is_empty()
                && name.len() <= 128
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "{name}"
        );
    }
}

#[test]
fn schemas_are_standalone_objects() {
    for tool in tool_list() {
        for key in ["inputSchema", "outputSchema"] {
            let schema = &tool.definition[key];
            assert_eq!(schema["type"], "object", "{} {key}", tool.name());
            assert!(schema.get("$schema").is_none(), "{} {key}", tool.name());
            assert!(
                !schema.to_string().contains("\"format\":\"uint"),
                "{} {key} keeps a schemars-only format",
                tool.name()
            );
            assert!(
                !schema.to_string().contains("\"$ref\""),
                "{} {key} refers outside itself",
                tool.name()
            );
        }
        assert!(tool.definition["description"].as_str().unwrap().len() > 20);
    }
}

#[test]
fn annotations_follow_the_hints() {
    let hint = |method: &str, key: &str| tool(method).definition["annotations"][key].clone();
    for read in [
        "entries.list",
        "entries.get",
        "crontab.list",
        "crontab.get",
        "schedule.describe",
        "health",
    ] {
        assert_eq!(hint(read, "readOnlyHint"), true, "{read}");
        assert_eq!(hint(read, "destructiveHint"), false, "{read}");
    }
    // What removes, replaces or runs is destructive: a host should ask first.
    for destructive in [
        "entries.run",
        "entries.update",
        "entries.delete",
        "crontab.put",
        "crontab.restore",
        "entries.sweep",
    ] {
        assert_eq!(hint(destructive, "readOnlyHint"), false, "{destructive}");
        assert_eq!(hint(destructive, "destructiveHint"), true, "{destructive}");
    }
    // Only a run reaches outside cronrpc's own state.
    for tool in tool_list() {
        let open = tool.method == "entries.run";
        assert_eq!(hint(tool.method, "openWorldHint"), open, "{}", tool.method);
    }
    assert_eq!(hint("entries.create", "readOnlyHint"), false);
    assert_eq!(hint("entries.create", "destructiveHint"), false);
    assert_eq!(hint("entries.create", "idempotentHint"), false);
    assert_eq!(hint("entries.update", "idempotentHint"), true);
    assert_eq!(hint("entries.run", "idempotentHint"), false);
    assert!(hint("entries.create", "title").is_string());
}

/// The MCP handler as `cronrpc serve` builds it, over a spool directory, for one connection.
fn connection(dir: &std::path::Path) -> (Arc<dyn Handler>, Caller) {
    connection_of(dir, Caller::current())
}

fn connection_of(dir: &std::path::Path, caller: Caller) -> (Arc<dyn Handler>, Caller) {
    let service = Service::new(
        Box::new(SpoolBackend::new(dir)),
        Locks::new(dir.join(".locks")),
        crate::cron::Zone::utc(),
    );
    let handler = crate::mcp::handlers(crate::api::Router::new(service))(&caller);
    (handler, caller)
}

async fn tools_call(connection: &(Arc<dyn Handler>, Caller), params: Value) -> Value {
    request(connection, "tools/call", params).await
}

async fn request(connection: &(Arc<dyn Handler>, Caller), method: &str, params: Value) -> Value {
    let (handler, caller) = connection;
    let request = crate::protocol::envelope::Request {
        id: None,
        method: method.into(),
        params: Some(serde_json::value::to_raw_value(&params).unwrap()),
    };
    let in_flight = crate::protocol::InFlight::detached();
    match handler
        .call(
            crate::service::Context::new(caller.clone()),
            request,
            in_flight,
        )
        .await
    {
        Some(Ok(result)) => json!({"result": serde_json::from_str::<Value>(result.get()).unwrap()}),
        Some(Err(error)) => json!({"error": error}),
        None => Value::Null,
    }
}

#[tokio::test]
async fn a_call_answers_like_the_method() {
    let dir = tempfile::tempdir().unwrap();
    let methods = connection(dir.path());
    let response = tools_call(&methods, json!({"name": "health", "arguments": {}})).await;
    let result = &response["result"];
    assert_eq!(result["isError"], false, "{response}");
    assert_eq!(result["structuredContent"]["status"], "ok");
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, result["structuredContent"]);
    // No arguments at all reads as {}.
    let response = tools_call(&methods, json!({"name": "health"})).await;
    assert_eq!(response["result"]["isError"], false, "{response}");
}

#[tokio::test]
async fn bad_arguments_are_a_tool_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let methods = connection(dir.path());
    let response = tools_call(
        &methods,
        json!({"name": "crontab_get", "arguments": {"usr": "root"}}),
    )
    .await;
    let result = &response["result"];
    assert_eq!(result["isError"], true, "{response}");
    assert!(result.get("structuredContent").is_none());
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("INVALID_PARAMS: ") && text.contains("(field: usr)"),
        "{text}"
    );
}

#[tokio::test]
async fn arguments_that_are_not_an_object_are_invalid_params() {
    let dir = tempfile::tempdir().unwrap();
    let methods = connection(dir.path());
    for arguments in [json!([1]), json!("x"), json!(3)] {
        let response =
            tools_call(&methods, json!({"name": "health", "arguments": arguments})).await;
        assert_eq!(response["error"]["code"], -32602, "{response}");
        assert_eq!(response["error"]["data"]["field"], "arguments");
    }
}

#[tokio::test]
async fn an_unknown_tool_is_a_protocol_error() {
    let dir = tempfile::tempdir().unwrap();
    let methods = connection(dir.path());
    for name in ["entries.list", "rpc_discover", "tools_call", "nope"] {
        let response = tools_call(&methods, json!({"name": name, "arguments": {}})).await;
        assert_eq!(response["error"]["code"], -32602, "{response}");
        assert_eq!(response["error"]["data"]["field"], "name");
    }
    let response = tools_call(&methods, json!({"arguments": {}})).await;
    assert_eq!(response["error"]["code"], -32602, "{response}");
}

#[tokio::test]
async fn a_call_runs_as_the_connections_caller() {
    let dir = tempfile::tempdir().unwrap();
    let alice = Caller {
        uid: 4242,
        name: Some("alice".into()),
        client: None,
    };
    let methods = connection_of(dir.path(), alice);
    let response = tools_call(
        &methods,
        json!({"name": "crontab_get", "arguments": {"user": "root"}}),
    )
    .await;
    let text = response["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("FORBIDDEN: "), "{response}");
}

/// The era is read before anything else a request names, so a client in an unsupported
/// version is told that, not that its other params are wrong.
#[tokio::test]
async fn an_unsupported_version_is_refused_before_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let methods = connection(dir.path());
    let meta = json!({
        era::PROTOCOL_VERSION_KEY: "1999-01-01",
        era::CLIENT_CAPABILITIES_KEY: {},
    });
    for (method, params) in [
        ("tools/call", json!({"_meta": meta})),
        ("tools/call", json!({"name": 5, "_meta": meta})),
        ("tools/list", json!({"cursor": "x", "_meta": meta})),
        ("tasks/get", json!({"_meta": meta})),
    ] {
        let response = request(&methods, method, params).await;
        assert_eq!(response["error"]["code"], -32022, "{method}: {response}");
    }
    // A legacy tasks/* request lacks the extension, whatever its task id.
    let response = request(&methods, "tasks/get", json!({"taskId": 5})).await;
    assert_eq!(response["error"]["code"], -32021, "{response}");
    // With the envelope right, the missing or mistyped member is named.
    let response = tools_call(&methods, json!({"name": 5})).await;
    assert_eq!(response["error"]["data"]["field"], "name", "{response}");
    let response = request(&methods, "initialize", json!({})).await;
    assert_eq!(response["error"]["data"]["field"], "protocolVersion");
}

#[tokio::test]
async fn params_that_are_not_an_object_are_invalid_params() {
    let dir = tempfile::tempdir().unwrap();
    let methods = connection(dir.path());
    for method in [
        "tools/call",
        "tools/list",
        "initialize",
        "server/discover",
        "tasks/get",
    ] {
        let response = request(&methods, method, json!([1])).await;
        assert_eq!(response["error"]["code"], -32602, "{method}: {response}");
    }
    // A ping is a ping, whatever it carries.
    let response = request(&methods, "ping", json!([1])).await;
    assert_eq!(response["result"], json!({}), "{response}");
}
