//! JSON-RPC 2.0 over stdio: envelopes, batches, notifications, limits, and exit. The order of
//! requests on one connection is in `protocol_order`.

use crate::harness::Server;
use serde_json::{json, Value};
use std::collections::HashSet;

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error: {response}"))
}

#[test]
fn malformed_json_is_a_parse_error_and_the_connection_goes_on() {
    let mut server = Server::spool();
    server.send_line("{\"jsonrpc\": \"2.0\", \"method\": ");
    let response = server.read_value();
    assert_eq!(error_code(&response), -32700);
    assert_eq!(response["id"], Value::Null);
    assert_eq!(response["error"]["data"]["code"], "PARSE_ERROR");
    assert_eq!(server.call("health", json!({}))["status"], "ok");
}

#[test]
fn invalid_requests_get_32600() {
    let mut server = Server::spool();
    for line in [
        r#"{"jsonrpc":"1.0","id":1,"method":"health"}"#,
        r#"{"id":1,"method":"health"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"health","params":"x"}"#,
        r#"{"jsonrpc":"2.0","id":{"a":1},"method":"health"}"#,
        r#"[]"#,
        r#"42"#,
    ] {
        server.send_line(line);
        let response = server.read_value();
        assert_eq!(error_code(&response), -32600, "{line} -> {response}");
        assert_eq!(response["error"]["data"]["code"], "INVALID_REQUEST");
    }
}

#[test]
fn unknown_methods_get_32601() {
    let mut server = Server::spool();
    let response = server.request("entries.frobnicate", json!({}));
    assert_eq!(error_code(&response), -32601);
    assert_eq!(response["error"]["data"]["code"], "METHOD_NOT_FOUND");
}

#[test]
fn unknown_and_mistyped_params_name_the_field() {
    let mut server = Server::spool();
    let error = server.fail(
        "entries.list",
        json!({"user": "root", "limt": 5}),
        "INVALID_PARAMS",
    );
    assert_eq!(error["code"], -32602);
    assert_eq!(error["data"]["field"], "limt");
    let error = server.fail("entries.list", json!({"user": 7}), "INVALID_PARAMS");
    assert_eq!(error["data"]["field"], "user");
    let error = server.fail("entries.get", json!({"user": "root"}), "INVALID_PARAMS");
    assert_eq!(error["data"]["field"], "id");
    server.fail("entries.list", json!(["root"]), "INVALID_PARAMS");
}

#[test]
fn ids_come_back_as_sent() {
    let mut server = Server::spool();
    for id in [
        json!("abc"),
        json!(-7),
        json!(1.5),
        json!(18446744073709551615u64),
        Value::Null,
    ] {
        server.send_line(&json!({"jsonrpc": "2.0", "id": id, "method": "health"}).to_string());
        let response = server.read_value();
        assert_eq!(response["id"], id);
        assert_eq!(response["result"]["status"], "ok");
    }
}

