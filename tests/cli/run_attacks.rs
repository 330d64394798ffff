//! Attacks on runs and their history by an unprivileged local user, against a root server (the
//! red team's issue #11: items 1, 6, 7, 8, 9, 15, and history left by deleted users). Each fails
//! on the code before the fix.

use crate::harness::{rpc, shared_bin, Server, SocketServer, TempUser, BIN};
use serde_json::{json, Value};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn ids(name: &str) -> (u32, u32) {
    let u = nix::unistd::User::from_name(name).unwrap().unwrap();
    (u.uid.as_raw(), u.gid.as_raw())
}

/// A socket client running as `user`: one answer per line, or a failure after 30 s without
/// one (a wedged server fails the test instead of hanging it).
fn as_user(user: &str, socket: &Path, lines: &[String]) -> Vec<Value> {
    let (uid, gid) = ids(user);
    crate::harness::ask_as(uid, gid, socket, lines)
        .unwrap_or_else(|e| panic!("client as {user}: {e}"))
}

/// Runs `program args` as `user`; panics if it does not end within 30 s.
fn run_as(user: &str, program: &Path, args: &[&str]) -> std::process::Output {
    let (uid, gid) = ids(user);
    let mut child = Command::new(program)
        .args(args)
        .uid(uid)
        .gid(gid)
        .current_dir("/")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ended = eventually_or(30, || child.try_wait().unwrap());
    if ended.is_none() {
        let _ = child.kill();
        panic!("{} as {user} never ended", program.display());
    }
    child.wait_with_output().unwrap()
}

fn eventually_or<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn create_for(server: &SocketServer, user: &str, command: &str) -> String {
    let answer = server.ask(&[rpc(
        1,
        "entries.create",
        json!({"user": user, "schedule": "@daily", "command": command}),
    )]);
    answer[0]["result"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_users_home_is_entered_only_as_the_user() {
    let server = SocketServer::start(&[]);
    let user = TempUser::new();
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("notes.txt"), "root's secret\n").unwrap();
    std::fs::set_permissions(secret.path(), PermissionsExt::from_mode(0o700)).unwrap();
    // The user's own crontab points HOME into a directory only root may enter.
    server.ask(&[rpc(
        1,
        "crontab.put",
        json!({"user": user.name, "content": format!("HOME={}\n", secret.path().display())}),
    )]);
    let id = create_for(&server, &user.name, "cat ./notes.txt; pwd");
    let answers = as_user(
        &user.name,
        &server.path,
        &[rpc(2, "entries.run", json!({"user": user.name, "id": id}))],
    );
    let run = &answers[0]["result"];
    assert!(!run["stdout"].as_str().unwrap().contains("secret"), "{run}");
    assert_eq!(run["stdout"], "/\n", "falls back to / as cron does: {run}");
}

#[test]
fn a_job_gets_only_stdin_stdout_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("serve-with-fd-7");
    // A server started with a descriptor it did not open and does not close on exec.
    std::fs::write(
        &script,
        format!("#!/bin/sh\nexec 7</dev/null\nexec {BIN} \"$@\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&script, PermissionsExt::from_mode(0o755)).unwrap();
    let spool = tempfile::tempdir().unwrap();
    let mut server = Server::from_binary(
        &script,
        &[
            "--backend",
            "spool",
            "--spool-dir",
            spool.path().to_str().unwrap(),
        ],
    );
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "ls /proc/self/fd"}),
    );
    let run = server.call("entries.run", json!({"user": "root", "id": entry["id"]}));
    // ls's own descriptor on the directory is 3.
    assert_eq!(run["stdout"], "0\n1\n2\n3\n", "{run}");
}

