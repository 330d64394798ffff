//! `catch_up: latest` with the real cron daemon: a fire missed while cron was down runs once
//! when cron starts, and a restart of cron does not run it again.

use crate::harness::{is_root, shared_bin, Server, TempUser};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn cron_running() -> bool {
    Command::new("pgrep")
        .args(["-x", "cron"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A cron daemon of this test's own; killed when dropped.
struct Cron(Child);

impl Cron {
    fn start() -> Cron {
        Cron(
            Command::new("/usr/sbin/cron")
                .arg("-f")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("cron starts"),
        )
    }
}

impl Drop for Cron {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn minute_of(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:00Z").to_string()
}

/// Waits until the second of the minute is in 5..=45, so a step does not straddle a minute.
fn mid_minute() {
    use chrono::Timelike;
    while !(5..=45).contains(&chrono::Utc::now().second()) {
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn a_missed_fire_runs_once_when_cron_starts() {
    assert!(is_root(), "the cron end-to-end test must run as root");
    // This test decides when cron starts: wait for any other test's daemon to go.
    let deadline = Instant::now() + Duration::from_secs(300);
    while cron_running() {
        assert!(
            Instant::now() < deadline,
            "another cron daemon keeps running"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    let user = TempUser::new();
    let (_bin_dir, bin) = shared_bin();
    // State of its own (the user's recorder must reach the history directory).
    let state = tempfile::tempdir().unwrap();
    std::fs::set_permissions(state.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = |name: &str| state.path().join(name).to_str().unwrap().to_owned();
    let (locks, history_dir, revisions) = (dir("locks"), dir("history"), dir("revisions"));
    let mut server = Server::from_binary(
        &bin,
        &[
            "--backend",
            "system",
            "--lock-dir",
            &locks,
            "--history-dir",
            &history_dir,
            "--revisions-dir",
            &revisions,
        ],
    );
    let entry = server.call(
        "entries.create",
        json!({"user": user.name, "schedule": "* * * * *", "command": "echo caught up",
               "catch_up": "latest"}),
    );
    let id = entry["id"].as_str().unwrap().to_owned();
    // The entry existed an hour before cron's downtime ended: set its creation back.
    let created = entry["created_at"].as_str().unwrap().to_owned();
    let earlier = (chrono::DateTime::parse_from_rfc3339(&created).unwrap()
        - chrono::Duration::hours(1))
    .format("%Y-%m-%dT%H:%M:%SZ")
    .to_string();
    let content = server.call("crontab.get", json!({"user": user.name}))["content"]
        .as_str()
        .unwrap()
        .replace(&created, &earlier);
    assert!(
        content.contains(&format!("--catch-up {earlier}")),
        "{content}"
    );
    server.call(
        "crontab.put",
        json!({"user": user.name, "content": content}),
    );

    // cron starts now: the fire of this very minute is one it never runs.
    mid_minute();
    let missed = minute_of(chrono::Utc::now());
    let mut cron = Cron::start();
    let history = |server: &mut Server| -> Vec<Value> {
        server.call("entries.history", json!({"user": user.name, "id": id}))["runs"]
            .as_array()
            .unwrap()
            .clone()
    };
    let finished = |runs: &[Value], trigger: &str| -> Vec<Value> {
        runs.iter()
            .filter(|r| r["trigger"] == trigger && !r["finished_at"].is_null())
            .cloned()
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(150);
    let runs = loop {
        let runs = history(&mut server);
        if !finished(&runs, "cron").is_empty() && !finished(&runs, "catch_up").is_empty() {
            break runs;
        }
        assert!(
            Instant::now() < deadline,
            "no catch-up and cron run: {runs:?}"
        );
        std::thread::sleep(Duration::from_secs(2));
    };
    let caught = finished(&runs, "catch_up");
    assert_eq!(caught.len(), 1, "{runs:?}");
    assert_eq!(caught[0]["scheduled_for"], missed.as_str(), "{}", caught[0]);
    assert_eq!(caught[0]["stdout"], "caught up\n");
    assert_eq!(caught[0]["exit_code"], 0);

    // A restart of cron within a minute whose fire ran misses nothing: no second catch-up.
    let before = history(&mut server).len();
    mid_minute();
    drop(cron);
    cron = Cron::start();
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let runs = history(&mut server);
        // Newest first: what came after the restart.
        let new = &runs[..runs.len() - before];
        if !finished(new, "cron").is_empty() {
            assert_eq!(finished(&runs, "catch_up").len(), 1, "{runs:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no cron run after the restart: {runs:?}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    drop(cron);
}
