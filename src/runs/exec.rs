//! `cronrpc exec`: the recorder in front of every run of a managed command, started by cron
//! from the job line or by `entries.run`. It enforces the entry's policy (time-zone gate,
//! catch-up, timeout, overlap, notifications),
//! records the run's start (`running`) and end in the history store, passes the output through
//! (so cron still mails it), and exits as the command did. The command runs whatever happens to
//! the store: a missing, unwritable or hostile history only costs the record.

use super::capture::{self, Spec, Stop};
use super::process::RecorderId;
use crate::cron::gate::Decision;
use crate::crontab::recorder_flags::{PolicyFlags, RecorderPolicy};
use crate::domain::policy::Concurrency;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::history::{RunRecord, RunStatus, Store, StoredRun, Trigger};
use crate::notify::{Notifier, Started};
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// Exit status of a run stopped by its timeout (as timeout(1) has it).
pub const EXIT_TIMED_OUT: u8 = 124;
/// Exit status of a run not started because another run of the entry was running
/// (EX_TEMPFAIL: try again later).
pub const EXIT_SKIPPED: u8 = 75;
/// Exit status of a cancelled run (128 + SIGTERM).
pub const EXIT_CANCELLED: u8 = 143;
/// Exit status when the command could not be started (as sh has it).
pub const EXIT_NOT_STARTED: u8 = 127;

/// `cronrpc exec`'s command line, as job lines and `entries.run` write it.
#[derive(Debug, Clone, clap::Args)]
pub struct ExecArgs {
    /// The entry the run belongs to.
    #[arg(long)]
    pub entry: Uuid,
    /// The history directory (one subdirectory per user).
    #[arg(long, default_value = crate::history::DEFAULT_HISTORY_DIR)]
    pub history_dir: PathBuf,
    #[command(flatten)]
    pub policy: PolicyFlags,
    /// A run started by `entries.run`, with the run id the server chose: the start and end
    /// records go to stdout as JSON lines instead of the command's output.
    #[arg(long, hide = true, value_name = "RUN_ID")]
    pub manual: Option<Uuid>,
    /// The command, run as `$SHELL -c COMMAND` (SHELL as cron set it, else /bin/sh).
    #[arg(last = true, required = true)]
    pub command: String,
}

/// One run for the recorder to make.
#[derive(Debug, Clone)]
pub struct Args {
    pub entry: Uuid,
    pub history_dir: PathBuf,
    pub command: String,
    /// The run id the server chose for a manual run; None for runs cron starts.
    pub manual: Option<Uuid>,
    /// The entry's policy, from the job line's flags.
    pub policy: RecorderPolicy,
    /// What started the run, and the fire time it stands for (None: the current minute for
    /// cron's runs, none for manual ones).
    pub trigger: Trigger,
    pub scheduled_for: Option<Timestamp>,
}

impl From<ExecArgs> for Args {
    fn from(a: ExecArgs) -> Self {
        Args {
            entry: a.entry,
            history_dir: a.history_dir,
            command: a.command,
            trigger: if a.manual.is_some() {
                Trigger::Manual
            } else {
                Trigger::Cron
            },
            manual: a.manual,
            policy: a.policy.read(),
            scheduled_for: None,
        }
    }
}

/// Set by SIGTERM (what `runs.cancel` sends): stop the job and record it `cancelled`.
static CANCEL: AtomicBool = AtomicBool::new(false);

extern "C" fn on_term(_: libc::c_int) {
    CANCEL.store(true, Ordering::SeqCst);
}

