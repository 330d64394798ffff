//! The recorder's notifications against a real HTTP server on localhost (std::net, below) and
//! real `sh -c` commands, through `runs::exec::record`: what was posted and when, what cron
//! would mail, and what the run record says. Endpoints that fail are in `bad_endpoint_tests`.

use super::sign::{self, Key};
use super::test_server::{Answer, Server};
use crate::domain::policy::Notify;
use crate::history::{Channel, RunRecord, RunStatus, Store};
use crate::runs::exec;
use std::time::{Duration, Instant};

pub(super) struct Run {
    pub code: i32,
    pub out: String,
    pub err: String,
    pub record: RunRecord,
    pub took: Duration,
}

/// Runs `command` through the recorder with `notify`, as the current user, with a history
/// directory of its own (and a webhook key in it when `key` is given).
pub(super) fn run(command: &str, notify: Option<Notify>, secret: Option<&[u8]>) -> Run {
    let history = tempfile::tempdir().unwrap();
    let user = crate::domain::user::current().unwrap();
    let store = Store::new(history.path());
    if let Some(secret) = secret {
        store.prepare(&user).unwrap();
        let key = Key::derive(secret, &user.name);
        sign::provision(history.path(), user.uid, user.gid, &user.name, &key).unwrap();
    }
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let began = Instant::now();
    let code = exec::record(
        exec::Args {
            entry: uuid::Uuid::new_v4(),
            history_dir: history.path().to_owned(),
            command: command.to_owned(),
            manual: None,
            policy: crate::crontab::recorder_flags::RecorderPolicy {
                policy: crate::domain::policy::Policy {
                    notify,
                    ..Default::default()
                },
                ..Default::default()
            },
            trigger: crate::history::Trigger::Cron,
            scheduled_for: None,
        },
        &mut out,
        &mut err,
    );
    let took = began.elapsed();
    let mut runs = store.read(&user, false).unwrap();
    let record = runs.pop().expect("the run is recorded");
    Run {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
        record,
        took,
    }
}

pub(super) fn notify(on_failure: bool, on_success: bool, mail: bool) -> Notify {
    Notify {
        on_failure,
        on_success,
        mail,
        webhook: None,
        ping_url: None,
    }
}

fn webhook(server: &str, on_failure: bool, on_success: bool) -> Notify {
    Notify {
        webhook: Some(format!("{server}/hook")),
        ..notify(on_failure, on_success, true)
    }
}

#[test]
fn verdicts_follow_the_contract() {
    use super::{verdict, Verdict};
    assert_eq!(verdict(RunStatus::Succeeded), Verdict::Success);
    for failure in [RunStatus::Failed, RunStatus::TimedOut, RunStatus::Skipped] {
        assert_eq!(verdict(failure), Verdict::Failure);
    }
    assert_eq!(verdict(RunStatus::Cancelled), Verdict::Neither);
}

#[test]
fn ping_urls_get_the_suffix_before_any_query() {
    assert_eq!(
        super::ping_url("https://hc.example/abc", "start"),
        "https://hc.example/abc/start"
    );
    assert_eq!(
        super::ping_url("https://hc.example/abc/", "0"),
        "https://hc.example/abc/0"
    );
    assert_eq!(
        super::ping_url("https://hc.example/abc?rid=1", "3"),
        "https://hc.example/abc/3?rid=1"
    );
}

