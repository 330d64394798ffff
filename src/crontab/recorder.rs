//! The run recorder call a managed command goes through, so that runs cron starts are recorded:
//!
//! ```text
//! /usr/local/bin/cronrpc exec --entry <uuid> [--history-dir DIR] [POLICY FLAGS] -- '<command>'
//! ```
//!
//! The policy flags carry the entry's [`Policy`] so that it holds while no server runs:
//! `--tz ZONE` (the zone the entry's schedule is read in), `--at 'SCHEDULE'` (the entry's own
//! schedule, whenever the line's differs from it: a host-zone cover for a zone, every minute
//! for catch-up; see `cron::gate`), `--timeout MS`, `--forbid-overlap`, `--catch-up SINCE` (the
//! entry's `created_at`: no catch-up for fires before it), `--notify LIST` (`failure`, `success`, `mail`, comma-separated, or `none`)
//! with `--webhook URL` and `--ping URL`. Each is written only when it differs from the
//! default, in this order.
//!
//! The command is one single-quoted sh word, so the shell hands it to `cronrpc exec` unchanged
//! and reading the line back recovers it exactly. cron's `%` escaping goes on top of all this
//! (see `command`). Only the few words written here are understood when reading back; any other
//! line is a plain command.

use crate::domain::policy::{CatchUp, Concurrency, Notify, Policy};
use crate::domain::time::Timestamp;
use uuid::Uuid;

/// The flag names, shared by the writer, the reader and the recorder's command line.
pub mod flag {
    pub const TZ: &str = "tz";
    pub const AT: &str = "at";
    pub const TIMEOUT: &str = "timeout";
    pub const FORBID_OVERLAP: &str = "forbid-overlap";
    pub const CATCH_UP: &str = "catch-up";
    pub const NOTIFY: &str = "notify";
    pub const WEBHOOK: &str = "webhook";
    pub const PING: &str = "ping";
}

/// Where the recorder is and where it writes, as written into job lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    /// Absolute path of the cronrpc binary.
    pub exe: String,
    /// The history directory, when it is not the recorder's default.
    pub history_dir: Option<String>,
}

/// A recorder call, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderCall {
    pub recorder: Recorder,
    pub entry: Uuid,
    pub policy: Policy,
    /// The entry's own schedule (`--at`), when the line's schedule is not it.
    pub schedule: Option<String>,
    /// `--catch-up`'s SINCE: no catch-up for fires before it (the entry's creation).
    pub catch_up_since: Option<Timestamp>,
    pub command: String,
}

/// sh's single quotes keep everything literal but `'`, written as `'\''`.
pub fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-./:,+=@%".contains(c)
}

/// Quotes only when needed, so paths stay readable.
fn word(text: &str) -> String {
    if !text.is_empty() && text.chars().all(is_plain) {
        text.to_owned()
    } else {
        quote(text)
    }
}

/// Whether the job line's schedule is not the entry's own, so the recorder gates by `--at`.
pub fn gated(policy: &Policy) -> bool {
    policy.timezone.is_some() || policy.catch_up == CatchUp::Latest
}

/// The flags that make every run of an entry keep its policy, whoever starts it: `--timeout`,
/// `--forbid-overlap`, `--catch-up SINCE` when given, then `--notify` and its URLs, in the order
/// job lines have them. The job line adds the zone gate in front; `entries.run` passes these
/// without catch-up.
pub fn run_flags(
    policy: &Policy,
    catch_up_since: Option<Timestamp>,
) -> Vec<(&'static str, Option<String>)> {
    let mut flags = Vec::new();
    if let Some(ms) = policy.timeout_ms {
        flags.push((flag::TIMEOUT, Some(ms.to_string())));
    }
    if policy.concurrency == Concurrency::Forbid {
        flags.push((flag::FORBID_OVERLAP, None));
    }
    if let Some(since) = catch_up_since {
        flags.push((flag::CATCH_UP, Some(since.to_string())));
    }
    if let Some(notify) = &policy.notify {
        flags.push((flag::NOTIFY, Some(notify_list(notify))));
        flags.extend(notify.webhook.clone().map(|url| (flag::WEBHOOK, Some(url))));
        flags.extend(notify.ping_url.clone().map(|url| (flag::PING, Some(url))));
    }
    flags
}

/// The recorder call around `command`, before cron's escaping. `schedule` is the entry's own schedule; it is
/// written only when the line is [`gated`]. `created_at` bounds catch-up.
pub fn write_call(
    recorder: &Recorder,
    entry: Uuid,
    policy: &Policy,
    schedule: &str,
    created_at: Timestamp,
    command: &str,
) -> String {
    let mut out = format!("{} exec --entry {entry}", word(&recorder.exe));
    let mut put = |name: &str, value: Option<&str>| {
        out.push_str(" --");
        out.push_str(name);
        if let Some(value) = value {
            out.push(' ');
            out.push_str(&word(value));
        }
    };
    if let Some(dir) = &recorder.history_dir {
        put("history-dir", Some(dir));
    }
    if let Some(zone) = &policy.timezone {
        put(flag::TZ, Some(zone));
    }
    if gated(policy) {
        put(flag::AT, Some(schedule));
    }
    let catch_up = (policy.catch_up == CatchUp::Latest).then_some(created_at);
    for (name, value) in run_flags(policy, catch_up) {
        put(name, value.as_deref());
    }
    out.push_str(" -- ");
    out.push_str(&quote(command));
    out
}

