//! The three run operations the MCP layer builds on: start a run without waiting, read it,
//! cancel it. Each is one call through the method table (`entries.run` with `wait: false`,
//! `runs.get`, `runs.cancel`), so a run started here is the same durable, recorded run a
//! JSON-RPC client gets, and survives the connection and the server.
//!
//! Until `entries.run` takes `wait: false` and `runs.get` / `runs.cancel` exist (the `runs`
//! work), this stands in for them: the run goes on a thread and is found in the history,
//! which records it as `running` before the command starts. Cancelling is refused.

use crate::api::{self, params, Method};
use crate::domain::{Error, Result};
use crate::history::{RunRecord, RunStatus};
use crate::service::runs::HistoryParams;
use crate::service::{Caller, Service};
use std::sync::Arc;
use std::time::Duration;

/// A run just started, and whether the caller asked to wait for it (`wait`, default true).
pub struct Started {
    pub record: RunRecord,
    pub wait: bool,
}

fn newest(
    service: &Service,
    caller: &Caller,
    user: &str,
    entry: Option<String>,
) -> Result<Vec<RunRecord>> {
    let params = HistoryParams {
        user: user.to_owned(),
        id: entry,
        since: None,
        limit: 1000,
        include_rotated: false,
        status: None,
    };
    Ok(service.entries_history(caller, params)?.runs)
}

/// Starts the run `arguments` (entries_run's arguments) describe, answering at once with the
/// record in `running` (or already ended).
pub fn start(service: &Arc<Service>, caller: &Caller, arguments: &str) -> Result<Started> {
    let params = params::parse::<<api::EntriesRun as Method>::Params>(Some(arguments))?;
    let before: Vec<String> = newest(service, caller, &params.user, Some(params.id.clone()))
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.run_id)
        .collect();
    let (user, entry) = (params.user.clone(), params.id.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    let (service2, caller2) = (service.clone(), caller.clone());
    std::thread::spawn(move || {
        let _ = tx.send(api::EntriesRun::call(
            &service2,
            &crate::service::Context::new(caller2),
            params,
        ));
    });
    loop {
        if let Ok(done) = rx.try_recv() {
            return done.map(|record| Started { record, wait: true });
        }
        let runs = newest(service, caller, &user, Some(entry.clone()))?;
        if let Some(record) = runs.into_iter().find(|r| !before.contains(&r.run_id)) {
            return Ok(Started { record, wait: true });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn get(service: &Service, caller: &Caller, user: &str, run_id: &str) -> Result<RunRecord> {
    newest(service, caller, user, None)?
        .into_iter()
        .find(|r| r.run_id == run_id)
        .ok_or_else(|| Error::invalid_params(Some("run_id".into()), format!("no run {run_id}")))
}

/// Stops the run's whole process group; a run that has ended is returned as it is.
pub fn cancel(service: &Service, caller: &Caller, user: &str, run_id: &str) -> Result<RunRecord> {
    let record = get(service, caller, user, run_id)?;
    if is_running(&record) {
        return Err(Error::backend(
            "cancelling a run needs runs.cancel, not yet here",
        ));
    }
    Ok(record)
}

pub fn is_running(record: &RunRecord) -> bool {
    record.status == RunStatus::Running
}
