//! The recorder wrapper around a managed command, so that runs cron starts are recorded:
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
pub struct Wrapper {
    /// Absolute path of the cronrpc binary.
    pub exe: String,
    /// The history directory, when it is not the recorder's default.
    pub history_dir: Option<String>,
}

/// A wrapped command, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapped {
    pub wrapper: Wrapper,
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

/// The wrapped command, before cron's escaping. `schedule` is the entry's own schedule; it is
/// written only when the line is [`gated`]. `created_at` bounds catch-up.
pub fn wrap(
    wrapper: &Wrapper,
    entry: Uuid,
    policy: &Policy,
    schedule: &str,
    created_at: Timestamp,
    command: &str,
) -> String {
    let mut out = format!("{} exec --entry {entry}", word(&wrapper.exe));
    let mut put = |name: &str, value: Option<&str>| {
        out.push_str(" --");
        out.push_str(name);
        if let Some(value) = value {
            out.push(' ');
            out.push_str(&word(value));
        }
    };
    if let Some(dir) = &wrapper.history_dir {
        put("history-dir", Some(dir));
    }
    if let Some(zone) = &policy.timezone {
        put(flag::TZ, Some(zone));
    }
    if gated(policy) {
        put(flag::AT, Some(schedule));
    }
    if let Some(ms) = policy.timeout_ms {
        put(flag::TIMEOUT, Some(&ms.to_string()));
    }
    if policy.concurrency == Concurrency::Forbid {
        put(flag::FORBID_OVERLAP, None);
    }
    if policy.catch_up == CatchUp::Latest {
        put(flag::CATCH_UP, Some(&created_at.to_string()));
    }
    if let Some(notify) = &policy.notify {
        put(flag::NOTIFY, Some(&notify_list(notify)));
        if let Some(url) = &notify.webhook {
            put(flag::WEBHOOK, Some(url));
        }
        if let Some(url) = &notify.ping_url {
            put(flag::PING, Some(url));
        }
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

/// Reads a wrapped command (cron's escapes already undone); None when `text` is not one.
pub fn unwrap(text: &str) -> Option<Wrapped> {
    // Every read of every managed line comes here: split into shell words only what can be ours.
    if !text.contains(" exec --entry ") {
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
    Some(Wrapped {
        wrapper: Wrapper {
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
mod tests {
    use super::*;

    fn wrapper(exe: &str, dir: Option<&str>) -> Wrapper {
        Wrapper {
            exe: exe.into(),
            history_dir: dir.map(Into::into),
        }
    }

    fn since() -> Timestamp {
        Timestamp::parse("2026-12-01T10:00:00Z").unwrap()
    }

    fn policies() -> Vec<Policy> {
        vec![
            Policy::default(),
            Policy {
                timezone: Some("America/New_York".into()),
                timeout_ms: Some(90_000),
                concurrency: Concurrency::Forbid,
                catch_up: CatchUp::Latest,
                notify: Some(Notify {
                    on_failure: true,
                    on_success: true,
                    mail: false,
                    webhook: Some("https://hooks.example/a?b=1&c='d' e%20".into()),
                    ping_url: Some("http://127.0.0.1:9/ping/--".into()),
                }),
            },
            Policy {
                notify: Some(Notify {
                    on_failure: false,
                    on_success: false,
                    mail: false,
                    webhook: None,
                    ping_url: None,
                }),
                ..Policy::default()
            },
            Policy {
                notify: Some(Notify::default()),
                catch_up: CatchUp::Latest,
                ..Policy::default()
            },
            Policy {
                timezone: Some("Asia/Kathmandu".into()),
                ..Policy::default()
            },
        ]
    }

    #[test]
    fn round_trips_any_command_and_policy() {
        let id = Uuid::new_v4();
        for w in [
            wrapper("/usr/bin/cronrpc", None),
            wrapper("/opt/my tools/cronrpc", Some("/var/tmp/h it's")),
        ] {
            for policy in policies() {
                for cmd in [
                    "echo hi",
                    "echo 'a' \"b\" it's",
                    r"printf '%s\n' a\b \\ \'",
                    "''",
                    "a  b\tc",
                    "-- --tz x",
                    "",
                ] {
                    let text = wrap(&w, id, &policy, "*/5 9-17 * * 1-5", since(), cmd);
                    let back = unwrap(&text).unwrap_or_else(|| panic!("{text}"));
                    assert_eq!(back.command, cmd);
                    assert_eq!(back.wrapper, w);
                    assert_eq!(back.entry, id);
                    assert_eq!(back.policy, policy, "{text}");
                    let schedule = gated(&policy).then(|| "*/5 9-17 * * 1-5".to_owned());
                    assert_eq!(back.schedule, schedule);
                    let catch_up = policy.catch_up == CatchUp::Latest;
                    assert_eq!(back.catch_up_since, catch_up.then(since));
                }
            }
        }
    }

    #[test]
    fn stays_readable() {
        let id = Uuid::nil();
        let w = wrapper("/usr/bin/cronrpc", None);
        assert_eq!(
            wrap(
                &w,
                id,
                &Policy::default(),
                "* * * * *",
                since(),
                "echo it's"
            ),
            format!(r"/usr/bin/cronrpc exec --entry {id} -- 'echo it'\''s'")
        );
        let policy = Policy {
            timezone: Some("Europe/Berlin".into()),
            timeout_ms: Some(5000),
            concurrency: Concurrency::Forbid,
            catch_up: CatchUp::Latest,
            notify: Some(Notify {
                webhook: Some("https://h.example/x".into()),
                ..Notify::default()
            }),
        };
        assert_eq!(
            wrap(&w, id, &policy, "0 9 * * *", since(), "true"),
            format!(
                "/usr/bin/cronrpc exec --entry {id} --tz Europe/Berlin --at '0 9 * * *' \
                 --timeout 5000 --forbid-overlap --catch-up 2026-12-01T10:00:00Z --notify failure,mail \
                 --webhook https://h.example/x -- 'true'"
            )
        );
    }

    #[test]
    fn plain_commands_are_not_wrapped() {
        let id = "00000000-0000-0000-0000-000000000000";
        for text in [
            "echo hi".to_owned(),
            "/bin/x exec --entry nope -- 'a'".to_owned(),
            format!("cronrpc exec --entry {id} -- 'a'"),
            format!("/bin/x exec --entry {id} -- 'a' b"),
            format!("/bin/x exec --entry {id} -- 'a; rm x"),
            format!("/bin/x exec --entry {id} -- $(a)"),
            // Unknown, repeated, incomplete or stray flags: not ours.
            format!("/bin/x exec --entry {id} --verbose -- 'a'"),
            format!("/bin/x exec --entry {id} --forbid-overlap --forbid-overlap -- 'a'"),
            format!("/bin/x exec --entry {id} --catch-up --at '* * * * *' -- 'a'"),
            format!("/bin/x exec --entry {id} --catch-up 2026-12-01T10:00:00Z -- 'a'"),
            format!("/bin/x exec --entry {id} --tz UTC -- 'a'"),
            format!("/bin/x exec --entry {id} --at '* * * * *' -- 'a'"),
            format!("/bin/x exec --entry {id} --timeout soon -- 'a'"),
            format!("/bin/x exec --entry {id} --timeout -- 'a'"),
            format!("/bin/x exec --entry {id} --notify always -- 'a'"),
            format!("/bin/x exec --entry {id} --notify mail,mail -- 'a'"),
            format!("/bin/x exec --entry {id} --webhook http://x -- 'a'"),
            format!("/bin/x exec --entry {id} extra -- 'a'"),
            format!("/bin/x exec --entry {id} --history-dir /h --history-dir /i -- 'a'"),
        ] {
            assert_eq!(unwrap(&text), None, "{text}");
        }
    }
}
