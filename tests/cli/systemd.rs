//! Socket activation: a listening socket on fd 3 with LISTEN_FDS=1 is served instead of
//! binding one, and the socket file is systemd's to keep.

use crate::harness::BIN;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

fn ask(stream: UnixStream, request: &Value) -> Value {
    // A server that ignored fd 3 would leave the connection in the backlog: fail, not hang.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    writeln!(writer, "{request}").unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
}

/// `cronrpc serve` with `listener` as its fd 3, started through sh so that `LISTEN_PID=$$`
/// is the pid cronrpc gets (exec keeps it), as systemd sets it.
fn activated(
    listener: &UnixListener,
    listen_pid: &str,
    spool: &std::path::Path,
) -> std::process::Child {
    let fd = listener.as_raw_fd();
    let script = format!(
        "LISTEN_PID={listen_pid} LISTEN_FDS=1 exec \"$0\" serve --backend spool --spool-dir \"$1\""
    );
    let mut command = Command::new("sh");
    command
        .args(["-c", &script, BIN])
        .arg(spool)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    // SAFETY: dup2 is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if fd == 3 {
                // Already in place; only the close-on-exec flag must go.
                nix::fcntl::fcntl(
                    std::os::fd::BorrowedFd::borrow_raw(3),
                    nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
                )?;
            } else if nix::libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn().unwrap()
}

#[test]
fn serves_the_socket_systemd_passes_and_leaves_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activated.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let mut child = activated(&listener, "$$", &dir.path().join("spool"));
    drop(listener);
    let health = json!({"jsonrpc": "2.0", "id": 1, "method": "health", "params": {}});
    for _ in 0..2 {
        let answer = ask(UnixStream::connect(&path).unwrap(), &health);
        assert_eq!(answer["result"]["status"], "ok", "{answer}");
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(path.exists(), "the socket file is systemd's, not removed");
}

#[test]
fn listen_fds_meant_for_another_process_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sock");
    let listener = UnixListener::bind(&path).unwrap();
    // pid 1 is never cronrpc: it serves stdio as if nothing were passed.
    let mut child = activated(&listener, "1", &dir.path().join("spool"));
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        "{}",
        json!({"jsonrpc": "2.0", "id": 7, "method": "health"})
    )
    .unwrap();
    drop(stdin);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let answer: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(answer["id"], 7);
    assert!(child.wait().unwrap().success());
}
