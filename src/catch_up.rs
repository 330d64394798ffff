//! `catch_up: latest` (contract: "Job policies"): when cron starts again after downtime, the
//! entry's most recent fire of the last 7 days that cron missed runs once, with no cronrpc
//! server involved.
//!
//! Debian's cron runs `@reboot` lines only when /run/crond.reboot is missing (once per boot),
//! so a restart of cron alone would go unnoticed by an `@reboot` line. Instead, a catch-up
//! entry's job line runs the recorder every minute (the recorder's gate starts the command only
//! at the entry's own fire times, see `cron::gate`), and the recorder notices a cron start by
//! the cron daemon it runs under: its topmost `cron` ancestor, known by pid and start time.
//! The first start under a new daemon claims that daemon for the entry (an exclusive create of
//! a file named after it, in the user's history directory), so one cron start gives at most
//! one catch-up, however many recorders race. It then looks for the most recent fire at or
//! before the daemon's start minute (cron never runs jobs for the minute it starts in), no
//! older than 7 days and not before the entry existed; if the history has no run for it, that
//! fire runs now as `trigger: "catch_up"`.

use crate::crontab::recorder_flags::RecorderPolicy;
use crate::domain::policy::CatchUp;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::history::Store;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// How far back a missed fire is still caught up.
pub const WINDOW_SECS: i64 = 7 * 24 * 3600;

/// The cron daemon a process runs under: its pid and its start, in clock ticks since boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daemon {
    pub pid: u32,
    pub start_ticks: u64,
}

/// (comm, ppid, start time in ticks) from /proc/PID/stat.
fn stat(pid: u32) -> Option<(String, u32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // comm is in parentheses and may itself hold ") "; the fields follow the last one.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After comm: state(0) ppid(1) ... starttime(19).
    Some((
        comm,
        rest.get(1)?.parse().ok()?,
        rest.get(19)?.parse().ok()?,
    ))
}

/// The topmost of the unbroken line of `cron` processes above this one: cron's daemon (its
/// per-job children are `cron` too). Cron's first `cron` must be within a few generations (the
/// job's shell may or may not have exec'd us); None when not started by cron.
pub fn daemon() -> Option<Daemon> {
    const NEAR: usize = 3;
    let mut pid = std::os::unix::process::parent_id();
    let mut found = None;
    for generation in 0.. {
        if pid == 0 {
            break;
        }
        let Some((comm, ppid, start_ticks)) = stat(pid) else {
            break;
        };
        if comm == "cron" {
            found = Some(Daemon { pid, start_ticks });
        } else if found.is_some() || generation >= NEAR {
            break;
        }
        pid = ppid;
    }
    found
}

/// When the daemon started (whole seconds since the epoch), from the boot time in /proc/stat.
fn started_at(daemon: Daemon) -> Option<i64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let btime: i64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|&t| t > 0)
        .unwrap_or(100);
    Some(btime + i64::try_from(daemon.start_ticks).ok()? / ticks)
}

fn claim_prefix(entry: Uuid) -> String {
    format!("catch-up.{entry}.")
}

/// Claims `daemon` for `entry` in `dir`: true only for the first caller. Older claims of the
/// entry are removed, so the directory holds one file per catch-up entry.
fn claim(dir: &Path, entry: Uuid, daemon: Daemon) -> bool {
    let prefix = claim_prefix(entry);
    let name = format!("{prefix}{}-{}", daemon.pid, daemon.start_ticks);
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join(&name))
        .is_ok();
    if created {
        if let Ok(read) = std::fs::read_dir(dir) {
            for item in read.flatten() {
                let other = item.file_name();
                let other = other.to_string_lossy();
                if other.starts_with(&prefix) && other != name {
                    let _ = std::fs::remove_file(item.path());
                }
            }
        }
    }
    created
}

/// The most recent fire `f` of the entry with `since <= f` and `f`'s minute at or before
/// `until`'s minute, in the zone the recorder gates by.
fn latest_fire(policy: &RecorderPolicy, since: i64, until: i64) -> Option<DateTime<Utc>> {
    let schedule = crate::cron::Schedule::parse_lenient(policy.schedule.as_deref()?).ok()?;
    let zone = match policy.policy.timezone.as_deref() {
        Some(name) => crate::cron::Zone::named(name)?,
        None => crate::cron::Zone::host(),
    };
    let last_minute = until.div_euclid(60) * 60;
    let mut after = DateTime::from_timestamp(since - 1, 0)?;
    let mut latest = None;
    while let Some(fire) = schedule.next_after(after, &zone) {
        if fire.timestamp() > last_minute {
            break;
        }
        latest = Some(fire);
        after = fire;
    }
    latest
}

