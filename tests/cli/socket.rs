//! The Unix socket: many clients at once, each held to its own crontab.

use crate::harness::{ask, is_root, rpc, SocketServer, BIN};
use serde_json::{json, Value};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn serves_many_clients_at_once() {
    let server = SocketServer::start(&[]);
    std::thread::scope(|s| {
        for c in 0..16 {
            let path = &server.path;
            s.spawn(move || {
                let requests: Vec<String> = (0..20)
                    .map(|i| {
                        let params = json!({"user": "root", "schedule": "@daily", "command": format!("echo {c}-{i}")});
                        rpc(i, "entries.create", params)
                    })
                    .collect();
                for answer in ask(path, &requests) {
                    assert!(answer.get("result").is_some(), "{answer}");
                }
            });
        }
    });
    let list = ask(
        &server.path,
        &[rpc(
            1,
            "entries.list",
            json!({"user": "root", "limit": 200}),
        )],
    );
    assert_eq!(list[0]["result"]["total"], 320);
}

#[test]
fn a_live_socket_is_never_stolen_and_a_stale_one_is_replaced() {
    let server = SocketServer::start(&[]);
    let second = Command::new(BIN)
        .args([
            "serve",
            "--backend",
            "spool",
            "--spool-dir",
            "/tmp",
            "--socket",
        ])
        .arg(&server.path)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        !second.status.success(),
        "a second server must not take a live socket"
    );
    let answer = ask(&server.path, &[rpc(1, "health", json!({}))]);
    assert_eq!(answer[0]["result"]["status"], "ok");

    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    let mut child = Command::new(BIN)
        .args(["serve", "--backend", "spool", "--spool-dir"])
        .arg(dir.path().join("spool"))
        .arg("--socket")
        .arg(&stale)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(&stale).is_err() {
        assert!(
            Instant::now() < deadline,
            "the stale socket was not replaced"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn an_unprivileged_peer_reaches_only_its_own_crontab() {
    assert!(
        is_root(),
        "this test switches to the nobody user and must run as root"
    );
    let server = SocketServer::start(&[]);
    // A client running as `nobody`, speaking through python3's socket module.
    let script = r#"
import socket, sys, json
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rw')
for params in ({"user": "root"}, {"user": "nobody"}):
    f.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "crontab.get", "params": params}) + "\n"); f.flush()
    print(f.readline().strip())
f.write(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "crontab.list"}) + "\n"); f.flush()
print(f.readline().strip())
"#;
    use std::os::unix::process::CommandExt;
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(&server.path)
        .uid(nobody.uid.as_raw())
        .gid(nobody.gid.as_raw())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0]["error"]["data"]["code"], "FORBIDDEN",
        "{}",
        lines[0]
    );
    assert_eq!(lines[0]["error"]["code"], -32004);
    assert_eq!(lines[1]["result"]["user"], "nobody");
    assert!(lines[2]["result"]["crontabs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["user"] == "nobody"));
}
