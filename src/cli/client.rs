//! Calling methods for the human CLI: in-process through the same method table the server
//! registers, on a running server's socket, or on another host through `ssh HOST cronrpc serve`.
//! One connection may carry several calls (e.g. `apply` reads the entries, then applies).

use crate::api::{self, Method};
use crate::app::{self, BackendOptions};
use crate::domain::ErrorKind;
use crate::service::{Caller, Service};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// What a call came to: the method's result, or its error object.
pub enum Outcome {
    Result(Value),
    Error(Value),
}

/// The exit status of a command: 0, or one per class of failure, so scripts can branch
/// without parsing. The classes of method errors come from `ErrorKind::exit_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u8);

impl Exit {
    pub const OK: Exit = Exit(0);
    /// A failure with no error kind (e.g. `apply --detailed-exitcode` failing).
    pub const FAILED: Exit = Exit(1);
    /// clap's own status for a bad command line, and a file that cannot be read.
    pub const USAGE: Exit = Exit(2);
    /// The server (or the host) could not be reached, or answered nonsense: a backend failure.
    pub const UNREACHABLE: Exit = Exit(ErrorKind::Backend.exit_code());

    /// The class of an error object, by its `data.code`.
    pub fn of(error: &Value) -> Exit {
        match error["data"]["code"]
            .as_str()
            .and_then(ErrorKind::from_code)
        {
            Some(kind) => Exit(kind.exit_code()),
            None if error["code"] == api::errors::INVALID_PARAMS => {
                Exit(ErrorKind::InvalidParams.exit_code())
            }
            None => Exit(ErrorKind::Backend.exit_code()),
        }
    }

    pub fn is_ok(self) -> bool {
        self == Exit::OK
    }
}

/// Where the methods are.
pub enum Connection {
    /// The service itself: methods are called as typed functions, as the caller cronrpc runs as.
    InProcess(Box<Service>),
    Socket(BufReader<std::os::unix::net::UnixStream>, String),
    Ssh(Remote),
}

