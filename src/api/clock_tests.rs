//! Time, through the method table with a fake clock: expiry, sweeping, and every time a method
//! writes or computes is the service's "now", with nothing waiting for the wall clock.

use super::Router;
use crate::backend::journal::{Journal, Retention};
use crate::backend::{Locks, SpoolBackend};
use crate::domain::time::{Clock, Timestamp};
use crate::service::{Caller, Context, Service};
use serde_json::{json, value::RawValue, Value};
use std::path::Path;

/// A fixed start far from the real date, so nothing passes by reading the system clock.
const START: &str = "2031-03-04T05:06:00Z";

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn later(secs: i64) -> String {
    Timestamp::from_unix(at(START).unix() + secs)
        .unwrap()
        .to_string()
}

/// A router over the spool backend in `dir` (with a revision journal), and the clock it reads.
fn router(dir: &Path) -> (Router, Clock) {
    router_keeping(dir, None)
}

/// The same, with revisions kept for `max_age_days`.
fn router_keeping(dir: &Path, max_age_days: Option<u32>) -> (Router, Clock) {
    let clock = Clock::fake(at(START));
    let service = Service::new(
        Box::new(SpoolBackend::new(dir)),
        Locks::new(dir.join(".locks")),
        crate::cron::Zone::utc(),
    )
    .with_journal(Journal::new(
        dir.join(".journal"),
        Retention {
            keep: 50,
            max_age_days,
        },
    ))
    .with_clock(clock.clone());
    (Router::new(service), clock)
}

async fn call(router: &Router, method: &str, params: Value) -> Result<Value, Value> {
    let route = router.route(method).expect("a method of the table");
    let params = RawValue::from_string(params.to_string()).unwrap();
    let ctx = Context::new(Caller::from_uid(0));
    match router.call_json(route, ctx, Some(params)).await {
        Ok(raw) => Ok(serde_json::from_str(raw.get()).unwrap()),
        Err(e) => Err(serde_json::to_value(&e).unwrap()),
    }
}

async fn ok(router: &Router, method: &str, params: Value) -> Value {
    call(router, method, params)
        .await
        .unwrap_or_else(|e| panic!("{method} failed: {e}"))
}

fn code(error: Value) -> Value {
    error["data"]["code"].clone()
}

fn file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("root")).unwrap_or_default()
}

/// An entry firing every minute that expires two minutes after START.
async fn expiring(router: &Router, command: &str) -> Value {
    ok(
        router,
        "entries.create",
        json!({"user": "root", "schedule": "* * * * *", "command": command,
               "expires_at": later(120)}),
    )
    .await
}

#[tokio::test]
async fn an_entry_is_live_until_the_clock_passes_its_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router(dir.path());
    let entry = expiring(&router, "echo soon").await;
    let get = json!({"user": "root", "id": entry["id"]});
    assert_eq!(entry["expired"], false);
    assert_eq!(
        entry["next_run"],
        later(60),
        "the next minute after the fake now"
    );

    clock.set(at(&later(119)));
    let got = ok(&router, "entries.get", get.clone()).await;
    assert_eq!(got["expired"], false, "one second before: {got}");
    assert_eq!(
        got["next_run"],
        Value::Null,
        "its last fire would be at expiry"
    );

    clock.set(at(&later(120)));
    let got = ok(&router, "entries.get", get.clone()).await;
    assert_eq!(got["expired"], true, "at expires_at: {got}");
    assert_eq!(got["next_run"], Value::Null);
    let list = ok(&router, "entries.list", json!({"user": "root"})).await;
    assert_eq!(list["entries"][0]["expired"], true, "{list}");
    assert!(
        file(dir.path()).contains("echo soon"),
        "reads write nothing"
    );
}

