//! `cronrpc crontab …` and `cronrpc schedule …`: whole crontabs, revisions, and schedules.
//! Each builds its method's params struct with every field named (no `..`).

use super::{of, Plan};
use crate::api as m;
use crate::service::crontab::{GetParams, NoParams, PutParams};
use crate::service::revisions::{self, RestoreParams, RevisionsParams};
use crate::service::system::{default_count, DescribeParams};
use clap::Subcommand;
use std::path::PathBuf;

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
        #[arg(long, default_value_t = revisions::default_limit())]
        limit: i64,
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
        #[arg(long, default_value_t = default_count())]
        count: i64,
        /// RFC 3339; default now.
        #[arg(long)]
        from: Option<String>,
        /// IANA zone; default cron's.
        #[arg(long)]
        timezone: Option<String>,
    },
}

impl Crontab {
    pub fn request(self) -> Result<Plan, String> {
        Ok(match self {
            Crontab::List => of::<m::CrontabList>(NoParams {}),
            Crontab::Get { user } => of::<m::CrontabGet>(GetParams { user }),
            Crontab::Put {
                user,
                file,
                if_match,
                dry_run,
            } => of::<m::CrontabPut>(PutParams {
                user,
                content: read_content(&file)?,
                if_match,
                dry_run,
            }),
            Crontab::Revisions { user, limit } => {
                of::<m::CrontabRevisions>(RevisionsParams { user, limit })
            }
            Crontab::Restore {
                user,
                revision,
                if_match,
            } => of::<m::CrontabRestore>(RestoreParams {
                user,
                revision,
                if_match,
            }),
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
    pub fn request(self) -> Plan {
        match self {
            Schedule::Describe {
                schedule,
                count,
                from,
                timezone,
            } => of::<m::ScheduleDescribe>(DescribeParams {
                schedule,
                count,
                from,
                timezone,
            }),
        }
    }
}
