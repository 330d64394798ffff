//! A run's life: recorded as `running` from its start, completed at its end, readable by id,
//! cancellable, surviving the server, and never `running` forever when its recorder dies. The
//! recorder enforcing policies by itself is in `recorder_policies`.

use crate::harness::Server;
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
pub(crate) fn gated(dir: &Path, then: &str) -> String {
    format!(
        "while [ ! -e {0}/go ]; do sleep 0.05; done; {then}",
        dir.display()
    )
}

/// Polls `f` until it gives a value, for at most 60 s (a bound, not a measurement).
pub(crate) fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
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

pub(crate) fn alive(pid: &str) -> bool {
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
