//! Calling methods for the human CLI: in-process through the same method table the server
//! registers, on a running server's socket, or on another host through `ssh HOST cronrpc serve`.
//! One connection may carry several calls (e.g. `apply` reads the entries, then applies).

use super::failure::{Failure, MethodError, RemoteError};
use crate::api::{Method, Router};
use crate::app::{self, BackendOptions};
use crate::service::{Caller, Context};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// Where the methods are.
pub enum Connection {
    /// The service itself, through the typed router every entry point calls: methods are
    /// called as typed functions, as the caller cronrpc runs as.
    InProcess(Router),
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
        Ok(Connection::InProcess(Router::new(app::build_service(
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

    /// Calls `M` with typed params and gives its typed result: in-process its function, else
    /// its JSON-RPC request on the wire, the answer read once into `M::Output`.
    pub fn call<M: Method>(&mut self, params: M::Params) -> Result<M::Output, Failure>
    where
        M::Params: Serialize,
        M::Output: DeserializeOwned,
    {
        let request = |params: &M::Params| {
            serde_json::to_string(&Request {
                jsonrpc: "2.0",
                id: 1,
                method: M::NAME,
                params,
            })
            .map_err(|e| format!("the request does not serialize: {e}"))
        };
        let line = match self {
            Connection::InProcess(router) => {
                let ctx = Context::new(Caller::current());
                return router
                    .call::<M>(&ctx, params)
                    .map_err(|e| Failure::Method(Box::new(MethodError::Local(e))));
            }
            Connection::Socket(stream, name) => exchange(stream, &request(&params)?, name)?,
            Connection::Ssh(remote) => remote.exchange(&request(&params)?)?,
        };
        let response: Response<M::Output> = serde_json::from_str(&line).map_err(|e| {
            // Results are read into this version's types, which refuse fields they lack.
            format!(
                "unreadable response: not {}'s answer as this cronrpc reads it \
                     (is the server another version?): {e}",
                M::NAME
            )
        })?;
        match response {
            Response {
                error: Some(error), ..
            } => Err(Failure::Method(Box::new(MethodError::Remote(error)))),
            Response {
                result: Some(result),
                ..
            } => Ok(result),
            _ => Err(Failure::Unreachable(
                "a response with neither result nor error".into(),
            )),
        }
    }
}

/// A JSON-RPC request, as the CLI sends it: one at a time, so the id is always the same.
#[derive(Serialize)]
struct Request<'a, P> {
    jsonrpc: &'static str,
    id: u32,
    method: &'static str,
    params: &'a P,
}

/// A JSON-RPC response with `M`'s result type.
#[derive(Deserialize)]
struct Response<R> {
    result: Option<R>,
    error: Option<RemoteError>,
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
    request: &str,
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
    fn exchange(&mut self, request: &str) -> Result<String, String> {
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
    use crate::api as m;
    use crate::cli::failure::Exit;
    use crate::service::entry_types::EntryRef;

    /// A socket whose server answers `answer` to one request, and gives back the request.
    fn one_exchange(answer: &str) -> (Connection, std::thread::JoinHandle<String>) {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        let answer = format!("{answer}\n");
        let server = std::thread::spawn(move || {
            let mut theirs = BufReader::new(theirs);
            let mut request = String::new();
            theirs.read_line(&mut request).unwrap();
            theirs.get_mut().write_all(answer.as_bytes()).unwrap();
            request
        });
        (
            Connection::Socket(BufReader::new(ours), "test".into()),
            server,
        )
    }

    fn entry_ref() -> EntryRef {
        EntryRef {
            user: "deploy".into(),
            id: "ID".into(),
        }
    }

    #[test]
    fn a_wire_call_sends_the_typed_params_and_reads_the_typed_result() {
        let (mut conn, server) =
            one_exchange(r#"{"jsonrpc":"2.0","id":1,"result":{"deleted":true}}"#);
        let result = conn.call::<m::EntriesDelete>(entry_ref()).unwrap();
        assert!(result.deleted);
        let sent: serde_json::Value = serde_json::from_str(&server.join().unwrap()).unwrap();
        assert_eq!(
            sent,
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": m::EntriesDelete::NAME,
                               "params": {"user": "deploy", "id": "ID"}})
        );
    }

    #[test]
    fn a_wire_error_keeps_its_kind_and_nonsense_is_unreachable() {
        let (mut conn, _) = one_exchange(concat!(
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"Entry not found","#,
            r#""data":{"code":"ENTRY_NOT_FOUND","detail":"no","field":"id"}}}"#
        ));
        match conn.call::<m::EntriesDelete>(entry_ref()) {
            Err(Failure::Method(e)) => assert_eq!(e.exit(), Exit(4)),
            other => panic!("{other:?}"),
        }
        for nonsense in [
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"result":{"deleted":"yes"}}"#,
            "]",
        ] {
            let (mut conn, _) = one_exchange(nonsense);
            match conn.call::<m::EntriesDelete>(entry_ref()) {
                Err(Failure::Unreachable(_)) => {}
                other => panic!("{nonsense}: {other:?}"),
            }
        }
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
