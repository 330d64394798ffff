//! The list of methods. Adding a method is one line here plus its service function.

use super::{Hints, Inline, Method, Visitor, DESTRUCTIVE, READ, RUN, WRITE};
use crate::domain::Result;
use crate::history::RunRecord;
use crate::service::adopt;
use crate::service::apply;
use crate::service::crontab as tab;
use crate::service::entries as ent;
use crate::service::revisions as rev;
use crate::service::run_now as now;
use crate::service::runs as run;
use crate::service::system as sys;
use crate::service::views::Entry;
use crate::service::{Context, Service};

macro_rules! methods {
    ($( $ty:ident: $name:literal, $hints:expr, $params:ty => $output:ty, $call:path,
        $summary:literal, $description:literal; )*) => {
        $(
            #[doc = $summary]
            pub struct $ty;

            impl Method for $ty {
                const NAME: &'static str = $name;
                const SUMMARY: &'static str = $summary;
                const DESCRIPTION: &'static str = $description;
                const HINTS: Hints = $hints;
                type Params = $params;
                type Output = $output;

                fn call(service: &Service, ctx: &Context, params: $params) -> Result<$output> {
                    $call(service, ctx, params)
                }
            }
        )*

        /// Visits every method except `rpc.discover`, in the order documents list them.
        pub fn for_each_method(visitor: &mut impl Visitor) {
            $( visitor.visit::<$ty>(); )*
        }
    };
}

