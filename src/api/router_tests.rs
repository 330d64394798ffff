//! The method table with no transport at all: params in, result or error object out.

use super::*;
use crate::backend::{Locks, SpoolBackend};
use crate::service::Caller;
use serde_json::{json, Value};

fn router(dir: &std::path::Path) -> Router {
    Router::new(Service::new(
        Box::new(SpoolBackend::new(dir)),
        Locks::new(dir.join(".locks")),
        crate::cron::Zone::utc(),
    ))
}

fn root() -> Context {
    Context::new(Caller::from_uid(0))
}

async fn call_as(
    router: &Router,
    ctx: Context,
    method: &str,
    params: &str,
) -> Result<Value, Value> {
    let route = router.route(method).expect("a method of the table");
    let params = RawValue::from_string(params.to_owned()).unwrap();
    match router.call_json(route, ctx, Some(params)).await {
        Ok(raw) => Ok(serde_json::from_str(raw.get()).unwrap()),
        Err(e) => Err(serde_json::to_value(&e).unwrap()),
    }
}

async fn call(router: &Router, method: &str, params: Value) -> Result<Value, Value> {
    call_as(router, root(), method, &params.to_string()).await
}

#[test]
fn every_method_is_routed() {
    let dir = tempfile::tempdir().unwrap();
    let router = router(dir.path());
    let mut names: Vec<&str> = router.names().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "crontab.get",
            "crontab.list",
            "crontab.put",
            "crontab.restore",
            "crontab.revisions",
            "entries.adopt",
            "entries.apply",
            "entries.create",
            "entries.delete",
            "entries.get",
            "entries.history",
            "entries.list",
            "entries.run",
            "entries.sweep",
            "entries.update",
            "health",
            "rpc.discover",
            "runs.cancel",
            "runs.get",
            "schedule.describe"
        ]
    );
    assert!(router.route("entries.frobnicate").is_none());
}

#[tokio::test]
async fn create_then_get_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let router = router(dir.path());
    let created = call(
        &router,
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "true"}),
    )
    .await
    .unwrap();
    let got = call(
        &router,
        "entries.get",
        json!({"user": "root", "id": created["id"]}),
    )
    .await
    .unwrap();
    assert_eq!(got, created);
}

#[test]
fn typed_calls_need_no_json() {
    let dir = tempfile::tempdir().unwrap();
    let router = router(dir.path());
    let health = router
        .call::<crate::api::Health>(&root(), crate::service::crontab::NoParams {})
        .unwrap();
    assert_eq!(health.status, "ok");
}

