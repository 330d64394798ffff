//! Every limit answers with a clear error, writes nothing, and the connection goes on.

use crate::harness::Server;
use crate::harness::{rpc, SocketServer};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

fn spool_file(server: &Server) -> Option<Vec<u8>> {
    std::fs::read(server.spool_dir().join("root")).ok()
}

#[test]
fn an_oversized_message_on_the_socket_gets_an_error_and_the_connection_goes_on() {
    let server = SocketServer::start(&["--max-message-bytes", "1000"]);
    let big = rpc(7, "health", json!({"pad": "x".repeat(50_000)}));
    let answers = server.ask(&[big, rpc(8, "health", json!({}))]);
    assert_eq!(answers[0]["id"], 7);
    assert_eq!(answers[0]["error"]["data"]["code"], "REQUEST_TOO_LARGE");
    assert_eq!(answers[1]["result"]["status"], "ok");
}

#[test]
fn a_batch_over_a_thousand_is_refused_whole_and_the_connection_goes_on() {
    let mut server = Server::spool();
    let create = |i: usize| {
        rpc(
            i as u64,
            "entries.create",
            json!({"user": "root", "schedule": "@daily", "command": format!("echo {i}")}),
        )
    };
    let too_many: Vec<String> = (0..1001).map(create).collect();
    server.send_line(&format!("[{}]", too_many.join(",")));
    let answer = server.read_value();
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    assert_eq!(answer["error"]["data"]["code"], "INVALID_REQUEST");
    let detail = answer["error"]["data"]["detail"].as_str().unwrap();
    assert!(detail.contains("1000"), "{detail}");
    assert_eq!(spool_file(&server), None, "nothing of the batch ran");

    let at_limit: Vec<String> = (0..1000).map(|i| rpc(i, "health", json!({}))).collect();
    server.send_line(&format!("[{}]", at_limit.join(",")));
    let answer = server.read_value();
    assert_eq!(answer.as_array().unwrap().len(), 1000);
    assert_eq!(server.call("health", json!({}))["status"], "ok");
}

#[test]
fn a_crontab_never_grows_past_cron_s_ten_thousand_lines() {
    let mut server = Server::spool();
    let lines = |n: usize| "# filler\n".repeat(n);
    let error = server.fail(
        "crontab.put",
        json!({"user": "root", "content": lines(10_001)}),
        "INVALID_CRONTAB",
    );
    assert!(error["data"]["detail"].as_str().unwrap().contains("10000"));
    assert_eq!(spool_file(&server), None);

    server.call(
        "crontab.put",
        json!({"user": "root", "content": lines(9_999)}),
    );
    let before = spool_file(&server).unwrap();
    // A managed entry is two lines (marker and job): one line too many.
    let error = server.fail(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "true"}),
        "INVALID_CRONTAB",
    );
    let detail = error["data"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("10001") && detail.contains("10000"),
        "{detail}"
    );
    assert_eq!(spool_file(&server).unwrap(), before, "nothing written");

    server.call(
        "crontab.put",
        json!({"user": "root", "content": lines(9_998)}),
    );
    server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "true"}),
    );
    assert_eq!(
        server.call("crontab.get", json!({"user": "root"}))["content"]
            .as_str()
            .unwrap()
            .lines()
            .count(),
        10_000
    );
}

#[test]
fn commands_stop_at_998_characters_as_written() {
    let mut server = Server::spool();
    let create =
        |command: String| json!({"user": "root", "schedule": "@daily", "command": command});
    // What the job line wraps around a command (the run recorder) counts toward cron's limit.
    server.call("entries.create", create("x".into()));
    let content = String::from_utf8(spool_file(&server).unwrap()).unwrap();
    let line = content.lines().last().unwrap().to_owned();
    let written = line.strip_prefix("@daily ").unwrap();
    let budget = 998 - (written.len() - 1);
    server.call("entries.create", create("x".repeat(budget)));
    server.fail(
        "entries.create",
        create("x".repeat(budget + 1)),
        "INVALID_COMMAND",
    );
    // Each % is written as \%, so half the budget of them fits and one more does not.
    server.call("entries.create", create("%".repeat(budget / 2)));
    let before = spool_file(&server).unwrap();
    let error = server.fail(
        "entries.create",
        create("%".repeat(budget / 2 + 1)),
        "INVALID_COMMAND",
    );
    assert_eq!(error["data"]["field"], "command");
    assert_eq!(spool_file(&server).unwrap(), before);
}

