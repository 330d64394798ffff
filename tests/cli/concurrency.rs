//! Separate processes writing one crontab never lose an update.

use crate::harness::{Server, TempUser, BIN};
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// `processes` cronrpc processes each create `per_process` entries for `user`, pipelined.
fn race(args: &[&str], user: &str, processes: usize, per_process: usize) {
    let children: Vec<_> = (0..processes)
        .map(|p| {
            let mut child = Command::new(BIN)
                .arg("serve")
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut input = String::new();
            for i in 0..per_process {
                let params = json!({"user": user, "schedule": "* * * * *", "command": format!("echo {p}-{i}")});
                input += &json!({"jsonrpc": "2.0", "id": i, "method": "entries.create", "params": params}).to_string();
                input.push('\n');
            }
            std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
            child
        })
        .collect();
    for mut child in children {
        let stdout = BufReader::new(child.stdout.take().unwrap());
        for line in stdout.lines() {
            let response: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            assert!(response.get("result").is_some(), "{response}");
        }
        assert!(child.wait().unwrap().success());
    }
}

#[test]
fn four_processes_creating_a_hundred_each_leave_four_hundred_on_the_spool_backend() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().to_str().unwrap();
    race(
        &["--backend", "spool", "--spool-dir", spool],
        "root",
        4,
        100,
    );
    let mut server = Server::with_args(&["--backend", "spool", "--spool-dir", spool]);
    let list = server.call("entries.list", json!({"user": "root", "limit": 200}));
    assert_eq!(list["total"], 400);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn four_processes_creating_fifty_each_leave_two_hundred_in_the_real_crontab() {
    let user = TempUser::new();
    race(&["--backend", "system"], &user.name, 4, 50);
    let jobs = user
        .crontab()
        .lines()
        .filter(|l| l.starts_with("* * * * * ") && l.contains(" -- 'echo "))
        .count();
    assert_eq!(jobs, 200);
}
