//! `entries_run` as a tool: a task for a client that declared the Tasks extension, else a
//! call that waits for the run while telling the client it is alive (progress) and stops the
//! run if the client gives up on it (`notifications/cancelled`).
//!
//! Either way the run is started without waiting (`entries.run` with `wait: false`) and then
//! followed through `runs.get`, so a cancelled call can stop it with `runs.cancel`, and the
//! run is the same recorded run a JSON-RPC client would see.

use super::method::Origin;
use super::tools::{answer, failure, success, Call};
use super::{runs, tasks};
use crate::api::errors::ErrorObject;
use crate::api::Router;
use crate::service::{Caller, Service};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How often a waiting call looks at its run.
const POLL: Duration = Duration::from_millis(100);
/// How often a waiting call with a progress token says it is still running.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// `f` as `caller`, on the blocking pool within the caller's share. Each step is quick: the
/// wait between them holds no thread.
async fn blocking<T: Send + 'static>(
    router: &Router,
    caller: &Caller,
    f: impl FnOnce(&Service, &Caller) -> T + Send + 'static,
) -> Result<T, ErrorObject> {
    let who = caller.clone();
    router
        .blocking(caller.uid, false, move |service| f(service, &who))
        .await
        .map_err(|e| super::internal(&e))
}

pub async fn run(call: Call, origin: Origin, router: Router) -> Result<Value, ErrorObject> {
    let caller = call.caller(&origin);
    let in_flight = origin.in_flight;
    let Call {
        arguments,
        modern,
        progress_token,
        ..
    } = call;
    let start = move |service: &Service, who: &Caller| runs::start(service, who, &arguments);
    let started = match blocking(&router, &caller, start).await? {
        Ok(started) => started,
        Err(error) => return Ok(answer(failure(&error), modern.as_ref())),
    };
    let mut record = started.record;
    if !started.wait || !runs::is_running(&record) {
        return Ok(answer(success(json!(record)), modern.as_ref()));
    }
    if let Some(modern) = modern.as_ref().filter(|m| m.tasks) {
        return Ok(tasks::created(&record, modern));
    }
    let began = Instant::now();
    let mut next_progress = began;
    let mut reported = 0u64;
    while runs::is_running(&record) {
        if let Some(token) = &progress_token {
            if Instant::now() >= next_progress {
                reported += 1;
                let params = progress(token, reported, began.elapsed(), &record.run_id);
                in_flight
                    .peer
                    .notify("notifications/progress", params)
                    .await;
                next_progress += PROGRESS_EVERY;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = in_flight.cancelled.cancelled() => {
                // The client gave up: stop the run so it is not left going (and run again by
                // an agent told it failed). The connection sends no answer.
                let (user, id) = (record.user.clone(), record.run_id.clone());
                let cancel = move |service: &Service, who: &Caller| runs::cancel(service, who, &user, &id);
                if let Ok(Err(e)) = blocking(&router, &caller, cancel).await {
                    tracing::warn!(run = %record.run_id, "cancelling a run for a cancelled call: {e}");
                }
                return Err(super::internal(&"cancelled by the client"));
            }
        }
        let (user, id) = (record.user.clone(), record.run_id.clone());
        let get = move |service: &Service, who: &Caller| runs::get(service, who, &user, &id);
        match blocking(&router, &caller, get).await? {
            Ok(now) => record = now,
            Err(error) => return Ok(answer(failure(&error), modern.as_ref())),
        }
    }
    Ok(answer(success(json!(record)), modern.as_ref()))
}

fn progress(token: &Value, count: u64, elapsed: Duration, run_id: &str) -> Value {
    json!({
        "progressToken": token,
        "progress": count,
        "message": format!("run {run_id} running for {}s", elapsed.as_secs()),
    })
}
