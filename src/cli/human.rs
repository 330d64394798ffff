//! Commands for people, one per method: each builds the method's JSON params and calls it
//! through the method table (in-process or on a server), so nothing is defined twice.

use super::client::{self, Exit, Outcome};
use super::render;
use crate::app::BackendOptions;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// How to reach the methods, and how to print what they return.
#[derive(Debug, Args)]
pub struct Client {
    /// Print the method's result (or error object) as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// Ask the server on this Unix socket instead of acting in-process.
    #[arg(long, value_name = "SOCKET", global = true, env = "CRONRPC_CONNECT")]
    connect: Option<PathBuf>,
    #[command(flatten)]
    backend: BackendOptions,
}

#[derive(Debug, Subcommand)]
pub enum Human {
    /// Managed entries and the raw job lines around them.
    Entries {
        #[command(subcommand)]
        command: Entries,
        #[command(flatten)]
        client: Client,
    },
    /// Whole crontabs, and their revisions.
    Crontab {
        #[command(subcommand)]
        command: Crontab,
        #[command(flatten)]
        client: Client,
    },
    /// Check and explain a schedule.
    Schedule {
        #[command(subcommand)]
        command: Schedule,
        #[command(flatten)]
        client: Client,
    },
    /// Report that cronrpc (or the server) works, and how it is set up.
    Health {
        #[command(flatten)]
        client: Client,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Managed,
    Raw,
}

#[derive(Debug, Subcommand)]
pub enum Entries {
    /// List a user's jobs, managed and raw, in crontab order.
    List {
        user: String,
        #[arg(long)]
        page: Option<i64>,
        #[arg(long)]
        limit: Option<i64>,
        /// Only managed entries, or only raw job lines.
        #[arg(long = "type", value_enum)]
        kind: Option<Kind>,
        /// Only enabled jobs.
        #[arg(long, conflicts_with = "disabled")]
        enabled: bool,
        /// Only disabled entries.
        #[arg(long)]
        disabled: bool,
    },
    /// Show one managed entry.
    Get { user: String, id: String },
    /// Add a managed entry at the end of the crontab.
    Create {
        user: String,
        /// Five fields or a macro such as @daily.
        #[arg(long)]
        schedule: String,
        /// The shell command, exactly as the shell should run it.
        #[arg(long)]
        command: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        comment: Option<String>,
        /// Write it commented out.
        #[arg(long)]
        disabled: bool,
        /// RFC 3339; after it the entry stops firing and is removed.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// Change fields of a managed entry; the others stay.
    Update {
        user: String,
        id: String,
        #[arg(long)]
        schedule: Option<String>,
        #[arg(long)]
        command: Option<String>,
        #[arg(long, conflicts_with = "no_name")]
        name: Option<String>,
        /// Clear the name.
        #[arg(long)]
        no_name: bool,
        #[arg(long, conflicts_with = "no_comment")]
        comment: Option<String>,
        /// Clear the comment.
        #[arg(long)]
        no_comment: bool,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
        #[arg(long, conflicts_with = "no_expires_at")]
        expires_at: Option<String>,
        /// Clear the expiration.
        #[arg(long)]
        no_expires_at: bool,
    },
    /// Delete a managed entry.
    Delete { user: String, id: String },
    /// Make a raw job line (as `entries list` shows it) a managed entry, where it stands.
    Adopt {
        user: String,
        line: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Run a managed entry's command now, as its user, and record the run.
    Run {
        user: String,
        id: String,
        #[arg(long)]
        timeout_ms: Option<u64>,
    },
    /// Recorded runs, newest first.
    History {
        user: String,
        /// Only this entry's runs.
        #[arg(long)]
        id: Option<String>,
        /// Only runs started at or after this moment (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        limit: Option<i64>,
        /// Include rotated history files.
        #[arg(long)]
        include_rotated: bool,
    },
    /// Remove expired entries.
    Sweep {
        /// Only this user's crontab.
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Crontab {
    /// Users that have a crontab.
    List,
    /// Print a user's crontab (warnings go to stderr).
    Get { user: String },
    /// Replace a user's crontab with FILE (`-` for stdin).
    Put {
        user: String,
        file: PathBuf,
        /// Only if the crontab's etag is still this one.
        #[arg(long)]
        if_match: Option<String>,
        /// Validate and diff without writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Earlier crontabs of a user, newest first.
    Revisions {
        user: String,
        #[arg(long)]
        limit: Option<i64>,
    },
    /// Put back a revision.
    Restore {
        user: String,
        revision: u64,
        #[arg(long)]
        if_match: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Schedule {
    /// Explain a schedule and list its next runs.
    Describe {
        schedule: String,
        #[arg(long)]
        count: Option<i64>,
        /// RFC 3339; default now.
        #[arg(long)]
        from: Option<String>,
        /// IANA zone; default cron's.
        #[arg(long)]
        timezone: Option<String>,
    },
}

/// A params object; `None` leaves the field out, so the method's default applies.
fn params<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let map: Map<String, Value> = fields
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect();
    Value::Object(map)
}

fn v(value: impl Into<Value>) -> Option<Value> {
    Some(value.into())
}

fn opt(value: Option<impl Into<Value>>) -> Option<Value> {
    value.map(Into::into)
}

/// `Some(value)`, `Some(null)` when cleared, `None` when neither was asked for.
fn set_or_clear(value: Option<String>, clear: bool) -> Option<Value> {
    if clear {
        Some(Value::Null)
    } else {
        opt(value)
    }
}

fn flag(on: bool, off: bool) -> Option<Value> {
    match (on, off) {
        (true, _) => v(true),
        (_, true) => v(false),
        _ => None,
    }
}

impl Entries {
    fn request(self) -> Result<(&'static str, Value), String> {
        Ok(match self {
            Entries::List {
                user,
                page,
                limit,
                kind,
                enabled,
                disabled,
            } => (
                "entries.list",
                params([
                    ("user", v(user)),
                    ("page", opt(page)),
                    ("limit", opt(limit)),
                    (
                        "type",
                        kind.map(|k| match k {
                            Kind::Managed => "managed".into(),
                            Kind::Raw => "raw".into(),
                        }),
                    ),
                    ("enabled", flag(enabled, disabled)),
                ]),
            ),
            Entries::Get { user, id } => {
                ("entries.get", params([("user", v(user)), ("id", v(id))]))
            }
            Entries::Create {
                user,
                schedule,
                command,
                name,
                comment,
                disabled,
                expires_at,
            } => (
                "entries.create",
                params([
                    ("user", v(user)),
                    ("schedule", v(schedule)),
                    ("command", v(command)),
                    ("name", opt(name)),
                    ("comment", opt(comment)),
                    ("enabled", disabled.then(|| false.into())),
                    ("expires_at", opt(expires_at)),
                ]),
            ),
            Entries::Update {
                user,
                id,
                schedule,
                command,
                name,
                no_name,
                comment,
                no_comment,
                enable,
                disable,
                expires_at,
                no_expires_at,
            } => (
                "entries.update",
                params([
                    ("user", v(user)),
                    ("id", v(id)),
                    ("schedule", opt(schedule)),
                    ("command", opt(command)),
                    ("name", set_or_clear(name, no_name)),
                    ("comment", set_or_clear(comment, no_comment)),
                    ("enabled", flag(enable, disable)),
                    ("expires_at", set_or_clear(expires_at, no_expires_at)),
                ]),
            ),
            Entries::Delete { user, id } => {
                ("entries.delete", params([("user", v(user)), ("id", v(id))]))
            }
            Entries::Adopt {
                user,
                line,
                name,
                comment,
            } => (
                "entries.adopt",
                params([
                    ("user", v(user)),
                    ("line", v(line)),
                    ("name", opt(name)),
                    ("comment", opt(comment)),
                ]),
            ),
            Entries::Run {
                user,
                id,
                timeout_ms,
            } => (
                "entries.run",
                params([
                    ("user", v(user)),
                    ("id", v(id)),
                    ("timeout_ms", opt(timeout_ms)),
                ]),
            ),
            Entries::History {
                user,
                id,
                since,
                limit,
                include_rotated,
            } => (
                "entries.history",
                params([
                    ("user", v(user)),
                    ("id", opt(id)),
                    ("since", opt(since)),
                    ("limit", opt(limit)),
                    ("include_rotated", include_rotated.then(|| true.into())),
                ]),
            ),
            Entries::Sweep { user, dry_run } => (
                "entries.sweep",
                params([
                    ("user", opt(user)),
                    ("dry_run", dry_run.then(|| true.into())),
                ]),
            ),
        })
    }
}

impl Crontab {
    fn request(self) -> Result<(&'static str, Value), String> {
        Ok(match self {
            Crontab::List => ("crontab.list", params([])),
            Crontab::Get { user } => ("crontab.get", params([("user", v(user))])),
            Crontab::Put {
                user,
                file,
                if_match,
                dry_run,
            } => {
                let content = read_content(&file)?;
                (
                    "crontab.put",
                    params([
                        ("user", v(user)),
                        ("content", v(content)),
                        ("if_match", opt(if_match)),
                        ("dry_run", dry_run.then(|| true.into())),
                    ]),
                )
            }
            Crontab::Revisions { user, limit } => (
                "crontab.revisions",
                params([("user", v(user)), ("limit", opt(limit))]),
            ),
            Crontab::Restore {
                user,
                revision,
                if_match,
            } => (
                "crontab.restore",
                params([
                    ("user", v(user)),
                    ("revision", v(revision)),
                    ("if_match", opt(if_match)),
                ]),
            ),
        })
    }
}

fn read_content(file: &std::path::Path) -> Result<String, String> {
    if file == std::path::Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("reading stdin: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))
}

impl Schedule {
    fn request(self) -> (&'static str, Value) {
        match self {
            Schedule::Describe {
                schedule,
                count,
                from,
                timezone,
            } => (
                "schedule.describe",
                params([
                    ("schedule", v(schedule)),
                    ("count", opt(count)),
                    ("from", opt(from)),
                    ("timezone", opt(timezone)),
                ]),
            ),
        }
    }
}

pub fn run(command: Human) -> ExitCode {
    let (request, client) = match command {
        Human::Entries { command, client } => (command.request(), client),
        Human::Crontab { command, client } => (command.request(), client),
        Human::Schedule { command, client } => (Ok(command.request()), client),
        Human::Health { client } => (Ok(("health", params([]))), client),
    };
    let (method, params) = match request {
        Ok(request) => request,
        Err(e) => {
            eprintln!("cronrpc: {e}");
            return Exit::Usage.code();
        }
    };
    let outcome = client::call(client.connect.as_deref(), &client.backend, method, params);
    let mut out = std::io::stdout().lock();
    match outcome {
        Err(e) => {
            eprintln!("cronrpc: {e}");
            Exit::Backend.code()
        }
        Ok(Outcome::Result(result)) => {
            let written = if client.json {
                render::json(&mut out, &result)
            } else {
                render::result(&mut out, method, &result)
            };
            match written {
                Ok(()) => Exit::Ok.code(),
                // A closed pipe (`| head`) is not a failure of the command.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Ok.code(),
                Err(e) => {
                    eprintln!("cronrpc: {e}");
                    Exit::Backend.code()
                }
            }
        }
        Ok(Outcome::Error(error)) => {
            if client.json {
                let _ = render::json(&mut out, &error);
            } else {
                render::error(&error);
            }
            Exit::of(&error).code()
        }
    }
}
