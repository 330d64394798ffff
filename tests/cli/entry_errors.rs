//! Refused entry requests: every invalid input gets its code, field and title, and writes
//! nothing.

use crate::entries::{create, file};
use crate::harness::{Server, MIXED_CRONTAB};
use serde_json::{json, Value};

#[test]
fn every_invalid_input_gets_its_code_and_writes_nothing() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    let entry = create(
        &mut server,
        json!({"schedule": "0 3 * * *", "command": "echo keep"}),
    );
    let before = file(&server, "root");
    let id = entry["id"].clone();
    let ok = json!({"user": "root", "schedule": "* * * * *", "command": "true"});
    let with = |key: &str, value: Value| {
        let mut p = ok.clone();
        p[key] = value;
        p
    };
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "entries.create",
            with("user", json!("../x")),
            "INVALID_USER",
            "user",
        ),
        (
            "entries.create",
            with("user", json!("-r")),
            "INVALID_USER",
            "user",
        ),
        (
            "entries.create",
            with("user", json!("root\n")),
            "INVALID_USER",
            "user",
        ),
        (
            "entries.create",
            with("user", json!("nosuchuser-zz")),
            "USER_NOT_FOUND",
            "user",
        ),
        (
            "entries.create",
            with("name", json!("")),
            "INVALID_NAME",
            "name",
        ),
        (
            "entries.create",
            with("name", json!("a\nb")),
            "INVALID_NAME",
            "name",
        ),
        (
            "entries.create",
            with("name", json!("n".repeat(201))),
            "INVALID_NAME",
            "name",
        ),
        (
            "entries.create",
            with("comment", json!("c\r\n* * * * * evil")),
            "INVALID_COMMENT",
            "comment",
        ),
        (
            "entries.create",
            with("comment", json!("c".repeat(1001))),
            "INVALID_COMMENT",
            "comment",
        ),
        (
            "entries.create",
            with("schedule", json!("61 * * * *")),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.create",
            with("schedule", json!("* * * *")),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.create",
            with("schedule", json!("5-1 * * * *")),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.create",
            with("schedule", json!("*x * * * *")),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.create",
            with("schedule", json!("@Daily")),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.create",
            with("schedule", json!("* * * * * echo")),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.create",
            with("command", json!("echo hi\n* * * * * rm -rf /")),
            "INVALID_COMMAND",
            "command",
        ),
        (
            "entries.create",
            with("command", json!("a\u{0}b")),
            "INVALID_COMMAND",
            "command",
        ),
        (
            "entries.create",
            with("command", json!("")),
            "INVALID_COMMAND",
            "command",
        ),
        (
            "entries.create",
            with("command", json!("x".repeat(999))),
            "INVALID_COMMAND",
            "command",
        ),
        (
            "entries.create",
            with("command", json!("%".repeat(600))),
            "INVALID_COMMAND",
            "command",
        ),
        (
            "entries.create",
            with("expires_at", json!("2001-01-01T00:00:00Z")),
            "INVALID_EXPIRES_AT",
            "expires_at",
        ),
        (
            "entries.create",
            with("expires_at", json!("next week")),
            "INVALID_EXPIRES_AT",
            "expires_at",
        ),
        (
            "entries.create",
            with("enabled", json!("yes")),
            "INVALID_PARAMS",
            "enabled",
        ),
        (
            "entries.create",
            with("extra", json!(1)),
            "INVALID_PARAMS",
            "extra",
        ),
        (
            "entries.update",
            json!({"user": "root", "id": id, "schedule": "bad"}),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.update",
            json!({"user": "root", "id": id, "schedule": null}),
            "INVALID_PARAMS",
            "schedule",
        ),
        (
            "entries.update",
            json!({"user": "root", "id": id, "command": "a\nb"}),
            "INVALID_COMMAND",
            "command",
        ),
        (
            "entries.update",
            json!({"user": "root", "id": uuid::Uuid::new_v4().to_string()}),
            "ENTRY_NOT_FOUND",
            "id",
        ),
        (
            "entries.update",
            json!({"user": "root", "id": "not-a-uuid"}),
            "ENTRY_NOT_FOUND",
            "id",
        ),
        (
            "entries.delete",
            json!({"user": "root", "id": uuid::Uuid::new_v4().to_string()}),
            "ENTRY_NOT_FOUND",
            "id",
        ),
        (
            "entries.list",
            json!({"user": "root", "page": 0}),
            "INVALID_PAGINATION",
            "page",
        ),
        (
            "entries.list",
            json!({"user": "root", "limit": 201}),
            "INVALID_PAGINATION",
            "limit",
        ),
        (
            "entries.list",
            json!({"user": "root", "limit": 0}),
            "INVALID_PAGINATION",
            "limit",
        ),
        (
            "entries.list",
            json!({"user": "root", "type": "other"}),
            "INVALID_PARAMS",
            "type",
        ),
        (
            "crontab.put",
            json!({"user": "root", "content": "* * * * * no newline"}),
            "INVALID_CRONTAB",
            "content",
        ),
        (
            "crontab.put",
            json!({"user": "root", "content": "", "if_match": "stale"}),
            "CONFLICT",
            "if_match",
        ),
    ];
    for (method, params, code, field) in cases {
        let error = server.fail(method, params.clone(), code);
        assert_eq!(error["data"]["field"], field, "{method} {params}: {error}");
        let rpc = error["code"].as_i64().unwrap();
        let want = match code {
            "USER_NOT_FOUND" => -32001,
            "ENTRY_NOT_FOUND" => -32002,
            "CONFLICT" => -32003,
            _ => -32602,
        };
        assert_eq!(rpc, want, "{code}");
        assert_eq!(
            file(&server, "root"),
            before,
            "{method} {params} changed the crontab"
        );
    }
}

#[test]
fn error_titles_follow_the_contract() {
    let mut server = Server::spool();
    let titles = [
        (
            json!({"user": "../x", "schedule": "* * * * *", "command": "x"}),
            "Invalid user",
        ),
        (
            json!({"user": "root", "schedule": "x", "command": "x"}),
            "Invalid schedule",
        ),
        (
            json!({"user": "root", "schedule": "* * * * *", "command": "a\nb"}),
            "Invalid command",
        ),
        (
            json!({"user": "root", "schedule": "* * * * *", "command": "x", "expires_at": "x"}),
            "Invalid expiration",
        ),
        (
            json!({"user": "nosuchuser-zz", "schedule": "* * * * *", "command": "x"}),
            "User not found",
        ),
    ];
    for (params, title) in titles {
        let response = server.request("entries.create", params);
        assert_eq!(response["error"]["message"], title);
    }
}