/// Whether the history has a run for `fire`: one that stood for it, or a cron start in its
/// minute. An unreadable history counts as having one (a catch-up must never repeat a run).
fn recorded(store: &Store, user: &User, entry: Uuid, fire: DateTime<Utc>) -> bool {
    let Ok(runs) = store.read(user, true) else {
        return true;
    };
    let entry = entry.to_string();
    let fire = Timestamp::from(fire);
    runs.iter().filter(|r| r.entry_id == entry).any(|r| {
        r.scheduled_for == Some(fire)
            || (r.started_at >= fire && r.started_at.unix() < fire.unix() + 60)
    })
}

/// The fire to catch up now, if any: called by the recorder at each start cron gives it.
pub fn missed(
    entry: Uuid,
    history_dir: &Path,
    user: &User,
    policy: &RecorderPolicy,
    now: Timestamp,
) -> Option<Timestamp> {
    if policy.policy.catch_up != CatchUp::Latest {
        return None;
    }
    let daemon = daemon()?;
    let store = Store::new(history_dir);
    let dir: PathBuf = store.dir(&user.name);
    if !claim(&dir, entry, daemon) {
        return None;
    }
    let start = started_at(daemon)?;
    let since = policy
        .catch_up_since
        .map_or(i64::MIN, Timestamp::unix)
        .max(now.unix() - WINDOW_SECS);
    let fire = latest_fire(policy, since, start)?;
    if recorded(&store, user, entry, fire) {
        return None;
    }
    Some(Timestamp::from(fire))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Policy;

    fn policy(schedule: &str, zone: Option<&str>) -> RecorderPolicy {
        RecorderPolicy {
            policy: Policy {
                timezone: zone.map(Into::into),
                catch_up: CatchUp::Latest,
                ..Policy::default()
            },
            schedule: Some(schedule.into()),
            ..RecorderPolicy::default()
        }
    }

    fn at(text: &str) -> i64 {
        Timestamp::parse(text).unwrap().unix()
    }

    #[test]
    fn the_latest_fire_counts_the_start_minute_and_respects_since() {
        let p = policy("0 9 * * *", Some("Europe/Berlin"));
        let fire = |since, until| latest_fire(&p, at(since), at(until)).map(|f| f.to_rfc3339());
        // 09:00 CET is 08:00Z; cron started in that very minute, so it missed it.
        assert_eq!(
            fire("2027-01-01T00:00:00Z", "2027-01-10T08:00:40Z").as_deref(),
            Some("2027-01-10T08:00:00+00:00")
        );
        assert_eq!(
            fire("2027-01-01T00:00:00Z", "2027-01-10T07:59:59Z").as_deref(),
            Some("2027-01-09T08:00:00+00:00")
        );
        // Not before the entry existed (created a second after the fire).
        assert_eq!(fire("2027-01-10T08:00:01Z", "2027-01-10T09:00:00Z"), None);
        assert_eq!(
            fire("2027-01-10T08:00:00Z", "2027-01-10T09:00:00Z").as_deref(),
            Some("2027-01-10T08:00:00+00:00")
        );
    }

    #[test]
    fn one_claim_per_daemon_start() {
        let dir = tempfile::tempdir().unwrap();
        let entry = Uuid::new_v4();
        let first = Daemon {
            pid: 10,
            start_ticks: 500,
        };
        assert!(claim(dir.path(), entry, first));
        assert!(!claim(dir.path(), entry, first));
        assert!(claim(dir.path(), Uuid::new_v4(), first), "per entry");
        let restarted = Daemon {
            pid: 11,
            start_ticks: 900,
        };
        assert!(claim(dir.path(), entry, restarted));
        assert!(!claim(dir.path(), entry, restarted));
        let mine = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|f| {
                let name = f.as_ref().unwrap().file_name();
                name.to_string_lossy().starts_with(&claim_prefix(entry))
            })
            .count();
        assert_eq!(mine, 1, "older claims are removed");
    }

    #[test]
    fn not_under_cron_no_daemon() {
        // The test runner is not started by cron.
        assert_eq!(daemon(), None);
    }
}