#[tokio::test]
async fn sweep_removes_what_the_clock_has_expired_and_a_dry_run_only_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router(dir.path());
    let entry = expiring(&router, "echo soon").await;
    let keep = ok(
        &router,
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo stays",
               "expires_at": later(3600)}),
    )
    .await;

    let swept = ok(&router, "entries.sweep", json!({})).await;
    assert_eq!(swept["removed"], json!([]), "nothing has expired yet");

    clock.advance(chrono::Duration::seconds(121));
    let dry = ok(
        &router,
        "entries.sweep",
        json!({"user": "root", "dry_run": true}),
    )
    .await;
    assert_eq!(dry["removed"][0]["id"], entry["id"], "{dry}");
    assert!(
        file(dir.path()).contains("echo soon"),
        "a dry run writes nothing"
    );

    let swept = ok(&router, "entries.sweep", json!({})).await;
    assert_eq!(
        swept["removed"],
        json!([{"user": "root", "id": entry["id"], "name": null, "expires_at": later(120)}])
    );
    let gone = call(
        &router,
        "entries.get",
        json!({"user": "root", "id": entry["id"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(code(gone), "ENTRY_NOT_FOUND");
    let text = file(dir.path());
    assert!(
        !text.contains("echo soon") && text.contains("echo stays"),
        "{text}"
    );
    let still = ok(
        &router,
        "entries.get",
        json!({"user": "root", "id": keep["id"]}),
    )
    .await;
    assert_eq!(still["expired"], false);
}

#[tokio::test]
async fn any_write_sweeps_what_the_clock_has_expired() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router(dir.path());
    let old = expiring(&router, "echo old").await;
    clock.advance(chrono::Duration::seconds(120));
    let new = ok(
        &router,
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "echo new"}),
    )
    .await;
    assert_eq!(new["created_at"], later(120));
    let gone = call(
        &router,
        "entries.get",
        json!({"user": "root", "id": old["id"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(code(gone), "ENTRY_NOT_FOUND");
    assert!(!file(dir.path()).contains("echo old"));
}

#[tokio::test]
async fn crontab_put_drops_entries_the_clock_has_expired() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router(dir.path());
    let entry = expiring(&router, "echo soon").await;
    let content = ok(&router, "crontab.get", json!({"user": "root"})).await["content"].clone();
    let put = json!({"user": "root", "content": content});

    let kept = ok(&router, "crontab.put", put.clone()).await;
    assert_eq!(kept["managed"]["kept"], json!([entry["id"]]), "{kept}");

    clock.advance(chrono::Duration::seconds(120));
    let mut dry = put.clone();
    dry["dry_run"] = json!(true);
    let dry = ok(&router, "crontab.put", dry).await;
    assert_eq!(dry["managed"]["removed"], json!([entry["id"]]), "{dry}");
    assert!(
        file(dir.path()).contains("echo soon"),
        "a dry run writes nothing"
    );

    let put = ok(&router, "crontab.put", put).await;
    assert_eq!(put["managed"]["removed"], json!([entry["id"]]), "{put}");
    assert_eq!(put["managed"]["kept"], json!([]));
    assert!(!file(dir.path()).contains("echo soon"));
}

#[tokio::test]
async fn an_expiry_is_in_the_future_by_the_services_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router(dir.path());
    // Still ahead of the real date, but behind the service's.
    clock.set(at("2099-01-01T00:00:00Z"));
    let create = json!({"user": "root", "schedule": "@daily", "command": "x",
                        "expires_at": "2098-01-01T00:00:00Z"});
    let refused = call(&router, "entries.create", create).await.unwrap_err();
    assert_eq!(code(refused), "INVALID_EXPIRES_AT");
    assert_eq!(file(dir.path()), "", "a refused request writes nothing");

    let entry = ok(
        &router,
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "x"}),
    )
    .await;
    let update = json!({"user": "root", "id": entry["id"], "expires_at": "2098-06-01T00:00:00Z"});
    let refused = call(&router, "entries.update", update).await.unwrap_err();
    assert_eq!(code(refused), "INVALID_EXPIRES_AT");
}

#[tokio::test]
async fn written_times_are_the_services_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router(dir.path());
    let entry = ok(
        &router,
        "entries.create",
        json!({"user": "root", "schedule": "0 6 * * *", "command": "x"}),
    )
    .await;
    assert_eq!(entry["created_at"], START);
    assert_eq!(entry["updated_at"], START);
    assert_eq!(
        entry["next_run"], "2031-03-04T06:00:00Z",
        "the next 06:00 after START"
    );

    clock.advance(chrono::Duration::hours(1));
    let updated = ok(
        &router,
        "entries.update",
        json!({"user": "root", "id": entry["id"], "command": "y"}),
    )
    .await;
    assert_eq!(updated["created_at"], START);
    assert_eq!(updated["updated_at"], later(3600));
    assert_eq!(
        updated["next_run"], "2031-03-05T06:00:00Z",
        "06:00 has passed by now"
    );

    let revisions = ok(&router, "crontab.revisions", json!({"user": "root"})).await;
    let newest = &revisions["revisions"][0];
    assert_eq!(newest["written_at"], later(3600), "{revisions}");
    assert_eq!(
        revisions["revisions"][1]["written_at"], START,
        "{revisions}"
    );
}

#[tokio::test]
async fn revisions_age_out_by_the_services_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router_keeping(dir.path(), Some(1));
    let create = json!({"user": "root", "schedule": "@daily", "command": "x"});
    ok(&router, "entries.create", create.clone()).await;
    let revisions = ok(&router, "crontab.revisions", json!({"user": "root"})).await;
    assert_eq!(
        revisions["revisions"].as_array().unwrap().len(),
        2,
        "{revisions}"
    );

    clock.advance(chrono::Duration::days(2));
    ok(&router, "entries.create", create).await;
    let revisions = ok(&router, "crontab.revisions", json!({"user": "root"})).await;
    let kept: Vec<&Value> = revisions["revisions"].as_array().unwrap().iter().collect();
    assert_eq!(
        kept.len(),
        1,
        "two days on, only the newest is kept: {revisions}"
    );
    assert_eq!(kept[0]["written_at"], later(2 * 86_400));
}

#[tokio::test]
async fn adopted_entries_are_stamped_with_the_services_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (router, clock) = router(dir.path());
    ok(
        &router,
        "crontab.put",
        json!({"user": "root", "content": "30 1 * * * echo by hand\n"}),
    )
    .await;
    clock.advance(chrono::Duration::minutes(5));
    let adopted = ok(
        &router,
        "entries.adopt",
        json!({"user": "root", "line": "30 1 * * * echo by hand"}),
    )
    .await;
    assert_eq!(adopted["created_at"], later(300), "{adopted}");
    assert_eq!(adopted["updated_at"], later(300));
}

#[tokio::test]
async fn describe_counts_from_the_services_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (router, _clock) = router(dir.path());
    let described = ok(
        &router,
        "schedule.describe",
        json!({"schedule": "0 0 1 * *", "count": 2}),
    )
    .await;
    assert_eq!(
        described["next_runs"],
        json!(["2031-04-01T00:00:00Z", "2031-05-01T00:00:00Z"])
    );
}