methods! {
    EntriesList: "entries.list", READ, ent::ListParams => ent::EntryPage, Service::entries_list,
        "List a user's cron jobs, managed and raw, in crontab order.",
        "List the jobs in a user's crontab, in crontab order: managed entries (with id, schedule, \
         human-readable schedule, next run, last run) and raw job lines cronrpc does not manage. \
         Paginated (page, limit up to 200); filter with type (managed/raw) and enabled. Read-only.";
    EntriesGet: "entries.get", READ.inline(Inline::LocalReads), ent::EntryRef => Entry, Service::entries_get,
        "Get one managed entry by id.",
        "Get one managed cron entry of a user by its UUID, with its next and last run. Read-only.";
    EntriesCreate: "entries.create", WRITE, ent::CreateParams => Entry, Service::entries_create,
        "Create a managed cron entry.",
        "Add a cron job to a user's crontab, appended at the end. schedule is 5 cron fields or a \
         macro (@daily, @hourly, ...); command is run by /bin/sh exactly as given. Optional name, \
         comment, enabled (default true) and expires_at (the job stops firing and is removed after \
         it). Returns the entry with its id. Each call adds a new job: do not repeat it to retry.";
    EntriesUpdate: "entries.update", DESTRUCTIVE, ent::UpdateParams => Entry, Service::entries_update,
        "Change fields of a managed entry.",
        "Change a managed entry: any of schedule, command, name, comment, enabled, expires_at. \
         Omitted fields stay; null clears name, comment and expires_at. Use enabled=false to pause \
         a job without deleting it.";
    EntriesDelete: "entries.delete", DESTRUCTIVE, ent::EntryRef => ent::DeleteResult, Service::entries_delete,
        "Delete a managed entry.",
        "Remove a managed entry from the user's crontab. Destructive: the job is gone; consider \
         entries.update with enabled=false to pause it instead. Other lines are untouched.";
    EntriesRun: "entries.run", RUN.long(), now::RunParams => RunRecord, Service::entries_run,
        "Run a managed entry now, as cron would, and return how it went.",
        "Run a managed entry's command now as its user, with the shell and environment cron would \
         give it (HOME, LOGNAME, SHELL, PATH and the crontab's variables above the job), under \
         the entry's policies. By default waits for it to end (timeout_ms stops it; default the \
         entry's timeout, else one hour) and returns status, exit code, duration and the first \
         64 KiB of stdout and stderr. With wait=false it answers at once with the running record \
         (follow it with runs.get; stop it with runs.cancel); the run goes on if the connection \
         closes. Recorded in entries.history. Runs the command for real: it may have side effects.";
    EntriesHistory: "entries.history", READ, run::HistoryParams => run::HistoryResult, Service::entries_history,
        "List recorded runs, newest first.",
        "List a user's recorded runs of managed entries, newest first: manual runs (entries.run) \
         and runs cron started, each with its status. Filter by entry id, since (RFC 3339) and \
         status (status=running lists what runs now); limit 1 to 1000 (default 100); \
         include_rotated also reads older, rotated history. Read-only.";
    RunsGet: "runs.get", READ, run::RunRef => RunRecord, Service::runs_get,
        "Get one run by its id.",
        "Get a recorded run of a user by run_id (from entries.run or entries.history): status \
         (running, succeeded, failed, timed_out, skipped, cancelled), exit code, duration and \
         output. A run whose recorder died shows as failed with the reason in error. Read-only.";
    RunsCancel: "runs.cancel", DESTRUCTIVE.control(), run::RunRef => RunRecord, Service::runs_cancel,
        "Stop a running run.",
        "Stop a run that is still running: its whole process group gets SIGTERM, then SIGKILL \
         after a short grace, and the run is recorded as cancelled. A run that has already ended \
         is returned unchanged. Returns the run record.";
    EntriesSweep: "entries.sweep", DESTRUCTIVE, ent::SweepParams => ent::SweepResult, Service::entries_sweep,
        "Remove expired entries.",
        "Remove managed entries whose expires_at has passed, for one user or every crontab the \
         caller may see. dry_run lists what would be removed without writing. Destructive.";
    EntriesAdopt: "entries.adopt", WRITE, adopt::AdoptParams => Entry, Service::entries_adopt,
        "Make a raw job line a managed entry, where it stands.",
        "Turn a job line cronrpc does not manage (a raw item of entries.list) into a managed \
         entry with the same schedule and command, in the same place: pass line exactly as \
         listed, plus optional name and comment. Returns the entry with its new id. With several \
         identical lines the first is adopted, so a repeat adopts the next one.";
    EntriesApply: "entries.apply", DESTRUCTIVE, apply::ApplyParams => apply::ApplyResult, Service::entries_apply,
        "Make a user's named entries match a desired set, in one write.",
        "Declarative: entries is the whole desired set of named entries (each with the fields of \
         entries.create; name required and unique). An entry with that name is updated in place \
         when a field differs, else kept; a new name is appended; with prune, named entries not \
         in the set are removed. Unnamed entries and raw lines are never touched. All or nothing: \
         any bad spec refuses the whole set (INVALID_ENTRIES lists each). Repeating the same set \
         changes nothing. dry_run reports without writing; if_match guards against a change.";
    CrontabList: "crontab.list", READ, tab::NoParams => tab::CrontabSummaries, Service::crontab_list,
        "List the users that have a crontab.",
        "List every user with a crontab that the caller may see, with counts of managed entries \
         and raw jobs, size and modification time. Read-only.";
    CrontabGet: "crontab.get", READ, tab::GetParams => tab::GetResult, Service::crontab_get,
        "Read a user's whole crontab.",
        "Read a user's crontab as raw text, with an etag to pass as if_match to crontab.put. \
         Empty content when the user has none. Read-only.";
    CrontabPut: "crontab.put", DESTRUCTIVE, tab::PutParams => tab::PutResult, Service::crontab_put,
        "Replace a user's whole crontab.",
        "Replace a user's whole crontab with new raw text. Destructive: lines left out are gone. \
         Refused as a whole if Debian's crontab would refuse it (errors per line). Pass if_match \
         (the etag from crontab.get) to avoid overwriting someone else's change; dry_run \
         validates and reports which managed entries would be added, kept and removed.";
    CrontabRevisions: "crontab.revisions", READ, rev::RevisionsParams => rev::RevisionsResult, Service::crontab_revisions,
        "List the kept revisions of a user's crontab.",
        "List, newest first, the crontabs cronrpc wrote for a user and the ones they replaced \
         (including edits made outside cronrpc), with who wrote each and a summary. Pass a \
         revision number to crontab.restore to go back. limit defaults to 20. Read-only.";
    CrontabRestore: "crontab.restore", DESTRUCTIVE, rev::RestoreParams => tab::PutResult, Service::crontab_restore,
        "Put back an earlier revision of a user's crontab.",
        "Replace a user's whole crontab with a revision from crontab.revisions, validated and \
         written like crontab.put (and itself recorded as a new revision, so it can be undone). \
         Destructive: lines added since are gone. Pass if_match to avoid overwriting a change.";
    ScheduleDescribe: "schedule.describe", READ, sys::DescribeParams => sys::DescribeResult, Service::schedule_describe,
        "Explain a cron schedule and list its next runs.",
        "Check a cron schedule the way Debian's cron reads it, describe it in English and list its \
         next start times (count, from, IANA timezone). Use it before creating an entry. Read-only.";
    Health: "health", READ.inline(Inline::Always), tab::NoParams => sys::HealthResult, Service::health,
        "Report that the server is up.",
        "Report status, version, backend and the time zone next runs are computed in. Read-only.";
}
