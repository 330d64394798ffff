//! A run's life: recorded as `running` from its start, completed at its end, readable by id,
//! cancellable, surviving the server, and never `running` forever when its recorder dies.

use crate::harness::{Server, BIN};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn create(server: &mut Server, command: &str) -> String {
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "0 3 * * *", "command": command}),
    );
    entry["id"].as_str().unwrap().to_owned()
}

/// A command that waits until `dir/go` exists (so the test decides when it ends).
fn gated(dir: &Path, then: &str) -> String {
    format!(
        "while [ ! -e {0}/go ]; do sleep 0.05; done; {then}",
        dir.display()
    )
}

/// Polls `f` until it gives a value, for at most 60 s (a bound, not a measurement).
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(server: &mut Server, run_id: &Value) -> Value {
    server.call("runs.get", json!({"user": "root", "run_id": run_id}))
}

fn ended(server: &mut Server, run_id: &Value) -> Value {
    eventually("the run ends", || {
        let run = get(server, run_id);
        (run["status"] != "running").then_some(run)
    })
}

fn alive(pid: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    stat.rsplit(") ")
        .next()
        .is_some_and(|s| !s.starts_with('Z'))
        && !stat.is_empty()
}

#[test]
fn wait_false_answers_running_and_the_run_completes_its_own_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::spool();
    let id = create(&mut server, &gated(dir.path(), "echo done"));
    let run = server.call(
        "entries.run",
        json!({"user": "root", "id": id, "wait": false}),
    );
    assert_eq!(run["status"], "running", "{run}");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["scheduled_for"], Value::Null);
    for field in ["finished_at", "exit_code", "duration_ms"] {
        assert_eq!(run[field], Value::Null, "{field}: {run}");
    }
    assert_eq!(get(&mut server, &run["run_id"]), run);
    let running = server.call(
        "entries.history",
        json!({"user": "root", "status": "running"}),
    )["runs"]
        .clone();
    assert_eq!(running, json!([run]), "one record per run, as running");
    std::fs::write(dir.path().join("go"), "").unwrap();
    let done = ended(&mut server, &run["run_id"]);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["exit_code"], 0);
    assert_eq!(done["stdout"], "done\n");
    assert_eq!(done["started_at"], run["started_at"]);
    let all = server.call("entries.history", json!({"user": "root"}))["runs"].clone();
    assert_eq!(all, json!([done]), "still one record");
    let none = server.call(
        "entries.history",
        json!({"user": "root", "status": "running"}),
    );
    assert_eq!(none["runs"], json!([]));
    let failed = server.call(
        "entries.history",
        json!({"user": "root", "status": "failed"}),
    );
    assert_eq!(failed["runs"], json!([]));
}

#[test]
fn a_run_outlives_the_server_that_started_it() {
    let dir = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let args = [
        "--backend",
        "spool",
        "--spool-dir",
        spool.path().to_str().unwrap(),
    ];
    let mut server = Server::with_args(&args);
    let id = create(&mut server, &gated(dir.path(), "echo survived"));
    let run = server.call(
        "entries.run",
        json!({"user": "root", "id": id, "wait": false}),
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    std::fs::write(dir.path().join("go"), "").unwrap();
    let mut server = Server::with_args(&args);
    let done = ended(&mut server, &run["run_id"]);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["stdout"], "survived\n");
}

