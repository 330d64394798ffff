//! Notifications end to end: entries created with `notify` through the server (system backend,
//! real `crontab`), their installed job line taken from the crontab and run the way cron runs it
//! (as the user, `sh -c`, cron's environment, stdout and stderr into one pipe, as cron mails
//! them), against a real HTTP server on localhost.

#[path = "../../src/notify/test_server.rs"]
#[allow(dead_code)]
mod test_server;

use crate::cron_line::{job_command, run_as_cron, CronRun};
use crate::harness::{is_root, shared_bin, Server, TempUser};
use cronrpc::notify::sign::{self, Key};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use test_server::{dead_port, Answer};

struct Fixture {
    user: TempUser,
    server: Server,
    _bin: tempfile::TempDir,
    _state: tempfile::TempDir,
}

impl Fixture {
    /// The system backend with state of its own; the history directory is one the user's
    /// jobs can reach.
    fn new() -> Fixture {
        Fixture::with(&[])
    }

    fn with(extra: &[&str]) -> Fixture {
        let user = TempUser::new();
        let (bin_dir, bin) = shared_bin();
        let state = tempfile::tempdir().unwrap();
        std::fs::set_permissions(state.path(), PermissionsExt::from_mode(0o711)).unwrap();
        let dir = |name: &str| state.path().join(name).to_str().unwrap().to_owned();
        let (history, locks, revisions) = (dir("history"), dir("locks"), dir("revisions"));
        let server = Server::from_binary(
            &bin,
            &[
                "--backend",
                "system",
                "--history-dir",
                &history,
                "--lock-dir",
                &locks,
                "--revisions-dir",
                &revisions,
            ]
            .into_iter()
            .chain(extra.iter().copied())
            .collect::<Vec<_>>(),
        );
        Fixture {
            user,
            server,
            _bin: bin_dir,
            _state: state,
        }
    }

    fn create(&mut self, command: &str, notify: Value) -> String {
        self.create_with(command, notify, json!({}))
    }

    /// With other policy fields in `more`.
    fn create_with(&mut self, command: &str, notify: Value, more: Value) -> String {
        let mut params = json!({"user": self.user.name, "schedule": "0 3 * * *", "command": command, "notify": notify});
        params
            .as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        let entry = self.server.call("entries.create", params);
        assert_eq!(entry["notify"]["webhook"], notify["webhook"], "{entry}");
        entry["id"].as_str().unwrap().to_owned()
    }

    fn run(&self, id: &str) -> CronRun {
        run_as_cron(&self.user.name, &job_command(&self.user.crontab(), id))
    }

    fn last_run(&mut self, id: &str) -> Value {
        let runs = self
            .server
            .call("entries.history", json!({"user": self.user.name, "id": id}));
        runs["runs"][0].clone()
    }
}

