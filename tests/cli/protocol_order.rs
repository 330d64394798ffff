//! Order on one connection: a request that may change a crontab or start a run takes effect
//! before later requests on the connection start (over stdio, the socket and inside a batch),
//! and a waiting run holds nothing back once it has started.

use crate::harness::Server;
use serde_json::{json, Value};

fn create_then_list(user: &str, i: usize) -> String {
    let create = json!({"jsonrpc": "2.0", "id": format!("c{i}"), "method": "entries.create",
        "params": {"user": user, "schedule": "@daily", "command": format!("echo {i}")}});
    let list = json!({"jsonrpc": "2.0", "id": format!("l{i}"), "method": "entries.list",
        "params": {"user": user, "limit": 200}});
    format!("{create}\n{list}\n")
}

#[test]
fn one_connection_reads_its_own_writes_over_stdio() {
    let mut server = Server::spool();
    let mut input = String::new();
    for i in 0..40 {
        input += &create_then_list("root", i);
    }
    server.send_raw(input.as_bytes());
    let answers = server.finish();
    assert_eq!(answers.len(), 80);
    for answer in &answers {
        let id = answer["id"].as_str().unwrap();
        if let Some(i) = id.strip_prefix('l') {
            let i: i64 = i.parse().unwrap();
            assert!(
                answer["result"]["total"].as_i64().unwrap() > i,
                "the list after create {i} misses it: {answer}"
            );
        }
    }
}

#[test]
fn one_connection_reads_its_own_writes_over_the_socket() {
    use std::io::{BufRead, BufReader, Write};
    let server = crate::harness::SocketServer::start(&[]);
    let mut stream = std::os::unix::net::UnixStream::connect(&server.path).unwrap();
    let mut input = String::new();
    for i in 0..40 {
        input += &create_then_list("root", i);
    }
    stream.write_all(input.as_bytes()).unwrap();
    let reader = BufReader::new(stream);
    for line in reader.lines().take(80) {
        let answer: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let id = answer["id"].as_str().unwrap().to_owned();
        if let Some(i) = id.strip_prefix('l') {
            let i: i64 = i.parse().unwrap();
            assert!(answer["result"]["total"].as_i64().unwrap() > i, "{answer}");
        }
    }
}

#[test]
fn inside_a_batch_a_write_comes_before_the_members_after_it() {
    let mut server = Server::spool();
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "entries.create",
         "params": {"user": "root", "schedule": "@daily", "command": "true"}},
        {"jsonrpc": "2.0", "id": 2, "method": "entries.list", "params": {"user": "root"}},
    ]);
    server.send_line(&batch.to_string());
    let answers = server.read_value();
    let list = answers
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == 2)
        .unwrap();
    assert_eq!(list["result"]["total"], 1, "{answers}");
}

#[test]
fn a_waiting_run_holds_back_nothing_once_it_has_started() {
    let mut server = Server::spool();
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "sleep 3"}),
    );
    let run = json!({"jsonrpc": "2.0", "id": "run", "method": "entries.run",
        "params": {"user": "root", "id": entry["id"]}});
    server.send_line(&run.to_string());
    server.send_line(r#"{"jsonrpc":"2.0","id":"after","method":"health"}"#);
    let first = server.read_value();
    assert_eq!(
        first["id"], "after",
        "answered while the run goes on: {first}"
    );
    let second = server.read_value();
    assert_eq!(second["id"], "run");
    assert_eq!(second["result"]["status"], "succeeded", "{second}");
}
