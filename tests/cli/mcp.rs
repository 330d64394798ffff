//! MCP on the stdio connection: the handshake, tools from the method table, tool errors, and
//! plain JSON-RPC alongside; then the official Python and TypeScript clients against the binary.

use crate::harness::{repo, Server, BIN};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

/// A request whose result has an MCP shape rather than a contract schema.
fn mcp(server: &mut Server, id: u64, method: &str, params: Value) -> Value {
    server.send_line(
        &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
    );
    let response = server.read_value();
    assert_eq!(response["id"], id, "{response}");
    response
}

fn initialize(server: &mut Server, id: u64, version: &str) -> Value {
    let client = json!({"name": "test-agent", "version": "0"});
    let params = json!({"protocolVersion": version, "capabilities": {}, "clientInfo": client});
    mcp(server, id, "initialize", params)
}

fn call_tool(server: &mut Server, id: u64, name: &str, arguments: Value) -> Value {
    let response = mcp(
        server,
        id,
        "tools/call",
        json!({"name": name, "arguments": arguments}),
    );
    response
        .get("result")
        .unwrap_or_else(|| panic!("tools/call {name}: {response}"))
        .clone()
}

/// The structured result of a successful call, checked against the method's result schema.
fn structured(result: &Value, method: &str) -> Value {
    assert_eq!(result["isError"], false, "{result}");
    let content = &result["structuredContent"];
    crate::schema::assert_valid_result(method, content);
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(&text, content, "the text content is the result as JSON");
    content.clone()
}

#[test]
fn an_agent_session_from_handshake_to_errors() {
    let mut server = Server::spool();
    let init = initialize(&mut server, 1, "2025-06-18");
    let init = &init["result"];
    assert_eq!(init["protocolVersion"], "2025-06-18");
    assert_eq!(init["serverInfo"]["name"], "cronrpc");
    assert_eq!(init["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(init["capabilities"]["tools"]["listChanged"], false);
    assert!(init["instructions"].is_string());
    server.send_line(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(mcp(&mut server, 2, "ping", json!({}))["result"], json!({}));

    let tools = mcp(&mut server, 3, "tools/list", json!({}))["result"]["tools"].clone();
    let names: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for name in [
        "entries_create",
        "entries_list",
        "entries_delete",
        "crontab_put",
        "schedule_describe",
        "health",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(!names.contains(&"rpc_discover"));

    let create = json!({"user": "root", "schedule": "*/5 * * * *", "command": "echo 50% > /tmp/x", "name": "five"});
    let entry = structured(
        &call_tool(&mut server, 4, "entries_create", create),
        "entries.create",
    );
    assert_eq!(entry["command"], "echo 50% > /tmp/x");
    let crontab = std::fs::read_to_string(server.spool_dir().join("root")).unwrap();
    assert!(crontab.contains(r"echo 50\% > /tmp/x"), "{crontab}");

    let list = structured(
        &call_tool(&mut server, 5, "entries_list", json!({"user": "root"})),
        "entries.list",
    );
    assert_eq!(list["total"], 1);
    assert_eq!(list["entries"][0]["id"], entry["id"]);

    let gone = call_tool(
        &mut server,
        6,
        "entries_delete",
        json!({"user": "root", "id": entry["id"]}),
    );
    assert_eq!(
        structured(&gone, "entries.delete"),
        json!({"deleted": true})
    );

    // A domain error is a result the agent can read and act on, not a protocol error.
    let bad = call_tool(
        &mut server,
        7,
        "entries_create",
        json!({"user": "root", "schedule": "61 * * * *", "command": "true"}),
    );
    assert_eq!(bad["isError"], true, "{bad}");
    let text = bad["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("INVALID_SCHEDULE: ") && text.contains("(field: schedule)"),
        "{text}"
    );
    let missing = call_tool(
        &mut server,
        8,
        "entries_get",
        json!({"user": "root", "id": entry["id"]}),
    );
    assert_eq!(missing["isError"], true);
    assert!(
        missing["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("ENTRY_NOT_FOUND: "),
        "{missing}"
    );
    let typo = call_tool(
        &mut server,
        9,
        "entries_list",
        json!({"user": "root", "limt": 5}),
    );
    assert!(
        typo["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("(field: limt)"),
        "{typo}"
    );

    let unknown = mcp(
        &mut server,
        10,
        "tools/call",
        json!({"name": "entries_frobnicate", "arguments": {}}),
    );
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    assert_eq!(unknown["error"]["data"]["field"], "name");

    // Plain JSON-RPC on the same connection, before and after.
    assert_eq!(server.call("health", json!({}))["status"], "ok");
    assert_eq!(
        server.call("entries.list", json!({"user": "root"}))["total"],
        0
    );
    server.finish();
}

#[test]
fn initialize_answers_the_newest_version_when_the_clients_is_unknown() {
    let mut server = Server::spool();
    for (id, asked, answered) in [
        (1, "2025-11-25", "2025-11-25"),
        (2, "2024-11-05", "2024-11-05"),
        (3, "2031-01-01", "2025-11-25"),
    ] {
        let init = initialize(&mut server, id, asked);
        assert_eq!(init["result"]["protocolVersion"], answered);
    }
}

/// MCP dropped batches in 2025-06-18; here they stay plain JSON-RPC, MCP methods included.
#[test]
fn batches_still_work_on_an_mcp_session() {
    let mut server = Server::spool();
    initialize(&mut server, 1, "2025-06-18");
    server.send_line(r#"[{"jsonrpc":"2.0","id":2,"method":"health"},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]"#);
    let answers = server.read_value();
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert!(
        answers.iter().all(|a| a.get("result").is_some()),
        "{answers:?}"
    );
}

fn installed(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-mcp-clients to install the official MCP clients",
        path.display()
    );
    path
}

fn run_client(program: &PathBuf, script: &str, args: &[&str]) {
    let output = Command::new(program)
        .arg(repo().join("tests/mcp_clients").join(script))
        .arg(BIN)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{}\n{stderr}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
}

fn python() -> PathBuf {
    installed(repo().join(".oracles/mcp-venv/bin/python"))
}

/// The handshake era, as runners on older SDKs (and this one in legacy mode) speak it.
#[test]
fn the_official_python_client_drives_the_binary() {
    run_client(&python(), "python_client.py", &["legacy"]);
}

/// The SDK's default: it probes server/discover, which cronrpc answers, so it goes modern.
#[test]
fn the_official_python_client_in_auto_mode_goes_modern() {
    run_client(&python(), "python_client.py", &["auto"]);
}

/// Pinned to 2026-07-28: no handshake at all.
#[test]
fn the_official_python_client_pinned_to_2026_07_28() {
    run_client(&python(), "python_client.py", &["2026-07-28"]);
}

#[test]
fn the_official_typescript_client_drives_the_binary() {
    installed(repo().join(".oracles/mcp-node/node_modules/@modelcontextprotocol/sdk/package.json"));
    run_client(&PathBuf::from("node"), "ts_client.mjs", &[]);
}
