//! Warnings on what cron accepts but likely surprises, in entries, schedules and crontabs.

use crate::harness::Server;
use serde_json::{json, Value};

fn codes(result: &Value) -> Vec<(String, Option<u64>)> {
    result["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings array: {result}"))
        .iter()
        .map(|w| (w["code"].as_str().unwrap().to_owned(), w["line"].as_u64()))
        .collect()
}

fn pair(code: &str, line: u64) -> (String, Option<u64>) {
    (code.to_owned(), Some(line))
}

#[test]
fn a_crontab_reports_each_surprise_by_line() {
    let mut server = Server::spool();
    let created = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "true"}),
    );
    let managed = server.call("crontab.get", json!({"user": "root"}))["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(codes(&created).is_empty());
    let marker = managed.lines().next().unwrap();
    let content = format!(
        "CRON_TZ=Europe/Berlin\n0 0 1 * 1 both-days\n*/90 * * * * hourly\n* * * * * date +%F\n\
         {managed}{marker}\n\n{managed}"
    );
    let put = server.call("crontab.put", json!({"user": "root", "content": content}));
    let want = vec![
        pair("CRON_TZ_IGNORED", 1),
        pair("DOM_DOW_OR", 2),
        pair("STEP_TOO_LARGE", 3),
        pair("UNESCAPED_PERCENT", 4),
        pair("MARKER_ORPHANED", 7),
        pair("DUPLICATE_ID", 9),
    ];
    assert_eq!(codes(&put), want, "{put}");
    let got = server.call("crontab.get", json!({"user": "root"}));
    assert_eq!(codes(&got), want);
    let dry = server.call(
        "crontab.put",
        json!({"user": "root", "content": "@daily fine\n", "dry_run": true}),
    );
    assert!(codes(&dry).is_empty());
}

#[test]
fn entries_and_schedules_carry_their_schedule_warnings() {
    let mut server = Server::spool();
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "0 0 1 * 1", "command": "true"}),
    );
    assert_eq!(codes(&entry), [("DOM_DOW_OR".to_owned(), None)]);
    let listed = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(codes(&listed["entries"][0]), codes(&entry));
    let described = server.call("schedule.describe", json!({"schedule": "*/90 * * * *"}));
    assert_eq!(codes(&described), [("STEP_TOO_LARGE".to_owned(), None)]);
    let message = described["warnings"][0]["message"].as_str().unwrap();
    assert!(message.contains("once an hour"), "{message}");
    let plain = server.call("schedule.describe", json!({"schedule": "0 0 */2 * 1"}));
    assert!(
        codes(&plain).is_empty(),
        "a star-led day field is not an OR"
    );
}