#[test]
fn mail_is_chronic_a_failure_prints_its_summary_and_output_a_success_nothing() {
    let failed = run(
        "echo to-out; echo to-err >&2; exit 3",
        Some(notify(true, false, true)),
        None,
    );
    assert_eq!(failed.code, 3);
    let first = failed.out.lines().next().unwrap();
    assert!(
        first.starts_with("cronrpc: entry ") && first.contains("failed with exit code 3"),
        "{first}"
    );
    assert!(failed.out.contains("to-out\n"), "{}", failed.out);
    assert_eq!(failed.err, "to-err\n");
    assert_eq!(failed.record.status, RunStatus::Failed);
    assert_eq!(failed.record.notifications.len(), 1);
    assert_eq!(failed.record.notifications[0].channel, Channel::Mail);
    assert!(failed.record.notifications[0].ok);

    let ok = run(
        "echo fine; echo also >&2",
        Some(notify(true, false, true)),
        None,
    );
    assert_eq!((ok.code, ok.out.as_str(), ok.err.as_str()), (0, "", ""));
    assert!(ok.record.notifications.is_empty());
    assert_eq!(
        ok.record.stdout, "fine\n",
        "the record still has the output"
    );

    let success_mail = run("echo fine", Some(notify(false, true, true)), None);
    assert!(success_mail.out.contains("succeeded") && success_mail.out.ends_with("fine\n"));
    let no_mail = run("echo loud; exit 1", Some(notify(true, true, false)), None);
    assert_eq!(
        (no_mail.code, no_mail.out.as_str(), no_mail.err.as_str()),
        (1, "", "")
    );
    let not_started = run("exit 1", Some(notify(false, true, true)), None);
    assert_eq!(
        not_started.out, "",
        "a failure with on_failure off prints nothing"
    );
}

#[test]
fn mail_of_a_huge_output_is_bounded_with_a_note() {
    let failed = run(
        "yes 0123456789 | head -c 1000000; exit 2",
        Some(notify(true, false, true)),
        None,
    );
    assert_eq!(failed.code, 2);
    assert!(
        failed.out.len() < crate::history::OUTPUT_LIMIT + 1024,
        "{}",
        failed.out.len()
    );
    assert!(failed
        .out
        .ends_with("cronrpc: stdout cut after its first 64 KiB\n"));
}

#[test]
fn webhooks_are_posted_for_failures_only_by_default_and_successes_when_asked() {
    let server = Server::start(Answer::Status(200));
    let ok = run("true", Some(webhook(&server.base, true, false)), None);
    assert_eq!(ok.code, 0);
    assert!(
        server.received().is_empty(),
        "a success is not posted by default"
    );
    let failed = run(
        "echo boom; exit 4",
        Some(webhook(&server.base, true, false)),
        None,
    );
    assert_eq!(failed.code, 4);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/hook");
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert_eq!(got[0].peer_uid, Some(nix::unistd::geteuid().as_raw()));
    assert_eq!(
        got[0].header(sign::SIGNATURE_HEADER),
        None,
        "no key, no signature"
    );
    let posted: RunRecord = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(posted.run_id, failed.record.run_id);
    assert_eq!(
        (posted.status, posted.exit_code),
        (RunStatus::Failed, Some(4))
    );
    assert_eq!(posted.stdout, "boom\n");
    let hook: Vec<_> = failed
        .record
        .notifications
        .iter()
        .filter(|n| n.channel == Channel::Webhook)
        .collect();
    assert_eq!(hook.len(), 1);
    assert!(
        hook[0].ok && hook[0].detail.contains("HTTP 200"),
        "{:?}",
        hook[0]
    );

    let server = Server::start(Answer::Status(204));
    run("exit 1", Some(webhook(&server.base, false, true)), None);
    assert!(server.received().is_empty(), "on_failure: false");
    run("true", Some(webhook(&server.base, false, true)), None);
    assert_eq!(server.paths(), ["/hook"]);
}

#[test]
fn a_signed_webhook_verifies_with_the_users_derived_key() {
    let server = Server::start(Answer::Status(200));
    let secret = b"the server's secret";
    let failed = run(
        "exit 9",
        Some(webhook(&server.base, true, false)),
        Some(secret),
    );
    assert_eq!(failed.code, 9);
    let got = &server.received()[0];
    let timestamp: i64 = got.header(sign::TIMESTAMP_HEADER).unwrap().parse().unwrap();
    let signature = got.header(sign::SIGNATURE_HEADER).unwrap();
    let user = crate::domain::user::current().unwrap().name;
    assert!(Key::derive(secret, &user).verify(timestamp, &got.body, signature));
    assert!(!Key::derive(b"another secret", &user).verify(timestamp, &got.body, signature));
    let now = chrono::Utc::now().timestamp();
    assert!((now - timestamp).abs() < 600);
}

