//! The three run operations the MCP layer builds on: start a run without waiting, read it,
//! cancel it. Each is one call through the method table (`entries.run` with `wait: false`,
//! `runs.get`, `runs.cancel`), so a run started here is the same durable, recorded run a
//! JSON-RPC client gets, and survives the connection and the server.

use crate::api::{self, params, Method};
use crate::domain::Result;
use crate::history::{RunRecord, RunStatus};
use crate::service::runs::RunRef;
use crate::service::{Caller, Service};
use serde_json::value::RawValue;

/// A run just started, and whether the caller asked to wait for it (`wait`, default true).
pub struct Started {
    pub record: RunRecord,
    pub wait: bool,
}

/// Starts the run `arguments` (entries_run's arguments) describe, answering at once with the
/// record in `running` (or already ended, for a run a policy skipped).
pub fn start(service: &Service, caller: &Caller, arguments: &RawValue) -> Result<Started> {
    let mut params = params::parse::<<api::EntriesRun as Method>::Params>(Some(arguments.get()))?;
    let wait = params.wait;
    params.wait = false;
    let record = api::EntriesRun::call(
        service,
        &crate::service::Context::new(caller.clone()),
        params,
    )?;
    Ok(Started { record, wait })
}

pub fn get(service: &Service, caller: &Caller, user: &str, run_id: &str) -> Result<RunRecord> {
    api::RunsGet::call(
        service,
        &crate::service::Context::new(caller.clone()),
        run_ref(user, run_id),
    )
}

/// Stops the run's whole process group; a run that has ended is returned as it is.
pub fn cancel(service: &Service, caller: &Caller, user: &str, run_id: &str) -> Result<RunRecord> {
    api::RunsCancel::call(
        service,
        &crate::service::Context::new(caller.clone()),
        run_ref(user, run_id),
    )
}

fn run_ref(user: &str, run_id: &str) -> RunRef {
    RunRef {
        user: user.to_owned(),
        run_id: run_id.to_owned(),
    }
}

pub fn is_running(record: &RunRecord) -> bool {
    record.status == RunStatus::Running
}