fn channels(record: &Value) -> Vec<(String, bool)> {
    record["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["channel"].as_str().unwrap().to_owned(), n["ok"] == true))
        .collect()
}

#[test]
fn a_failing_job_line_mails_posts_and_pings_a_succeeding_one_only_pings() {
    assert!(is_root(), "runs job lines as a throwaway user");
    let http = test_server::Server::start(Answer::Status(200));
    let mut fx = Fixture::new();
    let notify = json!({"webhook": format!("{}/hook/TOKEN", http.base), "ping_url": format!("{}/ping/TOKEN", http.base)});
    let failing = fx.create("echo to-out; echo to-err >&2; exit 3", notify.clone());
    let fine = fx.create("echo all good 100%", notify);

    let run = fx.run(&failing);
    assert_eq!(run.code, Some(3), "the job's exit status: {}", run.mail);
    let first = run.mail.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!("cronrpc: entry {failing} failed with exit code 3")),
        "{}",
        run.mail
    );
    assert!(
        run.mail.contains("to-out\n") && run.mail.contains("to-err\n"),
        "{}",
        run.mail
    );
    assert!(
        !run.mail.contains("TOKEN"),
        "URLs are never mailed: {}",
        run.mail
    );
    let mut paths = http.paths();
    assert_eq!(paths[0], "/ping/TOKEN/start");
    paths.sort();
    assert_eq!(paths, ["/hook/TOKEN", "/ping/TOKEN/3", "/ping/TOKEN/start"]);
    let posted: Value = serde_json::from_slice(
        &http.received()[..]
            .iter()
            .find(|r| r.path == "/hook/TOKEN")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(
        (posted["status"].as_str(), posted["exit_code"].as_i64()),
        (Some("failed"), Some(3))
    );
    assert_eq!(posted["user"], fx.user.name.as_str());
    let record = fx.last_run(&failing);
    assert_eq!(record["status"], "failed");
    let mut got = channels(&record);
    got.sort();
    let want: Vec<(String, bool)> = [
        ("mail", true),
        ("ping", true),
        ("ping", true),
        ("webhook", true),
    ]
    .iter()
    .map(|(c, ok)| (c.to_string(), *ok))
    .collect();
    assert_eq!(got, want, "{record}");
    assert!(
        !record.to_string().contains("TOKEN/"),
        "details never quote a URL's path"
    );

    let uid = nix::unistd::User::from_name(&fx.user.name)
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    assert!(
        http.received().iter().all(|r| r.peer_uid == Some(uid)),
        "sent as the user"
    );
    let before = http.received().len();
    let run = fx.run(&fine);
    assert_eq!(
        (run.code, run.mail.as_str()),
        (Some(0), ""),
        "a success prints nothing, so cron mails nothing"
    );
    let paths: Vec<_> = http.paths().split_off(before);
    assert_eq!(
        paths,
        ["/ping/TOKEN/start", "/ping/TOKEN/0"],
        "pings for every run, no webhook"
    );
    assert_eq!(fx.last_run(&fine)["stdout"], "all good 100%\n");
}

#[test]
fn on_success_only_and_mail_off_are_honoured_by_the_job_line() {
    assert!(is_root(), "runs job lines as a throwaway user");
    let http = test_server::Server::start(Answer::Status(204));
    let mut fx = Fixture::new();
    let hook = format!("{}/hook", http.base);
    let success_only = json!({"on_failure": false, "on_success": true, "webhook": hook});
    let ok = fx.create("echo yay", success_only.clone());
    let bad = fx.create("echo nay; exit 1", success_only);
    let quiet = fx.create("echo hush; exit 2", json!({"mail": false, "webhook": hook}));

    let run = fx.run(&ok);
    assert_eq!(run.code, Some(0));
    assert!(
        run.mail
            .starts_with(&format!("cronrpc: entry {ok} succeeded"))
            && run.mail.ends_with("yay\n"),
        "{}",
        run.mail
    );
    assert_eq!(http.paths(), ["/hook"]);
    let run = fx.run(&bad);
    assert_eq!((run.code, run.mail.as_str()), (Some(1), ""));
    assert_eq!(
        http.paths().len(),
        1,
        "a failure is not posted with on_failure: false"
    );
    let run = fx.run(&quiet);
    assert_eq!(
        (run.code, run.mail.as_str()),
        (Some(2), ""),
        "mail: false never prints"
    );
    assert_eq!(http.paths().len(), 2);
    assert_eq!(
        channels(&fx.last_run(&quiet)),
        [("webhook".to_owned(), true)]
    );
}

#[test]
fn bad_endpoints_cost_the_job_line_only_the_bounded_delay() {
    assert!(is_root(), "runs job lines as a throwaway user");
    let hang = test_server::Server::start(Answer::Hang);
    let fail = test_server::Server::start(Answer::Status(500));
    let redirect = test_server::Server::start(Answer::RedirectForever);
    let mut fx = Fixture::new();
    for (base, label) in [
        (dead_port(), "dead"),
        (hang.base.clone(), "hang"),
        (fail.base.clone(), "500"),
        (redirect.base.clone(), "redirect"),
    ] {
        let id = fx.create(
            "echo x; exit 6",
            json!({"webhook": format!("{base}/hook"), "mail": false}),
        );
        let run = fx.run(&id);
        assert_eq!(run.code, Some(6), "{label}: the exit status is the job's");
        assert!(
            run.took < Duration::from_secs(13),
            "{label}: {:?}",
            run.took
        );
        let record = fx.last_run(&id);
        let got = channels(&record);
        assert!(
            !got.is_empty() && got.iter().all(|(c, ok)| c == "webhook" && !ok),
            "{label}: {record}"
        );
    }
    assert_eq!(redirect.received().len(), 1, "redirects are not followed");
    assert_eq!(fail.received().len(), 3, "a 500 is retried");
}