fn catch_term() {
    let action = nix::sys::signal::SigAction::new(
        nix::sys::signal::SigHandler::Handler(on_term),
        nix::sys::signal::SaFlags::SA_RESTART,
        nix::sys::signal::SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic. Handlers do not survive exec, so the job
    // gets SIGTERM's default action.
    let _ = unsafe { nix::sys::signal::sigaction(nix::sys::signal::Signal::SIGTERM, &action) };
}

/// Writes records to the store until the first failure, which is said once on stderr (cron
/// mails it, so a broken store gets noticed) and ends recording.
struct Recorder {
    store: Store,
    user: Option<User>,
    /// Manual runs report their records on stdout, for the server that started them.
    report: bool,
}

impl Recorder {
    fn save(&mut self, record: &RunRecord, id: Option<RecorderId>) {
        if let Some(user) = &self.user {
            if let Err(e) = self.store.append(user, &StoredRun::new(record.clone(), id)) {
                eprintln!(
                    "cronrpc exec: run not recorded in {}: {e}",
                    self.store.root().display()
                );
                self.user = None;
            }
        }
        if self.report {
            let mut out = std::io::stdout().lock();
            // The server may be gone; the run goes on.
            let line = serde_json::to_string(record).unwrap_or_default();
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }
    }
}

pub fn main(args: ExecArgs) -> ExitCode {
    let mut args = Args::from(args);
    let now = Timestamp::now();
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    // Catch-up (policy): the first start under a newly started cron runs a missed fire once.
    let mut code = 0;
    if args.trigger == Trigger::Cron {
        let user = crate::domain::user::current().ok();
        if let Some(fire) = user.as_ref().and_then(|user| {
            crate::catch_up::missed(args.entry, &args.history_dir, user, &args.policy, now)
        }) {
            let catch_up = Args {
                trigger: Trigger::CatchUp,
                scheduled_for: Some(fire),
                ..args.clone()
            };
            code = record(catch_up, &mut out, &mut err);
        }
    }
    // The gate (policy): a start at a minute that is not a fire time of the entry (in its zone)
    // is not a run at all; the line's schedule covers every minute the entry can fire at.
    if args.trigger == Trigger::Cron && args.policy.gate(now) == Decision::Skip {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let code = record(args, &mut out, &mut err);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Runs and records the command; returns the exit status the recorder exits with. What cron
/// would mail goes to `out` and `err` (only the notifications' part when not passed through;
/// nothing for a manual run, which no cron mails).
pub fn record(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let policy = args.policy.policy.clone();
    let user = crate::domain::user::current().ok();
    let now = Timestamp::now();
    let manual = args.manual.is_some();
    let mut record = RunRecord::started(
        args.entry.to_string(),
        user.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        args.trigger,
        now,
    );
    match (args.manual, args.scheduled_for) {
        (Some(id), _) => record.run_id = id.to_string(),
        (None, Some(at)) => record.scheduled_for = Some(at),
        // cron starts a job in the minute it fires for.
        (None, None) => {
            record.scheduled_for = Timestamp::from_unix(now.unix() - now.unix().rem_euclid(60))
        }
    }
    let (mut sink_out, mut sink_err) = (std::io::sink(), std::io::sink());
    let (out, err): (&mut dyn Write, &mut dyn Write) = if manual {
        (&mut sink_out, &mut sink_err)
    } else {
        (out, err)
    };
    let store = Store::new(&args.history_dir);
    let notifier = policy
        .notify
        .clone()
        .map(|n| Notifier::for_user(n, store.root(), user.as_ref().map(|u| u.name.as_str())));
    let mut recorder = Recorder {
        store,
        user,
        report: manual,
    };
    let _overlap = match (policy.concurrency, &recorder.user) {
        (Concurrency::Forbid, Some(user)) => {
            match overlap_lock(&recorder.store, user, args.entry) {
                Ok(Some(lock)) => Some(lock),
                Ok(None) => {
                    super::skip_overlap(&mut record);
                    // Never started, so no start ping; a manual run's output nobody mails.
                    if let Some(notifier) = &notifier {
                        notifier.finish(
                            Started::never(),
                            &mut record,
                            i32::from(EXIT_SKIPPED),
                            &[],
                            (!manual).then_some((out, err)),
                        );
                    }
                    recorder.save(&record, None);
                    return i32::from(EXIT_SKIPPED);
                }
                Err(e) => {
                    // Overlap cannot be told; cron's behaviour (run) beats not running.
                    let _ = writeln!(
                        err,
                        "cronrpc exec: cannot check for an overlapping run: {e}"
                    );
                    None
                }
            }
        }
        _ => None,
    };
    let started = notifier.as_ref().map(Notifier::start);
    catch_term();
    // cron (or the server, as cron would) has set the environment, directory and stdin; the
    // job keeps them.
    let shell = std::env::var("SHELL").unwrap_or_else(|_| super::env::DEFAULT_SHELL.into());
    let spec = Spec {
        shell,
        command: args.command,
        timeout: policy.timeout_ms.map(Duration::from_millis),
        passthrough: !manual && notifier.is_none(),
    };
    let outcome = capture::run(spec, &CANCEL, |pid| {
        let id = RecorderId::current().map(|id| RecorderId {
            job_pgid: Some(pid),
            ..id
        });
        recorder.save(&record, id);
    });
    let code = match (
        &outcome.error,
        outcome.stopped,
        outcome.exit_code,
        outcome.signal,
    ) {
        (Some(e), _, _, _) => {
            // With notify, the mail says it (or, not notified, nothing does).
            if notifier.is_none() {
                let _ = writeln!(err, "cronrpc exec: {e}");
            }
            i32::from(EXIT_NOT_STARTED)
        }
        (None, Some(Stop::Timeout), _, _) => i32::from(EXIT_TIMED_OUT),
        (None, Some(Stop::Cancel), _, _) => i32::from(EXIT_CANCELLED),
        (None, None, Some(code), _) => code,
        (None, None, None, Some(signal)) => 128 + signal,
        (None, None, None, None) => 1,
    };
    let tail = [outcome.stdout.tail(), outcome.stderr.tail()].concat();
    super::finish(&mut record, outcome);
    if record.error.is_none() {
        record.error = args.policy.problem_text();
    }
    if record.status == RunStatus::TimedOut && notifier.is_none() {
        let _ = writeln!(
            err,
            "cronrpc exec: stopped after its timeout of {} ms",
            policy.timeout_ms.unwrap_or_default()
        );
    }
    if let (Some(notifier), Some(started)) = (&notifier, started) {
        let tail = &tail[tail
            .len()
            .saturating_sub(crate::history::record::TAIL_LIMIT)..];
        notifier.finish(
            started,
            &mut record,
            code,
            tail,
            (!manual).then_some((out, err)),
        );
    }
    recorder.save(&record, None);
    code
}

/// The entry's overlap lock, a `flock` on a file in the user's history directory held by this
/// process only (close-on-exec, so the job and its children never hold it, and the kernel drops
/// it when the recorder dies, so a crashed run never blocks the entry). None when another run
/// holds it.
fn overlap_lock(store: &Store, user: &User, entry: Uuid) -> std::io::Result<Option<Flock<File>>> {
    store.prepare(user)?;
    let path = store.dir(&user.name).join(format!("{entry}.lock"));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(&path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.uid() != user.uid {
        return Err(std::io::Error::other(format!(
            "{} is not a plain file of {}'s",
            path.display(),
            user.name
        )));
    }
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(Some(lock)),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, e)) => Err(e.into()),
    }
}
