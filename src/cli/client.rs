//! Calling a method for the human CLI: in-process through the same method table the server
//! registers, or on a running server's socket. Either way the request is the JSON-RPC one.

use crate::api;
use crate::app::{self, BackendOptions};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

/// What a call came to: the method's result, or its error object.
pub enum Outcome {
    Result(Value),
    Error(Value),
}

/// One exit status per class of failure, so scripts can branch without parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// clap's own status for a bad command line.
    Usage = 2,
    Invalid = 3,
    NotFound = 4,
    Conflict = 5,
    Forbidden = 6,
    Backend = 7,
}

impl Exit {
    /// The class of an error object, by its `data.code`.
    pub fn of(error: &Value) -> Exit {
        match error["data"]["code"].as_str() {
            Some("USER_NOT_FOUND" | "ENTRY_NOT_FOUND") => Exit::NotFound,
            Some("CONFLICT") => Exit::Conflict,
            Some("FORBIDDEN") => Exit::Forbidden,
            Some("BACKEND_ERROR") | None => Exit::Backend,
            Some(_) if error["code"] == -32603 => Exit::Backend,
            Some(_) => Exit::Invalid,
        }
    }

    pub fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}

pub fn call(
    connect: Option<&Path>,
    backend: &BackendOptions,
    method: &str,
    params: Value,
) -> Result<Outcome, String> {
    let Some(socket) = connect else {
        return in_process(backend, method, params);
    };
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let response = over_socket(socket, &request.to_string())?;
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

/// Calls `method` through the router in this process, as the user cronrpc runs as.
fn in_process(backend: &BackendOptions, method: &str, params: Value) -> Result<Outcome, String> {
    let router = api::Router::new(app::build_service(backend)?);
    let Some(route) = router.route(method) else {
        return Err(format!("no method named {method:?}"));
    };
    let params = serde_json::value::to_raw_value(&params).map_err(|e| e.to_string())?;
    let ctx = crate::service::Context::new(crate::service::Caller::current());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    match runtime.block_on(router.call_json(route, ctx, Some(params))) {
        Ok(result) => serde_json::from_str(result.get())
            .map(Outcome::Result)
            .map_err(|e| e.to_string()),
        Err(error) => serde_json::to_value(&error)
            .map(Outcome::Error)
            .map_err(|e| e.to_string()),
    }
}

fn over_socket(socket: &Path, request: &str) -> Result<String, String> {
    let fail = |e: std::io::Error| format!("{}: {e}", socket.display());
    let mut stream = std::os::unix::net::UnixStream::connect(socket).map_err(fail)?;
    stream
        .write_all(format!("{request}\n").as_bytes())
        .map_err(fail)?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).map_err(fail)?;
    if line.is_empty() {
        return Err(format!(
            "{}: the server closed the connection",
            socket.display()
        ));
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_classes() {
        let of = |code: &str, rpc: i64| Exit::of(&json!({"code": rpc, "data": {"code": code}}));
        assert_eq!(of("INVALID_SCHEDULE", -32602), Exit::Invalid);
        assert_eq!(of("INVALID_PARAMS", -32602), Exit::Invalid);
        assert_eq!(of("ENTRY_NOT_FOUND", -32002), Exit::NotFound);
        assert_eq!(of("USER_NOT_FOUND", -32001), Exit::NotFound);
        assert_eq!(of("CONFLICT", -32003), Exit::Conflict);
        assert_eq!(of("FORBIDDEN", -32004), Exit::Forbidden);
        assert_eq!(of("BACKEND_ERROR", -32000), Exit::Backend);
        assert_eq!(of("INTERNAL", -32603), Exit::Backend);
    }
}
