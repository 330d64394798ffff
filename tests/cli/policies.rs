//! Job policies (contract: "Job policies"): the fields through create, update, get, put,
//! restore, adopt and apply, and their checks. The time-zone gate is in `tz_gate.rs`.

use crate::harness::Server;
use serde_json::{json, Value};

pub fn file(server: &Server) -> String {
    std::fs::read_to_string(server.spool_dir().join("root")).unwrap_or_default()
}

pub fn job_line(server: &Server, id: &str) -> String {
    let content = file(server);
    let mut lines = content.lines();
    lines
        .find(|l| l.starts_with("# cronrpc:v1 ") && l.contains(id))
        .unwrap_or_else(|| panic!("no marker for {id} in {content}"));
    lines.next().unwrap().to_owned()
}

const ALL: &str = r#"{"timezone": "America/New_York", "timeout_ms": 60000, "concurrency": "forbid",
    "catch_up": "latest", "notify": {"on_success": true, "webhook": "https://hooks.example/x"}}"#;

fn all() -> Value {
    serde_json::from_str(ALL).unwrap()
}

pub fn create(server: &mut Server, extra: Value) -> Value {
    let mut params = json!({"user": "root", "schedule": "0 9 * * *", "command": "echo hi"});
    params
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    server.call("entries.create", params)
}

#[test]
fn policies_are_stored_returned_and_written_into_the_line() {
    let mut server = Server::spool();
    let plain = create(&mut server, json!({}));
    assert_eq!(plain["timezone"], Value::Null);
    assert_eq!(plain["timeout_ms"], Value::Null);
    assert_eq!(plain["concurrency"], "allow");
    assert_eq!(plain["catch_up"], "none");
    assert_eq!(plain["notify"], Value::Null);
    assert_eq!(plain["schedule_human"], "At 09:00 AM, every day");

    let entry = create(&mut server, all());
    let id = entry["id"].as_str().unwrap().to_owned();
    assert_eq!(entry["schedule"], "0 9 * * *");
    assert_eq!(
        entry["schedule_human"],
        "At 09:00 AM, every day (America/New_York)"
    );
    assert_eq!(entry["timezone"], "America/New_York");
    assert_eq!(entry["timeout_ms"], 60000);
    assert_eq!(entry["concurrency"], "forbid");
    assert_eq!(entry["catch_up"], "latest");
    assert_eq!(
        entry["notify"],
        json!({"on_failure": true, "on_success": true, "mail": true,
               "webhook": "https://hooks.example/x", "ping_url": null})
    );
    // 09:00 in New York is 13:00Z (EDT) or 14:00Z (EST).
    let next = entry["next_run"].as_str().unwrap();
    assert!(
        next.ends_with("T13:00:00Z") || next.ends_with("T14:00:00Z"),
        "{next}"
    );
    let line = job_line(&server, &id);
    // Catch-up runs the recorder every minute (see catch_up.rs); the gate picks the fires.
    assert!(line.starts_with("* * * * * /"), "{line}");
    assert!(
        line.contains(&format!(
            " exec --entry {id} --history-dir {} --tz America/New_York --at '0 9 * * *' \
             --timeout 60000 --forbid-overlap --catch-up {} --notify failure,success,mail \
             --webhook https://hooks.example/x -- 'echo hi'",
            server.spool_dir().join(".history").display(),
            entry["created_at"].as_str().unwrap(),
        )),
        "{line}"
    );
    assert_eq!(
        server.call("entries.get", json!({"user": "root", "id": id})),
        entry
    );

    // Omitted keeps, null resets.
    let updated = server.call(
        "entries.update",
        json!({"user": "root", "id": id, "timeout_ms": null, "concurrency": null, "name": "n"}),
    );
    assert_eq!(updated["timeout_ms"], Value::Null);
    assert_eq!(updated["concurrency"], "allow");
    assert_eq!(updated["timezone"], "America/New_York");
    assert_eq!(updated["catch_up"], "latest");
    assert_eq!(updated["notify"], entry["notify"]);
    let line = job_line(&server, &id);
    assert!(
        !line.contains("--timeout") && !line.contains("--forbid-overlap"),
        "{line}"
    );
    assert!(line.contains("--catch-up"), "{line}");
    // Without catch-up the line is the zone's cover; a new schedule gets a new cover and --at.
    let updated = server.call(
        "entries.update",
        json!({"user": "root", "id": id, "catch_up": null}),
    );
    assert_eq!(updated["catch_up"], "none");
    let line = job_line(&server, &id);
    assert!(
        line.starts_with("*/15 * * * * /") && !line.contains("--catch-up"),
        "{line}"
    );
    let updated = server.call(
        "entries.update",
        json!({"user": "root", "id": id, "schedule": "7 3 * * 1"}),
    );
    assert_eq!(updated["schedule"], "7 3 * * 1");
    let line = job_line(&server, &id);
    assert!(
        line.starts_with("0,7,15,22,30,37,45,52 * * * * /"),
        "{line}"
    );
    assert!(line.contains("--at '7 3 * * 1'"), "{line}");
    // Clearing the zone puts the entry's own schedule back into the line.
    let updated = server.call(
        "entries.update",
        json!({"user": "root", "id": id, "timezone": null}),
    );
    assert_eq!(updated["timezone"], Value::Null);
    assert_eq!(updated["schedule_human"], "At 03:07 AM, only on Monday");
    let line = job_line(&server, &id);
    assert!(
        line.starts_with("7 3 * * 1 /") && !line.contains("--tz"),
        "{line}"
    );
}

