//! entries.run, entries.history and last_run, driving the real binary. The real cron daemon
//! running an entry is in `cron_runs`.

use crate::harness::{is_root, Server, TempUser, BIN};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn create(server: &mut Server, user: &str, command: &str) -> String {
    let entry = server.call(
        "entries.create",
        json!({"user": user, "schedule": "0 3 * * *", "command": command}),
    );
    entry["id"].as_str().unwrap().to_owned()
}

fn run(server: &mut Server, user: &str, id: &str) -> Value {
    server.call("entries.run", json!({"user": user, "id": id}))
}

pub(crate) fn history(server: &mut Server, params: Value) -> Vec<Value> {
    server.call("entries.history", params)["runs"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_run_reports_exit_code_output_and_lands_in_history_and_last_run() {
    let mut server = Server::spool();
    let id = create(&mut server, "root", "echo out; echo err >&2; exit 3");
    let other = create(&mut server, "root", "true");
    let got = server.call("entries.get", json!({"user": "root", "id": id}));
    assert_eq!(got["last_run"], Value::Null);

    let record = run(&mut server, "root", &id);
    assert_eq!(record["exit_code"], 3);
    assert_eq!(record["stdout"], "out\n");
    assert_eq!(record["stderr"], "err\n");
    assert_eq!(record["trigger"], "manual");
    assert_eq!(record["entry_id"], id.as_str());
    assert_eq!(record["user"], "root");
    assert_eq!(record["timed_out"], false);
    assert_eq!(record["stdout_truncated"], false);
    assert_eq!(record["error"], Value::Null);
    assert!(record["duration_ms"].is_u64());
    assert!(uuid::Uuid::parse_str(record["run_id"].as_str().unwrap()).is_ok());
    assert!(record["started_at"].as_str().unwrap().ends_with('Z'));
    assert!(record["finished_at"].as_str().unwrap().ends_with('Z'));
    let second = run(&mut server, "root", &other);
    assert_eq!(second["exit_code"], 0);

    let runs = history(&mut server, json!({"user": "root"}));
    assert_eq!(runs.len(), 2, "each run once, its final record");
    assert_eq!(runs[0], second, "newest first");
    assert_eq!(runs[1], record);
    let only = history(&mut server, json!({"user": "root", "id": id}));
    assert_eq!(only, vec![record.clone()]);
    assert_eq!(
        history(&mut server, json!({"user": "root", "limit": 1})).len(),
        1
    );
    assert!(history(
        &mut server,
        json!({"user": "root", "since": "2999-01-01T00:00:00+02:00"})
    )
    .is_empty());
    assert_eq!(
        history(
            &mut server,
            json!({"user": "root", "since": "2000-01-01T00:00:00Z", "include_rotated": true})
        )
        .len(),
        2
    );

    let got = server.call("entries.get", json!({"user": "root", "id": id}));
    let last =
        json!({"at": record["started_at"], "exit_code": 3, "duration_ms": record["duration_ms"]});
    assert_eq!(got["last_run"], last);
    let list = server.call("entries.list", json!({"user": "root"}));
    assert_eq!(list["entries"][0]["last_run"], last);
    assert_eq!(list["entries"][1]["last_run"]["exit_code"], 0);
}

#[test]
fn bad_params_are_refused() {
    let mut server = Server::spool();
    let id = create(&mut server, "root", "true");
    for limit in [0, 1001] {
        server.fail(
            "entries.history",
            json!({"user": "root", "limit": limit}),
            "INVALID_PAGINATION",
        );
    }
    server.fail(
        "entries.history",
        json!({"user": "root", "since": "yesterday"}),
        "INVALID_PARAMS",
    );
    server.fail(
        "entries.history",
        json!({"user": "root", "id": "nope"}),
        "INVALID_PARAMS",
    );
    server.fail(
        "entries.history",
        json!({"user": "root", "bogus": 1}),
        "INVALID_PARAMS",
    );
    for timeout in [0, 86_400_001] {
        server.fail(
            "entries.run",
            json!({"user": "root", "id": id, "timeout_ms": timeout}),
            "INVALID_PARAMS",
        );
    }
    let missing = uuid::Uuid::new_v4().to_string();
    server.fail(
        "entries.run",
        json!({"user": "root", "id": missing}),
        "ENTRY_NOT_FOUND",
    );
    server.fail(
        "entries.run",
        json!({"user": "nosuchuser-zz", "id": id}),
        "USER_NOT_FOUND",
    );
}

#[test]
fn output_keeps_the_first_64_kib_and_the_pipes_are_drained() {
    let mut server = Server::spool();
    let id = create(
        &mut server,
        "root",
        "head -c 1000000 /dev/zero | tr '\\0' a; head -c 65536 /dev/zero | tr '\\0' b >&2",
    );
    let record = run(&mut server, "root", &id);
    assert_eq!(record["exit_code"], 0);
    assert_eq!(record["stdout"].as_str().unwrap(), "a".repeat(65536));
    assert_eq!(record["stdout_truncated"], true);
    assert_eq!(record["stderr"].as_str().unwrap(), "b".repeat(65536));
    assert_eq!(
        record["stderr_truncated"], false,
        "exactly 64 KiB is all of it"
    );
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let mut server = Server::spool();
    let id = create(&mut server, "root", "sleep 30 & echo $!; sleep 30");
    let started = Instant::now();
    let record = server.call(
        "entries.run",
        json!({"user": "root", "id": id, "timeout_ms": 500}),
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(record["timed_out"], true);
    assert_eq!(record["exit_code"], Value::Null);
    let background: u32 = record["stdout"].as_str().unwrap().trim().parse().unwrap();
    let state = std::fs::read_to_string(format!("/proc/{background}/stat")).unwrap_or_default();
    let alive = state
        .split(") ")
        .nth(1)
        .is_some_and(|s| !s.starts_with('Z'));
    assert!(!alive, "the background sleep was killed too: {state}");
    let last = server.call("entries.get", json!({"user": "root", "id": id}))["last_run"].clone();
    assert_eq!(last["exit_code"], Value::Null);
}

#[test]
fn the_environment_is_crons() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": "A_ABOVE=yes\nSHELL=/bin/bash\n"}),
    );
    let id = create(
        &mut server,
        "root",
        r#"echo "$HOME|$LOGNAME|$USER|$SHELL|$PATH|$A_ABOVE|${B_BELOW-unset}|${CARGO-clean}|$(pwd)|${BASH_VERSION:+bash}""#,
    );
    let content = server.call("crontab.get", json!({"user": "root"}))["content"].clone();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": format!("{}B_BELOW=no\n", content.as_str().unwrap())}),
    );
    let record = run(&mut server, "root", &id);
    assert_eq!(
        record["stdout"], "/root|root|root|/bin/bash|/usr/bin:/bin|yes|unset|clean|/root|bash\n",
        "{record}"
    );
}

