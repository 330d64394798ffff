//! Raw crontabs: get, put with etags and dry runs, and list.

use crate::harness::{Server, MIXED_CRONTAB};
use serde_json::json;

#[test]
fn get_of_a_user_without_a_crontab_is_empty() {
    let mut server = Server::spool();
    let got = server.call("crontab.get", json!({"user": "root"}));
    assert_eq!(got["user"], "root");
    assert_eq!(got["content"], "");
    assert!(got["etag"].as_str().is_some_and(|e| !e.is_empty()));
}

#[test]
fn put_then_get_round_trips_and_the_etag_follows_the_content() {
    let mut server = Server::spool();
    let empty = server.call("crontab.get", json!({"user": "root"}))["etag"].clone();
    let put = server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB, "if_match": empty}),
    );
    assert_eq!(put["written"], true);
    assert_eq!(
        put["managed"],
        json!({"added": [], "kept": [], "removed": []})
    );
    let got = server.call("crontab.get", json!({"user": "root"}));
    assert_eq!(got["content"], MIXED_CRONTAB);
    assert_eq!(got["etag"], put["etag"]);
    assert_ne!(got["etag"], empty);
    let error = server.fail(
        "crontab.put",
        json!({"user": "root", "content": "", "if_match": empty}),
        "CONFLICT",
    );
    assert_eq!(error["code"], -32003);
    assert_eq!(
        server.call("crontab.get", json!({"user": "root"}))["content"],
        MIXED_CRONTAB
    );
}

#[test]
fn put_reports_managed_entries_added_kept_and_removed() {
    let mut server = Server::spool();
    let a = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo a"}),
    );
    let b = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo b"}),
    );
    let content = server.call("crontab.get", json!({"user": "root"}))["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines: Vec<&str> = content.lines().collect();
    // Keep b, drop a, and add a copy of b's marker with a new id.
    let new_id = uuid::Uuid::new_v4().to_string();
    // (its job line names the new id too: a marker claims only its own job line).
    let added_marker = lines[2].replace(b["id"].as_str().unwrap(), &new_id);
    let added_line = lines[3].replace(b["id"].as_str().unwrap(), &new_id);
    let new_content = format!(
        "{}\n{}\n{}\n{}\n",
        lines[2], lines[3], added_marker, added_line
    );
    let dry = server.call(
        "crontab.put",
        json!({"user": "root", "content": new_content, "dry_run": true}),
    );
    assert_eq!(dry["written"], false);
    assert_eq!(dry["managed"]["added"], json!([new_id]));
    assert_eq!(dry["managed"]["kept"], json!([b["id"]]));
    assert_eq!(dry["managed"]["removed"], json!([a["id"]]));
    assert_eq!(
        server.call("crontab.get", json!({"user": "root"}))["content"],
        content,
        "dry runs write nothing"
    );
    let put = server.call(
        "crontab.put",
        json!({"user": "root", "content": new_content}),
    );
    assert_eq!(put["managed"], dry["managed"]);
    assert_eq!(
        server.call("entries.list", json!({"user": "root", "type": "managed"}))["total"],
        2
    );
}

#[test]
fn put_refuses_what_cron_refuses_with_every_bad_line() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    let content = "# ok\n61 * * * * echo a\n* * * * * echo fine\n* * * * mon-fry echo b\n";
    let error = server.fail(
        "crontab.put",
        json!({"user": "root", "content": content}),
        "INVALID_CRONTAB",
    );
    let errors = error["data"]["errors"].as_array().unwrap();
    let lines: Vec<i64> = errors.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![2, 4]);
    assert_eq!(errors[0]["text"], "61 * * * * echo a");
    assert!(errors[0]["reason"].is_string());
    assert_eq!(
        server.call("crontab.get", json!({"user": "root"}))["content"],
        MIXED_CRONTAB
    );
}

#[test]
fn list_counts_managed_and_raw_jobs() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo a"}),
    );
    server.call(
        "crontab.put",
        json!({"user": "nobody", "content": "# nothing\n"}),
    );
    let list = server.call("crontab.list", json!({}));
    let tabs = list["crontabs"].as_array().unwrap();
    assert_eq!(tabs.len(), 2);
    let root = tabs.iter().find(|t| t["user"] == "root").unwrap();
    assert_eq!(root["managed"], 1);
    assert_eq!(root["raw"], 3);
    assert!(root["bytes"].as_u64().unwrap() > MIXED_CRONTAB.len() as u64);
    assert!(root["modified_at"].is_string());
    let nobody = tabs.iter().find(|t| t["user"] == "nobody").unwrap();
    assert_eq!(nobody["managed"], 0);
    assert_eq!(nobody["raw"], 0);
}