#[test]
fn policies_survive_put_restore_and_edits_of_other_lines() {
    let mut server = Server::spool();
    let entry = create(&mut server, all());
    let id = entry["id"].as_str().unwrap().to_owned();
    let get = |server: &mut Server| server.call("entries.get", json!({"user": "root", "id": id}));

    let content = server.call("crontab.get", json!({"user": "root"}))["content"].clone();
    server.call("crontab.put", json!({"user": "root", "content": content}));
    assert_eq!(get(&mut server), entry);

    let edited = format!(
        "MAILTO=ops\n{}*/5 * * * * /bin/true\n",
        content.as_str().unwrap()
    );
    server.call("crontab.put", json!({"user": "root", "content": edited}));
    assert_eq!(get(&mut server), entry);

    let revisions = server.call("crontab.revisions", json!({"user": "root"}))["revisions"].clone();
    server.call(
        "entries.update",
        json!({"user": "root", "id": id, "timezone": "Europe/Berlin", "catch_up": "none"}),
    );
    let before_update = revisions[0]["revision"].clone();
    server.call(
        "crontab.restore",
        json!({"user": "root", "revision": before_update}),
    );
    assert_eq!(get(&mut server), entry);
}

#[test]
fn bad_policies_are_refused_and_write_nothing() {
    let mut server = Server::spool();
    let entry = create(&mut server, json!({}));
    let id = entry["id"].as_str().unwrap().to_owned();
    let before = file(&server);
    for (params, code, field) in [
        (
            json!({"timezone": "Mars/Olympus"}),
            "INVALID_TIMEZONE",
            "timezone",
        ),
        (
            json!({"timezone": "../../etc/passwd"}),
            "INVALID_TIMEZONE",
            "timezone",
        ),
        (json!({"timezone": 5}), "INVALID_TIMEZONE", "timezone"),
        (json!({"timeout_ms": 999}), "INVALID_POLICY", "timeout_ms"),
        (
            json!({"timeout_ms": 86_400_001u64}),
            "INVALID_POLICY",
            "timeout_ms",
        ),
        (
            json!({"timeout_ms": "1 min"}),
            "INVALID_POLICY",
            "timeout_ms",
        ),
        (
            json!({"concurrency": "never"}),
            "INVALID_POLICY",
            "concurrency",
        ),
        (json!({"catch_up": "all"}), "INVALID_POLICY", "catch_up"),
        (
            json!({"notify": {"mail": 1}}),
            "INVALID_POLICY",
            "notify.mail",
        ),
        (json!({"notify": []}), "INVALID_POLICY", "notify"),
    ] {
        let mut create_params = json!({"user": "root", "schedule": "* * * * *", "command": "true"});
        let mut update_params = json!({"user": "root", "id": id});
        for p in [&mut create_params, &mut update_params] {
            p.as_object_mut()
                .unwrap()
                .extend(params.as_object().unwrap().clone());
        }
        for (method, p) in [
            ("entries.create", create_params),
            ("entries.update", update_params),
        ] {
            let error = server.fail(method, p.clone(), code);
            assert_eq!(error["data"]["field"], field, "{method} {p}");
        }
        assert_eq!(file(&server), before, "{params}");
    }
    // The flags count toward cron's line limit.
    let url = format!("https://hooks.example/{}", "a".repeat(900));
    let error = server.fail(
        "entries.create",
        json!({"user": "root", "schedule": "* * * * *", "command": "true", "notify": {"webhook": url}}),
        "INVALID_COMMAND",
    );
    assert!(error["data"]["detail"]
        .as_str()
        .unwrap()
        .contains("policy flags"));
    assert_eq!(file(&server), before);
}

