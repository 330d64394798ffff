//! Managed entries on the spool backend: every field, every error row, and that nothing else in
//! the crontab moves.

use crate::harness::{Server, MIXED_CRONTAB};
use serde_json::{json, Value};

fn file(server: &Server, user: &str) -> String {
    std::fs::read_to_string(server.spool_dir().join(user)).unwrap_or_default()
}

fn create(server: &mut Server, params: Value) -> Value {
    let mut params = params;
    params["user"] = json!("root");
    server.call("entries.create", params)
}

fn future(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[test]
fn create_get_update_delete() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "0 2 * * *", "command": "/usr/local/bin/backup.sh", "name": "Daily backup", "comment": "Runs the daily backup script"}),
    );
    let id = entry["id"].as_str().unwrap().to_owned();
    assert_eq!(
        uuid::Uuid::parse_str(&id).unwrap().hyphenated().to_string(),
        id,
        "lowercase hyphenated"
    );
    assert_eq!(entry["user"], "root");
    assert_eq!(entry["name"], "Daily backup");
    assert_eq!(entry["comment"], "Runs the daily backup script");
    assert_eq!(entry["schedule"], "0 2 * * *");
    assert_eq!(entry["schedule_human"], "At 02:00 AM, every day");
    assert_eq!(entry["command"], "/usr/local/bin/backup.sh");
    assert_eq!(entry["enabled"], true);
    assert_eq!(entry["expired"], false);
    assert_eq!(entry["expires_at"], Value::Null);
    assert_eq!(entry["last_run"], Value::Null);
    let next = server.call(
        "schedule.describe",
        json!({"schedule": "0 2 * * *", "count": 1}),
    );
    assert_eq!(entry["next_run"], next["next_runs"][0], "cron's next 02:00");
    assert_eq!(entry["created_at"], entry["updated_at"]);

    assert_eq!(
        server.call("entries.get", json!({"user": "root", "id": id})),
        entry
    );
    let on_disk = file(&server, "root");
    let job = on_disk.lines().last().unwrap();
    assert!(
        job.starts_with("0 2 * * * /")
            && job.ends_with(&format!(
                " exec --entry {id} --history-dir {}/.history -- '/usr/local/bin/backup.sh'",
                server.spool_dir().display()
            )),
        "the job line goes through the run recorder: {on_disk}"
    );
    assert!(on_disk.contains(&id));

    let updated = server.call(
        "entries.update",
        json!({"user": "root", "id": id, "enabled": false, "name": null}),
    );
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["name"], Value::Null);
    assert_eq!(
        updated["comment"], "Runs the daily backup script",
        "omitted fields stay"
    );
    assert_eq!(
        updated["next_run"],
        Value::Null,
        "disabled entries do not run"
    );
    let on_disk = file(&server, "root");
    assert!(
        on_disk.contains("\n#cronrpc:off# 0 2 * * * /")
            && on_disk.ends_with(" -- '/usr/local/bin/backup.sh'\n"),
        "{on_disk}"
    );

    let updated = server.call(
        "entries.update",
        json!({"user": "root", "id": id, "enabled": true, "schedule": "*/5 * * * *"}),
    );
    assert_eq!(updated["schedule"], "*/5 * * * *");
    assert!(updated["next_run"].is_string());

    assert_eq!(
        server.call("entries.delete", json!({"user": "root", "id": id})),
        json!({"deleted": true})
    );
    server.fail(
        "entries.get",
        json!({"user": "root", "id": id}),
        "ENTRY_NOT_FOUND",
    );
    server.fail(
        "entries.delete",
        json!({"user": "root", "id": id}),
        "ENTRY_NOT_FOUND",
    );
    assert_eq!(file(&server, "root"), "");
}

#[test]
fn percent_and_backslash_reach_the_shell_as_given() {
    let mut server = Server::spool();
    let command = r"date +%Y-%m-%d > /tmp/x; printf '\%s\\n' a";
    let entry = create(
        &mut server,
        json!({"schedule": "@daily", "command": command}),
    );
    assert_eq!(entry["command"], command);
    assert!(file(&server, "root").contains(r"date +\%Y-\%m-\%d"));
    let got = server.call("entries.get", json!({"user": "root", "id": entry["id"]}));
    assert_eq!(got["command"], command);
}

#[test]
fn other_lines_survive_byte_for_byte() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    let a = create(
        &mut server,
        json!({"schedule": "0 1 * * *", "command": "echo a"}),
    );
    let b = create(
        &mut server,
        json!({"schedule": "0 2 * * *", "command": "echo b"}),
    );
    server.call(
        "entries.update",
        json!({"user": "root", "id": a["id"], "command": "echo A", "comment": "changed"}),
    );
    server.call("entries.delete", json!({"user": "root", "id": a["id"]}));
    server.call("entries.delete", json!({"user": "root", "id": b["id"]}));
    assert_eq!(file(&server, "root"), MIXED_CRONTAB);
}