#[test]
fn a_command_that_cannot_start_is_a_record_with_an_error() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": "SHELL=/nonexistent/shell\n"}),
    );
    let id = create(&mut server, "root", "true");
    let record = run(&mut server, "root", &id);
    assert_eq!(record["exit_code"], Value::Null);
    assert!(
        record["error"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/shell"),
        "{record}"
    );
    assert_eq!(history(&mut server, json!({"user": "root"}))[0], record);
}

#[test]
fn runs_as_the_entrys_user() {
    if !is_root() {
        return;
    }
    let user = TempUser::new();
    let mut server = Server::spool();
    let id = create(&mut server, &user.name, "id -un; id -gn; pwd; echo $HOME");
    let record = run(&mut server, &user.name, &id);
    let home = format!("/home/{}", user.name);
    assert_eq!(
        record["stdout"],
        format!("{0}\n{0}\n{home}\n{home}\n", user.name),
        "{record}"
    );
    let dir = server.spool_dir().join(".history").join(&user.name);
    let meta = std::fs::metadata(&dir).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(meta.mode() & 0o777, 0o700);
    let owner = nix::unistd::User::from_name(&user.name)
        .unwrap()
        .unwrap()
        .uid;
    assert_eq!(
        meta.uid(),
        owner.as_raw(),
        "the user's own history directory"
    );
    assert_eq!(
        std::fs::metadata(dir.join("runs.ndjson")).unwrap().uid(),
        owner.as_raw()
    );
}

#[test]
fn exec_records_passes_output_through_and_exits_like_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let entry = uuid::Uuid::new_v4().to_string();
    let out = Command::new(BIN)
        .args(["exec", "--entry", &entry, "--history-dir"])
        .arg(dir.path())
        .args(["--", "echo hi; echo oops >&2; exit 5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(out.stdout, b"hi\n");
    assert_eq!(out.stderr, b"oops\n");
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    let text = std::fs::read_to_string(dir.path().join(&me).join("runs.ndjson")).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "a start record, then the finished one: {text}"
    );
    assert_eq!(lines[0]["finished_at"], Value::Null);
    assert_eq!(lines[1]["run_id"], lines[0]["run_id"]);
    assert_eq!(lines[1]["trigger"], "cron");
    assert_eq!(lines[1]["exit_code"], 5);
    assert_eq!(lines[1]["stdout"], "hi\n");

    // Without a writable store the command still runs and exits as it did.
    let out = Command::new(BIN)
        .args([
            "exec",
            "--entry",
            &entry,
            "--history-dir",
            "/proc/cronrpc-nowhere",
        ])
        .args(["--", "echo still; exit 7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(out.stdout, b"still\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("run not recorded"));
}

#[test]
fn a_moved_binary_shows_in_health_and_an_update_rewrites_the_line() {
    let spool = tempfile::tempdir().unwrap();
    let bin_dir = tempfile::tempdir().unwrap();
    let old = bin_dir.path().canonicalize().unwrap().join("cronrpc");
    std::fs::copy(BIN, &old).unwrap();
    let spool_arg = [
        "--backend",
        "spool",
        "--spool-dir",
        spool.path().to_str().unwrap(),
    ];
    let request = r#"{"jsonrpc":"2.0","id":1,"method":"entries.create","params":{"user":"root","schedule":"@daily","command":"echo hi"}}"#;
    let mut child = Command::new(&old)
        .arg("serve")
        .args(spool_arg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{request}").unwrap();
    let out = child.wait_with_output().unwrap();
    let response: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = response["result"]["id"].as_str().unwrap().to_owned();
    std::fs::remove_file(&old).unwrap();

    let mut server = Server::with_args(&spool_arg);
    // health reads no crontab: it reports what the server saw in the ones it read.
    server.call("entries.list", json!({"user": "root"}));
    let health = server.call("health", json!({}));
    assert_eq!(health["missing_recorders"], json!([old.to_str().unwrap()]));
    let current = std::path::Path::new(BIN).canonicalize().unwrap();
    assert_eq!(health["recorder"], current.to_str().unwrap());

    server.call("entries.update", json!({"user": "root", "id": id}));
    let line = std::fs::read_to_string(spool.path().join("root")).unwrap();
    assert!(
        line.contains(&format!("@daily {} exec --entry {id} ", current.display())),
        "{line}"
    );
    assert_eq!(
        server.call("health", json!({}))["missing_recorders"],
        json!([])
    );
}
