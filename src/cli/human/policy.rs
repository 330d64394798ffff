//! Job-policy flags of `entries create` and `entries update` (contract: "Job policies"). On
//! update a `--no-…` flag sends null, which clears; on create null is the default anyway.
//!
//! The params carry each policy as given (a JSON value), so that the service checks it and
//! names the field at fault; the values are built here from the policy types themselves.

use crate::domain::policy::{CatchUp, Concurrency, Notify};
use clap::{Args, ValueEnum};
use serde_json::Value;

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

/// The policies asked for, as a patch: `None` not given, `Some(None)` cleared.
#[derive(Debug, Default, PartialEq)]
pub struct Patch {
    pub timezone: Option<Option<Value>>,
    pub timeout_ms: Option<Option<Value>>,
    pub concurrency: Option<Option<Value>>,
    pub catch_up: Option<Option<Value>>,
    pub notify: Option<Option<Value>>,
}

fn choose<T: Into<Value>>(value: Option<T>, clear: bool) -> Option<Option<Value>> {
    if clear {
        Some(None)
    } else {
        value.map(|v| Some(v.into()))
    }
}

fn either<T: serde::Serialize>(on: bool, off: bool, yes: T, no: T) -> Option<Option<Value>> {
    let value = match (on, off) {
        (true, _) => yes,
        (_, true) => no,
        _ => return None,
    };
    Some(serde_json::to_value(value).ok())
}

impl PolicyArgs {
    /// The policies asked for; the others are left out.
    pub fn patch(self) -> Patch {
        let notify = if self.no_notify {
            Some(None)
        } else if self.notify.is_some() || self.webhook.is_some() || self.ping_url.is_some() {
            let mut notify = Notify {
                webhook: self.webhook,
                ping_url: self.ping_url,
                ..Notify::default()
            };
            if let Some(on) = &self.notify {
                notify.on_failure = on.contains(&NotifyOn::Failure);
                notify.on_success = on.contains(&NotifyOn::Success);
                notify.mail = on.contains(&NotifyOn::Mail);
            }
            Some(serde_json::to_value(notify).ok())
        } else {
            None
        };
        Patch {
            timezone: choose(self.timezone, self.no_timezone),
            timeout_ms: choose(self.timeout_ms, self.no_timeout),
            concurrency: either(
                self.forbid_overlap,
                self.allow_overlap,
                Concurrency::Forbid,
                Concurrency::Allow,
            ),
            catch_up: either(
                self.catch_up,
                self.no_catch_up,
                CatchUp::Latest,
                CatchUp::None,
            ),
            notify,
        }
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

    fn patch(args: &[&str]) -> Patch {
        T::parse_from(std::iter::once("t").chain(args.iter().copied()))
            .p
            .patch()
    }

    #[test]
    fn flags_become_policy_fields_and_clears_become_null() {
        assert_eq!(patch(&[]), Patch::default());
        assert_eq!(
            patch(&[
                "--timezone",
                "Europe/Paris",
                "--timeout",
                "5000",
                "--forbid-overlap",
                "--catch-up"
            ]),
            Patch {
                timezone: Some(Some(json!("Europe/Paris"))),
                timeout_ms: Some(Some(json!(5000))),
                concurrency: Some(Some(json!("forbid"))),
                catch_up: Some(Some(json!("latest"))),
                notify: None,
            }
        );
        assert_eq!(
            patch(&["--notify", "failure,mail", "--webhook", "https://h/x"]).notify,
            Some(Some(
                json!({"on_failure": true, "on_success": false, "mail": true,
                             "webhook": "https://h/x", "ping_url": null})
            ))
        );
        assert_eq!(
            patch(&["--ping-url", "https://h/p"]).notify,
            Some(Some(
                json!({"on_failure": true, "on_success": false, "mail": true,
                             "webhook": null, "ping_url": "https://h/p"})
            )),
            "without --notify, who is told stays the default"
        );
        assert_eq!(
            patch(&[
                "--no-timezone",
                "--no-timeout",
                "--no-notify",
                "--allow-overlap",
                "--no-catch-up"
            ]),
            Patch {
                timezone: Some(None),
                timeout_ms: Some(None),
                concurrency: Some(Some(json!("allow"))),
                catch_up: Some(Some(json!("none"))),
                notify: Some(None),
            }
        );
    }
}
