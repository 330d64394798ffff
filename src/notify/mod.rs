//! Who hears about a run (contract: "Job policies", `notify`): cron's own mail chronic-style, a
//! signed webhook, and a healthchecks.io-style ping. The recorder (`cronrpc exec`) does all of it,
//! as the entry's user, so it holds with no server running and a root server never fetches a
//! user-chosen URL. A delivery never changes the job's exit status, never holds the job up for
//! more than [`http::BUDGET`] a channel, and every attempt ends up on the run record.

pub mod http;
pub mod mail;
pub mod sign;

#[cfg(test)]
mod bad_endpoint_tests;
#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;

use crate::domain::policy::Notify;
use crate::history::{Channel, NotificationOutcome, RunRecord, RunStatus};
use std::io::Write;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How a run ended, as far as notifications go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Exit status 0.
    Success,
    /// A non-zero exit (or a signal), could not start, timed out, or skipped.
    Failure,
    /// Cancelled by someone who asked for it, or still running: nobody needs telling.
    Neither,
}

pub fn verdict(status: RunStatus) -> Verdict {
    match status {
        RunStatus::Succeeded => Verdict::Success,
        RunStatus::Failed | RunStatus::TimedOut | RunStatus::Skipped => Verdict::Failure,
        RunStatus::Cancelled | RunStatus::Running => Verdict::Neither,
    }
}

/// Whether `notify` asks to hear about a run that ended so (mail and webhook; pings are sent
/// for every run).
pub fn is_notified(notify: &Notify, status: RunStatus) -> bool {
    match verdict(status) {
        Verdict::Success => notify.on_success,
        Verdict::Failure => notify.on_failure,
        Verdict::Neither => false,
    }
}

/// The notifications of one run.
pub struct Notifier {
    notify: Notify,
    key: Option<sign::Key>,
    agent: ureq::Agent,
}

/// The start ping, on its way while the command runs.
pub struct Started {
    ping: Option<JoinHandle<Vec<NotificationOutcome>>>,
}

impl Started {
    /// For a run that never started (skipped by policy): no start ping was sent, and
    /// [`Notifier::finish`] sends only the end ping.
    pub fn never() -> Started {
        Started { ping: None }
    }
}

impl Notifier {
    /// Signs webhooks with `key` when there is one.
    pub fn new(notify: Notify, key: Option<sign::Key>) -> Self {
        Notifier {
            notify,
            key,
            agent: http::agent(),
        }
    }

    /// The recorder's notifier: the user's key from their history directory, if the server
    /// provisioned one (see [`sign`]).
    pub fn for_user(notify: Notify, history_root: &Path, user: Option<&str>) -> Self {
        let key = user.and_then(|u| sign::load_key(history_root, u));
        Notifier::new(notify, key)
    }

    /// Sends `{ping_url}/start` in the background, so the command is not held up by it.
    pub fn start(&self) -> Started {
        let ping = self.notify.ping_url.as_deref().map(|url| {
            let (agent, url) = (self.agent.clone(), ping_url(url, "start"));
            let deadline = Instant::now() + http::BUDGET;
            std::thread::spawn(move || {
                http::deliver(&agent, &ping_request("ping /start", &url, &[]), deadline)
            })
        });
        Started { ping }
    }

    /// Everything due once the run has ended (`record` is complete but for `notifications`):
    /// the mail's text on `mail_to` (stdout, stderr) if this outcome is notified and `mail` is
    /// on (None for a run whose output nobody mails: one `entries.run` started, whose caller
    /// gets the record), the end ping (`exit_status` and the output's `tail`) and the webhook,
    /// the last two side by side. Every outcome is appended to `record.notifications`.
    pub fn finish(
        &self,
        started: Started,
        record: &mut RunRecord,
        exit_status: i32,
        tail: &[u8],
        mail_to: Option<(&mut dyn Write, &mut dyn Write)>,
    ) {
        let deadline = Instant::now() + http::BUDGET;
        let notified = is_notified(&self.notify, record.status);
        if let Some(ping) = started.ping {
            record.notifications.extend(ping.join().unwrap_or_else(|_| {
                vec![failed(Channel::Ping, "ping /start: the sender panicked")]
            }));
        }
        if let Some((out, err)) = mail_to.filter(|_| notified && self.notify.mail) {
            let outcome = mail::print(record, exit_status, out, err);
            record.notifications.push(outcome);
        }
        let webhook = self.notify.webhook.as_deref().filter(|_| notified);
        let body = webhook.map(|_| serde_json::to_vec(&*record).unwrap_or_default());
        let (pinged, hooked) = std::thread::scope(|scope| {
            let hook = webhook.zip(body.as_deref()).map(|(url, body)| {
                scope.spawn(move || {
                    let request = self.webhook_request(url, body);
                    http::deliver(&self.agent, &request, deadline)
                })
            });
            let pinged = self.notify.ping_url.as_deref().map(|url| {
                let url = ping_url(url, &exit_status.to_string());
                let label = format!("ping /{exit_status}");
                http::deliver(&self.agent, &ping_request(&label, &url, tail), deadline)
            });
            let hooked = hook.map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![failed(Channel::Webhook, "the sender panicked")])
            });
            (pinged, hooked)
        });
        record.notifications.extend(pinged.into_iter().flatten());
        record.notifications.extend(hooked.into_iter().flatten());
    }

    fn webhook_request<'a>(&self, url: &'a str, body: &'a [u8]) -> http::Request<'a> {
        let mut headers = Vec::new();
        if let Some(key) = &self.key {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            headers.push((sign::TIMESTAMP_HEADER, now.to_string()));
            headers.push((sign::SIGNATURE_HEADER, key.sign(now, body)));
        }
        http::Request {
            channel: Channel::Webhook,
            label: if self.key.is_some() {
                "signed webhook"
            } else {
                "webhook"
            },
            url,
            content_type: "application/json",
            headers,
            body,
        }
    }
}

fn ping_request<'a>(label: &'a str, url: &'a str, body: &'a [u8]) -> http::Request<'a> {
    http::Request {
        channel: Channel::Ping,
        label,
        url,
        content_type: "text/plain; charset=utf-8",
        headers: Vec::new(),
        body,
    }
}

/// `{ping_url}/{suffix}`: the suffix goes at the end of the path, before any query.
pub fn ping_url(base: &str, suffix: &str) -> String {
    match url::Url::parse(base) {
        Ok(mut url) => {
            let path = format!("{}/{suffix}", url.path().trim_end_matches('/'));
            url.set_path(&path);
            url.into()
        }
        Err(_) => format!("{}/{suffix}", base.trim_end_matches('/')),
    }
}

fn failed(channel: Channel, detail: &str) -> NotificationOutcome {
    NotificationOutcome {
        channel,
        ok: false,
        detail: detail.to_owned(),
    }
}
