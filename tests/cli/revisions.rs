//! crontab.revisions and crontab.restore: every write kept, edits from outside too, and any
//! revision put back through the same path as crontab.put.

use crate::harness::Server;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;

fn revisions(server: &mut Server, params: Value) -> Vec<Value> {
    server.call("crontab.revisions", params)["revisions"]
        .as_array()
        .unwrap()
        .clone()
}

fn content(server: &mut Server) -> String {
    server.call("crontab.get", json!({"user": "root"}))["content"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_write_is_kept_and_any_revision_comes_back() {
    let mut server = Server::spool();
    let first = "# first\n@daily echo one\n";
    server.call("crontab.put", json!({"user": "root", "content": first}));
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@hourly", "command": "echo two"}),
    );
    let list = revisions(&mut server, json!({"user": "root"}));
    let numbers: Vec<u64> = list
        .iter()
        .map(|r| r["revision"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1], "newest first");
    assert_eq!(list[2]["by"], "external", "the empty crontab it replaced");
    assert_eq!(list[1]["by"], "root");
    assert_eq!(list[1]["summary"], "crontab.put: +2 lines");
    let id8 = &entry["id"].as_str().unwrap()[..8];
    assert_eq!(
        list[0]["summary"],
        format!("entries.create {id8}: +1 managed, +2 lines")
    );
    let now = server.call("crontab.get", json!({"user": "root"}));
    assert_eq!(list[0]["etag"], now["etag"]);

    let restored = server.call("crontab.restore", json!({"user": "root", "revision": 2}));
    assert_eq!(restored["written"], true);
    assert_eq!(restored["managed"]["removed"], json!([entry["id"]]));
    assert_eq!(content(&mut server), first);
    assert_eq!(restored["etag"], list[1]["etag"]);
    let list = revisions(&mut server, json!({"user": "root", "limit": 1}));
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["revision"], 4);
    assert!(
        list[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with(&format!("crontab.restore {id8} to revision 2:")),
        "{}",
        list[0]
    );
    // The restore is a revision too: undo it.
    server.call("crontab.restore", json!({"user": "root", "revision": 3}));
    assert!(content(&mut server).contains("echo two"));
}

#[test]
fn edits_made_outside_cronrpc_are_recorded_before_the_next_write() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": "@daily a\n"}),
    );
    std::fs::write(server.spool_dir().join("root"), "@daily by-hand\n").unwrap();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": "@daily c\n"}),
    );
    let list = revisions(&mut server, json!({"user": "root"}));
    assert_eq!(list.len(), 4, "{list:?}");
    assert_eq!(list[1]["by"], "external");
    let hand = list[1]["revision"].clone();
    server.call("crontab.restore", json!({"user": "root", "revision": hand}));
    assert_eq!(content(&mut server), "@daily by-hand\n");
}

#[test]
fn unknown_revisions_limits_and_conflicts_are_refused() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": "@daily a\n"}),
    );
    let error = server.fail(
        "crontab.restore",
        json!({"user": "root", "revision": 99}),
        "INVALID_PARAMS",
    );
    assert_eq!(error["data"]["field"], "revision");
    assert!(error["data"]["detail"].as_str().unwrap().contains("99"));
    let error = server.fail(
        "crontab.restore",
        json!({"user": "root", "revision": 1, "if_match": "stale"}),
        "CONFLICT",
    );
    assert_eq!(error["data"]["field"], "if_match");
    assert_eq!(
        content(&mut server),
        "@daily a\n",
        "a failed restore writes nothing"
    );
    server.fail(
        "crontab.revisions",
        json!({"user": "root", "limit": 0}),
        "INVALID_PAGINATION",
    );
    server.fail(
        "crontab.revisions",
        json!({"user": "no-such-user-x"}),
        "USER_NOT_FOUND",
    );
}

#[test]
fn the_journal_is_private_and_bounded() {
    let mut server = Server::spool_with(&["--revisions-keep", "3"]);
    for n in 0..5 {
        let text = format!("@daily echo {n}\n");
        server.call("crontab.put", json!({"user": "root", "content": text}));
    }
    let list = revisions(&mut server, json!({"user": "root"}));
    let numbers: Vec<u64> = list
        .iter()
        .map(|r| r["revision"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [6, 5, 4]);
    let journal = server.spool_dir().join(".revisions/root");
    let mut files: Vec<String> = std::fs::read_dir(&journal)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "000004.crontab",
            "000005.crontab",
            "000006.crontab",
            "index.ndjson",
            "owner"
        ]
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&journal), 0o700);
    assert_eq!(mode(&journal.join("000006.crontab")), 0o600);
    assert_eq!(
        std::fs::read_to_string(journal.join("000006.crontab")).unwrap(),
        "@daily echo 4\n"
    );
}

#[test]
fn an_mcp_client_name_is_kept_beside_the_author_never_as_it() {
    let mut server = Server::spool();
    let init = json!({"protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "external", "version": "0"}});
    server.send_line(
        &json!({"jsonrpc": "2.0", "id": 100, "method": "initialize", "params": init}).to_string(),
    );
    assert!(server.read_value().get("result").is_some());
    server.send_line(
        &json!({"jsonrpc": "2.0", "id": 101, "method": "tools/call", "params": {
            "name": "entries_create",
            "arguments": {"user": "root", "schedule": "@daily", "command": "true"}}})
        .to_string(),
    );
    let response = server.read_value();
    assert_eq!(response["result"]["isError"], false, "{response}");
    let list = revisions(&mut server, json!({"user": "root"}));
    assert_eq!(
        list[0]["by"], "root",
        "the peer's user, not what the client calls itself"
    );
    assert_eq!(list[0]["client"], "external");
}
