//! Delivering one notification over HTTP, within a time budget: a few attempts with backoff,
//! each bounded by what is left of the budget, no redirects followed, certificates verified
//! (ureq with rustls and the webpki roots). Every attempt's outcome is reported, worded so that
//! it never quotes the URL's path or query, where tokens live.

use crate::history::{Channel, NotificationOutcome};
use std::time::{Duration, Instant};

/// How long one channel may hold the job up, in all, retries included.
pub const BUDGET: Duration = Duration::from_secs(10);
/// Attempts per delivery.
pub const ATTEMPTS: usize = 3;
/// One attempt never takes more than this, so a hanging endpoint leaves time for a retry.
const ATTEMPT_CAP: Duration = Duration::from_secs(4);
/// Waits before the second and third attempt.
const BACKOFF: [Duration; ATTEMPTS - 1] = [Duration::from_millis(500), Duration::from_secs(1)];
/// Below this, another attempt is not worth starting.
const MIN_ATTEMPT: Duration = Duration::from_millis(200);

/// What to send, and where.
pub struct Request<'a> {
    pub channel: Channel,
    /// Names the delivery in each outcome's detail, e.g. `webhook` or `ping /start`.
    pub label: &'a str,
    pub url: &'a str,
    pub content_type: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: &'a [u8],
}

/// One blocking client for the recorder's short life. Statuses are answers, not errors (we
/// report them); redirects are never followed, so a notification reaches only the host its URL
/// names; proxies come from the environment as usual.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("cronrpc/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Sends `request`, retrying until it is delivered, the answer says retrying is useless, or
/// `deadline` (at most [`BUDGET`] away) comes. Returns one outcome per attempt.
pub fn deliver(
    agent: &ureq::Agent,
    request: &Request<'_>,
    deadline: Instant,
) -> Vec<NotificationOutcome> {
    let deadline = deadline.min(Instant::now() + BUDGET);
    let mut outcomes = Vec::new();
    for attempt in 1..=ATTEMPTS {
        let left = deadline.saturating_duration_since(Instant::now());
        if left < MIN_ATTEMPT {
            break;
        }
        let (ok, retry, what) = attempt_once(agent, request, left.min(ATTEMPT_CAP));
        outcomes.push(NotificationOutcome {
            channel: request.channel,
            ok,
            detail: format!(
                "{} to {}, attempt {attempt}: {what}",
                request.label,
                host(request.url)
            ),
        });
        if ok || !retry {
            break;
        }
        if let Some(wait) = BACKOFF.get(attempt - 1) {
            let left = deadline.saturating_duration_since(Instant::now());
            std::thread::sleep((*wait).min(left));
        }
    }
    if outcomes.is_empty() {
        outcomes.push(NotificationOutcome {
            channel: request.channel,
            ok: false,
            detail: format!("{}: not sent, no time left", request.label),
        });
    }
    outcomes
}

/// One POST. Returns whether it was delivered, whether another attempt may help, and what
/// happened.
fn attempt_once(
    agent: &ureq::Agent,
    request: &Request<'_>,
    timeout: Duration,
) -> (bool, bool, String) {
    let mut builder = agent
        .post(request.url)
        .config()
        .timeout_global(Some(timeout))
        .build()
        .header("Content-Type", request.content_type);
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    match builder.send(request.body) {
        Ok(response) => {
            let status = response.status();
            let code = status.as_u16();
            let what = format!("HTTP {code}");
            if status.is_success() {
                (true, false, what)
            } else if status.is_redirection() {
                (false, false, format!("{what}, a redirect, not followed"))
            } else {
                // The server's trouble, or "slow down": worth another try. Other client errors
                // will answer the same again.
                let retry = status.is_server_error() || code == 408 || code == 429;
                (false, retry, what)
            }
        }
        Err(e) => (false, retryable(&e), scrub(&describe(&e), request.url)),
    }
}

/// A bad URL or a certificate that does not verify will be the same on the next attempt. (rustls
/// reports a certificate it refuses as invalid data read from the peer.)
fn retryable(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::BadUri(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => false,
        ureq::Error::Io(io) => io.kind() != std::io::ErrorKind::InvalidData,
        _ => true,
    }
}

/// Our own words for the errors whose text may quote the URL; the rest as ureq says them.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(what) => format!("timed out ({what})"),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::BadUri(_) => "not a URL this client can send to".into(),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            _ => format!("I/O error: {io}"),
        },
        other => other.to_string(),
    }
}

/// Removes every trace of the URL beyond its host from `text`: errors must not carry tokens
/// into the run record, cron's mail or logs.
pub fn scrub(text: &str, url: &str) -> String {
    let mut out = text.replace(url, &redact(url));
    if let Ok(parsed) = url::Url::parse(url) {
        let path = parsed.path();
        if path.len() > 1 {
            out = out.replace(path, "/…");
        }
        if let Some(query) = parsed.query().filter(|q| !q.is_empty()) {
            out = out.replace(query, "…");
        }
    }
    out
}

/// The URL as it may be shown: scheme, host and port only.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!("{}://{}/…", u.scheme(), host(url)),
        Err(_) => "(a URL)".into(),
    }
}

/// `host[:port]` of a URL, the one part of it that is shown.
pub fn host(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => "(no host)".into(),
        },
        Err(_) => "(a URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_only_scheme_host_and_port() {
        let url = "https://hc.example:8443/ping/SECRET?key=TOKEN";
        assert_eq!(redact(url), "https://hc.example:8443/…");
        assert_eq!(host(url), "hc.example:8443");
        let said = format!("error sending to {url}: path /ping/SECRET query key=TOKEN");
        let scrubbed = scrub(&said, url);
        assert!(!scrubbed.contains("SECRET"), "{scrubbed}");
        assert!(!scrubbed.contains("TOKEN"), "{scrubbed}");
    }
}