#[test]
fn pings_mark_every_start_and_exit_code_with_the_tail_as_body() {
    let server = Server::start(Answer::Status(200));
    let ping = |command: &str| {
        let notify = Notify {
            ping_url: Some(format!("{}/p/uuid", server.base)),
            ..notify(true, false, false)
        };
        run(command, Some(notify), None)
    };
    let first = ping("echo starting; seq 1 100000; echo last-line; exit 5");
    assert_eq!(first.code, 5);
    let second = ping("true");
    assert_eq!(second.code, 0);
    let got = server.received();
    let paths: Vec<_> = got.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/p/uuid/start", "/p/uuid/5", "/p/uuid/start", "/p/uuid/0"]
    );
    let body = String::from_utf8(got[1].body.clone()).unwrap();
    assert!(
        body.ends_with("100000\nlast-line\n"),
        "the tail of the output"
    );
    assert!(body.len() <= crate::history::record::TAIL_LIMIT && !body.contains("starting"));
    let pings: Vec<_> = first
        .record
        .notifications
        .iter()
        .map(|n| (n.channel, n.ok))
        .collect();
    assert_eq!(pings, [(Channel::Ping, true), (Channel::Ping, true)]);
}

/// Runs that end without an exit code (they could not start, timed out or were skipped by the
/// recorder's policies) go through `Notifier::finish` like any other.
fn finish_synthetic(
    status: RunStatus,
    edit: impl FnOnce(&mut RunRecord),
) -> (RunRecord, String, Server) {
    let server = Server::start(Answer::Status(200));
    let notifier = super::Notifier::new(webhook(&server.base, true, false), None);
    let mut record = RunRecord::started(
        uuid::Uuid::new_v4().to_string(),
        "alice".into(),
        crate::history::Trigger::Cron,
        crate::domain::time::Timestamp::now(),
    );
    record.status = status;
    edit(&mut record);
    let mut out = Vec::new();
    let started = notifier.start();
    notifier.finish(
        started,
        &mut record,
        127,
        b"",
        Some((&mut out, &mut Vec::new())),
    );
    (record, String::from_utf8(out).unwrap(), server)
}

#[test]
fn could_not_start_timed_out_and_skipped_are_notified_failures_cancelled_is_not() {
    let (record, out, server) = finish_synthetic(RunStatus::Failed, |r| {
        r.error = Some("could not start /bin/nope -c: No such file".into())
    });
    assert!(
        out.contains("could not start") && out.contains("/bin/nope"),
        "{out}"
    );
    assert_eq!(server.received().len(), 1);
    assert!(record.notifications.iter().all(|n| n.ok));
    let (_, out, server) = finish_synthetic(RunStatus::TimedOut, |r| r.timed_out = true);
    assert!(out.contains("timed out"), "{out}");
    assert_eq!(server.received().len(), 1);
    let (_, out, server) = finish_synthetic(RunStatus::Skipped, |r| {
        r.skip_reason = Some("overlap".into())
    });
    assert!(out.contains("skipped (overlap)"), "{out}");
    assert_eq!(server.received().len(), 1);
    let (record, out, server) = finish_synthetic(RunStatus::Cancelled, |_| {});
    assert_eq!(out, "");
    assert!(server.received().is_empty() && record.notifications.is_empty());
}

#[test]
fn a_run_nobody_mails_gets_no_mail_channel_but_its_webhook() {
    let server = Server::start(Answer::Status(200));
    let notifier = super::Notifier::new(webhook(&server.base, true, false), None);
    let mut record = RunRecord::started(
        uuid::Uuid::new_v4().to_string(),
        "alice".into(),
        crate::history::Trigger::Manual,
        crate::domain::time::Timestamp::now(),
    );
    record.status = RunStatus::Failed;
    notifier.finish(super::Started::never(), &mut record, 1, b"", None);
    let got: Vec<_> = record.notifications.iter().map(|n| n.channel).collect();
    assert_eq!(got, [Channel::Webhook]);
    assert_eq!(server.paths(), ["/hook"]);
}
