//! `cronrpc exec`: the recorder cron runs in front of a managed command. It records the start
//! and end of the run in the history store, passes the output through (so cron still mails
//! it), and exits as the command did. The command runs whatever happens to the store.

use super::capture::{self, Spec};
use crate::domain::policy::Notify;
use crate::domain::time::Timestamp;
use crate::history::{RunRecord, Store, Trigger};
use crate::notify::Notifier;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use uuid::Uuid;

pub struct Args {
    pub entry: Uuid,
    pub history_dir: PathBuf,
    pub command: String,
    /// Who hears about the run; None passes the output through, as cron users expect.
    pub notify: Option<Notify>,
}

pub fn main(args: Args) -> ExitCode {
    let code = record(args, &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Runs and records the command; returns the exit status the recorder exits with. What cron
/// would mail goes to `out` and `err` (only the notifications' part when not passed through).
pub fn record(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let user = crate::domain::user::current().ok();
    let store = Store::new(&args.history_dir);
    let mut record = RunRecord::started(
        args.entry.to_string(),
        user.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
        Trigger::Cron,
        Timestamp::now(),
    );
    let mut recording = user.is_some();
    let mut save = |record: &RunRecord| {
        let Some(user) = user.as_ref().filter(|_| recording) else {
            return;
        };
        if let Err(e) = store.append(user, record) {
            // Said once, on stderr: cron mails it, so a broken store gets noticed.
            eprintln!(
                "cronrpc exec: run not recorded in {}: {e}",
                store.root().display()
            );
            recording = false;
        }
    };
    save(&record);
    let notifier = args
        .notify
        .map(|n| Notifier::for_user(n, store.root(), user.as_ref().map(|u| u.name.as_str())));
    let started = notifier.as_ref().map(Notifier::start);
    // cron has already set the environment, directory and stdin; the job keeps them.
    let shell = std::env::var("SHELL").unwrap_or_else(|_| super::env::DEFAULT_SHELL.into());
    let outcome = capture::run(Spec {
        shell,
        command: args.command,
        env: None,
        cwd: None,
        identity: None,
        timeout: None,
        detached: false,
        passthrough: notifier.is_none(),
    });
    let code = match (&outcome.error, outcome.exit_code, outcome.signal) {
        (Some(e), _, _) => {
            // With notify, the mail says it (or, not notified, nothing does).
            if notifier.is_none() {
                let _ = writeln!(err, "cronrpc exec: {e}");
            }
            127
        }
        (None, Some(code), _) => code,
        (None, None, Some(signal)) => 128 + signal,
        (None, None, None) => 1,
    };
    let tail = [outcome.stdout.tail(), outcome.stderr.tail()].concat();
    super::finish(&mut record, outcome);
    if let (Some(notifier), Some(started)) = (&notifier, started) {
        let tail = &tail[tail
            .len()
            .saturating_sub(crate::history::record::TAIL_LIMIT)..];
        notifier.finish(started, &mut record, code, tail, out, err);
    }
    save(&record);
    code
}
