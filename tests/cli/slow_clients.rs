//! Denial of service by holding connections: a per-user share of the socket's slots, idle and
//! partial-message timeouts, a way in for root, and an accept loop that does not spin when
//! the server runs out of descriptors. The attacker is the unprivileged `nobody` user, driving
//! a root socket server with Debian's python3.

use crate::harness::{ask, is_root, rpc, SocketServer, BIN};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A python3 client running as `nobody` that opens `connections` connections, sends `send`
/// on each (no newline added), prints one line per connection (its first answer, or
/// "closed"), then holds them all until its stdin closes.
fn nobody_holding(socket: &Path, connections: usize, send: &str) -> (Child, Vec<String>) {
    assert!(
        is_root(),
        "this test switches to the nobody user and must run as root"
    );
    let script = r#"
import socket, sys, select
conns = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    # A refused connection may already be closed by the server: its answer is still read below.
    try:
        if sys.argv[3]:
            s.sendall(sys.argv[3].encode())
    except OSError:
        pass
    conns.append(s)
for s in conns:
    r, _, _ = select.select([s], [], [], 1.0)
    try:
        line = s.recv(65536).decode().strip() if r else "held"
    except OSError:
        line = ""
    print(line or "closed", flush=True)
sys.stdin.read()
"#;
    let user = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(socket)
        .arg(connections.to_string())
        .arg(send)
        .uid(user.uid.as_raw())
        .gid(user.gid.as_raw())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let lines = (0..connections)
        .map(|_| {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            line.trim().to_owned()
        })
        .collect();
    (child, lines)
}

fn root_health_within(socket: &Path, limit: Duration) {
    let started = Instant::now();
    let answer = ask(socket, &[rpc(1, "health", json!({}))]);
    assert_eq!(answer[0]["result"]["status"], "ok", "{answer:?}");
    assert!(
        started.elapsed() < limit,
        "root waited {:?}",
        started.elapsed()
    );
}

#[test]
fn one_user_cannot_take_every_slot_and_root_still_gets_in() {
    let server =
        SocketServer::start(&["--max-connections", "8", "--max-connections-per-user", "3"]);
    let (mut attacker, lines) = nobody_holding(&server.path, 6, "");
    let refused = lines
        .iter()
        .filter(|l| l.contains("TOO_MANY_CONNECTIONS"))
        .count();
    assert_eq!(refused, 3, "{lines:?}");
    assert_eq!(
        lines.iter().filter(|l| *l == "held").count(),
        3,
        "{lines:?}"
    );
    // Root is answered at once, and more than once, while nobody holds its share.
    for _ in 0..3 {
        root_health_within(&server.path, Duration::from_secs(3));
    }
    drop(attacker.stdin.take());
    attacker.wait().unwrap();
}

#[test]
fn a_message_never_finished_and_an_idle_connection_are_closed() {
    let server = SocketServer::start(&["--message-timeout-secs", "1", "--idle-timeout-secs", "2"]);
    let partial = UnixStream::connect(&server.path).unwrap();
    (&partial)
        .write_all(br#"{"jsonrpc":"2.0","id":1,"method":"hea"#)
        .unwrap();
    let idle = UnixStream::connect(&server.path).unwrap();
    for (name, mut stream) in [("partial", partial), ("idle", idle)] {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut rest = Vec::new();
        let read = stream.read_to_end(&mut rest);
        assert!(read.is_ok(), "{name}: the server never closed it: {read:?}");
        assert!(
            rest.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&rest)
        );
    }
    // A connection that keeps talking is not idle.
    let mut busy = UnixStream::connect(&server.path).unwrap();
    let mut reader = BufReader::new(busy.try_clone().unwrap());
    for i in 0..3 {
        std::thread::sleep(Duration::from_millis(900));
        writeln!(busy, "{}", rpc(i, "health", json!({}))).unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.contains("\"ok\""), "{line}");
    }
}

#[test]
fn held_partial_messages_of_a_user_do_not_keep_root_out() {
    let server = SocketServer::start(&["--max-connections", "8"]);
    let (mut attacker, lines) = nobody_holding(&server.path, 12, "{\"jsonrpc\":\"2.0\",\"pad\":\"");
    assert!(
        lines.iter().any(|l| l.contains("TOO_MANY_CONNECTIONS")),
        "{lines:?}"
    );
    root_health_within(&server.path, Duration::from_secs(3));
    drop(attacker.stdin.take());
    attacker.wait().unwrap();
}

#[test]
fn out_of_descriptors_the_accept_loop_backs_off_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("s.sock");
    let log = dir.path().join("stderr");
    let mut server = Command::new("prlimit")
        .arg("--nofile=48:48")
        .arg(BIN)
        .args(["serve", "--backend", "spool", "--spool-dir"])
        .arg(dir.path().join("spool"))
        .arg("--socket")
        .arg(&socket)
        .env("RUST_LOG", "warn")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    crate::harness::wait_for_socket(&socket);
    // Far more connections than the server has descriptors: the kernel queues the rest.
    let held: Vec<UnixStream> = (0..120)
        .filter_map(|_| UnixStream::connect(&socket).ok())
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    drop(held);
    root_health_within(&socket, Duration::from_secs(5));
    let logged = std::fs::metadata(&log).unwrap().len();
    assert!(logged < 16 * 1024, "{logged} bytes of log in two seconds");
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn a_batch_answer_is_bounded() {
    let server = SocketServer::start(&[]);
    std::fs::create_dir_all(&server.spool).unwrap();
    let line = format!("# {}\n", "x".repeat(998));
    std::fs::write(server.spool.join("root"), line.repeat(1000)).unwrap();
    let batch: Vec<Value> = (0..100)
        .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "crontab.get", "params": {"user": "root"}}))
        .collect();
    let mut stream = UnixStream::connect(&server.path).unwrap();
    writeln!(stream, "{}", Value::Array(batch)).unwrap();
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).unwrap();
    assert!(answer.len() < 17 * 1024 * 1024, "{} bytes", answer.len());
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let answers = answer.as_array().unwrap();
    assert_eq!(answers.len(), 100);
    assert!(answers.iter().any(|a| a["result"]["content"].is_string()));
    assert!(answers
        .iter()
        .any(|a| a["error"]["data"]["code"] == "ANSWER_TOO_LARGE"));
}
