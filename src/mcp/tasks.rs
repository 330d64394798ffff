//! The Tasks extension (`io.modelcontextprotocol/tasks`) for `entries_run`.
//!
//! A task is the run: its id is the run's id, and its state is read from the run history
//! each time, so it outlives the connection and the server, and a client can poll after
//! reconnecting. Only a client that declares the extension on the request gets a task, and
//! only such a client may ask about one (-32021 otherwise, as the extension says).

use super::era::{self, Modern};
use super::method::string_member;
use super::runs;
use super::tools::{answer, success};
use crate::api::errors;
use crate::api::errors::ErrorObject;
use crate::api::Router;
use crate::domain::Error;
use crate::history::{RunRecord, RunStatus};
use crate::service::crontab::NoParams;
use crate::service::{Caller, Service};
use rmcp::model::{
    CreateTaskResult, DetailedTask, ErrorCode, GetTaskResult, Task, TaskAckResult, TaskPayload,
    TaskStatus, TASKS_EXTENSION_ID,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// How often a client should poll a working task.
pub const POLL_INTERVAL_MS: u64 = 1000;

/// The task a run is, as `tools/call` hands it back.
pub fn created(record: &RunRecord, modern: &Modern) -> Value {
    remember(record);
    let result = CreateTaskResult::new(task(record, TaskStatus::Working));
    era::complete(json!(result), Some(modern))
}

fn task(record: &RunRecord, status: TaskStatus) -> Task {
    let updated = record.finished_at.unwrap_or(record.started_at);
    let mut task = Task::new(
        record.run_id.clone(),
        status,
        record.started_at.to_string(),
        updated.to_string(),
    )
    .with_poll_interval_ms(POLL_INTERVAL_MS);
    // The run stays in the history (rotated, not discarded), so the task has no deadline.
    task.ttl_ms = None;
    task.status_message = Some(format!("run {}", status_word(record.status)));
    task
}

fn status_word(status: RunStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The task as `tasks/get` answers it: working while the run runs, then the tool's result
/// (the run record, whatever its exit), or cancelled.
fn detailed(record: &RunRecord, modern: &Modern) -> DetailedTask {
    let payload = match record.status {
        RunStatus::Running => TaskPayload::Working,
        RunStatus::Cancelled => TaskPayload::Cancelled,
        _ => {
            let result = answer(success(json!(record)), Some(modern));
            let Value::Object(result) = result else {
                unreachable!("a tool result is an object")
            };
            TaskPayload::Completed { result }
        }
    };
    let status = payload.status();
    DetailedTask::new(task(record, status), payload)
}

/// Who each task started by this process belongs to, so a poll need not search for it.
fn owners() -> &'static Mutex<HashMap<String, String>> {
    static OWNERS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    OWNERS.get_or_init(Mutex::default)
}

/// Past this many, the map starts afresh: it only spares a search, which still finds any task.
const MAX_REMEMBERED: usize = 10_000;

fn remember(record: &RunRecord) {
    let mut owners = owners().lock().unwrap_or_else(|e| e.into_inner());
    if owners.len() >= MAX_REMEMBERED {
        owners.clear();
    }
    owners.insert(record.run_id.clone(), record.user.clone());
}

/// The task's run, with access checked as `runs.get` checks it. A task from before a
/// restart is found in the history of the caller's own user, then of every user the caller
/// may see.
fn find(service: &Service, caller: &Caller, task_id: &str) -> Result<RunRecord, ErrorObject> {
    let not_found = || {
        let detail = format!("no task {task_id:?}");
        errors::to_rpc(&Error::invalid_params(Some("taskId".into()), detail))
    };
    if uuid::Uuid::parse_str(task_id).is_err() {
        return Err(not_found());
    }
    let known = owners()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(task_id)
        .cloned();
    let mut candidates: Vec<String> = known.into_iter().chain(caller.name.clone()).collect();
    if let Ok(list) = service.crontab_list(caller, NoParams {}) {
        candidates.extend(list.crontabs.into_iter().map(|c| c.user));
    }
    for user in candidates {
        // Not this user's run, or not this caller's to see: try the next.
        if let Ok(record) = runs::get(service, caller, &user, task_id) {
            remember(&record);
            return Ok(record);
        }
    }
    Err(not_found())
}

/// A tasks/* request's params. `taskId` is checked after `_meta`: only a client that
/// declared the extension hears about tasks at all.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TaskParams {
    #[serde(default)]
    task_id: Option<Value>,
    #[serde(rename = "_meta", default)]
    meta: era::Meta,
}

/// A tasks/* request: modern, with the extension declared on it; the task, and the caller as
/// that request names its client.
fn open(params: TaskParams, caller: Caller) -> Result<(Modern, String, Caller), ErrorObject> {
    let modern = era::read(&params.meta)?
        .filter(|m| m.tasks)
        .ok_or_else(|| {
            ErrorObject::owned(
                ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY.0,
                "Missing required client capability",
                Some(json!({"requiredCapabilities": {"extensions": {TASKS_EXTENSION_ID: {}}}})),
            )
        })?;
    let task_id = string_member(params.task_id, "taskId")?;
    let mut caller = caller;
    caller.client = modern.client_name.clone();
    Ok((modern, task_id, caller))
}

/// `f` as `caller`, on the blocking pool within the caller's share.
async fn blocking<T: Send + 'static>(
    router: &Router,
    caller: Caller,
    f: impl FnOnce(&Service, &Caller) -> Result<T, ErrorObject> + Send + 'static,
) -> Result<T, ErrorObject> {
    router
        .blocking(caller.uid, false, move |service| f(service, &caller))
        .await
        .map_err(|e| super::internal(&e))?
}

pub(super) async fn get(
    router: Router,
    params: TaskParams,
    caller: Caller,
) -> Result<Value, ErrorObject> {
    let (modern, task_id, caller) = open(params, caller)?;
    let record = blocking(&router, caller, move |service, who| {
        find(service, who, &task_id)
    })
    .await?;
    let result = GetTaskResult::new(detailed(&record, &modern));
    Ok(era::complete(json!(result), Some(&modern)))
}

/// Stops the run (its whole process group); the ack comes once it is recorded as stopped.
pub(super) async fn cancel(
    router: Router,
    params: TaskParams,
    caller: Caller,
) -> Result<Value, ErrorObject> {
    let (modern, task_id, caller) = open(params, caller)?;
    blocking(&router, caller, move |service, who| {
        let record = find(service, who, &task_id)?;
        runs::cancel(service, who, &record.user, &record.run_id).map_err(|e| errors::to_rpc(&e))
    })
    .await?;
    Ok(era::complete(json!(TaskAckResult::new()), Some(&modern)))
}

/// A run never waits for input, so there is nothing to update; the ack says the task exists.
pub(super) async fn update(
    router: Router,
    params: TaskParams,
    caller: Caller,
) -> Result<Value, ErrorObject> {
    let (modern, task_id, caller) = open(params, caller)?;
    blocking(&router, caller, move |service, who| {
        find(service, who, &task_id)
    })
    .await?;
    Ok(era::complete(json!(TaskAckResult::new()), Some(&modern)))
}
