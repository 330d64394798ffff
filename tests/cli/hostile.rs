//! Hostile input in every string field of every method: each gets a JSON-RPC error with
//! `data.code` (never a panic, a hang or a huge echo), nothing is written, and the connection
//! goes on.

use crate::harness::{Server, MIXED_CRONTAB};
use serde_json::{json, Value};

/// Strings no field accepts: line injection, control characters, junk.
fn bad_everywhere() -> Vec<Value> {
    let mut values: Vec<Value> = [
        "",
        "\n",
        "a\nb",
        "x\n* * * * * INJECTED",
        "x\r\n* * * * * INJECTED",
        "x\r* * * * * INJECTED",
        "a\0b",
        "\u{1b}[31mred",
        "a\u{7f}b",
        "a\u{85}b",
        "\t",
    ]
    .iter()
    .map(|s| json!(s))
    .collect();
    values.extend([
        json!(1),
        json!(-1.5),
        json!(true),
        json!([]),
        json!(["root"]),
        json!({"a": 1}),
    ]);
    values
}

/// Strings that are not a user, an id, a schedule, a time, an etag, a zone or a type.
fn not_identifiers() -> Vec<Value> {
    let long = "a".repeat(10_000);
    [
        "../x", "-r", "root\n", "ROOT", "rööt", "a/b", "root ", " root", "..", "*", "日本", "1000",
        "$(id)", "`id`", "root;id", &long,
    ]
    .iter()
    .map(|s| json!(s))
    .collect()
}

fn megabyte() -> Value {
    json!("y".repeat(1_000_000))
}

fn spool(server: &Server) -> Vec<u8> {
    std::fs::read(server.spool_dir().join("root")).unwrap()
}

#[test]
fn every_string_field_of_every_method_refuses_hostile_input_and_writes_nothing() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo keep", "name": "keep"}),
    );
    let id = entry["id"].as_str().unwrap().to_owned();
    let etag = server.call("crontab.get", json!({"user": "root"}))["etag"].clone();
    let before = spool(&server);

    // (method, valid params, fields to spoil, whether a field is an identifier)
    let base: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "entries.list",
            json!({"user": "root"}),
            vec!["user", "type"],
        ),
        (
            "entries.get",
            json!({"user": "root", "id": id}),
            vec!["user", "id"],
        ),
        (
            "entries.create",
            json!({"user": "root", "schedule": "@daily", "command": "true", "name": "n", "comment": "c", "expires_at": "2999-01-01T00:00:00Z"}),
            vec![
                "user",
                "schedule",
                "command",
                "name",
                "comment",
                "expires_at",
            ],
        ),
        (
            "entries.update",
            json!({"user": "root", "id": id, "schedule": "@hourly", "command": "true", "name": "n", "comment": "c", "expires_at": "2999-01-01T00:00:00Z"}),
            vec![
                "user",
                "id",
                "schedule",
                "command",
                "name",
                "comment",
                "expires_at",
            ],
        ),
        (
            "entries.delete",
            json!({"user": "root", "id": id}),
            vec!["user", "id"],
        ),
        ("entries.sweep", json!({"user": "root"}), vec!["user"]),
        ("crontab.get", json!({"user": "root"}), vec!["user"]),
        (
            "crontab.put",
            json!({"user": "root", "content": MIXED_CRONTAB, "if_match": etag}),
            vec!["user", "content", "if_match"],
        ),
        (
            "schedule.describe",
            json!({"schedule": "@daily", "from": "2024-01-01T00:00:00Z", "timezone": "UTC"}),
            vec!["schedule", "from", "timezone"],
        ),
    ];
    let free_text = ["name", "comment", "command", "content"];
    let mut sent = 0;
    for (method, params, fields) in &base {
        for field in fields {
            let mut values = bad_everywhere();
            values.push(megabyte());
            if !free_text.contains(field) {
                values.extend(not_identifiers());
            }
            if *field == "content" {
                values.extend(
                    [
                        // What Debian's crontab refuses; it accepts a job line without a
                        // command and a NUL in one, so those are valid puts.
                        "garbage line\n",
                        "61 * * * * x\n",
                        "* * * * * ok\n70 * * * * INJECTED\n",
                    ]
                    .map(|s| json!(s)),
                );
            }
            if ["user", "id", "schedule", "command", "content"].contains(field)
                && *method != "entries.sweep"
            {
                values.push(Value::Null);
            }
            for value in values {
                // "", "\n" and "\t" are valid crontabs (blank lines); every other value here is refused.
                if *field == "content" && ["", "\n", "\t"].iter().any(|s| value == json!(s)) {
                    continue;
                }
                let mut p = params.clone();
                p[*field] = value.clone();
                let response = server.request(method, p);
                sent += 1;
                let shown = value.to_string().chars().take(80).collect::<String>();
                let error = response.get("error").unwrap_or_else(|| {
                    panic!("{method} {field}={shown} was accepted: {response:.400}")
                });
                assert!(error["data"]["code"].is_string(), "{response:.400}");
                let size = response.to_string().len();
                assert!(
                    size < 16_384,
                    "{method} {field}={shown}: a {size}-byte error echoes the input"
                );
                assert_eq!(
                    spool(&server),
                    before,
                    "{method} {field}={shown} changed the crontab"
                );
            }
        }
    }
    assert!(sent > 400, "{sent}");
    // The connection went on through all of it.
    assert_eq!(server.call("health", json!({}))["status"], "ok");
    let content = server.call("crontab.get", json!({"user": "root"}))["content"].clone();
    assert!(!content.as_str().unwrap().contains("INJECTED"));
}

