//! Who may act: the socket peer's credentials (or, over stdio, the user cronrpc runs as) decide,
//! on every path a request can take (plain calls, batches, MCP `tools/call`); and who may
//! connect: the socket file's mode and group.

use crate::harness::{is_root, rpc, SocketServer, BIN};
use serde_json::{json, Value};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn nobody() -> nix::unistd::User {
    nix::unistd::User::from_name("nobody").unwrap().unwrap()
}

/// A socket client running as `nobody`: sends each line, prints each answer line. Exit status
/// 3 when it may not even connect.
fn as_nobody(socket: &Path, lines: &[String]) -> Result<Vec<Value>, String> {
    let user = nobody();
    crate::harness::ask_as(user.uid.as_raw(), user.gid.as_raw(), socket, lines)
}

fn code(answer: &Value) -> &str {
    answer["error"]["data"]["code"].as_str().unwrap_or("")
}

/// Params that pass validation for every parameter a method may require, so that only the
/// caller's right decides. A method with a required parameter not known here fails the test:
/// add a valid value for it.
fn valid_params(schema: &Value, user: &str) -> Value {
    let mut params = json!({"user": user});
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        let value = match name {
            "user" => continue,
            "id" => json!("a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
            "schedule" => json!("@daily"),
            "command" => json!("true"),
            "content" => json!("* * * * * true\n"),
            "line" => json!("* * * * * true"),
            "revision" => json!(1),
            "run_id" => json!("a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
            "entries" => json!([{"name": "n", "schedule": "@daily", "command": "true"}]),
            other => panic!("no valid value known for required param {other:?}; add one"),
        };
        params[name] = value;
    }
    params
}

#[test]
fn an_unprivileged_peer_is_refused_other_users_on_every_method_batches_and_mcp() {
    let server = SocketServer::start(&[]);
    // root's crontab, written by root, and an expired entry of root's that a sweep by nobody
    // must not touch.
    let root_content = "# cronrpc:v1 {\"id\":\"00000000-0000-4000-8000-000000000001\",\"expires_at\":\"2000-01-01T00:00:00Z\",\"created_at\":\"2000-01-01T00:00:00Z\",\"updated_at\":\"2000-01-01T00:00:00Z\"}\n* * * * * echo expired\n1 2 * * * echo root\n";
    std::fs::create_dir_all(&server.spool).unwrap();
    std::fs::write(server.spool.join("root"), root_content).unwrap();

    let discover = server.ask(&[rpc(1, "rpc.discover", json!({}))]);
    let methods = discover[0]["result"]["methods"].as_array().unwrap().clone();
    let mut lines = Vec::new();
    let mut names = Vec::new();
    for method in &methods {
        let name = method["name"].as_str().unwrap();
        let takes_user = method["params"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "user");
        if !takes_user || name == "entries.sweep" {
            continue;
        }
        let schema = json!({"required": method["params"].as_array().unwrap().iter()
            .filter(|p| p["required"] == true).map(|p| p["name"].clone()).collect::<Vec<_>>()});
        lines.push(rpc(lines.len() as u64, name, valid_params(&schema, "root")));
        names.push(name.to_owned());
    }
    assert!(names.len() >= 7, "{names:?}");
    let plain = lines.clone();
    // The same requests as one batch, and as MCP tool calls.
    let batch = format!("[{}]", lines.join(","));
    let init = json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}});
    let mut session = vec![rpc(900, "initialize", init), batch];
    for (i, line) in plain.iter().enumerate() {
        let request: Value = serde_json::from_str(line).unwrap();
        let tool = request["method"].as_str().unwrap().replace('.', "_");
        let call = json!({"name": tool, "arguments": request["params"]});
        session.push(rpc(1000 + i as u64, "tools/call", call));
    }
    session.push(rpc(2000, "entries.sweep", json!({})));
    session.push(rpc(2001, "crontab.list", json!({})));
    session.push(rpc(
        2002,
        "entries.create",
        json!({"user": "nobody", "schedule": "@daily", "command": "echo mine"}),
    ));
    let all: Vec<String> = plain.iter().cloned().chain(session).collect();
    let answers = as_nobody(&server.path, &all).unwrap();
    let (singles, rest) = answers.split_at(plain.len());
    for (name, answer) in names.iter().zip(singles) {
        assert_eq!(code(answer), "FORBIDDEN", "{name}: {answer}");
        assert_eq!(answer["error"]["code"], -32004, "{answer}");
    }
    assert!(rest[0].get("result").is_some(), "initialize: {}", rest[0]);
    let batched = rest[1].as_array().expect("a batch answer");
    assert_eq!(batched.len(), names.len());
    for answer in batched {
        assert_eq!(code(answer), "FORBIDDEN", "batch: {answer}");
    }
    for (name, answer) in names.iter().zip(&rest[2..2 + names.len()]) {
        let result = &answer["result"];
        assert_eq!(result["isError"], true, "tools/call {name}: {answer}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(
            text.starts_with("FORBIDDEN: "),
            "tools/call {name}: {answer}"
        );
    }
    let tail = &rest[2 + names.len()..];
    assert_eq!(
        tail[0]["result"]["removed"],
        json!([]),
        "a sweep by nobody reaches only nobody's crontab: {}",
        tail[0]
    );
    let listed = tail[1]["result"]["crontabs"].as_array().unwrap();
    assert!(listed.iter().all(|t| t["user"] == "nobody"), "{}", tail[1]);
    assert_eq!(tail[2]["result"]["user"], "nobody", "{}", tail[2]);

    assert_eq!(
        std::fs::read_to_string(server.spool.join("root")).unwrap(),
        root_content,
        "nothing nobody sent changed root's crontab"
    );
    // root, on the same server, still may.
    let root = server.ask(&[rpc(1, "crontab.list", json!({}))]);
    let users: Vec<&str> = root[0]["result"]["crontabs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["nobody", "root"]);
}

