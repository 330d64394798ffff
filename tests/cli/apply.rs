//! `entries.apply` over stdio on the spool backend: every list, idempotence, prune, dry-run,
//! all-or-nothing refusal and if_match, and that lines it does not own survive byte for byte.

use crate::harness::Server;
use serde_json::{json, Value};

fn file(server: &Server) -> String {
    std::fs::read_to_string(server.spool_dir().join("root")).unwrap_or_default()
}

fn apply(server: &mut Server, entries: Value, extra: Value) -> Value {
    let mut params = json!({"user": "root", "entries": entries});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    server.call("entries.apply", params)
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect()
}

const OTHERS: &str = "# my own notes\nMAILTO=ops@example.com\n*/5 * * * * /usr/bin/raw-job\n";

fn set() -> Value {
    json!([
        {"name": "backup", "schedule": "0 2 * * *", "command": "/usr/local/bin/backup.sh"},
        {"name": "report", "schedule": "@daily", "command": "report --all", "comment": "daily"},
    ])
}

#[test]
fn apply_adds_then_keeps_and_the_second_apply_writes_nothing() {
    let mut server = Server::spool();
    std::fs::write(server.spool_dir().join("root"), OTHERS).unwrap();
    let unnamed = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@hourly", "command": "unnamed"}),
    );
    let first = apply(&mut server, set(), json!({}));
    assert_eq!(names(&first["added"]), ["backup", "report"]);
    assert_eq!(first["updated"], json!([]));
    assert_eq!(first["kept"], json!([]));
    assert_eq!(first["removed"], json!([]));
    assert_eq!(first["changed"], true);
    assert_eq!(first["written"], true);
    assert_eq!(first["user"], "root");
    let content = file(&server);
    assert!(content.starts_with(OTHERS), "{content}");
    assert_eq!(
        first["etag"],
        server.call("crontab.get", json!({"user": "root"}))["etag"]
    );

    let second = apply(&mut server, set(), json!({"prune": true}));
    assert_eq!(second["changed"], false, "{second}");
    assert_eq!(second["written"], false);
    assert_eq!(second["etag"], first["etag"]);
    assert_eq!(second["kept"], first["added"], "same ids, same order");
    assert_eq!(second["added"], json!([]));
    assert_eq!(
        second["removed"],
        json!([]),
        "unnamed entries are never pruned"
    );
    assert_eq!(file(&server), content, "nothing written");
    let listed = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(listed["total"], 4);
    assert_eq!(listed["entries"][1]["id"], unnamed["id"]);
}

#[test]
fn an_update_keeps_id_and_position_and_prune_removes_only_named_entries() {
    let mut server = Server::spool();
    let first = apply(&mut server, set(), json!({}));
    let tail = "# a comment below\n0 0 * * 0 /usr/bin/weekly\n";
    let mut content = file(&server);
    content.push_str(tail);
    std::fs::write(server.spool_dir().join("root"), &content).unwrap();
    let changed = json!([
        {"name": "backup", "schedule": "30 3 * * *", "command": "/usr/local/bin/backup.sh", "enabled": false},
        {"name": "fresh", "schedule": "@weekly", "command": "fresh"},
    ]);
    let dry = apply(
        &mut server,
        changed.clone(),
        json!({"prune": true, "dry_run": true}),
    );
    assert_eq!(dry["written"], false);
    assert_eq!(dry["changed"], true);
    assert_eq!(file(&server), content, "a dry run writes nothing");
    let result = apply(&mut server, changed, json!({"prune": true}));
    for key in ["added", "updated", "kept", "removed"] {
        assert_eq!(names(&dry[key]), names(&result[key]), "{key}");
    }
    assert_eq!(result["updated"], json!([first["added"][0]]));
    assert_eq!(result["removed"], json!([first["added"][1]]));
    assert_eq!(names(&result["added"]), ["fresh"]);
    assert_eq!(result["kept"], json!([]));
    let after = file(&server);
    assert!(after.contains(tail), "other lines stay: {after}");
    let listed = server.call("entries.list", json!({"user": "root"}));
    let items = listed["entries"].as_array().unwrap();
    assert_eq!(items[0]["id"], first["added"][0]["id"], "same position");
    assert_eq!(items[0]["schedule"], "30 3 * * *");
    assert_eq!(items[0]["enabled"], false);
    assert_eq!(items[1]["type"], "raw");
    assert_eq!(items[2]["name"], "fresh", "new names go at the end");
}

#[test]
fn bad_specs_are_all_reported_and_nothing_is_written() {
    let mut server = Server::spool();
    apply(&mut server, set(), json!({}));
    let before = file(&server);
    let error = server.fail(
        "entries.apply",
        json!({"user": "root", "prune": true, "entries": [
            {"name": "ok", "schedule": "@daily", "command": "fine"},
            {"name": "bad schedule", "schedule": "61 * * * *", "command": "x"},
            {"schedule": "@daily", "command": "no name"},
            {"name": "ok", "schedule": "@daily", "command": "twice"},
            {"name": "typo", "schedule": "@daily", "command": "x", "comand": "y"},
            {"name": "type", "schedule": "@daily", "command": "x", "enabled": "yes"},
        ]}),
        "INVALID_ENTRIES",
    );
    assert_eq!(error["code"], -32602);
    assert_eq!(error["message"], "Invalid entries");
    let errors = error["data"]["errors"].as_array().unwrap();
    let summary: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().unwrap(),
                e["code"].as_str().unwrap(),
                e["field"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "INVALID_SCHEDULE", "schedule"),
            (2, "INVALID_NAME", "name"),
            (3, "INVALID_NAME", "name"),
            (4, "INVALID_PARAMS", "comand"),
            (5, "INVALID_PARAMS", "enabled"),
        ]
    );
    assert_eq!(errors[1]["name"], Value::Null);
    assert_eq!(errors[0]["name"], "bad schedule");
    assert!(errors.iter().all(|e| e["detail"].is_string()));
    assert_eq!(file(&server), before, "all or nothing");
}

