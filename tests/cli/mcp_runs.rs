//! entries_run over MCP: tasks for clients that declare the extension, progress while a call
//! waits, and cancellation (tasks/cancel, notifications/cancelled) stopping the real run.

use crate::harness::Server;
use crate::mcp_modern::{envelope, exchange};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

fn create(server: &mut Server, command: &str) -> String {
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "0 3 * * *", "command": command}),
    );
    entry["id"].as_str().unwrap().to_owned()
}

fn run_call(id: &str) -> Value {
    json!({"name": "entries_run", "arguments": {"user": "root", "id": id}})
}

/// Polls `tasks/get` until the task leaves `working`.
fn poll_task(server: &mut Server, first_id: u64, task_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in first_id.. {
        let (response, _) = exchange(
            server,
            id,
            "tasks/get",
            json!({"taskId": task_id}),
            envelope(true),
        );
        let result = response["result"].clone();
        assert_eq!(result["resultType"], "complete", "{response}");
        assert_eq!(result["taskId"], task_id);
        if result["status"] != "working" {
            return result;
        }
        assert!(Instant::now() < deadline, "the task never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
    unreachable!()
}

/// A command that starts a background sleeper, notes its pid in `dir`, and waits.
fn sleeper(dir: &Path) -> String {
    format!("sleep 300 & echo $! > {}/pid; wait", dir.display())
}

fn sleeper_pid(dir: &Path) -> i32 {
    let file = dir.join("pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(pid) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return pid;
        }
        assert!(Instant::now() < deadline, "the job never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is still a live process (a zombie counts as gone).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_gone(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(pid) {
        assert!(Instant::now() < deadline, "process {pid} still runs");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_client_that_declares_tasks_gets_a_task_it_polls_to_completion() {
    let mut server = Server::spool();
    let id = create(&mut server, "sleep 1; echo done");
    let (created, _) = exchange(&mut server, 1, "tools/call", run_call(&id), envelope(true));
    let task = &created["result"];
    assert_eq!(task["resultType"], "task", "{created}");
    assert_eq!(task["status"], "working");
    assert!(task["pollIntervalMs"].is_u64());
    assert!(task.get("ttlMs").is_some());
    let task_id = task["taskId"].as_str().unwrap().to_owned();

    // The task is the run: the history has it under the same id.
    let runs = server.call("entries.history", json!({"user": "root", "id": id}));
    assert_eq!(runs["runs"][0]["run_id"], task_id.as_str(), "{runs}");

    let done = poll_task(&mut server, 2, &task_id);
    assert_eq!(done["status"], "completed", "{done}");
    let result = &done["result"];
    assert_eq!(result["isError"], false);
    assert_eq!(result["structuredContent"]["run_id"], task_id.as_str());
    assert_eq!(result["structuredContent"]["stdout"], "done\n");
    assert_eq!(result["structuredContent"]["status"], "succeeded");
}

#[test]
fn a_task_survives_the_connection_and_the_server() {
    let mut first = Server::spool();
    let id = create(&mut first, "sleep 1; echo later");
    let (created, _) = exchange(&mut first, 1, "tools/call", run_call(&id), envelope(true));
    let task_id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let spool = first.spool.take().unwrap();
    drop(first);
    // A new server on the same spool and state: the task is read from the run history.
    let dir = spool.path().to_str().unwrap();
    let mut second = Server::with_args(&["--backend", "spool", "--spool-dir", dir]);
    let done = poll_task(&mut second, 1, &task_id);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["structuredContent"]["stdout"], "later\n");
}

#[test]
fn without_the_declaration_there_is_never_a_task() {
    let mut server = Server::spool();
    let id = create(&mut server, "echo plain");
    let (modern, _) = exchange(&mut server, 1, "tools/call", run_call(&id), envelope(false));
    assert_eq!(modern["result"]["resultType"], "complete", "{modern}");
    assert_eq!(modern["result"]["structuredContent"]["stdout"], "plain\n");
    let (legacy, _) = exchange(&mut server, 2, "tools/call", run_call(&id), Value::Null);
    assert!(legacy["result"].get("resultType").is_none(), "{legacy}");
    assert_eq!(legacy["result"]["structuredContent"]["stdout"], "plain\n");

    // Asking about tasks without declaring the extension is the extension's -32021.
    let task_id = modern["result"]["structuredContent"]["run_id"].clone();
    let (refused, _) = exchange(
        &mut server,
        3,
        "tasks/get",
        json!({"taskId": task_id}),
        envelope(false),
    );
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    assert!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"]
            ["io.modelcontextprotocol/tasks"]
            .is_object()
    );
    // An unknown task is invalid params.
    let unknown = json!({"taskId": uuid::Uuid::new_v4().to_string()});
    let (missing, _) = exchange(&mut server, 4, "tasks/get", unknown, envelope(true));
    assert_eq!(missing["error"]["code"], -32602, "{missing}");
}

#[test]
fn a_waiting_call_with_a_progress_token_gets_progress() {
    let mut server = Server::spool();
    let id = create(&mut server, "sleep 2");
    let params = json!({"name": "entries_run", "arguments": {"user": "root", "id": id}, "_meta": {"progressToken": "p-1"}});
    let (answer, notifications) = exchange(&mut server, 1, "tools/call", params, Value::Null);
    assert_eq!(
        answer["result"]["structuredContent"]["status"], "succeeded",
        "{answer}"
    );
    let progress: Vec<&Value> = notifications
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .collect();
    assert!(!progress.is_empty(), "no progress in {notifications:?}");
    assert!(progress
        .iter()
        .all(|p| p["params"]["progressToken"] == "p-1"));
    let counts: Vec<f64> = progress
        .iter()
        .map(|p| p["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");

    // Modern, too; and none without a token.
    let mut meta = envelope(false);
    meta["progressToken"] = json!(7);
    let params = json!({"name": "entries_run", "arguments": {"user": "root", "id": id}});
    let (_, notifications) = exchange(&mut server, 2, "tools/call", params.clone(), meta);
    assert!(notifications
        .iter()
        .any(|n| n["params"]["progressToken"] == 7));
    let (_, notifications) = exchange(&mut server, 3, "tools/call", params, Value::Null);
    assert!(notifications.is_empty(), "{notifications:?}");
}

#[test]
fn tasks_cancel_stops_the_runs_processes() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::spool();
    let id = create(&mut server, &sleeper(dir.path()));
    let (created, _) = exchange(&mut server, 1, "tools/call", run_call(&id), envelope(true));
    let task_id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let pid = sleeper_pid(dir.path());
    assert!(alive(pid));
    let (ack, _) = exchange(
        &mut server,
        2,
        "tasks/cancel",
        json!({"taskId": task_id}),
        envelope(true),
    );
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    wait_gone(pid);
    let done = poll_task(&mut server, 3, &task_id);
    assert_eq!(done["status"], "cancelled", "{done}");
}

#[test]
fn a_cancelled_legacy_call_stops_its_run_and_gets_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::spool();
    let id = create(&mut server, &sleeper(dir.path()));
    let call = json!({"jsonrpc": "2.0", "id": 41, "method": "tools/call", "params": run_call(&id)});
    server.send_line(&call.to_string());
    let pid = sleeper_pid(dir.path());
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 41, "reason": "timeout"}});
    server.send_line(&cancel.to_string());
    wait_gone(pid);
    // The next answer on the stream is for the next request, not the cancelled one.
    let (ping, notifications) = exchange(&mut server, 42, "ping", json!({}), Value::Null);
    assert_eq!(ping["result"], json!({}));
    assert!(notifications.is_empty(), "{notifications:?}");
    let runs = server.call("entries.history", json!({"user": "root", "id": id}));
    assert_eq!(runs["runs"][0]["status"], "cancelled", "{runs}");
    let lines = server.finish();
    assert!(
        lines.iter().all(|l| l.get("id") != Some(&json!(41))),
        "{lines:?}"
    );
}

