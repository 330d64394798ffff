//! Job-policy flags of `entries create` and `entries update` (contract: "Job policies"). On
//! update a `--no-…` flag sends null, which clears; on create null is the default anyway.

use clap::{Args, ValueEnum};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotifyOn {
    /// A run fails, times out, or is skipped.
    Failure,
    /// A run succeeds.
    Success,
    /// cron's own mail to MAILTO (chronic-style).
    Mail,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// IANA zone the schedule's fields are wall-clock time in, e.g. America/New_York.
    #[arg(long, value_name = "ZONE", conflicts_with = "no_timezone")]
    timezone: Option<String>,
    /// Back to cron's zone.
    #[arg(long)]
    no_timezone: bool,
    /// Stop every run after this many milliseconds (1000 to 86400000).
    #[arg(
        long = "timeout",
        visible_alias = "timeout-ms",
        value_name = "MS",
        conflicts_with = "no_timeout"
    )]
    timeout_ms: Option<u64>,
    /// No timeout.
    #[arg(long)]
    no_timeout: bool,
    /// Do not start a run while another run of the entry is still running.
    #[arg(long, conflicts_with = "allow_overlap")]
    forbid_overlap: bool,
    /// Runs may overlap (cron's behaviour).
    #[arg(long)]
    allow_overlap: bool,
    /// After downtime, run the most recent missed fire (of the last 7 days) once.
    #[arg(long, conflicts_with = "no_catch_up")]
    catch_up: bool,
    /// Missed fires are forgotten (cron's behaviour).
    #[arg(long)]
    no_catch_up: bool,
    /// Who is told, a comma-separated list: failure, success, mail (e.g. --notify failure,mail).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "WHEN",
        conflicts_with = "no_notify"
    )]
    notify: Option<Vec<NotifyOn>>,
    /// POST the run record to this http(s) URL when a run is notified.
    #[arg(long, value_name = "URL", conflicts_with = "no_notify")]
    webhook: Option<String>,
    /// A healthchecks.io-style URL pinged at every run's start and end.
    #[arg(long, value_name = "URL", conflicts_with = "no_notify")]
    ping_url: Option<String>,
    /// Back to cron's usual mail of any output.
    #[arg(long)]
    no_notify: bool,
}

fn choose<T: Into<Value>>(value: Option<T>, clear: bool) -> Option<Value> {
    if clear {
        Some(Value::Null)
    } else {
        value.map(Into::into)
    }
}

impl PolicyArgs {
    /// Adds the policies asked for to `params` (an object); the others are left out.
    pub fn extend(self, params: &mut Value) {
        let mut add = |key: &str, value: Option<Value>| {
            if let (Some(value), Some(map)) = (value, params.as_object_mut()) {
                map.insert(key.to_owned(), value);
            }
        };
        add("timezone", choose(self.timezone, self.no_timezone));
        add("timeout_ms", choose(self.timeout_ms, self.no_timeout));
        add(
            "concurrency",
            match (self.forbid_overlap, self.allow_overlap) {
                (true, _) => Some("forbid".into()),
                (_, true) => Some("allow".into()),
                _ => None,
            },
        );
        add(
            "catch_up",
            match (self.catch_up, self.no_catch_up) {
                (true, _) => Some("latest".into()),
                (_, true) => Some("none".into()),
                _ => None,
            },
        );
        let notify = if self.no_notify {
            Some(Value::Null)
        } else if self.notify.is_some() || self.webhook.is_some() || self.ping_url.is_some() {
            let mut notify = Map::new();
            if let Some(on) = &self.notify {
                notify.insert("on_failure".into(), on.contains(&NotifyOn::Failure).into());
                notify.insert("on_success".into(), on.contains(&NotifyOn::Success).into());
                notify.insert("mail".into(), on.contains(&NotifyOn::Mail).into());
            }
            if let Some(url) = self.webhook {
                notify.insert("webhook".into(), url.into());
            }
            if let Some(url) = self.ping_url {
                notify.insert("ping_url".into(), url.into());
            }
            Some(Value::Object(notify))
        } else {
            None
        };
        add("notify", notify);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use serde_json::json;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        p: PolicyArgs,
    }

    fn params(args: &[&str]) -> Value {
        let mut params = json!({});
        T::parse_from(std::iter::once("t").chain(args.iter().copied()))
            .p
            .extend(&mut params);
        params
    }

    #[test]
    fn flags_become_policy_fields_and_clears_become_null() {
        assert_eq!(params(&[]), json!({}));
        assert_eq!(
            params(&[
                "--timezone",
                "Europe/Paris",
                "--timeout",
                "5000",
                "--forbid-overlap",
                "--catch-up"
            ]),
            json!({"timezone": "Europe/Paris", "timeout_ms": 5000, "concurrency": "forbid", "catch_up": "latest"})
        );
        assert_eq!(
            params(&["--notify", "failure,mail", "--webhook", "https://h/x"]),
            json!({"notify": {"on_failure": true, "on_success": false, "mail": true, "webhook": "https://h/x"}})
        );
        assert_eq!(
            params(&[
                "--no-timezone",
                "--no-timeout",
                "--no-notify",
                "--allow-overlap",
                "--no-catch-up"
            ]),
            json!({"timezone": null, "timeout_ms": null, "notify": null, "concurrency": "allow", "catch_up": "none"})
        );
    }
}