const NOTIFY_FAILURE: &str = "failure";
const NOTIFY_SUCCESS: &str = "success";
const NOTIFY_MAIL: &str = "mail";
const NOTIFY_NONE: &str = "none";

/// `--notify`'s value: the switches that are on.
pub fn notify_list(notify: &Notify) -> String {
    let on: Vec<&str> = [
        (notify.on_failure, NOTIFY_FAILURE),
        (notify.on_success, NOTIFY_SUCCESS),
        (notify.mail, NOTIFY_MAIL),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if on.is_empty() {
        NOTIFY_NONE.to_owned()
    } else {
        on.join(",")
    }
}

/// Reads `--notify`'s value back; None for anything [`notify_list`] does not write.
pub fn parse_notify_list(list: &str) -> Option<Notify> {
    let mut notify = Notify {
        on_failure: false,
        on_success: false,
        mail: false,
        webhook: None,
        ping_url: None,
    };
    if list == NOTIFY_NONE {
        return Some(notify);
    }
    for name in list.split(',') {
        let switch = match name {
            NOTIFY_FAILURE => &mut notify.on_failure,
            NOTIFY_SUCCESS => &mut notify.on_success,
            NOTIFY_MAIL => &mut notify.mail,
            _ => return None,
        };
        if std::mem::replace(switch, true) {
            return None;
        }
    }
    Some(notify)
}

/// Reads the policy flags (the words between the entry and `--`); None when any word is not
/// one the writer puts there, or a flag is repeated.
type ReadPolicy = (Policy, Option<String>, Option<Timestamp>);

fn read_policy(mut words: &[String]) -> Option<ReadPolicy> {
    let mut policy = Policy::default();
    let mut schedule = None;
    let mut since = None;
    let mut notify: Option<Notify> = None;
    let mut seen = std::collections::HashSet::new();
    let (mut webhook, mut ping) = (None, None);
    while let [first, rest @ ..] = words {
        let name = first.strip_prefix("--")?;
        if !seen.insert(name) {
            return None;
        }
        words = rest;
        let mut value = || -> Option<String> {
            let (v, rest) = words.split_first()?;
            words = rest;
            Some(v.clone())
        };
        match name {
            flag::TZ => policy.timezone = Some(value()?),
            flag::AT => schedule = Some(value()?),
            flag::TIMEOUT => policy.timeout_ms = Some(value()?.parse().ok()?),
            flag::FORBID_OVERLAP => policy.concurrency = Concurrency::Forbid,
            flag::CATCH_UP => {
                policy.catch_up = CatchUp::Latest;
                since = Some(Timestamp::parse(&value()?)?);
            }
            flag::NOTIFY => notify = Some(parse_notify_list(&value()?)?),
            flag::WEBHOOK => webhook = Some(value()?),
            flag::PING => ping = Some(value()?),
            _ => return None,
        }
    }
    // `--at` goes with a gated line, and the URLs with `--notify`, as the writer puts them.
    if gated(&policy) != schedule.is_some() {
        return None;
    }
    match (&mut notify, webhook, ping) {
        (Some(n), webhook, ping) => {
            n.webhook = webhook;
            n.ping_url = ping;
        }
        (None, None, None) => {}
        _ => return None,
    }
    policy.notify = notify;
    Some((policy, schedule, since))
}

/// Splits text into sh words, understanding only plain characters, single quotes and `\'`;
/// None for anything else (a command that is not ours).
fn words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(current.take()),
            '\'' => {
                let word = current.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '\\' => current.get_or_insert_with(String::new).push(chars.next()?),
            c if is_plain(c) => current.get_or_insert_with(String::new).push(c),
            _ => return None,
        }
    }
    words.extend(current);
    Some(words)
}

/// What every recorder call holds, before and after cron's escapes are undone (they touch
/// only `\` and `%`): a command without it is not a call.
pub const MARK: &str = " exec --entry ";

/// Reads a recorder call (cron's escapes already undone); None when `text` is not one.
pub fn parse_call(text: &str) -> Option<RecorderCall> {
    // Every read of every managed line comes here: split into shell words only what can be ours.
    if !text.contains(MARK) {
        return None;
    }
    let words = words(text)?;
    let (exe, rest) = words.split_first()?;
    let [exec, entry_flag, id, rest @ ..] = rest else {
        return None;
    };
    if exec != "exec" || entry_flag != "--entry" || !exe.starts_with('/') {
        return None;
    }
    let (history_dir, rest) = match rest {
        [dir_flag, dir, rest @ ..] if dir_flag == "--history-dir" => (Some(dir.clone()), rest),
        _ => (None, rest),
    };
    let [flags @ .., dashes, command] = rest else {
        return None;
    };
    if dashes != "--" {
        return None;
    }
    let (policy, schedule, catch_up_since) = read_policy(flags)?;
    Some(RecorderCall {
        recorder: Recorder {
            exe: exe.clone(),
            history_dir,
        },
        entry: Uuid::parse_str(id).ok()?,
        policy,
        schedule,
        catch_up_since,
        command: command.clone(),
    })
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