#[test]
fn notifications_get_no_answer() {
    let mut server = Server::spool();
    server.send_line(r#"{"jsonrpc":"2.0","method":"health"}"#);
    server.send_line(r#"{"jsonrpc":"2.0","method":"no.such.method"}"#);
    server.send_line(r#"{"jsonrpc":"2.0","id":"after","method":"health"}"#);
    assert_eq!(server.read_value()["id"], "after");
    assert!(server.finish().is_empty());
}

#[test]
fn batches_answer_every_request_but_notifications() {
    let mut server = Server::spool();
    server.send_line(
        &json!([
            {"jsonrpc": "2.0", "id": 1, "method": "health"},
            {"jsonrpc": "2.0", "method": "health"},
            {"jsonrpc": "2.0", "id": 2, "method": "nope"},
            {"jsonrpc": "2.0", "id": 3, "method": "crontab.get", "params": {"user": "root"}},
            7
        ])
        .to_string(),
    );
    let answers = server.read_value();
    let answers = answers.as_array().expect("a batch answer is an array");
    assert_eq!(answers.len(), 4, "{answers:?}");
    let by_id = |id: Value| {
        answers
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("no answer for {id}"))
    };
    assert_eq!(by_id(json!(1))["result"]["status"], "ok");
    assert_eq!(by_id(json!(2))["error"]["code"], -32601);
    assert_eq!(by_id(json!(3))["result"]["content"], "");
    assert_eq!(by_id(Value::Null)["error"]["code"], -32600);

    server.send_line(r#"[{"jsonrpc":"2.0","method":"health"}]"#);
    server.send_line(r#"{"jsonrpc":"2.0","id":9,"method":"health"}"#);
    assert_eq!(
        server.read_value()["id"],
        9,
        "an all-notification batch gets no answer"
    );
}

#[test]
fn oversized_messages_get_an_error_and_the_connection_goes_on() {
    let mut server = Server::spool_with(&["--max-message-bytes", "1000"]);
    let big =
        json!({"jsonrpc": "2.0", "id": 1, "method": "health", "params": {"pad": "x".repeat(5000)}});
    server.send_line(&big.to_string());
    let response = server.read_value();
    assert_eq!(error_code(&response), -32600);
    assert_eq!(
        response["id"], 1,
        "the id is recovered from the message's head"
    );
    assert_eq!(response["error"]["data"]["code"], "REQUEST_TOO_LARGE");
    assert_eq!(server.call("health", json!({}))["status"], "ok");
}

#[test]
fn a_megabyte_request_under_the_default_cap_is_refused_by_validation_not_by_size() {
    let mut server = Server::spool();
    let error = server.fail(
        "entries.create",
        json!({"user": "root", "schedule": "* * * * *", "command": "x".repeat(900_000)}),
        "INVALID_COMMAND",
    );
    assert_eq!(error["data"]["field"], "command");
    let response = server.request(
        "entries.create",
        json!({"user": "root", "schedule": "* * * * *", "command": "x".repeat(2_000_000)}),
    );
    assert_eq!(response["error"]["data"]["code"], "REQUEST_TOO_LARGE");
    assert_eq!(server.call("health", json!({}))["status"], "ok");
}

#[test]
fn concurrent_requests_on_one_connection_all_get_answers() {
    let mut server = Server::spool();
    for id in 0..200 {
        let method = if id % 2 == 0 {
            "health"
        } else {
            "crontab.list"
        };
        server.send_line(&json!({"jsonrpc": "2.0", "id": id, "method": method}).to_string());
    }
    let ids: HashSet<i64> = (0..200)
        .map(|_| server.read_value()["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (0..200).collect());
}

#[test]
fn end_of_input_answers_what_is_in_flight_then_exits_zero() {
    let mut server = Server::spool();
    for id in 0..20 {
        server.send_line(&json!({"jsonrpc": "2.0", "id": id, "method": "health"}).to_string());
    }
    assert_eq!(server.finish().len(), 20);
}

#[test]
fn sigterm_exits_cleanly() {
    let mut server = Server::spool();
    assert_eq!(server.call("health", json!({}))["status"], "ok");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn stdout_carries_only_protocol_even_with_debug_logs() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(crate::harness::BIN)
        .args(["serve", "--backend", "spool", "--spool-dir", dir.path().to_str().unwrap()])
        .env("RUST_LOG", "debug")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"health\"}\nnot json\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"entries.list\",\"params\":{\"user\":\"root\"}}\n")?;
            drop(stdin);
            child.wait_with_output()
        })
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for line in lines {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["jsonrpc"], "2.0");
    }
    assert!(!output.stderr.is_empty(), "debug logs go to stderr");
}

#[test]
fn a_repeated_key_in_params_is_refused_not_collapsed() {
    let mut server = Server::spool();
    server.send_line(r#"{"jsonrpc":"2.0","id":1,"method":"crontab.get","params":{"user":"nobody","user":"root"}}"#);
    let response = server.read_value();
    assert_eq!(
        response["error"]["data"]["code"], "INVALID_PARAMS",
        "{response}"
    );
    assert_eq!(response["error"]["data"]["field"], "user");
}

/// The JSON-RPC 2.0 specification's own section 7 examples of invalid requests and batches.
fn spec_examples() -> Vec<(&'static str, Value)> {
    let invalid = json!({"jsonrpc": "2.0", "id": null,
        "error": {"code": -32600}});
    vec![
        (
            r#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#,
            invalid.clone(),
        ),
        (r#"{"foo": "boo"}"#, invalid.clone()),
        (r#"{"method": "health"}"#, invalid.clone()),
        ("[1]", json!([invalid.clone()])),
        (
            "[1,2,3]",
            json!([invalid.clone(), invalid.clone(), invalid.clone()]),
        ),
        (r#"[{"foo": "boo"}]"#, json!([invalid.clone()])),
        ("[]", invalid),
    ]
}

/// Only `code` and `id` are compared: message and data carry details.
fn same_shape(answer: &Value, expected: &Value) -> bool {
    match (answer, expected) {
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(a, e)| same_shape(a, e))
        }
        (a, e) => a["id"] == e["id"] && a["error"]["code"] == e["error"]["code"],
    }
}

#[test]
fn the_specifications_invalid_requests_get_32600_with_a_null_id_over_stdio() {
    let mut server = Server::spool();
    for (line, expected) in spec_examples() {
        server.send_line(line);
        let answer = server.read_value();
        assert!(same_shape(&answer, &expected), "{line} -> {answer}");
    }
    // Notifications stay unanswered beside them; the invalid member is still answered.
    server.send_line(r#"[{"jsonrpc":"2.0","method":"health"},{"foo":"boo"}]"#);
    let answer = server.read_value();
    assert_eq!(answer.as_array().map(Vec::len), Some(1), "{answer}");
    assert_eq!(answer[0]["error"]["code"], -32600);
}

#[test]
fn the_specifications_invalid_requests_get_32600_with_a_null_id_over_the_socket() {
    let server = crate::harness::SocketServer::start(&[]);
    let (lines, expected): (Vec<String>, Vec<Value>) = spec_examples()
        .into_iter()
        .map(|(line, expected)| (line.to_owned(), expected))
        .unzip();
    let answers = server.ask(&lines);
    for ((line, answer), expected) in lines.iter().zip(&answers).zip(&expected) {
        assert!(same_shape(answer, expected), "{line} -> {answer}");
    }
}

#[test]
fn empty_params_mean_no_params() {
    let mut server = Server::spool();
    for params in [json!([]), json!({})] {
        for method in ["health", "crontab.list", "entries.sweep"] {
            let answer = server.request(method, params.clone());
            assert!(
                answer.get("result").is_some(),
                "{method} {params} -> {answer}"
            );
        }
    }
    server.fail("health", json!([1]), "INVALID_PARAMS");
}

#[test]
fn a_byte_order_mark_before_the_first_message_is_ignored() {
    let mut server = Server::spool();
    server.send_raw(b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"health\"}\n");
    let answer = server.read_value();
    assert_eq!(answer["result"]["status"], "ok", "{answer}");
}