#[tokio::test]
async fn no_params_may_be_absent_empty_or_an_empty_array() {
    let dir = tempfile::tempdir().unwrap();
    let router = router(dir.path());
    let route = router.route("health").unwrap();
    for params in [None, Some("{}"), Some("[]"), Some(" [ ] ")] {
        let params = params.map(|p| RawValue::from_string(p.to_owned()).unwrap());
        let answer = router.call_json(route, root(), params).await;
        assert!(answer.is_ok(), "{answer:?}");
    }
    let error = call_as(&router, root(), "health", "[1]").await.unwrap_err();
    assert_eq!(error["data"]["code"], "INVALID_PARAMS");
    let error = call_as(&router, root(), "health", r#"{"x":1}"#)
        .await
        .unwrap_err();
    assert_eq!(error["data"]["field"], "x");
}

/// Each row: method, params, data.code, data.field.
const REFUSED: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "entries.create",
        r#"{"user":"root","schedule":"60 * * * *","command":"x"}"#,
        "INVALID_SCHEDULE",
        Some("schedule"),
    ),
    (
        "entries.create",
        r#"{"user":"root","schedule":"@daily","command":""}"#,
        "INVALID_COMMAND",
        Some("command"),
    ),
    (
        "entries.create",
        r#"{"user":"root","schedule":"@daily","command":"a\nb"}"#,
        "INVALID_COMMAND",
        Some("command"),
    ),
    (
        "entries.create",
        r#"{"user":"root","schedule":"@daily","command":"x","name":""}"#,
        "INVALID_NAME",
        Some("name"),
    ),
    (
        "entries.create",
        r#"{"user":"root","schedule":"@daily","command":"x","comment":"a\nb"}"#,
        "INVALID_COMMENT",
        Some("comment"),
    ),
    (
        "entries.create",
        r#"{"user":"root","schedule":"@daily","command":"x","expires_at":"2001-01-01T00:00:00Z"}"#,
        "INVALID_EXPIRES_AT",
        Some("expires_at"),
    ),
    (
        "entries.create",
        r#"{"user":"Bad User","schedule":"@daily","command":"x"}"#,
        "INVALID_USER",
        Some("user"),
    ),
    (
        "entries.create",
        r#"{"user":"root","schedule":"@daily"}"#,
        "INVALID_PARAMS",
        Some("command"),
    ),
    (
        "entries.list",
        r#"{"user":"root","limt":5}"#,
        "INVALID_PARAMS",
        Some("limt"),
    ),
    (
        "entries.list",
        r#"{"user":7}"#,
        "INVALID_PARAMS",
        Some("user"),
    ),
    (
        "entries.list",
        r#"{"user":"root","page":0}"#,
        "INVALID_PAGINATION",
        Some("page"),
    ),
    (
        "entries.list",
        r#"{"user":"root","limit":201}"#,
        "INVALID_PAGINATION",
        Some("limit"),
    ),
    (
        "entries.get",
        r#"{"user":"root"}"#,
        "INVALID_PARAMS",
        Some("id"),
    ),
    (
        "entries.get",
        r#"{"user":"root","id":"00000000-0000-4000-8000-000000000000"}"#,
        "ENTRY_NOT_FOUND",
        None,
    ),
    (
        "crontab.put",
        r#"{"user":"root","content":"* * *\n"}"#,
        "INVALID_CRONTAB",
        Some("content"),
    ),
    (
        "crontab.get",
        r#"{"user":"root","user":"nobody"}"#,
        "INVALID_PARAMS",
        Some("user"),
    ),
    (
        "schedule.describe",
        r#"{"schedule":"* * * * * *"}"#,
        "INVALID_SCHEDULE",
        Some("schedule"),
    ),
];

#[tokio::test]
async fn bad_params_get_their_code_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let router = router(dir.path());
    for (method, params, code, field) in REFUSED {
        let error = call_as(&router, root(), method, params)
            .await
            .expect_err(params);
        assert_eq!(error["data"]["code"], *code, "{method} {params}: {error}");
        assert_eq!(error["message"], error_title(code), "{error}");
        if let Some(field) = field {
            assert_eq!(error["data"]["field"], *field, "{method} {params}: {error}");
        }
    }
    // A failed request changes nothing.
    let list = call(&router, "entries.list", json!({"user": "root"}))
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "{list}");
}

fn error_title(code: &str) -> &'static str {
    use crate::domain::ErrorKind;
    [
        ErrorKind::InvalidParams,
        ErrorKind::InvalidUser,
        ErrorKind::InvalidName,
        ErrorKind::InvalidComment,
        ErrorKind::InvalidSchedule,
        ErrorKind::InvalidCommand,
        ErrorKind::InvalidExpiresAt,
        ErrorKind::InvalidPagination,
        ErrorKind::InvalidCrontab,
        ErrorKind::EntryNotFound,
    ]
    .into_iter()
    .find(|k| k.code() == code)
    .map(|k| k.title())
    .unwrap_or("?")
}

#[tokio::test]
async fn domain_errors_carry_their_code_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let router = router(dir.path());
    let error = call(
        &router,
        "entries.create",
        json!({"user": "root", "schedule": "60 * * * *", "command": "x"}),
    )
    .await
    .unwrap_err();
    assert_eq!(error["code"], -32602);
    assert_eq!(error["message"], "Invalid schedule");
    assert!(error["data"]["detail"].as_str().unwrap().contains("minute"));
}

#[tokio::test]
async fn the_caller_is_held_to_its_own_crontab() {
    let dir = tempfile::tempdir().unwrap();
    let router = router(dir.path());
    let nobody = Context::new(Caller {
        uid: 65534,
        name: Some("nobody".into()),
        client: None,
    });
    let error = call_as(&router, nobody, "crontab.get", r#"{"user":"root"}"#)
        .await
        .unwrap_err();
    assert_eq!(error["data"]["code"], "FORBIDDEN");
    assert_eq!(error["code"], -32004);
}

#[path = "router_share_tests.rs"]
mod shares;
