//! The recorder (`cronrpc exec`) enforcing an entry's policies by itself: its timeout and
//! forbid-overlap, a crashed run that does not block the next, and installed job lines run as
//! cron runs them.

use crate::harness::{Server, BIN};
use crate::lifecycle::{alive, eventually, gated};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

fn exec(dir: &Path, entry: &str, flags: &[&str], command: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["exec", "--entry", entry, "--history-dir"])
        .arg(dir)
        .args(flags)
        .args(["--", command]);
    cmd
}

fn records(dir: &Path) -> Vec<Value> {
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    std::fs::read_to_string(dir.join(me).join("runs.ndjson"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_recorder_enforces_timeout_and_forbid_overlap_and_a_crash_does_not_block() {
    let history = tempfile::tempdir().unwrap();
    let gate = tempfile::tempdir().unwrap();
    let entry = uuid::Uuid::new_v4().to_string();
    let out = exec(history.path(), &entry, &["--timeout", "300"], "sleep 300")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(124), "non-zero after a timeout");
    let last = records(history.path()).pop().unwrap();
    assert_eq!(last["status"], "timed_out");
    assert_eq!(last["trigger"], "cron");
    assert!(
        last["scheduled_for"].as_str().unwrap().ends_with(":00Z"),
        "{last}"
    );

    let entry = uuid::Uuid::new_v4().to_string();
    let forbid = ["--forbid-overlap"];
    // The first run leaves a background child behind (it must not inherit the lock) and
    // waits for the gate.
    let g = gate.path().display();
    let first_cmd = format!(
        "sleep 300 >/dev/null 2>&1 & echo $! > {g}/bg; {}",
        gated(gate.path(), "true")
    );
    let mut first = exec(history.path(), &entry, &forbid, &first_cmd)
        .spawn()
        .unwrap();
    eventually("the first run is recorded running", || {
        records(history.path())
            .iter()
            .any(|r| r["status"] == "running" && r["entry_id"] == entry.as_str())
            .then_some(())
    });
    let second = exec(history.path(), &entry, &forbid, "echo second")
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(75));
    assert!(second.stdout.is_empty(), "the command did not run");
    let skipped = records(history.path()).pop().unwrap();
    assert_eq!(skipped["status"], "skipped", "{skipped}");
    assert_eq!(skipped["skip_reason"], "overlap");
    std::fs::write(gate.path().join("go"), "").unwrap();
    assert!(first.wait().unwrap().success());
    let bg = std::fs::read_to_string(gate.path().join("bg")).unwrap();
    assert!(alive(&bg), "the background child outlives its run");
    let third = exec(history.path(), &entry, &forbid, "echo third")
        .output()
        .unwrap();
    assert_eq!(
        third.stdout, b"third\n",
        "its background child does not hold the lock"
    );
    let _ = Command::new("kill").args(["-KILL", bg.trim()]).status();

    // A recorder killed mid-run does not block the entry.
    std::fs::remove_file(gate.path().join("go")).unwrap();
    let mut crashed = exec(history.path(), &entry, &forbid, &gated(gate.path(), "true"))
        .spawn()
        .unwrap();
    let job_group = eventually("the run is recorded running", || {
        let last = records(history.path()).pop()?;
        (last["status"] == "running").then(|| last["recorder"]["job_pgid"].to_string())
    });
    crashed.kill().unwrap();
    crashed.wait().unwrap();
    let after = exec(history.path(), &entry, &forbid, "echo after")
        .output()
        .unwrap();
    assert_eq!(after.stdout, b"after\n");
    // The killed recorder's job is left to the test to stop.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{job_group}")])
        .status();
}

/// Installed job lines run the way cron runs them (`sh -c` as the user, cron's environment):
/// the recorder in the line records them `running` from their start, enforces the entry's
/// timeout and overlap policy, and `runs.cancel` stops a cron-started run too.
#[test]
fn installed_job_lines_run_as_cron_does_are_policed_and_cancellable() {
    use crate::cron_line::{job_command, run_as_cron};
    use crate::harness::{shared_bin, TempUser};
    let user = TempUser::new();
    let (_bin_dir, bin) = shared_bin();
    let spool = tempfile::tempdir().unwrap();
    let mut server = Server::from_binary(
        &bin,
        &[
            "--backend",
            "spool",
            "--spool-dir",
            spool.path().to_str().unwrap(),
        ],
    );
    let gate = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        gate.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let create = |server: &mut Server, command: &str, policy: Value| {
        let mut params = json!({"user": user.name, "schedule": "0 3 * * *", "command": command});
        params
            .as_object_mut()
            .unwrap()
            .extend(policy.as_object().unwrap().clone());
        let entry = server.call("entries.create", params);
        let content = server.call("crontab.get", json!({"user": user.name}))["content"].clone();
        let id = entry["id"].as_str().unwrap().to_owned();
        (id.clone(), job_command(content.as_str().unwrap(), &id))
    };

    let (timed, line) = create(&mut server, "sleep 300", json!({"timeout_ms": 1000}));
    let cron = run_as_cron(&user.name, &line);
    assert_eq!(cron.code, Some(124), "{}", cron.mail);
    let runs =
        server.call("entries.history", json!({"user": user.name, "id": timed}))["runs"].clone();
    assert_eq!(runs[0]["status"], "timed_out", "{runs}");
    assert_eq!(runs[0]["trigger"], "cron");

    let (forbid, line) = create(
        &mut server,
        &gated(gate.path(), "echo first"),
        json!({"concurrency": "forbid"}),
    );
    let name = user.name.clone();
    let first_line = line.clone();
    let first = std::thread::spawn(move || run_as_cron(&name, &first_line));
    let running = eventually("the cron run is recorded running", || {
        let runs = server.call(
            "entries.history",
            json!({"user": user.name, "id": forbid, "status": "running"}),
        );
        runs["runs"].as_array().unwrap().first().cloned()
    });
    let second = run_as_cron(&user.name, &line);
    assert_eq!(second.code, Some(75), "{}", second.mail);
    let skipped = server.call(
        "entries.history",
        json!({"user": user.name, "id": forbid, "status": "skipped"}),
    );
    assert_eq!(skipped["runs"][0]["skip_reason"], "overlap", "{skipped}");
    let cancelled = server.call(
        "runs.cancel",
        json!({"user": user.name, "run_id": running["run_id"]}),
    );
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let first = first.join().unwrap();
    assert_eq!(first.code, Some(143), "{}", first.mail);
    std::fs::write(gate.path().join("go"), "").unwrap();
    let again = run_as_cron(&user.name, &line);
    assert_eq!(
        again.code,
        Some(0),
        "the lock went with the cancelled run: {}",
        again.mail
    );
}
