//! The responder with no transport: batches, notifications, odd ids and the write order.

use super::*;
use crate::backend::{Locks, SpoolBackend};
use crate::service::Service;
use serde_json::{json, Value};
use std::sync::Mutex;
use tokio::sync::oneshot;

fn router(dir: &std::path::Path) -> Router {
    Router::new(Service::new(
        Box::new(SpoolBackend::new(dir)),
        Locks::new(dir.join(".locks")),
        crate::cron::Zone::utc(),
    ))
}

fn responder(dir: &std::path::Path) -> Responder {
    Responder::new(router(dir), Caller::from_uid(0), None)
}

async fn answer(d: &Responder, line: &str) -> Option<Value> {
    let job = d.plan(line.as_bytes(), &mut WriteOrder::default());
    job.await.map(|a| serde_json::from_str(&a).unwrap())
}

#[tokio::test]
async fn the_specifications_examples() {
    let dir = tempfile::tempdir().unwrap();
    let d = responder(dir.path());
    for line in [
        r#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#,
        r#"{"foo": "boo"}"#,
        r#"{"method": "health"}"#,
        "[1]",
    ] {
        let a = answer(&d, line)
            .await
            .unwrap_or_else(|| panic!("{line}: silence"));
        let a = if a.is_array() { a[0].clone() } else { a };
        assert_eq!(a["error"]["code"], -32600, "{line} -> {a}");
        assert_eq!(a["id"], Value::Null, "{line} -> {a}");
    }
    let a = answer(&d, "[1,2,3]").await.expect("an array of errors");
    assert_eq!(a.as_array().unwrap().len(), 3);
    assert!(a
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["error"]["code"] == -32600));

    let a = answer(
        &d,
        r#"[{"foo": "boo"}, {"jsonrpc": "2.0", "method": "health"}]"#,
    )
    .await
    .expect("the invalid member is answered");
    assert_eq!(a.as_array().unwrap().len(), 1, "{a}");
    assert_eq!(a[0]["error"]["code"], -32600);

    let a = answer(
        &d,
        r#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#,
    )
    .await
    .unwrap();
    assert_eq!(a["error"]["code"], -32700);
    let a = answer(&d, "[]").await.unwrap();
    assert_eq!(a["error"]["code"], -32600);
}

#[tokio::test]
async fn notifications_run_but_get_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let d = responder(dir.path());
    let create = json!({"jsonrpc": "2.0", "method": "entries.create",
        "params": {"user": "root", "schedule": "@daily", "command": "true"}});
    assert!(answer(&d, &create.to_string()).await.is_none());
    assert!(answer(&d, r#"{"jsonrpc":"2.0","method":"nope"}"#)
        .await
        .is_none());
    assert!(answer(&d, r#"[{"jsonrpc":"2.0","method":"health"}]"#)
        .await
        .is_none());
    let list = answer(
        &d,
        r#"{"jsonrpc":"2.0","id":1,"method":"entries.list","params":{"user":"root"}}"#,
    )
    .await
    .unwrap();
    assert_eq!(list["result"]["total"], 1, "{list}");
}

#[tokio::test]
async fn odd_ids_come_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = responder(dir.path());
    for id in [
        "1.50",
        "1e3",
        "-0",
        "123456789012345678901234567890",
        r#""\u00e9""#,
        "null",
    ] {
        let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"health","params":[]}}"#);
        let job = d.plan(line.as_bytes(), &mut WriteOrder::default());
        let text = job.await.unwrap();
        assert!(
            text.starts_with(&format!(r#"{{"jsonrpc":"2.0","id":{id},"result":"#)),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_batch_is_bounded_in_size() {
    let dir = tempfile::tempdir().unwrap();
    let d = responder(dir.path()).with_max_answer(2000);
    let batch: Vec<Value> = (0..50)
        .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "health"}))
        .collect();
    let a = answer(&d, &Value::Array(batch).to_string()).await.unwrap();
    let a = a.as_array().unwrap();
    assert_eq!(a.len(), 50, "every member is answered");
    let refused = a
        .iter()
        .filter(|m| m["error"]["data"]["code"] == "ANSWER_TOO_LARGE")
        .count();
    assert!(refused > 0 && refused < 50, "{refused}");
}

