//! Job policies of a managed entry (contract: "Job policies"): the zone its fields are read in,
//! a timeout, what to do on overlap, catch-up after downtime, and who hears about a run.
//!
//! These are the shared types only. They are stored in the entry's marker, written into the job
//! line as recorder flags (so they hold while no server runs), and returned on every entry.

use super::{Error, ErrorKind, Result};
use crate::cron::zone::MAX_ZONE_CHARS;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

// Defined with the cron model, which reads them (the gate, zone rules); here with the other
// policy members.
pub use crate::cron::gate::CatchUp;
pub use crate::cron::zone::lookup_zone;

/// Bounds of `timeout_ms`, in milliseconds (1 s to 24 h).
pub const MIN_TIMEOUT_MS: u64 = 1_000;
pub const MAX_TIMEOUT_MS: u64 = 86_400_000;

/// What happens when a run would start while another run of the same entry is running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Concurrency {
    /// Start it anyway (cron's behaviour).
    #[default]
    Allow,
    /// Do not start it; record a `skipped` run with `skip_reason: "overlap"`.
    Forbid,
}

/// Who hears about a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Notify when a run fails: non-zero exit, could not start, timed out, or skipped.
    #[serde(default = "yes")]
    pub on_failure: bool,
    /// Notify when a run succeeds.
    #[serde(default)]
    pub on_success: bool,
    /// cron's own mail to MAILTO, chronic-style: output only for a notified outcome.
    #[serde(default = "yes")]
    pub mail: bool,
    /// An http(s) URL that receives a POST of the run record as JSON for a notified outcome.
    #[serde(default)]
    pub webhook: Option<String>,
    /// A healthchecks.io-style URL: `/start` when a run starts, `/{exit_code}` when it ends.
    #[serde(default)]
    pub ping_url: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            on_failure: true,
            on_success: false,
            mail: true,
            webhook: None,
            ping_url: None,
        }
    }
}

/// Every policy of an entry. Unset members are the defaults (cron's behaviour).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// IANA zone the five fields are read in; None: cron's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub concurrency: Concurrency,
    #[serde(default, skip_serializing_if = "is_default")]
    pub catch_up: CatchUp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Notify>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Policy {
    /// True when every member is the default, so the job line needs no policy flags.
    pub fn is_default(&self) -> bool {
        is_default(self)
    }
}

/// An INVALID_POLICY error naming `field` (e.g. `timeout_ms`, `notify.webhook`).
pub fn invalid(field: &str, detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidPolicy, detail).with_field(field)
}

pub fn check_timeout_ms(ms: u64) -> Result<()> {
    if (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&ms) {
        Ok(())
    } else {
        Err(invalid(
            "timeout_ms",
            format!("timeout_ms must be between {MIN_TIMEOUT_MS} and {MAX_TIMEOUT_MS}, got {ms}"),
        ))
    }
}

/// INVALID_TIMEZONE unless the host's tz database knows `name`.
pub fn check_timezone(name: &str) -> Result<()> {
    if lookup_zone(name).is_some() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidTimezone,
        format!(
            "{:?} is not a time zone the host's tz database knows (an IANA name such as America/New_York)",
            name.chars().take(MAX_ZONE_CHARS + 1).collect::<String>()
        ),
    )
    .with_field("timezone"))
}

impl Notify {
    /// Checks the URLs (http or https, well formed). Errors are INVALID_POLICY naming
    /// `notify.webhook` or `notify.ping_url`.
    pub fn validate(&self) -> super::Result<()> {
        for (field, url) in [
            ("notify.webhook", &self.webhook),
            ("notify.ping_url", &self.ping_url),
        ] {
            if let Some(url) = url {
                check_url(url).map_err(|why| {
                    super::Error::new(super::ErrorKind::InvalidPolicy, why).with_field(field)
                })?;
            }
        }
        Ok(())
    }
}

/// The longest notification URL. The job line carries it and must stay within cron's line
/// limit, so anything longer could never be installed anyway.
pub const MAX_URL_BYTES: usize = 2048;

/// An http(s) URL with a host, no user:password part (it would be sent in the clear in every
/// request and shown on reads as a plain string), and nothing `url` had to repair: what is
/// stored is exactly what is requested. The detail never quotes the URL, which may hold a token.
fn check_url(text: &str) -> Result<(), String> {
    if text.len() > MAX_URL_BYTES {
        return Err(format!("the URL is longer than {MAX_URL_BYTES} bytes"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL contains whitespace or control characters".into());
    }
    let url = url::Url::parse(text).map_err(|e| format!("not a well-formed URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme must be http or https, not {:?}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not carry a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("the URL must not have a #fragment".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(webhook: Option<&str>, ping_url: Option<&str>) -> Notify {
        Notify {
            webhook: webhook.map(str::to_owned),
            ping_url: ping_url.map(str::to_owned),
            ..Notify::default()
        }
    }

    #[test]
    fn http_and_https_urls_are_accepted() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "https://hc-ping.com/0b7a1e4c-8f5e-4e5b-9b3e-2f6c1d9a7e10",
            "https://example.com/hook?token=abc%20def",
            "http://[::1]:9/x",
        ] {
            assert_eq!(with(Some(url), Some(url)).validate(), Ok(()), "{url}");
        }
        assert_eq!(Notify::default().validate(), Ok(()));
    }

    #[test]
    fn other_urls_are_invalid_policy_naming_the_field() {
        for url in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "example.com/hook",
            "http://",
            "https://user:secret@example.com/x",
            "http://example.com/a b",
            "http://example.com/x#frag",
            "http://exa mple.com/",
            "",
        ] {
            for (notify, field) in [
                (with(Some(url), None), "notify.webhook"),
                (with(None, Some(url)), "notify.ping_url"),
            ] {
                let e = notify.validate().expect_err(url);
                assert_eq!(e.kind, crate::domain::ErrorKind::InvalidPolicy, "{url}");
                assert_eq!(e.field.as_deref(), Some(field), "{url}");
            }
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert!(with(Some(&long), None).validate().is_err());
    }

    #[test]
    fn the_detail_never_quotes_the_url() {
        let e = with(Some("gopher://example.com/SECRET-TOKEN"), None)
            .validate()
            .unwrap_err();
        assert!(!e.detail.contains("SECRET-TOKEN"), "{}", e.detail);
    }

    #[test]
    fn zones_come_from_the_host_database() {
        assert!(check_timezone("America/New_York").is_ok());
        assert!(check_timezone("UTC").is_ok());
        for bad in [
            "",
            "Mars/Olympus",
            "../../etc/passwd",
            "/etc/localtime",
            "America/../Europe/Berlin",
            "America//New_York",
            "America/New York",
            "zone.tab",
        ] {
            let err = check_timezone(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidTimezone, "{bad:?}");
            assert_eq!(err.field.as_deref(), Some("timezone"));
        }
    }

    #[test]
    fn timeouts_are_bounded() {
        assert!(check_timeout_ms(MIN_TIMEOUT_MS).is_ok());
        assert!(check_timeout_ms(MAX_TIMEOUT_MS).is_ok());
        for bad in [0, MIN_TIMEOUT_MS - 1, MAX_TIMEOUT_MS + 1] {
            let err = check_timeout_ms(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidPolicy);
            assert_eq!(err.field.as_deref(), Some("timeout_ms"));
        }
    }
}