#[test]
fn malformed_json_deep_nesting_and_duplicate_keys_get_clear_errors() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    let before = spool(&server);
    let nested = |open: &str, n| open.repeat(n);
    let lines = [
        nested("[", 100_000),
        nested("{\"a\":", 100_000),
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"crontab.put","params":{{"user":"root","content":{}}}}}"#,
            nested("[", 50_000)
        ),
        // Deep but within serde_json's limit: refused as the wrong type, not a crash.
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"crontab.put","params":{{"user":"root","content":{}1{}}}}}"#,
            nested("[", 100),
            nested("]", 100)
        ),
        "\u{feff}{}".to_owned(),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"health\"".to_owned(),
        "\"just a string\"".to_owned(),
        "null".to_owned(),
        "[[]]".to_owned(),
        r#"{"jsonrpc":"2.0","id":{"a":1},"method":"health"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":["health"]}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"crontab.put","params":"user=root"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"crontab.put","params":["root","x"]}"#.to_owned(),
    ];
    for line in &lines {
        server.send_line(line);
        let answer = server.read_value();
        let answer = answer.as_array().map_or(answer.clone(), |a| a[0].clone());
        assert!(
            answer["error"]["data"]["code"].is_string(),
            "{:.80}: {answer:.300}",
            line
        );
        assert!(answer.to_string().len() < 4096, "{:.80}", line);
    }
    // Invalid UTF-8 is a parse error too.
    server.send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"health\"}");
    server.read_value();
    let mut raw = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}".to_vec();
    raw.push(b'\n');
    server.send_raw(&raw);
    assert_eq!(server.read_value()["error"]["code"], -32700);

    // Duplicate keys are refused, not collapsed: in the envelope as an invalid request, in the
    // params as invalid params naming the field.
    server.send_line(
        r#"{"jsonrpc":"2.0","id":5,"id":6,"method":"crontab.get","params":{"user":"root"}}"#,
    );
    let answer = server.read_value();
    assert_eq!(
        answer["error"]["data"]["code"], "INVALID_REQUEST",
        "{answer}"
    );
    server.send_line(r#"{"jsonrpc":"2.0","id":7,"method":"crontab.get","params":{"user":"nosuchuser-zz","user":"root"}}"#);
    let answer = server.read_value();
    assert_eq!(answer["id"], 7, "{answer}");
    assert_eq!(
        answer["error"]["data"]["code"], "INVALID_PARAMS",
        "{answer}"
    );
    assert_eq!(answer["error"]["data"]["field"], "user", "{answer}");

    assert_eq!(spool(&server), before);
    assert_eq!(server.call("health", json!({}))["status"], "ok");
}