#[test]
fn a_job_lines_webhook_is_signed_with_the_users_key() {
    assert!(is_root(), "runs job lines as a throwaway user");
    let secrets = tempfile::tempdir().unwrap();
    let secret = secrets.path().join("secret");
    std::fs::write(&secret, "fleet secret\n").unwrap();
    std::fs::set_permissions(&secret, PermissionsExt::from_mode(0o600)).unwrap();
    let http = test_server::Server::start(Answer::Status(200));
    let mut fx = Fixture::with(&["--webhook-secret-file", secret.to_str().unwrap()]);
    let id = fx.create("exit 1", json!({"webhook": format!("{}/hook", http.base)}));
    assert_eq!(fx.run(&id).code, Some(1));
    let got = http.received();
    let hook = got.iter().find(|r| r.path == "/hook").expect("posted");
    let timestamp: i64 = hook
        .header(sign::TIMESTAMP_HEADER)
        .unwrap()
        .parse()
        .unwrap();
    let signature = hook.header(sign::SIGNATURE_HEADER).unwrap();
    let posted: Value = serde_json::from_slice(&hook.body).unwrap();
    let user = posted["user"].as_str().unwrap();
    assert_eq!(user, fx.user.name);
    assert!(Key::derive(b"fleet secret", user).verify(timestamp, &hook.body, signature));
    assert!(!Key::derive(b"fleet secret", "root").verify(timestamp, &hook.body, signature));
    let record = fx.last_run(&id);
    let hooked = record["notifications"].as_array().unwrap().iter();
    let detail = hooked
        .filter(|n| n["channel"] == "webhook")
        .map(|n| n["detail"].as_str().unwrap())
        .next()
        .unwrap();
    assert!(detail.starts_with("signed webhook"), "{record}");
}

#[test]
fn entries_run_notifies_from_the_users_own_process_without_mail() {
    assert!(is_root(), "runs as a throwaway user");
    let http = test_server::Server::start(Answer::Status(200));
    let mut fx = Fixture::new();
    let notify = json!({"webhook": format!("{}/hook", http.base), "ping_url": format!("{}/ping", http.base)});
    let id = fx.create("echo by hand; exit 2", notify);
    let record = fx
        .server
        .call("entries.run", json!({"user": fx.user.name, "id": id}));
    assert_eq!(
        (record["status"].as_str(), record["exit_code"].as_i64()),
        (Some("failed"), Some(2)),
        "{record}"
    );
    let mut got = channels(&record);
    got.sort();
    let want: Vec<(String, bool)> = [("ping", true), ("ping", true), ("webhook", true)]
        .iter()
        .map(|(c, ok)| (c.to_string(), *ok))
        .collect();
    assert_eq!(got, want, "no cron mails a manual run: {record}");
    let uid = nix::unistd::User::from_name(&fx.user.name)
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    let received = http.received();
    assert_eq!(received.len(), 3);
    for request in &received {
        assert_eq!(
            request.peer_uid,
            Some(uid),
            "{} was sent as the entry's user, not root",
            request.path
        );
    }
}

#[test]
fn a_timed_out_job_line_is_a_notified_failure_pinged_with_124() {
    assert!(is_root(), "runs job lines as a throwaway user");
    let http = test_server::Server::start(Answer::Status(200));
    let mut fx = Fixture::new();
    let notify = json!({"webhook": format!("{}/hook", http.base), "ping_url": format!("{}/ping", http.base)});
    let id = fx.create_with("echo begun; sleep 30", notify, json!({"timeout_ms": 1000}));
    let run = fx.run(&id);
    assert_eq!(run.code, Some(124), "{}", run.mail);
    assert!(
        run.mail
            .starts_with(&format!("cronrpc: entry {id} timed out")),
        "{}",
        run.mail
    );
    assert!(run.mail.contains("begun\n"), "{}", run.mail);
    let mut paths = http.paths();
    paths.sort();
    assert_eq!(paths, ["/hook", "/ping/124", "/ping/start"]);
    assert_eq!(fx.last_run(&id)["status"], "timed_out");
}