#[test]
fn string_fields_have_bounds_and_over_them_is_a_clear_error() {
    let mut server = Server::spool();
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "true"}),
    );
    let id = entry["id"].as_str().unwrap().to_owned();
    let before = spool_file(&server).unwrap();
    let create = |key: &str, value: Value| {
        let mut p = json!({"user": "root", "schedule": "@daily", "command": "true"});
        p[key] = value;
        p
    };
    // (method, params, code, field)
    let cases = vec![
        (
            "entries.create",
            create("user", json!("a".repeat(33))),
            "INVALID_USER",
            "user",
        ),
        (
            "entries.create",
            create("name", json!("n".repeat(201))),
            "INVALID_NAME",
            "name",
        ),
        (
            "entries.create",
            create("comment", json!("c".repeat(1001))),
            "INVALID_COMMENT",
            "comment",
        ),
        (
            "entries.create",
            create("schedule", json!(format!("{}* * * * *", " ".repeat(1000)))),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.create",
            create("schedule", json!(format!("0{} * * * *", ",0".repeat(600)))),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.update",
            json!({"user": "root", "id": id, "schedule": "1,".repeat(600) + "1 * * * *"}),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "schedule.describe",
            json!({"schedule": "1,".repeat(600) + "1 * * * *"}),
            "INVALID_SCHEDULE",
            "schedule",
        ),
        (
            "entries.get",
            json!({"user": "root", "id": "a".repeat(10_000)}),
            "ENTRY_NOT_FOUND",
            "id",
        ),
        (
            "entries.create",
            create("expires_at", json!("2".repeat(10_000))),
            "INVALID_EXPIRES_AT",
            "expires_at",
        ),
        (
            "crontab.put",
            json!({"user": "root", "content": "", "if_match": "e".repeat(129)}),
            "INVALID_PARAMS",
            "if_match",
        ),
        (
            "schedule.describe",
            json!({"schedule": "@daily", "timezone": "Europe/".repeat(10_000)}),
            "INVALID_TIMEZONE",
            "timezone",
        ),
        (
            "schedule.describe",
            json!({"schedule": "@daily", "from": "2".repeat(10_000)}),
            "INVALID_PARAMS",
            "from",
        ),
    ];
    for (method, params, code, field) in cases {
        let response = server.request(method, params);
        let error = &response["error"];
        assert_eq!(error["data"]["code"], code, "{method}: {response:.300}");
        assert_eq!(error["data"]["field"], field, "{method}: {response:.300}");
        assert!(
            response.to_string().len() < 4096,
            "{method}: the error does not echo the whole input ({} bytes)",
            response.to_string().len()
        );
    }
    // A schedule of up to 1000 characters is still read as cron reads it.
    let padded = format!("0{} * * * *", ",0".repeat(400));
    assert!(padded.len() <= 1000);
    server.call("schedule.describe", json!({"schedule": padded}));
    assert_eq!(spool_file(&server).unwrap(), before, "nothing written");
    // An if_match of a plausible length that does not match is a conflict, not a bad param.
    server.fail(
        "crontab.put",
        json!({"user": "root", "content": "", "if_match": "e".repeat(128)}),
        "CONFLICT",
    );
}

#[test]
fn clients_over_max_connections_wait_and_are_then_served() {
    let server = SocketServer::start(&["--max-connections", "2"]);
    let held: Vec<UnixStream> = (0..2)
        .map(|_| {
            let mut stream = UnixStream::connect(&server.path).unwrap();
            // Answered, so the server has surely taken this connection's slot.
            writeln!(stream, "{}", rpc(1, "health", json!({}))).unwrap();
            let mut line = String::new();
            BufReader::new(stream.try_clone().unwrap())
                .read_line(&mut line)
                .unwrap();
            assert!(line.contains("\"ok\""), "{line}");
            stream
        })
        .collect();
    let mut third = UnixStream::connect(&server.path).unwrap();
    writeln!(third, "{}", rpc(3, "health", json!({}))).unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut byte = [0u8; 1];
    let waited = third.read(&mut byte);
    assert!(
        waited.is_err(),
        "a third client is not served while two are connected: {waited:?}"
    );
    let started = Instant::now();
    drop(held);
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut line = String::new();
    BufReader::new(third).read_line(&mut line).unwrap();
    let answer: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(answer["result"]["status"], "ok", "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // And the server still takes new clients.
    assert_eq!(
        server.ask(&[rpc(4, "health", json!({}))])[0]["result"]["status"],
        "ok"
    );
}