#[test]
fn fifos_links_and_a_sparse_8_gib_file_in_ones_history_harm_no_one() {
    let server = SocketServer::start(&[]);
    let user = TempUser::new();
    let id = create_for(&server, &user.name, "echo ran");
    let dir = server.spool.join(".history").join(&user.name);
    assert_eq!(std::fs::metadata(&dir).unwrap().uid(), ids(&user.name).0);
    let (mkfifo, ln) = (Path::new("/usr/bin/mkfifo"), Path::new("/bin/ln"));
    let fifo = dir.join("runs.ndjson");
    assert!(run_as(&user.name, mkfifo, &[fifo.to_str().unwrap()])
        .status
        .success());
    let link = dir.join("runs.ndjson.1");
    assert!(run_as(
        &user.name,
        ln,
        &["-s", "/etc/shadow", link.to_str().unwrap()]
    )
    .status
    .success());
    let missing = uuid::Uuid::new_v4().to_string();
    let lines = [
        rpc(
            1,
            "entries.history",
            json!({"user": user.name, "include_rotated": true}),
        ),
        rpc(2, "entries.get", json!({"user": user.name, "id": id})),
        rpc(3, "runs.get", json!({"user": user.name, "run_id": missing})),
    ];
    let answers = as_user(&user.name, &server.path, &lines);
    assert_eq!(answers[0]["result"]["runs"], json!([]), "{}", answers[0]);
    assert_eq!(
        answers[1]["result"]["last_run"],
        Value::Null,
        "{}",
        answers[1]
    );
    assert_eq!(answers[2]["error"]["data"]["code"], "RUN_NOT_FOUND");
    let health = server.ask(&[rpc(9, "health", json!({}))]);
    assert_eq!(health[0]["result"]["status"], "ok");

    // The recorder, as cron runs it, still runs the job with a FIFO for its history (#11.15).
    let (_bin_dir, bin) = shared_bin();
    let history = server.spool.join(".history");
    let exec = [
        "exec",
        "--entry",
        &id,
        "--history-dir",
        history.to_str().unwrap(),
        "--",
        "echo still ran; exit 3",
    ];
    let out = run_as(&user.name, &bin, &exec);
    assert_eq!(out.stdout, b"still ran\n");
    assert_eq!(out.status.code(), Some(3));

    // A sparse 8 GiB file with one real record at its end: read in part, not whole.
    std::fs::remove_file(&fifo).unwrap();
    let file = std::fs::File::create(&fifo).unwrap();
    file.set_len(8 << 30).unwrap();
    drop(file);
    nix::unistd::chown(&fifo, Some(ids(&user.name).0.into()), None).unwrap();
    let ran = server.ask(&[rpc(4, "entries.run", json!({"user": user.name, "id": id}))]);
    assert_eq!(ran[0]["result"]["status"], "succeeded", "{}", ran[0]);
    let answers = as_user(
        &user.name,
        &server.path,
        &[rpc(5, "entries.history", json!({"user": user.name}))],
    );
    assert_eq!(
        answers[0]["result"]["runs"][0], ran[0]["result"],
        "{}",
        answers[0]
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap();
    assert!(peak_kib < 256 * 1024, "the server peaked at {peak_kib} KiB");
}

fn threads_and_fds(pid: u32) -> (usize, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    (threads, fds)
}

#[test]
fn runs_whose_background_child_keeps_the_outputs_leak_nothing_in_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let mut server = Server::spool();
    // The child leaves the job's process group and holds stdout and stderr for two minutes.
    let command = format!(
        "setsid sh -c 'echo $$ >> {}; exec sleep 120' & sleep 0.2",
        pids.display()
    );
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": command}),
    );
    let run = json!({"user": "root", "id": entry["id"], "timeout_ms": 300});
    server.call("entries.run", run.clone());
    let before = threads_and_fds(server.child.id());
    for _ in 0..6 {
        server.call("entries.run", run.clone());
    }
    let after = threads_and_fds(server.child.id());
    for pid in std::fs::read_to_string(&pids).unwrap().lines() {
        let _ = Command::new("kill").args(["-KILL", pid]).status();
    }
    assert!(after.0 <= before.0 + 1, "threads {before:?} -> {after:?}");
    assert!(after.1 <= before.1, "descriptors {before:?} -> {after:?}");
}

#[test]
fn a_deleted_users_history_is_not_left_to_whoever_gets_the_uid_next() {
    let spool = tempfile::tempdir().unwrap();
    let args = [
        "--backend",
        "spool",
        "--spool-dir",
        spool.path().to_str().unwrap(),
    ];
    let mut server = Server::with_args(&args);
    let gone = TempUser::new();
    let entry = server.call(
        "entries.create",
        json!({"user": gone.name, "schedule": "@daily", "command": "echo private"}),
    );
    server.call("entries.run", json!({"user": gone.name, "id": entry["id"]}));
    let dir = spool.path().join(".history").join(&gone.name);
    let old_uid = std::fs::metadata(&dir).unwrap().uid();
    drop(server);
    let status = Command::new("userdel").arg(&gone.name).status().unwrap();
    assert!(status.success());
    // The next user may well get the same uid, and with it the directory.
    let next = TempUser::new();
    let mut server = Server::with_args(&args);
    server.call("health", json!({}));
    assert!(!dir.exists(), "the directory is moved away at start");
    let stale = spool.path().join(".history/.stale");
    let meta = std::fs::metadata(&stale).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (0, 0o700));
    let moved = std::fs::read_dir(&stale)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(moved
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .contains(&format!("uid{old_uid}")));
    let cat = run_as(
        &next.name,
        Path::new("/bin/cat"),
        &[moved.join("runs.ndjson").to_str().unwrap()],
    );
    assert!(!cat.status.success(), "{} cannot read it", next.name);
}

#[test]
fn a_root_server_on_a_users_spool_moves_nothing_through_the_users_links() {
    let user = TempUser::new();
    let uid = nix::unistd::User::from_name(&user.name)
        .unwrap()
        .unwrap()
        .uid;
    let own = |path: &Path| {
        nix::unistd::fchownat(
            nix::fcntl::AT_FDCWD,
            path,
            Some(uid),
            None,
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .unwrap()
    };
    let root_dir = tempfile::tempdir().unwrap();
    // Root's own directory, with a directory of a uid no user has (stale, to a sweep).
    let victim = root_dir.path().join("victim");
    std::fs::create_dir_all(victim.join("html")).unwrap();
    std::os::unix::fs::chown(victim.join("html"), Some(3_999_999), None).unwrap();
    // Spools the user owns: one whose .history is a link to root's directory, one whose
    // .history/.stale is.
    let linked = root_dir.path().join("linked");
    std::fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(&victim, linked.join(".history")).unwrap();
    let staled = root_dir.path().join("staled");
    std::fs::create_dir_all(staled.join(".history/nobody-here")).unwrap();
    std::os::unix::fs::symlink(&victim, staled.join(".history/.stale")).unwrap();
    for path in [
        linked.clone(),
        linked.join(".history"),
        staled.clone(),
        staled.join(".history"),
        staled.join(".history/nobody-here"),
        staled.join(".history/.stale"),
    ] {
        own(&path);
    }
    for spool in [&linked, &staled] {
        let mut server =
            Server::with_args(&["--backend", "spool", "--spool-dir", spool.to_str().unwrap()]);
        server.call("health", json!({}));
        drop(server);
    }
    let mut names: Vec<_> = std::fs::read_dir(&victim)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["html"], "root's directory is as it was");
    assert!(staled.join(".history/nobody-here").is_dir());
}