#[test]
fn two_existing_entries_sharing_a_name_refuse_that_name() {
    let mut server = Server::spool();
    for command in ["one", "two"] {
        server.call(
            "entries.create",
            json!({"user": "root", "schedule": "@daily", "command": command, "name": "dup"}),
        );
    }
    let before = file(&server);
    let error = server.fail(
        "entries.apply",
        json!({"user": "root", "entries": [
            {"name": "new", "schedule": "@daily", "command": "x"},
            {"name": "dup", "schedule": "@daily", "command": "one"},
        ]}),
        "INVALID_ENTRIES",
    );
    let errors = error["data"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{error}");
    assert_eq!(errors[0]["index"], 1);
    assert_eq!(errors[0]["name"], "dup");
    assert_eq!(file(&server), before);
}

#[test]
fn if_match_guards_the_apply_and_the_dry_run() {
    let mut server = Server::spool();
    let first = apply(&mut server, set(), json!({}));
    let before = file(&server);
    let spec = json!([{"name": "backup", "schedule": "@hourly", "command": "b"}]);
    for dry_run in [true, false] {
        server.fail(
            "entries.apply",
            json!({"user": "root", "entries": spec, "if_match": "0123", "dry_run": dry_run}),
            "CONFLICT",
        );
    }
    assert_eq!(file(&server), before);
    let ok = apply(&mut server, spec, json!({"if_match": first["etag"]}));
    assert_eq!(names(&ok["updated"]), ["backup"]);
    assert_ne!(ok["etag"], first["etag"]);
}

#[test]
fn an_empty_set_with_prune_removes_every_named_entry_only() {
    let mut server = Server::spool();
    let unnamed = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@hourly", "command": "unnamed"}),
    );
    apply(&mut server, set(), json!({}));
    let result = apply(&mut server, json!([]), json!({"prune": true}));
    assert_eq!(names(&result["removed"]), ["backup", "report"]);
    let listed = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["entries"][0]["id"], unnamed["id"]);
}

#[test]
fn a_flood_of_bad_specs_gets_a_bounded_answer() {
    let mut server = Server::spool();
    let specs: Vec<Value> = (0..5000)
        .map(|i| json!({"name": format!("n{i}"), "schedule": "x", "command": "y"}))
        .collect();
    let response = server.request("entries.apply", json!({"user": "root", "entries": specs}));
    let error = &response["error"];
    assert_eq!(error["data"]["code"], "INVALID_ENTRIES");
    assert_eq!(error["data"]["errors"].as_array().unwrap().len(), 1000);
    assert!(error["data"]["detail"]
        .as_str()
        .unwrap()
        .starts_with("5000 entries"));
    assert!(response.to_string().len() < 1024 * 1024, "bounded");
}

#[test]
fn entries_must_be_a_list() {
    let mut server = Server::spool();
    let error = server.fail(
        "entries.apply",
        json!({"user": "root", "entries": {"name": "x"}}),
        "INVALID_PARAMS",
    );
    assert_eq!(error["data"]["field"], "entries");
}

#[test]
fn policies_are_part_of_the_spec_kept_updated_and_refused_like_create() {
    let mut server = Server::spool();
    let spec = |timeout: u64| {
        json!([{"name": "p", "schedule": "0 9 * * *", "command": "true",
                "timezone": "America/New_York", "timeout_ms": timeout,
                "concurrency": "forbid", "catch_up": "latest",
                "notify": {"on_success": true, "mail": false}}])
    };
    let first = apply(&mut server, spec(5000), json!({}));
    assert_eq!(names(&first["added"]), ["p"]);
    let entry = server.call(
        "entries.get",
        json!({"user": "root", "id": first["added"][0]["id"]}),
    );
    assert_eq!(entry["timezone"], "America/New_York");
    assert_eq!(entry["timeout_ms"], 5000);
    assert_eq!(entry["concurrency"], "forbid");
    assert_eq!(entry["catch_up"], "latest");
    let again = apply(&mut server, spec(5000), json!({}));
    assert_eq!(again["changed"], false, "{again}");
    assert_eq!(again["etag"], first["etag"]);
    let changed = apply(&mut server, spec(6000), json!({}));
    assert_eq!(names(&changed["updated"]), ["p"]);
    let bare = apply(
        &mut server,
        json!([{"name": "p", "schedule": "0 9 * * *", "command": "true"}]),
        json!({}),
    );
    assert_eq!(
        names(&bare["updated"]),
        ["p"],
        "leaving a policy out resets it"
    );
    let error = server.fail(
        "entries.apply",
        json!({"user": "root", "entries": [
            {"name": "a", "schedule": "@daily", "command": "x", "timezone": "Mars/Olympus"},
            {"name": "b", "schedule": "@daily", "command": "x", "timeout_ms": 5},
        ]}),
        "INVALID_ENTRIES",
    );
    let codes: Vec<&str> = error["data"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["INVALID_TIMEZONE", "INVALID_POLICY"]);
}
