//! Managed entries on the spool backend: every field, and that nothing else in the crontab
//! moves. Refused input is in `entry_errors`, expiry in `expiry`.

use crate::harness::{Server, MIXED_CRONTAB};
use serde_json::{json, Value};

pub(crate) fn file(server: &Server, user: &str) -> String {
    std::fs::read_to_string(server.spool_dir().join(user)).unwrap_or_default()
}

pub(crate) fn create(server: &mut Server, params: Value) -> Value {
    let mut params = params;
    params["user"] = json!("root");
    server.call("entries.create", params)
}

pub(crate) fn future(secs: i64) -> String {
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
