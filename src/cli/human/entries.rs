//! `cronrpc entries …`: one subcommand per `entries.*` method.

use super::params::{flag, opt, params, set_or_clear, v};
use super::policy::PolicyArgs;
use super::{of, Plan};
use crate::api as m;
use clap::{Subcommand, ValueEnum};

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
        #[command(flatten)]
        policy: PolicyArgs,
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
        #[command(flatten)]
        policy: PolicyArgs,
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
        #[arg(long, visible_alias = "timeout")]
        timeout_ms: Option<u64>,
        /// Answer at once with the run in `running`; it goes on detached (see `runs get`).
        #[arg(long)]
        no_wait: bool,
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
        /// Only runs with this status (running, succeeded, failed, timed_out, skipped, cancelled).
        #[arg(long)]
        status: Option<String>,
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

impl Entries {
    pub fn request(self) -> Result<Plan, String> {
        Ok(match self {
            Entries::List {
                user,
                page,
                limit,
                kind,
                enabled,
                disabled,
            } => of::<m::EntriesList>(params([
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
            ])),
            Entries::Get { user, id } => {
                of::<m::EntriesGet>(params([("user", v(user)), ("id", v(id))]))
            }
            Entries::Create {
                user,
                schedule,
                command,
                name,
                comment,
                disabled,
                expires_at,
                policy,
            } => {
                let mut p = params([
                    ("user", v(user)),
                    ("schedule", v(schedule)),
                    ("command", v(command)),
                    ("name", opt(name)),
                    ("comment", opt(comment)),
                    ("enabled", disabled.then(|| false.into())),
                    ("expires_at", opt(expires_at)),
                ]);
                policy.extend(&mut p);
                of::<m::EntriesCreate>(p)
            }
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
                policy,
            } => {
                let mut p = params([
                    ("user", v(user)),
                    ("id", v(id)),
                    ("schedule", opt(schedule)),
                    ("command", opt(command)),
                    ("name", set_or_clear(name, no_name)),
                    ("comment", set_or_clear(comment, no_comment)),
                    ("enabled", flag(enable, disable)),
                    ("expires_at", set_or_clear(expires_at, no_expires_at)),
                ]);
                policy.extend(&mut p);
                of::<m::EntriesUpdate>(p)
            }
            Entries::Delete { user, id } => {
                of::<m::EntriesDelete>(params([("user", v(user)), ("id", v(id))]))
            }
            Entries::Adopt {
                user,
                line,
                name,
                comment,
            } => of::<m::EntriesAdopt>(params([
                ("user", v(user)),
                ("line", v(line)),
                ("name", opt(name)),
                ("comment", opt(comment)),
            ])),
            Entries::Run {
                user,
                id,
                timeout_ms,
                no_wait,
            } => of::<m::EntriesRun>(params([
                ("user", v(user)),
                ("id", v(id)),
                ("timeout_ms", opt(timeout_ms)),
                ("wait", no_wait.then(|| false.into())),
            ])),
            Entries::History {
                user,
                id,
                since,
                limit,
                include_rotated,
                status,
            } => of::<m::EntriesHistory>(params([
                ("user", v(user)),
                ("id", opt(id)),
                ("since", opt(since)),
                ("limit", opt(limit)),
                ("include_rotated", include_rotated.then(|| true.into())),
                ("status", opt(status)),
            ])),
            Entries::Sweep { user, dry_run } => of::<m::EntriesSweep>(params([
                ("user", opt(user)),
                ("dry_run", dry_run.then(|| true.into())),
            ])),
        })
    }
}