#[tokio::test]
async fn a_write_takes_effect_before_later_requests_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = responder(dir.path());
    let mut order = WriteOrder::default();
    let create = json!({"jsonrpc": "2.0", "id": 1, "method": "entries.create",
        "params": {"user": "root", "schedule": "@daily", "command": "true"}});
    let list = r#"{"jsonrpc":"2.0","id":2,"method":"entries.list","params":{"user":"root"}}"#;
    let create = d.plan(create.to_string().as_bytes(), &mut order);
    let list = d.plan(list.as_bytes(), &mut order);
    // The list is started first, and still sees the entry.
    let list = tokio::spawn(list);
    tokio::task::yield_now().await;
    let created = create.await.unwrap();
    assert!(created.contains("\"result\""), "{created}");
    let list: Value = serde_json::from_str(&list.await.unwrap().unwrap()).unwrap();
    assert_eq!(list["result"]["total"], 1, "{list}");
}

/// A handler with `slow.run`, a write that reports its effect taken at once and then waits,
/// `slow.write`, which never reports and waits, and a notification `stop`.
struct Slow(Mutex<std::collections::HashMap<String, oneshot::Receiver<()>>>);

impl Handler for Slow {
    fn order(&self, request: &crate::protocol::envelope::Request) -> Option<Order> {
        match request.method.as_str() {
            "slow.run" | "slow.write" => Some(Order::Write),
            "stop" => Some(Order::Control),
            _ => None,
        }
    }

    fn call(
        &self,
        ctx: Context,
        request: crate::protocol::envelope::Request,
        _: InFlight,
    ) -> BoxFuture<'static, Reply> {
        let release = self.0.lock().unwrap().remove(&request.method);
        let started = request.method == "slow.run";
        async move {
            if started {
                ctx.effect_taken();
            }
            if let Some(release) = release {
                let _ = release.await;
            }
            Some(Ok(serde_json::value::to_raw_value(&1).unwrap()))
        }
        .boxed()
    }
}

#[tokio::test]
async fn a_started_run_releases_the_order_and_control_never_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (release_run, run_gate) = oneshot::channel();
    let (release_write, write_gate) = oneshot::channel();
    let gates = [
        ("slow.run".to_owned(), run_gate),
        ("slow.write".to_owned(), write_gate),
    ];
    let slow = Arc::new(Slow(Mutex::new(gates.into_iter().collect())));
    let d = Responder::new(router(dir.path()), Caller::from_uid(0), Some(slow));
    let mut order = WriteOrder::default();
    let line =
        |id: u32, method: &str| format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}"}}"#);
    let run = tokio::spawn(d.plan(line(1, "slow.run").as_bytes(), &mut order));
    let health = d.plan(line(2, "health").as_bytes(), &mut order);
    assert!(
        health.await.unwrap().contains("\"ok\""),
        "not held behind the started run"
    );

    let write = tokio::spawn(d.plan(line(3, "slow.write").as_bytes(), &mut order));
    let mut held = tokio::spawn(d.plan(line(4, "health").as_bytes(), &mut order));
    let stop = d.plan(br#"{"jsonrpc":"2.0","method":"stop"}"#, &mut order);
    assert!(
        stop.await.is_none(),
        "a notification is answered by nobody, at once"
    );
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(
        futures::poll!(&mut held).is_pending(),
        "held until the write's effect is taken"
    );
    release_write.send(()).unwrap();
    assert!(write.await.unwrap().is_some());
    assert!(held.await.unwrap().unwrap().contains("\"ok\""));
    release_run.send(()).unwrap();
    assert!(run.await.unwrap().is_some());
}