/// `ssh HOST cronrpc serve`, kept open for the calls of one command.
pub struct Remote {
    host: String,
    child: Child,
    /// What ssh (and the remote cronrpc) wrote to stderr, drained by a thread so a chatty
    /// remote never blocks on a full pipe while we wait for its answer.
    stderr: Option<std::thread::JoinHandle<String>>,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Connection {
    pub fn in_process(backend: &BackendOptions) -> Result<Connection, String> {
        Ok(Connection::InProcess(Box::new(app::build_service(
            backend,
        )?)))
    }

    pub fn socket(path: &Path) -> Result<Connection, String> {
        let stream = std::os::unix::net::UnixStream::connect(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Connection::Socket(
            BufReader::new(stream),
            path.display().to_string(),
        ))
    }

    /// Starts `ssh [-F CONFIG] -o BatchMode=yes -- HOST 'REMOTE' 'serve'` with the system's
    /// ssh and its configuration. The host is a name, never an option, and ssh hands the
    /// remote words to a shell, so each is quoted as one word.
    pub fn ssh(host: &str, ssh: &SshOptions) -> Result<Connection, String> {
        check_host(host)?;
        let quote = crate::crontab::recorder::quote;
        let mut command = Command::new(&ssh.program);
        if let Some(config) = &ssh.config {
            command.arg("-F").arg(config);
        }
        command
            // No password or passphrase prompts: hosts run in parallel, unattended.
            .args(["-o", "BatchMode=yes", "--", host])
            .arg(quote(&ssh.remote))
            .arg(quote("serve"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", ssh.program))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let pipe = child.stderr.take().expect("piped");
        let stderr = std::thread::spawn(move || drain_tail(pipe));
        Ok(Connection::Ssh(Remote {
            host: host.to_owned(),
            child,
            stderr: Some(stderr),
            stdin,
            stdout,
        }))
    }

    /// Calls `M`: in-process its typed function, else its JSON-RPC request on the wire.
    pub fn invoke<M: Method>(&mut self, params: Value) -> Result<Outcome, String> {
        let Connection::InProcess(service) = self else {
            return self.wire(M::NAME, params);
        };
        let done = api::params::from_value::<M::Params>(params).and_then(|params| {
            M::call(
                service,
                &crate::service::Context::new(Caller::current()),
                params,
            )
        });
        Ok(match done {
            Ok(output) => Outcome::Result(serde_json::to_value(output).map_err(|e| e.to_string())?),
            Err(e) => Outcome::Error(
                serde_json::to_value(api::errors::to_rpc(&e)).map_err(|e| e.to_string())?,
            ),
        })
    }

    /// Calls `method` by name as a JSON-RPC request, on the socket or over ssh.
    fn wire(&mut self, method: &str, params: Value) -> Result<Outcome, String> {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = match self {
            Connection::InProcess(_) => return Err("in-process calls are typed".into()),
            Connection::Socket(stream, name) => exchange(stream, &request, name)?,
            Connection::Ssh(remote) => remote.exchange(&request)?,
        };
        let mut response: Value =
            serde_json::from_str(&response).map_err(|e| format!("unreadable response: {e}"))?;
        if let Some(result) = response.get_mut("result") {
            return Ok(Outcome::Result(result.take()));
        }
        match response.get_mut("error") {
            Some(error) => Ok(Outcome::Error(error.take())),
            None => Err(format!(
                "a response with neither result nor error: {response}"
            )),
        }
    }
}

/// A host name for ssh: refused when ssh could read it as an option.
pub fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() || host.starts_with('-') || host.chars().any(|c| c.is_control()) {
        return Err(format!("{host:?} is not a host name"));
    }
    Ok(())
}

/// How hosts are reached.
#[derive(Debug, Clone)]
pub struct SshOptions {
    pub program: String,
    pub config: Option<std::path::PathBuf>,
    /// The cronrpc program on the remote host.
    pub remote: String,
}

fn exchange(
    stream: &mut BufReader<std::os::unix::net::UnixStream>,
    request: &Value,
    name: &str,
) -> Result<String, String> {
    let fail = |e: std::io::Error| format!("{name}: {e}");
    stream
        .get_mut()
        .write_all(format!("{request}\n").as_bytes())
        .map_err(fail)?;
    let mut line = String::new();
    stream.read_line(&mut line).map_err(fail)?;
    if line.is_empty() {
        return Err(format!("{name}: the server closed the connection"));
    }
    Ok(line)
}

impl Remote {
    fn exchange(&mut self, request: &Value) -> Result<String, String> {
        let sent = self
            .stdin
            .as_mut()
            .map(|stdin| stdin.write_all(format!("{request}\n").as_bytes()));
        let mut line = String::new();
        let read = self.stdout.read_line(&mut line);
        if matches!(sent, Some(Ok(()))) && matches!(read, Ok(n) if n > 0) {
            return Ok(line);
        }
        Err(self.failure())
    }

    /// Why ssh gave no answer: its status and the last lines it wrote to stderr.
    fn failure(&mut self) -> String {
        self.stdin.take();
        let status = self.child.wait();
        let stderr = self
            .stderr
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        let status = status.map(|s| s.to_string()).unwrap_or_default();
        let said: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = said[said.len().saturating_sub(3)..].join("; ");
        format!(
            "ssh {}: no answer ({status}){}",
            self.host,
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        )
    }
}

/// Reads a pipe to its end, keeping the last 16 KiB.
fn drain_tail(mut pipe: impl std::io::Read) -> String {
    const KEEP: usize = 16 * 1024;
    let (mut kept, mut buf) = (Vec::new(), [0u8; 4096]);
    while let Ok(n) = pipe.read(&mut buf) {
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * KEEP {
            kept.drain(..kept.len() - KEEP);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

impl Drop for Remote {
    fn drop(&mut self) {
        // End of stdin ends `cronrpc serve` once its calls are answered.
        self.stdin.take();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_classes() {
        let of = |code: &str, rpc: i64| Exit::of(&json!({"code": rpc, "data": {"code": code}}));
        assert_eq!(of("INVALID_SCHEDULE", -32602), Exit(3));
        assert_eq!(of("INVALID_PARAMS", -32602), Exit(3));
        assert_eq!(of("ENTRY_NOT_FOUND", -32002), Exit(4));
        assert_eq!(of("USER_NOT_FOUND", -32001), Exit(4));
        assert_eq!(of("CONFLICT", -32003), Exit(5));
        assert_eq!(of("FORBIDDEN", -32004), Exit(6));
        assert_eq!(of("BACKEND_ERROR", -32000), Exit(7));
        assert_eq!(of("INTERNAL_ERROR", -32603), Exit(7));
        assert_eq!(of("SOMETHING_NEW", -32602), Exit(3));
    }

    #[test]
    fn a_host_is_never_an_option() {
        for bad in ["-oProxyCommand=touch /tmp/x", "-", "", "a\nb"] {
            assert!(check_host(bad).is_err(), "{bad:?}");
        }
        assert!(check_host("web-1.example.com").is_ok());
        assert!(check_host("deploy@web1").is_ok());
    }
}
