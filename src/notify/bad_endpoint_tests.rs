//! Webhook endpoints that fail (nothing listening, hanging, HTTP 500, redirecting): each costs
//! the job at most the channel's budget, never its exit status, and is on the record.

use super::http::BUDGET;
use super::test_server::{dead_port, Answer, Server};
use super::tests::{notify, run, Run};
use crate::domain::policy::Notify;
use crate::history::Channel;
use std::time::Duration;

/// Every bad endpoint costs the job at most the channel's budget (plus a margin for a loaded
/// machine) and never its exit status; every attempt is on the record, failed.
fn bad_endpoint(base: &str) -> Run {
    let notify = Notify {
        webhook: Some(format!("{base}/hook/SECRET-PATH?token=SECRET-QUERY")),
        ..notify(true, false, true)
    };
    let r = run("echo out; exit 7", Some(notify), None);
    assert_eq!(r.code, 7);
    assert!(r.took < BUDGET + Duration::from_secs(3), "{:?}", r.took);
    let hook: Vec<_> = r
        .record
        .notifications
        .iter()
        .filter(|n| n.channel == Channel::Webhook)
        .collect();
    assert!(!hook.is_empty() && hook.iter().all(|n| !n.ok), "{hook:?}");
    let shown = format!("{}{}{:?}", r.out, r.err, r.record.notifications);
    assert!(!shown.contains("SECRET"), "tokens never shown: {shown}");
    r
}

#[test]
fn a_webhook_where_nothing_listens_is_retried_and_costs_little() {
    let r = bad_endpoint(&dead_port());
    assert_eq!(
        r.record.notifications.len(),
        1 + super::http::ATTEMPTS,
        "{:?}",
        r.record.notifications
    );
    assert!(r.record.notifications[1].detail.contains("attempt 1"));
}

#[test]
fn a_webhook_that_hangs_is_cut_off_at_the_budget() {
    let server = Server::start(Answer::Hang);
    let r = bad_endpoint(&server.base);
    assert!(r
        .record
        .notifications
        .iter()
        .any(|n| n.detail.contains("timed out")));
}

#[test]
fn a_webhook_answering_500_is_retried() {
    let server = Server::start(Answer::Status(500));
    let r = bad_endpoint(&server.base);
    assert_eq!(server.received().len(), super::http::ATTEMPTS);
    assert!(r.record.notifications[1].detail.contains("HTTP 500"));
}

#[test]
fn a_webhook_that_redirects_is_not_followed() {
    let server = Server::start(Answer::RedirectForever);
    let r = bad_endpoint(&server.base);
    assert_eq!(server.received().len(), 1, "a redirect is never followed");
    assert!(r.record.notifications[1]
        .detail
        .contains("redirect, not followed"));
    let away = Notify {
        webhook: Some(format!("{}/away", server.base)),
        ..notify(true, false, false)
    };
    run("exit 1", Some(away), None);
    assert_eq!(server.received().len(), 2);
}
