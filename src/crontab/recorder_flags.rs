//! The policy flags of `cronrpc exec` as its command line reads them: the other side of
//! [`recorder::write_call`]. Read leniently: whatever the line says, the job still runs as cron would
//! run it, and what could not be read is reported for the run's record.

use super::recorder::{flag, parse_notify_list};
use crate::cron::gate::{self, Decision};
use crate::domain::policy::{CatchUp, Concurrency, Notify, Policy};
use crate::domain::time::Timestamp;

/// The recorder's policy flags (see `recorder` for what writes them).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PolicyFlags {
    /// The entry's time zone: the command starts only at the fire times of --at in this zone.
    #[arg(long = flag::TZ, value_name = "ZONE", requires = flag::AT)]
    pub tz: Option<String>,
    /// The entry's own schedule, read in --tz or else cron's zone (the job line's schedule
    /// covers it); the command starts only at its fire times.
    #[arg(long = flag::AT, value_name = "SCHEDULE")]
    pub at: Option<String>,
    /// Stop the run's process group after this many milliseconds.
    #[arg(long = flag::TIMEOUT, value_name = "MS")]
    pub timeout: Option<String>,
    /// Do not start while another run of the entry is running.
    #[arg(long = flag::FORBID_OVERLAP)]
    pub forbid_overlap: bool,
    /// When cron starts, run once for the most recent missed fire since this moment (RFC 3339,
    /// the entry's creation).
    #[arg(long = flag::CATCH_UP, value_name = "SINCE")]
    pub catch_up: Option<String>,
    /// Who hears about a run: failure, success, mail (comma-separated), or none.
    #[arg(long = flag::NOTIFY, value_name = "LIST")]
    pub notify: Option<String>,
    /// POST notified outcomes here.
    #[arg(long = flag::WEBHOOK, value_name = "URL")]
    pub webhook: Option<String>,
    /// healthchecks.io-style ping URL.
    #[arg(long = flag::PING, value_name = "URL")]
    pub ping: Option<String>,
}

/// The policy a recorder enforces, as read from its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecorderPolicy {
    pub policy: Policy,
    /// The entry's own schedule, when the line's is a cover of it.
    pub schedule: Option<String>,
    /// Catch-up is for fires at or after this moment only.
    pub catch_up_since: Option<Timestamp>,
    /// What could not be read (and so is not enforced), for the run's record.
    pub problems: Vec<String>,
}

impl PolicyFlags {
    pub fn read(&self) -> RecorderPolicy {
        let mut problems = Vec::new();
        let timeout_ms = self.timeout.as_deref().and_then(|ms| {
            let parsed = ms.parse::<u64>().ok().filter(|&ms| ms > 0);
            if parsed.is_none() {
                problems.push(format!(
                    "--{} {ms:?} is not a number of milliseconds; no timeout",
                    flag::TIMEOUT
                ));
            }
            parsed
        });
        let catch_up_since = self.catch_up.as_deref().and_then(|since| {
            let parsed = Timestamp::parse(since);
            if parsed.is_none() {
                problems.push(format!(
                    "--{} {since:?} is not an RFC 3339 moment; no catch-up",
                    flag::CATCH_UP
                ));
            }
            parsed
        });
        let notify = self.notify.as_deref().and_then(|list| {
            let parsed = parse_notify_list(list);
            if parsed.is_none() {
                problems.push(format!(
                    "--{} {list:?} is not understood; cron's usual mail",
                    flag::NOTIFY
                ));
            }
            parsed
        });
        let notify = notify.map(|n| Notify {
            webhook: self.webhook.clone(),
            ping_url: self.ping.clone(),
            ..n
        });
        RecorderPolicy {
            policy: Policy {
                timezone: self.tz.clone(),
                timeout_ms,
                concurrency: if self.forbid_overlap {
                    Concurrency::Forbid
                } else {
                    Concurrency::Allow
                },
                catch_up: if catch_up_since.is_some() {
                    CatchUp::Latest
                } else {
                    CatchUp::None
                },
                notify,
            },
            schedule: self.at.clone(),
            catch_up_since,
            problems,
        }
    }
}

impl RecorderPolicy {
    /// The time-zone gate for a start at `now`: Skip when the current minute is not a fire time
    /// of the entry in its zone (the line's schedule fires more often; see `cron::gate`).
    pub fn gate(&mut self, now: Timestamp) -> Decision {
        let decision = gate::admits(
            self.policy.timezone.as_deref(),
            self.schedule.as_deref(),
            now.utc(),
        );
        if let Decision::Run {
            problem: Some(problem),
        } = &decision
        {
            self.problems.push(problem.clone());
        }
        decision
    }

    /// The problems as one line for the run record's `error`, if any.
    pub fn problem_text(&self) -> Option<String> {
        (!self.problems.is_empty()).then(|| self.problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::recorder::{self, Recorder};
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Exec {
        #[arg(long)]
        entry: uuid::Uuid,
        #[arg(long)]
        history_dir: Option<String>,
        #[command(flatten)]
        flags: PolicyFlags,
        #[arg(last = true)]
        command: String,
    }

    /// What the recorder reads from a line is what the line was written with.
    #[test]
    fn the_recorder_reads_what_the_codec_writes() {
        let policy = Policy {
            timezone: Some("Europe/Berlin".into()),
            timeout_ms: Some(5000),
            concurrency: Concurrency::Forbid,
            catch_up: CatchUp::Latest,
            notify: Some(Notify {
                on_success: true,
                webhook: Some("https://h.example/x?a=1".into()),
                ping_url: Some("https://hc.example/p".into()),
                ..Notify::default()
            }),
        };
        let w = Recorder {
            exe: "/usr/bin/cronrpc".into(),
            history_dir: Some("/h".into()),
        };
        for policy in [Policy::default(), policy] {
            let line = recorder::write_call(
                &w,
                uuid::Uuid::nil(),
                &policy,
                "0 9 * * *",
                Timestamp::parse("2026-12-01T10:00:00Z").unwrap(),
                "echo hi",
            );
            let words = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s\\n' {}", line))
                .output()
                .unwrap();
            let argv: Vec<String> = String::from_utf8(words.stdout)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect();
            // argv[0] is the binary, argv[1] "exec".
            let exec = Exec::try_parse_from(
                std::iter::once("exec".to_owned()).chain(argv[2..].iter().cloned()),
            )
            .unwrap();
            let read = exec.flags.read();
            assert_eq!(read.policy, policy);
            assert_eq!(read.problems, Vec::<String>::new());
            assert_eq!(exec.command, "echo hi");
        }
    }

    #[test]
    fn unreadable_flags_are_reported_not_fatal() {
        let read = PolicyFlags {
            timeout: Some("soon".into()),
            notify: Some("always".into()),
            ..PolicyFlags::default()
        }
        .read();
        assert_eq!(read.policy, Policy::default());
        assert_eq!(read.problems.len(), 2);
    }
}
