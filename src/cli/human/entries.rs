//! `cronrpc entries …`: one subcommand per `entries.*` method. Each subcommand's arguments
//! become the method's params struct field by field, in a struct literal with no `..`: a field
//! added to the params fails the build here until the command line says how to give it.

use super::edit::{CreateArgs, UpdateArgs};
use super::{of, Plan};
use crate::api as m;
use crate::history::RunStatus;
use crate::service::adopt::AdoptParams;
use crate::service::entry_types::{
    default_limit, first_page, EntryRef, EntryType, ListParams, SweepParams,
};
use crate::service::run_now::{yes, RunParams};
use crate::service::runs::{self, HistoryParams};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Managed,
    Raw,
}

impl From<Kind> for EntryType {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Managed => EntryType::Managed,
            Kind::Raw => EntryType::Raw,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Entries {
    /// List a user's jobs, managed and raw, in crontab order.
    List(ListArgs),
    /// Show one managed entry.
    Get(RefArgs),
    /// Add a managed entry at the end of the crontab.
    Create(Box<CreateArgs>),
    /// Change fields of a managed entry; the others stay.
    Update(Box<UpdateArgs>),
    /// Delete a managed entry.
    Delete(RefArgs),
    /// Make a raw job line (as `entries list` shows it) a managed entry, where it stands.
    Adopt(AdoptArgs),
    /// Run a managed entry's command now, as its user, and record the run.
    Run(RunArgs),
    /// Recorded runs, newest first.
    History(HistoryArgs),
    /// Remove expired entries.
    Sweep(SweepArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    user: String,
    #[arg(long, default_value_t = first_page())]
    page: i64,
    #[arg(long, default_value_t = default_limit())]
    limit: i64,
    /// Only managed entries, or only raw job lines.
    #[arg(long = "type", value_enum)]
    kind: Option<Kind>,
    /// Only enabled jobs.
    #[arg(long, conflicts_with = "disabled")]
    enabled: bool,
    /// Only disabled entries.
    #[arg(long)]
    disabled: bool,
}

impl From<ListArgs> for ListParams {
    fn from(a: ListArgs) -> Self {
        ListParams {
            user: a.user,
            page: a.page,
            limit: a.limit,
            kind: a.kind.map(Into::into),
            enabled: flag(a.enabled, a.disabled),
        }
    }
}

/// One managed entry of a user.
#[derive(Debug, Args)]
pub struct RefArgs {
    user: String,
    id: String,
}

impl From<RefArgs> for EntryRef {
    fn from(a: RefArgs) -> Self {
        EntryRef {
            user: a.user,
            id: a.id,
        }
    }
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    user: String,
    line: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    comment: Option<String>,
}

impl From<AdoptArgs> for AdoptParams {
    fn from(a: AdoptArgs) -> Self {
        AdoptParams {
            user: a.user,
            line: a.line,
            name: a.name,
            comment: a.comment,
        }
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    user: String,
    id: String,
    #[arg(long, visible_alias = "timeout")]
    timeout_ms: Option<u64>,
    /// Answer at once with the run in `running`; it goes on detached (see `runs get`).
    #[arg(long)]
    no_wait: bool,
}

impl From<RunArgs> for RunParams {
    fn from(a: RunArgs) -> Self {
        RunParams {
            user: a.user,
            id: a.id,
            // Out of range either way: the service refuses it and says what the range is.
            timeout_ms: a.timeout_ms.map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
            wait: if a.no_wait { false } else { yes() },
        }
    }
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    user: String,
    /// Only this entry's runs.
    #[arg(long)]
    id: Option<String>,
    /// Only runs started at or after this moment (RFC 3339).
    #[arg(long)]
    since: Option<String>,
    #[arg(long, default_value_t = runs::default_limit())]
    limit: i64,
    /// Include rotated history files.
    #[arg(long)]
    include_rotated: bool,
    /// Only runs with this status (running, succeeded, failed, timed_out, skipped, cancelled).
    #[arg(long, value_parser = run_status)]
    status: Option<RunStatus>,
}

/// A run status by its wire name, the one its type gives it.
fn run_status(text: &str) -> Result<RunStatus, String> {
    use serde::de::{value::StrDeserializer, IntoDeserializer};
    use serde::Deserialize;
    let de: StrDeserializer<serde::de::value::Error> = text.into_deserializer();
    RunStatus::deserialize(de).map_err(|e| e.to_string())
}

impl From<HistoryArgs> for HistoryParams {
    fn from(a: HistoryArgs) -> Self {
        HistoryParams {
            user: a.user,
            id: a.id,
            since: a.since,
            limit: a.limit,
            include_rotated: a.include_rotated,
            status: a.status,
        }
    }
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Only this user's crontab.
    #[arg(long)]
    user: Option<String>,
    #[arg(long)]
    dry_run: bool,
}

impl From<SweepArgs> for SweepParams {
    fn from(a: SweepArgs) -> Self {
        SweepParams {
            user: a.user,
            dry_run: a.dry_run,
        }
    }
}

/// `Some(true)` for the first flag, `Some(false)` for the second, `None` for neither.
pub fn flag(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

impl Entries {
    pub fn request(self) -> Plan {
        match self {
            Entries::List(a) => of::<m::EntriesList>(a.into()),
            Entries::Get(a) => of::<m::EntriesGet>(a.into()),
            Entries::Create(a) => of::<m::EntriesCreate>((*a).into()),
            Entries::Update(a) => of::<m::EntriesUpdate>((*a).into()),
            Entries::Delete(a) => of::<m::EntriesDelete>(a.into()),
            Entries::Adopt(a) => of::<m::EntriesAdopt>(a.into()),
            Entries::Run(a) => of::<m::EntriesRun>(a.into()),
            Entries::History(a) => of::<m::EntriesHistory>(a.into()),
            Entries::Sweep(a) => of::<m::EntriesSweep>(a.into()),
        }
    }
}
