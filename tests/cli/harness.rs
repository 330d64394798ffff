//! Spawning the server, talking to it over stdio, and throwaway users; the socket side is in
//! `socket`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

mod faketime;
pub mod host;
mod socket;
pub use faketime::faked;
pub use socket::{ask, ask_as, rpc, wait_for_socket, SocketServer};

pub const BIN: &str = env!("CARGO_BIN_EXE_cronrpc");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `cronrpc serve` over stdio.
pub struct Server {
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
    pub spool: Option<tempfile::TempDir>,
}

impl Server {
    /// The spool backend in a fresh directory.
    pub fn spool() -> Server {
        Server::spool_with(&[])
    }

    /// The spool backend in a fresh directory, with `extra` arguments to `serve`.
    pub fn spool_with(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--backend",
            "spool",
            "--spool-dir",
            dir.path().to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let mut server = Server::with_args(&args);
        server.spool = Some(dir);
        server
    }

    /// The system backend: the real `crontab` program.
    pub fn system() -> Server {
        Server::with_args(&["--backend", "system"])
    }

    pub fn with_args(args: &[&str]) -> Server {
        Server::from_binary(Path::new(BIN), args)
    }

    /// A server started from another copy of the binary (its path lands in job lines).
    pub fn from_binary(bin: &Path, args: &[&str]) -> Server {
        let mut command = Command::new(bin);
        command.arg("serve").args(args);
        Server::from_command(command)
    }

    /// A second server on this one's spool whose clock is `offset` (libfaketime's `-f` form,
    /// e.g. `+2h`, or `+2h x40` for a clock that also runs 40 times as fast) ahead: time passes
    /// for it without the test waiting. It borrows the spool, which this server keeps.
    pub fn later(&self, offset: &str) -> Server {
        let mut command = faked(BIN, offset);
        command
            .args(["serve", "--backend", "spool", "--spool-dir"])
            .arg(self.spool_dir());
        Server::from_command(command)
    }

    fn from_command(mut command: Command) -> Server {
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cronrpc starts (and faketime, for a server that runs later)");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Server {
            child,
            stdin,
            stdout,
            next_id: 1,
            spool: None,
        }
    }

    pub fn spool_dir(&self) -> &Path {
        self.spool.as_ref().expect("a spool server").path()
    }

    /// Sends one raw line.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends bytes as they are, line end included.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Reads one line of stdout as JSON.
    pub fn read_value(&mut self) -> Value {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "server closed stdout");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"))
    }

    /// A request; returns the whole response, after checking it is well formed and, for
    /// results, that it validates against the method's committed result schema.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_line(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let response = self.read_value();
        assert_eq!(response["jsonrpc"], "2.0");
        assert_eq!(response["id"], id, "{response}");
        if let Some(result) = response.get("result") {
            crate::schema::assert_valid_result(method, result);
        } else {
            assert_error_shape(&response["error"]);
        }
        response
    }

    /// A request that must succeed; returns its result.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// A request that must fail with `data.code`; returns the error object.
    pub fn fail(&mut self, method: &str, params: Value, code: &str) -> Value {
        let response = self.request(method, params);
        let error = response
            .get("error")
            .unwrap_or_else(|| panic!("{method} should fail with {code}: {response}"));
        assert_eq!(error["data"]["code"], code, "{response}");
        error.clone()
    }

    /// Closes stdin and waits for a clean exit.
    pub fn finish(mut self) -> Vec<Value> {
        drop(self.stdin.take());
        let mut rest = Vec::new();
        let mut line = String::new();
        while self.stdout.read_line(&mut line).unwrap() > 0 {
            rest.push(serde_json::from_str(&line).unwrap());
            line.clear();
        }
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit status {status}");
        rest
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every error carries a numeric code, a message and `data.code` + `data.detail`.
pub fn assert_error_shape(error: &Value) {
    assert!(error["code"].is_i64(), "{error}");
    assert!(error["message"].is_string(), "{error}");
    assert!(error["data"]["code"].is_string(), "{error}");
    assert!(error["data"]["detail"].is_string(), "{error}");
}

/// A copy of the binary that every user can execute, for tests that run it as another user (or
/// let cron run it): the build directory may not be reachable for them (a checkout under /root).
/// The copy lives as long as the returned directory.
pub fn shared_bin() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.path().join("cronrpc");
    // Never open the copy for writing in this process: a child forked meanwhile by another
    // test would inherit the descriptor, and exec of the copy would fail with "text file busy".
    if std::fs::hard_link(BIN, &bin).is_err() {
        let status = Command::new("cp").arg(BIN).arg(&bin).status().unwrap();
        assert!(status.success(), "copying the binary");
    }
    (dir, bin)
}

/// Runs `command` with `stdin` written to its standard input, and collects what it printed.
pub fn output_with_stdin(command: &mut Command, stdin: &[u8]) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A system user that exists for the test's lifetime; removed with its crontab afterwards.
pub struct TempUser {
    pub name: String,
}

impl TempUser {
    pub fn new() -> TempUser {
        assert!(
            is_root(),
            "system backend tests create users with useradd and must run as root"
        );
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "crt{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let status = Command::new("useradd")
            .args(["--create-home", "--shell", "/bin/sh", &name])
            .status()
            .unwrap();
        assert!(status.success(), "useradd {name}");
        TempUser { name }
    }

    /// The user's crontab through the real `crontab -l` ("" when none).
    pub fn crontab(&self) -> String {
        let out = Command::new("crontab")
            .args(["-u", &self.name, "-l"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    /// Installs a crontab with the real `crontab -`.
    pub fn install(&self, content: &str) {
        let mut child = Command::new("crontab")
            .args(["-u", &self.name, "-"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(content.as_bytes())
            .unwrap();
        assert!(
            child.wait().unwrap().success(),
            "crontab - refused {content:?}"
        );
    }
}

impl Drop for TempUser {
    fn drop(&mut self) {
        let _ = Command::new("crontab")
            .args(["-u", &self.name, "-r"])
            .stderr(Stdio::null())
            .status();
        let _ = Command::new("userdel")
            .args(["-r", &self.name])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(Path::new("/var/lib/cronrpc/history").join(&self.name));
        let _ = std::fs::remove_dir_all(Path::new("/var/lib/cronrpc/revisions").join(&self.name));
        // A later user could be given this name (the pid in it recurs) under another uid.
        let _ = std::fs::remove_file(format!("/var/lib/cronrpc/locks/{}.lock", self.name));
    }
}

/// A crontab with every kind of line a user might have, to check it survives byte for byte.
pub const MIXED_CRONTAB: &str = "# my jobs\nMAILTO=\"ops@example.com\"\nSHELL=/bin/bash\n\n*/15 * * * * /usr/local/bin/health  # raw job\n   # indented comment\n@reboot /usr/bin/startup\nPATH=/usr/bin:/bin\n30 4 * * 1-5 echo \"100\\% done\" > /dev/null 2>&1\n\n";
