//! The socket side of the harness: a socket server, and clients on one connection (as root or
//! as another user).

use super::{is_root, BIN};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A spool-backed `cronrpc serve --socket` in a directory other users can reach.
pub struct SocketServer {
    pub child: Child,
    pub path: PathBuf,
    pub spool: PathBuf,
    pub dir: tempfile::TempDir,
}

impl SocketServer {
    /// A spool-backed socket server run as root, with `extra` arguments.
    pub fn start(extra: &[&str]) -> SocketServer {
        let dir = tempfile::tempdir().unwrap();
        // Other users must be able to reach the socket inside it.
        std::fs::set_permissions(dir.path(), PermissionsExt::from_mode(0o755)).unwrap();
        let path = dir.path().join("cronrpc.sock");
        let spool = dir.path().join("spool");
        let child = Command::new(BIN)
            .args(["serve", "--backend", "spool", "--spool-dir"])
            .arg(&spool)
            .arg("--socket")
            .arg(&path)
            .args(extra)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap();
        wait_for_socket(&path);
        SocketServer {
            child,
            path,
            spool,
            dir,
        }
    }

    /// Sends each line on one connection and reads one answer per line.
    pub fn ask(&self, lines: &[String]) -> Vec<Value> {
        ask(&self.path, lines)
    }
}

impl Drop for SocketServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_for_socket(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(path).is_err() {
        assert!(Instant::now() < deadline, "the socket never came up");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn ask(path: &Path, lines: &[String]) -> Vec<Value> {
    let mut stream = UnixStream::connect(path).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    lines
        .iter()
        .map(|line| {
            writeln!(stream, "{line}").unwrap();
            let mut answer = String::new();
            reader.read_line(&mut answer).unwrap();
            serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer:?}"))
        })
        .collect()
}

/// Each line sent on one socket connection made as `uid:gid` (by Debian's python3, so the peer
/// is really that user), one answer per line; Err with the exit status and stderr when the
/// client fails, which includes no answer within 30 s (a wedged server fails a test rather than
/// hanging it) and a refused connection.
pub fn ask_as(uid: u32, gid: u32, socket: &Path, lines: &[String]) -> Result<Vec<Value>, String> {
    use std::os::unix::process::CommandExt;
    assert!(
        is_root(),
        "a client as another user needs root to switch to it"
    );
    let script = r#"
import socket, sys, json
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
try:
    s.connect(sys.argv[1])
except PermissionError as e:
    print(e, file=sys.stderr); sys.exit(3)
f = s.makefile('rw')
for line in json.loads(sys.argv[2]):
    f.write(line + "\n"); f.flush()
    print(f.readline().strip(), flush=True)
"#;
    let out = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(socket)
        .arg(serde_json::to_string(lines).unwrap())
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect())
}

pub fn rpc(id: u64, method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}