#[test]
fn a_cancelled_call_of_another_tool_gets_no_answer() {
    let mut server = Server::spool();
    // Cancel what has not been sent and what is already answered: both ignored.
    let cancel = |id: u64| {
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": id}})
            .to_string()
    };
    server.send_line(&cancel(99));
    let (health, _) = exchange(
        &mut server,
        1,
        "tools/call",
        json!({"name": "health", "arguments": {}}),
        Value::Null,
    );
    assert_eq!(health["result"]["isError"], false);
    server.send_line(&cancel(1));
    assert_eq!(server.call("health", json!({}))["status"], "ok");
}

#[test]
fn a_cancelled_request_of_another_kind_is_left_to_finish_but_not_answered() {
    let mut server = Server::spool();
    let id = create(&mut server, "sleep 1; echo finished");
    // A plain JSON-RPC entries.run that waits: not an MCP tool call, so cancelling it only
    // drops its answer.
    let run = json!({"jsonrpc": "2.0", "id": 61, "method": "entries.run", "params": {"user": "root", "id": id}});
    server.send_line(&run.to_string());
    let cancel =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 61}});
    server.send_line(&cancel.to_string());
    // Wait until the run has ended, then check nothing but the next answer comes.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let runs = server.call("entries.history", json!({"user": "root", "id": id}));
        if runs["runs"][0]["status"] == "succeeded" {
            break;
        }
        assert!(Instant::now() < deadline, "the run never ended: {runs}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (ping, notifications) = exchange(&mut server, 62, "ping", json!({}), Value::Null);
    assert_eq!(ping["result"], json!({}));
    assert!(notifications.is_empty(), "{notifications:?}");
    let lines = server.finish();
    assert!(
        lines.iter().all(|l| l.get("id") != Some(&json!(61))),
        "{lines:?}"
    );
}
