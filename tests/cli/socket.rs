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

/// entries.get keeps parses between reads: a change made behind the server's back (another
/// process rewriting the file in place, same size, within one clock tick) must be seen by the
/// very next read, on the same connection as on a new one.
#[test]
fn a_read_sees_every_change_to_the_crontab_at_once() {
    let server = SocketServer::start(&[]);
    let created = ask(
        &server.path,
        &[rpc(
            1,
            "entries.create",
            json!({"user": "root", "schedule": "@daily", "command": "true", "name": "n00"}),
        )],
    );
    let id = created[0]["result"]["id"].as_str().unwrap().to_owned();
    let file = server.spool.join("root");
    let get = rpc(2, "entries.get", json!({"user": "root", "id": id}));
    let mut stream = UnixStream::connect(&server.path).unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut get_on = |stream: &mut UnixStream| -> Value {
        use std::io::{BufRead, Write};
        writeln!(stream, "{get}").unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let mut before = std::fs::read_to_string(&file).unwrap();
    assert_eq!(get_on(&mut stream)["result"]["name"], "n00");
    for i in 1..30 {
        let name = format!("n{i:02}");
        let after = before.replace(&format!("\"n{:02}\"", i - 1), &format!("\"{name}\""));
        assert_eq!(after.len(), before.len());
        // In place: same inode, same size, most likely the same mtime tick.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .and_then(|mut f| std::io::Write::write_all(&mut f, after.as_bytes()))
            .unwrap();
        assert_eq!(get_on(&mut stream)["result"]["name"], name.as_str());
        let fresh = ask(&server.path, std::slice::from_ref(&get));
        assert_eq!(fresh[0]["result"]["name"], name.as_str());
        before = after;
    }
    // Read-your-writes on one connection: each update, pipelined with the get after it.
    let mut lines = Vec::new();
    for i in 0..20 {
        let name = format!("u{i}");
        lines.push(rpc(
            10 + i,
            "entries.update",
            json!({"user": "root", "id": id, "name": name}),
        ));
        lines.push(rpc(
            100 + i,
            "entries.get",
            json!({"user": "root", "id": id}),
        ));
    }
    let mut stream = UnixStream::connect(&server.path).unwrap();
    std::io::Write::write_all(&mut stream, (lines.join("\n") + "\n").as_bytes()).unwrap();
    let answers: Vec<Value> = std::io::BufRead::lines(std::io::BufReader::new(stream))
        .take(lines.len())
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    for answer in answers {
        // A later update does not wait for an earlier read, so a get may see a newer name,
        // never an older one.
        if let Some(i) = answer["id"].as_i64().filter(|i| *i >= 100) {
            let name = answer["result"]["name"].as_str().unwrap();
            let seen: i64 = name.strip_prefix('u').unwrap().parse().unwrap();
            assert!(seen >= i - 100, "get {} saw {name}: {answer}", i - 100);
        }
    }
}