#[test]
fn a_line_whose_marker_was_lost_is_adopted_with_its_policies() {
    let mut server = Server::spool();
    let entry = create(&mut server, all());
    let id = entry["id"].as_str().unwrap().to_owned();
    let line = job_line(&server, &id);
    let content = server.call("crontab.get", json!({"user": "root"}))["content"].clone();
    let without_marker: String = content
        .as_str()
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("# cronrpc:v1 "))
        .map(|l| format!("{l}\n"))
        .collect();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": without_marker}),
    );
    let adopted = server.call("entries.adopt", json!({"user": "root", "line": line}));
    assert_eq!(adopted["id"], id.as_str());
    for field in [
        "schedule",
        "schedule_human",
        "timezone",
        "timeout_ms",
        "concurrency",
        "catch_up",
        "notify",
    ] {
        assert_eq!(adopted[field], entry[field], "{field}");
    }
    assert_eq!(job_line(&server, &id), line, "the line is kept as it was");
}

#[test]
fn describe_reads_a_zone_from_the_host_database() {
    let mut server = Server::spool();
    let described = server.call(
        "schedule.describe",
        json!({"schedule": "30 2 * * *", "from": "2027-03-13T12:00:00Z", "count": 2, "timezone": "America/New_York"}),
    );
    assert_eq!(
        described["next_runs"],
        json!(["2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z"])
    );
    let error = server.fail(
        "schedule.describe",
        json!({"schedule": "@daily", "timezone": "Europe/Atlantis"}),
        "INVALID_TIMEZONE",
    );
    assert_eq!(error["data"]["field"], "timezone");
}

#[test]
fn apply_takes_the_same_policy_fields() {
    let mut server = Server::spool();
    let spec = json!({"name": "report", "schedule": "0 9 * * *", "command": "true",
                      "timezone": "Europe/Berlin", "catch_up": "latest"});
    let apply = |server: &mut Server, spec: &Value| {
        server.call("entries.apply", json!({"user": "root", "entries": [spec]}))
    };
    let first = apply(&mut server, &spec);
    assert_eq!(first["added"].as_array().unwrap().len(), 1, "{first}");
    let again = apply(&mut server, &spec);
    assert_eq!(again["changed"], false, "{again}");
    let list = server.call("entries.list", json!({"user": "root"}));
    let entry = &list["entries"][0];
    assert_eq!(entry["timezone"], "Europe/Berlin");
    assert_eq!(entry["catch_up"], "latest");
    let mut other = spec.clone();
    other["timezone"] = json!("Asia/Tokyo");
    let changed = apply(&mut server, &other);
    assert_eq!(changed["updated"].as_array().unwrap().len(), 1, "{changed}");
    let mut bad = spec.clone();
    bad["timeout_ms"] = json!(5);
    let response = server.request("entries.apply", json!({"user": "root", "entries": [bad]}));
    assert_eq!(
        response["error"]["data"]["code"], "INVALID_ENTRIES",
        "{response}"
    );
}

#[test]
fn a_hostile_timezone_in_a_hand_written_marker_reads_nothing_outside_the_tz_database() {
    let mut server = Server::spool();
    let entry = create(&mut server, json!({"timezone": "Europe/Berlin"}));
    let content = server.call("crontab.get", json!({"user": "root"}))["content"]
        .as_str()
        .unwrap()
        .to_owned();
    for hostile in [
        "../../../../dev/zero".to_owned(),
        "/dev/zero".to_owned(),
        "Europe/../../../../proc/self/mem".to_owned(),
        format!("Europe/{}", "x".repeat(100_000)),
    ] {
        let edited = content.replace(
            r#""timezone":"Europe/Berlin""#,
            &format!(r#""timezone":{}"#, json!(hostile)),
        );
        server.call("crontab.put", json!({"user": "root", "content": edited}));
        // The read answers (falling back to cron's zone), and says what the marker says.
        let got = server.call("entries.get", json!({"user": "root", "id": entry["id"]}));
        assert_eq!(got["timezone"], hostile.as_str());
        assert!(got["next_run"].is_string(), "{got}");
    }
}