#[test]
fn list_shows_managed_and_raw_in_crontab_order_with_filters_and_pages() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    let managed = create(
        &mut server,
        json!({"schedule": "@hourly", "command": "echo m", "enabled": false}),
    );
    let list = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(list["user"], "root");
    assert_eq!(list["page"], 1);
    assert_eq!(list["limit"], 50);
    assert_eq!(list["total"], 4);
    let items = list["entries"].as_array().unwrap();
    assert_eq!(
        items[0],
        json!({"type": "raw", "line": "*/15 * * * * /usr/local/bin/health  # raw job"})
    );
    assert_eq!(items[1]["line"], "@reboot /usr/bin/startup");
    assert_eq!(items[2]["type"], "raw");
    assert_eq!(items[3]["type"], "managed");
    assert_eq!(items[3]["id"], managed["id"]);

    let only_managed = server.call("entries.list", json!({"user": "root", "type": "managed"}));
    assert_eq!(only_managed["total"], 1);
    let enabled = server.call("entries.list", json!({"user": "root", "enabled": true}));
    assert_eq!(enabled["total"], 3, "raw lines count as enabled");
    let page = server.call(
        "entries.list",
        json!({"user": "root", "page": 2, "limit": 3}),
    );
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    assert_eq!(page["total"], 4);
    let beyond = server.call("entries.list", json!({"user": "root", "page": 9}));
    assert_eq!(beyond["entries"], json!([]));
}

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

#[test]
fn expired_entries_never_fire_and_are_swept() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "* * * * *", "command": "echo soon", "expires_at": future(2)}),
    );
    let line = file(&server, "root");
    assert!(
        line.contains("-lt ")
            && line.contains("|| exit 0; /")
            && line.ends_with("-- 'echo soon'\n"),
        "the written line carries a guard: {line}"
    );
    assert_eq!(entry["expired"], false);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let got = server.call("entries.get", json!({"user": "root", "id": entry["id"]}));
    assert_eq!(got["expired"], true);
    assert_eq!(got["next_run"], Value::Null);
    let dry = server.call("entries.sweep", json!({"user": "root", "dry_run": true}));
    assert_eq!(dry["removed"][0]["id"], entry["id"]);
    assert!(
        file(&server, "root").contains("echo soon"),
        "a dry run writes nothing"
    );
    let swept = server.call("entries.sweep", json!({}));
    assert_eq!(swept["removed"][0]["id"], entry["id"]);
    assert_eq!(swept["removed"][0]["user"], "root");
    assert_eq!(file(&server, "root"), "");
}

#[test]
fn any_write_sweeps_expired_entries() {
    let mut server = Server::spool();
    let old = create(
        &mut server,
        json!({"schedule": "* * * * *", "command": "echo old", "expires_at": future(1)}),
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    create(
        &mut server,
        json!({"schedule": "* * * * *", "command": "echo new"}),
    );
    server.fail(
        "entries.get",
        json!({"user": "root", "id": old["id"]}),
        "ENTRY_NOT_FOUND",
    );
    assert!(!file(&server, "root").contains("echo old"));
}

#[test]
fn expiry_can_be_set_and_cleared() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "0 0 1 1 *", "command": "echo y"}),
    );
    let at = future(3600);
    let set = server.call(
        "entries.update",
        json!({"user": "root", "id": entry["id"], "expires_at": at}),
    );
    assert_eq!(set["expires_at"], at);
    assert_eq!(
        set["next_run"],
        Value::Null,
        "the next run is after the expiry"
    );
    let cleared = server.call(
        "entries.update",
        json!({"user": "root", "id": entry["id"], "expires_at": null}),
    );
    assert_eq!(cleared["expires_at"], Value::Null);
    assert!(cleared["next_run"].is_string());
    assert!(!file(&server, "root").contains("exit 0;"));
}

#[test]
fn a_hand_edited_job_line_shows_the_edit() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "0 2 * * *", "command": "echo before"}),
    );
    let path = server.spool_dir().join("root");
    // Schedule and command edited in place; the line still runs through its recorder entry.
    let before = std::fs::read_to_string(&path).unwrap();
    let edited = before
        .replace("0 2 * * * ", "30 6 * * 1 ")
        .replace("'echo before'", "'echo after'");
    assert_ne!(edited, before);
    std::fs::write(&path, edited).unwrap();
    let got = server.call("entries.get", json!({"user": "root", "id": entry["id"]}));
    assert_eq!(got["schedule"], "30 6 * * 1");
    assert_eq!(got["command"], "echo after");
    assert_eq!(got["name"], entry["name"]);
}

#[test]
fn a_marker_without_its_job_line_is_left_as_a_comment() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "0 2 * * *", "command": "echo gone"}),
    );
    let path = server.spool_dir().join("root");
    let marker_only: String = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .take(1)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, &marker_only).unwrap();
    server.fail(
        "entries.get",
        json!({"user": "root", "id": entry["id"]}),
        "ENTRY_NOT_FOUND",
    );
    assert_eq!(
        server.call("entries.list", json!({"user": "root"}))["total"],
        0
    );
    create(
        &mut server,
        json!({"schedule": "0 3 * * *", "command": "echo new"}),
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with(&marker_only),
        "the orphan marker is kept"
    );
}