#[test]
fn cancel_stops_the_whole_group_and_an_ended_run_is_returned_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::spool();
    let d = dir.path().display();
    // The shell ignores SIGTERM, so only the SIGKILL after the grace stops it.
    let command = format!(
        "sleep 300 & echo $! > {d}/bg; echo $$ > {d}/sh; trap '' TERM; touch {d}/ready; sleep 300; sleep 300"
    );
    let id = create(&mut server, &command);
    let run = server.call(
        "entries.run",
        json!({"user": "root", "id": id, "wait": false}),
    );
    eventually("the job is ready", || {
        dir.path().join("ready").exists().then_some(())
    });
    let cancelled = server.call(
        "runs.cancel",
        json!({"user": "root", "run_id": run["run_id"]}),
    );
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    assert_eq!(cancelled["exit_code"], Value::Null);
    assert!(cancelled["finished_at"].is_string());
    for file in ["bg", "sh"] {
        let pid = std::fs::read_to_string(dir.path().join(file)).unwrap();
        eventually(&format!("{file} ({pid}) is gone"), || {
            (!alive(&pid)).then_some(())
        });
    }
    assert_eq!(get(&mut server, &run["run_id"]), cancelled);
    let again = server.call(
        "runs.cancel",
        json!({"user": "root", "run_id": run["run_id"]}),
    );
    assert_eq!(again, cancelled, "an ended run is returned unchanged");
}

#[test]
fn a_recorder_killed_with_sigkill_reads_as_failed_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::spool();
    let d = dir.path().display();
    let id = create(
        &mut server,
        &format!("echo $PPID > {d}/recorder; echo $$ > {d}/job; exec sleep 300"),
    );
    let run = server.call(
        "entries.run",
        json!({"user": "root", "id": id, "wait": false}),
    );
    let recorder = eventually("the job wrote its parent", || {
        let text = std::fs::read_to_string(dir.path().join("job")).ok()?;
        (!text.is_empty()).then(|| std::fs::read_to_string(dir.path().join("recorder")).unwrap())
    });
    let status = Command::new("kill")
        .args(["-KILL", recorder.trim()])
        .status()
        .unwrap();
    assert!(status.success());
    let dead = ended(&mut server, &run["run_id"]);
    assert_eq!(dead["status"], "failed", "{dead}");
    assert!(dead["error"].as_str().unwrap().contains("died"), "{dead}");
    let listed = server.call(
        "entries.history",
        json!({"user": "root", "status": "failed"}),
    );
    assert_eq!(listed["runs"], json!([dead]));
    let job = std::fs::read_to_string(dir.path().join("job")).unwrap();
    let _ = Command::new("kill").args(["-KILL", job.trim()]).status();
}

#[test]
fn bad_run_ids_and_statuses_are_clear_errors() {
    let mut server = Server::spool();
    let missing = uuid::Uuid::new_v4().to_string();
    for method in ["runs.get", "runs.cancel"] {
        let error = server.fail(
            method,
            json!({"user": "root", "run_id": missing}),
            "RUN_NOT_FOUND",
        );
        assert_eq!(error["code"], -32005);
        assert_eq!(error["message"], "Run not found");
        let error = server.fail(
            method,
            json!({"user": "root", "run_id": "nope"}),
            "INVALID_PARAMS",
        );
        assert_eq!(error["data"]["field"], "run_id", "{error}");
        server.fail(method, json!({"user": "root"}), "INVALID_PARAMS");
    }
    let error = server.fail(
        "entries.history",
        json!({"user": "root", "status": "exploded"}),
        "INVALID_PARAMS",
    );
    assert_eq!(error["data"]["field"], "status", "{error}");
    server.fail(
        "entries.run",
        json!({"user": "root", "id": missing, "wait": "no"}),
        "INVALID_PARAMS",
    );
}

#[test]
fn a_timeout_is_recorded_as_timed_out() {
    let mut server = Server::spool();
    let id = create(&mut server, "trap '' TERM; sleep 300");
    let run = server.call(
        "entries.run",
        json!({"user": "root", "id": id, "timeout_ms": 300}),
    );
    assert_eq!(run["status"], "timed_out", "{run}");
    assert_eq!(run["timed_out"], true);
    assert_eq!(run["exit_code"], Value::Null);
    let id = create(&mut server, "exit 3");
    assert_eq!(
        server.call("entries.run", json!({"user": "root", "id": id}))["status"],
        "failed"
    );
}

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
