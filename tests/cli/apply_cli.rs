//! `cronrpc apply USER -f FILE` on TOML and JSON files: the diff people read, --json for
//! scripts, and Terraform's --detailed-exitcode (0 unchanged, 2 changed, 1 failed).

use crate::harness::BIN;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn cli(spool: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CRONRPC_BACKEND", "spool")
        .env("CRONRPC_SPOOL_DIR", spool)
        .env_remove("CRONRPC_CONNECT")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const TOML: &str = r#"
[[entries]]
name = "backup"
schedule = "0 2 * * *"
command = "/usr/local/bin/backup.sh"

[[entries]]
name = "report"
schedule = "@daily"
command = "report --all"
expires_at = 2099-01-01T00:00:00Z
"#;

#[test]
fn apply_a_toml_file_twice_then_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let file = dir.path().join("jobs.toml");
    std::fs::write(&file, TOML).unwrap();
    let f = file.to_str().unwrap();
    let first = cli(&spool, &["apply", "root", "-f", f, "--detailed-exitcode"]);
    assert_eq!(first.status.code(), Some(2), "{}", text(&first.stderr));
    let out = text(&first.stdout);
    assert!(out.contains("+ backup"), "{out}");
    assert!(out.contains("+ report"), "{out}");
    let again = cli(&spool, &["apply", "root", "-f", f, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    assert!(text(&again.stdout).contains("2 kept"));
    let plain = cli(&spool, &["apply", "root", "-f", f]);
    assert_eq!(plain.status.code(), Some(0));

    std::fs::write(&file, TOML.replace("0 2 * * *", "30 3 * * *")).unwrap();
    let before = std::fs::read_to_string(spool.join("root")).unwrap();
    let dry = cli(&spool, &["apply", "root", "-f", f, "--dry-run", "--prune"]);
    assert_eq!(dry.status.code(), Some(0));
    let out = text(&dry.stdout);
    assert!(out.contains("~ backup"), "{out}");
    assert!(
        out.contains(r#"schedule: "0 2 * * *" -> "30 3 * * *""#),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(spool.join("root")).unwrap(), before);

    let json = cli(&spool, &["apply", "root", "-f", f, "--json"]);
    assert!(json.status.success());
    let result: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(result["changed"], true);
    assert_eq!(result["updated"][0]["name"], "backup");
    assert_eq!(result["kept"][0]["name"], "report");
}

#[test]
fn apply_a_json_file_and_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let good = dir.path().join("jobs.json");
    std::fs::write(
        &good,
        r#"{"entries": [{"name": "a", "schedule": "@hourly", "command": "echo a"}]}"#,
    )
    .unwrap();
    let out = cli(
        &spool,
        &["apply", "root", "-f", good.to_str().unwrap(), "--json"],
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["added"][0]["name"], "a");

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"[{"name": "a", "schedule": "61 * * * *", "command": "x"}, {"schedule": "@daily", "command": "y"}]"#,
    )
    .unwrap();
    let before = std::fs::read_to_string(spool.join("root")).unwrap();
    let b = bad.to_str().unwrap();
    let failed = cli(&spool, &["apply", "root", "-f", b]);
    assert_eq!(failed.status.code(), Some(3), "an invalid-input class");
    let err = text(&failed.stderr);
    assert!(err.contains("entries[0] a: INVALID_SCHEDULE"), "{err}");
    assert!(err.contains("entries[1]"), "{err}");
    let detailed = cli(&spool, &["apply", "root", "-f", b, "--detailed-exitcode"]);
    assert_eq!(detailed.status.code(), Some(1));
    let json = cli(&spool, &["apply", "root", "-f", b, "--json"]);
    let error: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(error["data"]["code"], "INVALID_ENTRIES");
    assert_eq!(std::fs::read_to_string(spool.join("root")).unwrap(), before);
    let unreadable = cli(&spool, &["apply", "root", "-f", "/nonexistent/jobs.toml"]);
    assert_eq!(unreadable.status.code(), Some(2));
}

#[test]
fn policy_flags_from_the_shell_set_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path();
    let created = cli(
        spool,
        &[
            "entries",
            "create",
            "root",
            "--schedule",
            "0 9 * * *",
            "--command",
            "true",
            "--timezone",
            "Europe/Paris",
            "--timeout",
            "5000",
            "--forbid-overlap",
            "--catch-up",
            "--notify",
            "failure,mail",
            "--webhook",
            "https://example.com/h",
            "--json",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let entry: Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(entry["timezone"], "Europe/Paris");
    assert_eq!(entry["timeout_ms"], 5000);
    assert_eq!(entry["concurrency"], "forbid");
    assert_eq!(entry["catch_up"], "latest");
    assert_eq!(entry["notify"]["webhook"], "https://example.com/h");
    assert_eq!(entry["notify"]["on_success"], false);
    let id = entry["id"].as_str().unwrap();
    let updated = cli(
        spool,
        &[
            "entries",
            "update",
            "root",
            id,
            "--no-timezone",
            "--no-notify",
            "--allow-overlap",
            "--json",
        ],
    );
    let entry: Value = serde_json::from_slice(&updated.stdout).unwrap();
    assert_eq!(entry["timezone"], Value::Null);
    assert_eq!(entry["notify"], Value::Null);
    assert_eq!(entry["concurrency"], "allow");
    assert_eq!(entry["timeout_ms"], 5000, "untouched");
}

#[test]
fn runs_from_the_shell_no_wait_status_get_and_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let history = dir.path().join("history");
    let h = history.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--history-dir", h]);
        cli(&spool, &all)
    };
    let created = run(&[
        "entries",
        "create",
        "root",
        "--schedule",
        "@daily",
        "--command",
        "sleep 30",
        "--json",
    ]);
    let entry: Value = serde_json::from_slice(&created.stdout).unwrap();
    let id = entry["id"].as_str().unwrap();
    let started = run(&["entries", "run", "root", id, "--no-wait", "--json"]);
    assert!(started.status.success(), "{}", text(&started.stderr));
    let record: Value = serde_json::from_slice(&started.stdout).unwrap();
    assert_eq!(record["status"], "running");
    let run_id = record["run_id"].as_str().unwrap();
    let running = run(&[
        "entries", "history", "root", "--status", "running", "--json",
    ]);
    let listed: Value = serde_json::from_slice(&running.stdout).unwrap();
    assert_eq!(listed["runs"][0]["run_id"], run_id);
    let got = run(&["runs", "get", "root", run_id]);
    assert!(
        text(&got.stdout).contains("running"),
        "{}",
        text(&got.stdout)
    );
    let cancelled = run(&["runs", "cancel", "root", run_id, "--json"]);
    let record: Value = serde_json::from_slice(&cancelled.stdout).unwrap();
    assert_eq!(record["status"], "cancelled");
    let missing = run(&[
        "runs",
        "get",
        "root",
        "00000000-0000-4000-8000-000000000000",
    ]);
    assert_eq!(missing.status.code(), Some(4), "not found");
}