#[test]
fn the_socket_is_0666_by_default_and_follows_socket_mode_and_group() {
    let default = SocketServer::start(&[]);
    let meta = std::fs::metadata(&default.path).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o666);
    assert!(as_nobody(&default.path, &[rpc(1, "health", json!({}))]).is_ok());

    let private = SocketServer::start(&["--socket-mode", "0600"]);
    let meta = std::fs::metadata(&private.path).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    let refused = as_nobody(&private.path, &[rpc(1, "health", json!({}))]).unwrap_err();
    assert!(refused.starts_with("exit Some(3)"), "{refused}");
    assert_eq!(
        private.ask(&[rpc(1, "health", json!({}))])[0]["result"]["status"],
        "ok"
    );

    let group = SocketServer::start(&["--socket-mode", "0660", "--socket-group", "nogroup"]);
    let meta = std::fs::metadata(&group.path).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), nobody().gid.as_raw(), "owned by nogroup");
    let answers = as_nobody(&group.path, &[rpc(1, "health", json!({}))]).unwrap();
    assert_eq!(answers[0]["result"]["status"], "ok");

    let bad = Command::new(BIN)
        .args(["serve", "--backend", "spool", "--spool-dir", "/tmp"])
        .arg("--socket")
        .arg(group.dir.path().join("other.sock"))
        .args(["--socket-group", "no-such-group-cronrpc"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!bad.status.success(), "an unknown group is an error");
}

#[test]
fn a_regular_file_at_the_socket_path_is_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-socket");
    std::fs::write(&path, "precious").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--backend", "spool", "--spool-dir"])
        .arg(dir.path().join("spool"))
        .arg("--socket")
        .arg(&path)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
}

/// `cronrpc serve` over stdio as `nobody`; returns one answer per line.
fn stdio_as_nobody(args: &[&str], lines: &[String]) -> Vec<Value> {
    assert!(
        is_root(),
        "this test switches to nobody and must run as root"
    );
    let user = nobody();
    let (_bin_dir, bin) = crate::harness::shared_bin();
    let mut child = Command::new(&bin)
        .arg("serve")
        .args(args)
        .env("RUST_LOG", "warn")
        .env("HOME", "/nonexistent")
        .uid(user.uid.as_raw())
        .gid(user.gid.as_raw())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let mut answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    answers.sort_by_key(|a| a["id"].as_u64());
    answers
}

#[test]
fn over_stdio_a_non_root_cronrpc_refuses_other_users_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    std::fs::write(spool.join("root"), "1 2 * * * echo root\n").unwrap();
    let user = nobody();
    nix::unistd::chown(&spool, Some(user.uid), Some(user.gid)).unwrap();
    std::fs::set_permissions(dir.path(), PermissionsExt::from_mode(0o755)).unwrap();
    let lines = [
        rpc(1, "crontab.get", json!({"user": "root"})),
        rpc(
            2,
            "entries.create",
            json!({"user": "root", "schedule": "@daily", "command": "x"}),
        ),
        rpc(
            3,
            "crontab.put",
            json!({"user": "root", "content": "* * * * * evil\n"}),
        ),
        rpc(
            4,
            "entries.create",
            json!({"user": "nobody", "schedule": "@daily", "command": "mine"}),
        ),
        rpc(5, "crontab.list", json!({})),
    ];
    let answers = stdio_as_nobody(
        &["--backend", "spool", "--spool-dir", spool.to_str().unwrap()],
        &lines,
    );
    for answer in &answers[..3] {
        assert_eq!(code(answer), "FORBIDDEN", "{answer}");
    }
    assert_eq!(answers[3]["result"]["user"], "nobody", "{}", answers[3]);
    let listed = answers[4]["result"]["crontabs"].as_array().unwrap();
    assert!(
        listed.iter().all(|t| t["user"] == "nobody"),
        "{}",
        answers[4]
    );
    assert_eq!(
        std::fs::read_to_string(spool.join("root")).unwrap(),
        "1 2 * * * echo root\n"
    );

    // The system backend refuses before `crontab` is ever asked.
    let answers = stdio_as_nobody(
        &["--backend", "system"],
        &[rpc(1, "crontab.get", json!({"user": "root"}))],
    );
    assert_eq!(code(&answers[0]), "FORBIDDEN", "{}", answers[0]);
}
