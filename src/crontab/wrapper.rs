//! The recorder wrapper around a managed command, so that runs cron starts are recorded:
//!
//! ```text
//! /usr/local/bin/cronrpc exec --entry <uuid> [--history-dir DIR] -- '<command>'
//! ```
//!
//! The command is one single-quoted sh word, so the shell hands it to `cronrpc exec` unchanged
//! and reading the line back recovers it exactly. cron's `%` escaping goes on top of all this
//! (see `command`). Only the few words written here are understood when reading back; any other
//! line is a plain command.

use uuid::Uuid;

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

/// The wrapped command, before cron's escaping.
pub fn wrap(wrapper: &Wrapper, entry: Uuid, command: &str) -> String {
    let mut out = format!("{} exec --entry {entry}", word(&wrapper.exe));
    if let Some(dir) = &wrapper.history_dir {
        out.push_str(" --history-dir ");
        out.push_str(&word(dir));
    }
    out.push_str(" -- ");
    out.push_str(&quote(command));
    out
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
    let (history_dir, tail) = match rest {
        [exec, flag, id, dir_flag, dir, tail @ ..]
            if exec == "exec" && flag == "--entry" && dir_flag == "--history-dir" =>
        {
            (Some(dir.clone()), (id, tail))
        }
        [exec, flag, id, tail @ ..] if exec == "exec" && flag == "--entry" => (None, (id, tail)),
        _ => return None,
    };
    let (id, tail) = tail;
    let [dashes, command] = tail else { return None };
    if dashes != "--" || !exe.starts_with('/') {
        return None;
    }
    Some(Wrapped {
        wrapper: Wrapper {
            exe: exe.clone(),
            history_dir,
        },
        entry: Uuid::parse_str(id).ok()?,
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

    #[test]
    fn round_trips_any_command() {
        let id = Uuid::new_v4();
        for w in [
            wrapper("/usr/bin/cronrpc", None),
            wrapper("/opt/my tools/cronrpc", Some("/var/tmp/h it's")),
        ] {
            for cmd in [
                "echo hi",
                "echo 'a' \"b\" it's",
                r"printf '%s\n' a\b \\ \'",
                "''",
                "a  b\tc",
                "",
            ] {
                let text = wrap(&w, id, cmd);
                let back = unwrap(&text).unwrap_or_else(|| panic!("{text}"));
                assert_eq!(back.command, cmd);
                assert_eq!(back.wrapper, w);
                assert_eq!(back.entry, id);
            }
        }
    }

    #[test]
    fn stays_readable() {
        let id = Uuid::nil();
        assert_eq!(
            wrap(&wrapper("/usr/bin/cronrpc", None), id, "echo it's"),
            format!(r"/usr/bin/cronrpc exec --entry {id} -- 'echo it'\''s'")
        );
    }

    #[test]
    fn plain_commands_are_not_wrapped() {
        for text in [
            "echo hi",
            "/bin/x exec --entry nope -- 'a'",
            "cronrpc exec --entry 00000000-0000-0000-0000-000000000000 -- 'a'",
            "/bin/x exec --entry 00000000-0000-0000-0000-000000000000 -- 'a' b",
            "/bin/x exec --entry 00000000-0000-0000-0000-000000000000 -- 'a; rm x",
            "/bin/x exec --entry 00000000-0000-0000-0000-000000000000 -- $(a)",
        ] {
            assert_eq!(unwrap(text), None, "{text}");
        }
    }
}
