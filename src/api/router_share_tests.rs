//! The caller's shares of the blocking pool, and the calls that need none.

use super::*;
use crate::backend::Backend;

fn spool(dir: &std::path::Path) -> Box<dyn Backend> {
    Box::new(SpoolBackend::new(dir))
}

/// A router whose callers each get `quick` quick calls and one long one at a time (root no
/// more), on `backend`, locking in `dir`.
fn sharing(quick: usize, backend: Box<dyn Backend>, dir: &std::path::Path) -> Router {
    let shares = Shares {
        quick,
        long: 1,
        root_factor: 1,
    };
    let locks = Locks::new(dir.join(".locks"));
    Router::with_shares(
        Service::new(backend, locks, crate::cron::Zone::utc()),
        shares,
    )
}

#[tokio::test]
async fn one_callers_share_is_bounded_and_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let router = sharing(2, spool(dir.path()), dir.path());
    let a = router.permit(1000, false).await;
    let _b = router.permit(1000, false).await;
    let mut third = Box::pin(router.permit(1000, false));
    assert!(futures::poll!(&mut third).is_pending(), "the share is full");
    // Another caller, and the same caller's long calls, are not held by it.
    let _other = router.permit(1001, false).await;
    let _long = router.permit(1000, true).await;
    drop(a);
    let _third = third.await;
}

/// MCP's tools run typed methods through `blocking`, within the same share as `call_json`.
#[tokio::test]
async fn blocking_work_waits_for_the_callers_share() {
    let dir = tempfile::tempdir().unwrap();
    let router = sharing(1, spool(dir.path()), dir.path());
    let held = router.permit(1000, false).await;
    let mut work = Box::pin(router.blocking(1000, false, |_| 5));
    assert!(futures::poll!(&mut work).is_pending(), "the share is full");
    assert_eq!(router.blocking(1001, false, |_| 6).await.unwrap(), 6);
    drop(held);
    assert_eq!(work.await.unwrap(), 5);
}

/// A quick read on a backend that reads local files runs on the caller's thread at once: it
/// neither waits for the caller's share nor hands off to the blocking pool. Other reads do.
#[tokio::test]
async fn a_quick_read_on_a_local_backend_answers_in_its_first_poll() {
    let dir = tempfile::tempdir().unwrap();
    let router = sharing(1, spool(dir.path()), dir.path());
    let params = json!({"user": "root", "schedule": "@daily", "command": "true"});
    let created = call(&router, "entries.create", params).await.unwrap();
    let _held = router.permit(0, false).await;
    let get = json!({"user": "root", "id": created["id"]});
    let mut get = Box::pin(call(&router, "entries.get", get));
    match futures::poll!(&mut get) {
        std::task::Poll::Ready(got) => assert_eq!(got.unwrap()["id"], created["id"]),
        std::task::Poll::Pending => panic!("entries.get waited"),
    }
    let mut list = Box::pin(call(&router, "entries.list", json!({"user": "root"})));
    assert!(
        futures::poll!(&mut list).is_pending(),
        "entries.list takes a share"
    );
}

/// `health` reads only cronrpc's memory: it answers in its first poll on any backend, with the
/// caller's share full, so a cold `health` starts no pool thread.
#[tokio::test]
async fn health_answers_in_its_first_poll_on_any_backend() {
    let dir = tempfile::tempdir().unwrap();
    // A system backend whose crontab program does not exist: health must not need it.
    let backend = crate::backend::SystemBackend::new(
        dir.path().join("no-crontab"),
        dir.path().join("spool"),
        dir.path().join("staging"),
    );
    let router = sharing(1, Box::new(backend), dir.path());
    let _held = router.permit(0, false).await;
    let mut health = Box::pin(call(&router, "health", json!({})));
    match futures::poll!(&mut health) {
        std::task::Poll::Ready(got) => assert_eq!(got.unwrap()["status"], "ok"),
        std::task::Poll::Pending => panic!("health waited"),
    }
}
