//! Markers that lost or gained job lines by hand: a marker claims only the job line right
//! below it that is its own, and anything else stays the user's, raw.

use serde_json::json;

fn spool_file(server: &crate::harness::Server) -> std::path::PathBuf {
    server.spool_dir().join("root")
}

#[test]
fn a_marker_claims_only_its_own_job_line() {
    let mut server = crate::harness::Server::spool();
    let expiring = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo theirs", "expires_at": expiring}),
    );
    let id = entry["id"].as_str().unwrap();
    let written = std::fs::read_to_string(spool_file(&server)).unwrap();
    let marker = written.lines().next().unwrap();
    // The job line deleted by hand, the user's own job added below the marker.
    let mine = "5 5 * * * /usr/local/bin/my-own-job";
    std::fs::write(spool_file(&server), format!("{marker}\n{mine}\n")).unwrap();
    let list = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(
        list["entries"],
        json!([{"type": "raw", "line": mine}]),
        "{list}"
    );
    let got = server.call("crontab.get", json!({"user": "root"}));
    let codes: Vec<&str> = got["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"MARKER_ORPHANED"), "{got}");
    server.fail(
        "entries.delete",
        json!({"user": "root", "id": id}),
        "ENTRY_NOT_FOUND",
    );
    server.call("entries.sweep", json!({}));
    let after = std::fs::read_to_string(spool_file(&server)).unwrap();
    assert!(after.contains(mine), "the user's job stays: {after}");
}

#[test]
fn a_copied_entry_is_not_the_entry_and_survives_retried_deletes() {
    let mut server = crate::harness::Server::spool();
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo copied"}),
    );
    let id = entry["id"].as_str().unwrap();
    let written = std::fs::read_to_string(spool_file(&server)).unwrap();
    let job = written.lines().nth(1).unwrap().to_owned();
    std::fs::write(spool_file(&server), format!("{written}{written}")).unwrap();
    let list = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(list["total"], 2);
    assert_eq!(
        list["entries"][1],
        json!({"type": "raw", "line": job}),
        "{list}"
    );
    server.call("entries.delete", json!({"user": "root", "id": id}));
    server.fail(
        "entries.delete",
        json!({"user": "root", "id": id}),
        "ENTRY_NOT_FOUND",
    );
    let after = std::fs::read_to_string(spool_file(&server)).unwrap();
    assert_eq!(after, format!("{job}\n"), "the copy's job line stays, raw");
    let list = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(list["entries"], json!([{"type": "raw", "line": job}]));
}
