//! Wiring: which backend, where the locks and state live, and the server's background work.

use crate::api::Router;
use crate::backend::journal::{Journal, Retention};
use crate::backend::{Backend, Locks, SpoolBackend, SystemBackend};
use crate::crontab::recorder::Recorder;
use crate::history::Store;
use crate::service::{Caller, Context, Service};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// The real crontabs, through the `crontab` program.
    System,
    /// One file per user in --spool-dir.
    Spool,
}

#[derive(Debug, Clone, Args)]
pub struct BackendOptions {
    /// Where crontabs live. Default: system when `crontab` is installed, else spool.
    #[arg(long, env = "CRONRPC_BACKEND", value_enum, global = true)]
    pub backend: Option<BackendChoice>,
    /// The spool backend's directory. Default: spool/ in the state directory.
    #[arg(long, env = "CRONRPC_SPOOL_DIR", global = true)]
    pub spool_dir: Option<PathBuf>,
    /// Directory of the per-user lock files. Processes that share crontabs must share it.
    /// Default: locks/ in the state directory (system), .locks/ in the spool directory (spool).
    #[arg(long, env = "CRONRPC_LOCK_DIR", global = true)]
    pub lock_dir: Option<PathBuf>,
    /// cron's spool directory, where the system backend finds which users have a crontab.
    #[arg(long, default_value = crate::backend::system::DEFAULT_SPOOL, global = true)]
    pub cron_spool: PathBuf,
    /// The zone cron runs in, when it is not the host's (IANA name, e.g. Europe/Berlin).
    #[arg(long, env = "CRONRPC_TIMEZONE", global = true)]
    pub timezone: Option<String>,
    /// Where run history is kept, one directory per user. Default: history/ in the state
    /// directory (system), .history/ in the spool directory (spool).
    #[arg(long, env = "CRONRPC_HISTORY_DIR", global = true)]
    pub history_dir: Option<PathBuf>,
    /// A file only root reads (mode 0600) holding the secret webhooks are signed with; each
    /// user's jobs sign with a key derived from it (README: Notifications). Default: unsigned.
    #[arg(long, env = "CRONRPC_WEBHOOK_SECRET_FILE", global = true)]
    pub webhook_secret_file: Option<PathBuf>,
    #[command(flatten)]
    pub revisions: RevisionOptions,
}

/// The revision journal behind crontab.revisions and crontab.restore.
#[derive(Debug, Clone, Args)]
pub struct RevisionOptions {
    /// Directory of the revision journal. Default: revisions/ in the state directory (system),
    /// .revisions/ in the spool directory (spool).
    #[arg(long, env = "CRONRPC_REVISIONS_DIR", global = true)]
    pub revisions_dir: Option<PathBuf>,
    /// Revisions kept per user (the newest is always kept).
    #[arg(long, default_value_t = 50, global = true)]
    pub revisions_keep: usize,
    /// Revisions older than this many days are dropped (0: no age limit).
    #[arg(long, default_value_t = 90, global = true)]
    pub revisions_max_age_days: u32,
}

/// The state directory of a cronrpc that runs as root.
pub const ROOT_STATE_DIR: &str = "/var/lib/cronrpc";
pub use crate::history::DEFAULT_HISTORY_DIR;

/// Where cronrpc keeps its own state: /var/lib/cronrpc for root, else the XDG state directory
/// ($XDG_STATE_HOME, else ~/.local/state, with ~ from $HOME or else the user database). Never
/// a shared directory such as /tmp: another user could create it first and then hold our locks
/// or swap a staged crontab. Each directory is checked when it is created or used (see
/// `backend::dirs`).
pub fn state_dir() -> Result<PathBuf, String> {
    if nix::unistd::geteuid().is_root() {
        return Ok(PathBuf::from(ROOT_STATE_DIR));
    }
    let absolute = |p: PathBuf| p.is_absolute().then_some(p);
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .and_then(absolute)
            .or_else(|| {
                nix::unistd::User::from_uid(nix::unistd::geteuid())
                    .ok()
                    .flatten()
                    .map(|u| u.dir)
                    .and_then(absolute)
            })
    };
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .and_then(absolute)
        .or_else(|| home().map(|h| h.join(".local/state")))
        .ok_or(
            "no safe state directory: set XDG_STATE_HOME or HOME to a directory of your own \
             (cronrpc never falls back to a shared one such as /tmp)",
        )?;
    Ok(base.join("cronrpc"))
}

/// The system backend's locks: the directory every cronrpc on the host shares (root's, made by
/// root), so the root server and a user's own cronrpc never write one crontab at once. Only
/// while no root cronrpc has made it does a user's cronrpc lock in its own state.
fn system_locks(state_dir: &std::path::Path) -> Locks {
    let shared = std::path::Path::new(ROOT_STATE_DIR).join("locks");
    if nix::unistd::geteuid().is_root() {
        Locks::shared(shared)
    } else {
        Locks::shared_once_made(shared, state_dir.join("locks"))
    }
}

pub fn build_service(options: &BackendOptions) -> Result<Service, String> {
    let zone = match &options.timezone {
        Some(name) => crate::cron::Zone::named(name).ok_or_else(|| {
            format!("--timezone {name:?} is not an IANA time zone the host's tz database knows")
        })?,
        None => crate::cron::Zone::host(),
    };
    // Searching PATH costs a stat per directory: skip it when the choice is already made.
    let program = match options.backend {
        Some(BackendChoice::Spool) => None,
        _ => SystemBackend::find_program(),
    };
    let choice = options.backend.unwrap_or(if program.is_some() {
        BackendChoice::System
    } else {
        BackendChoice::Spool
    });
    let (backend, default_locks, default_revisions, default_history): (
        Box<dyn Backend>,
        Locks,
        PathBuf,
        PathBuf,
    ) = match choice {
        BackendChoice::System => {
            let program = program
                .ok_or("the system backend needs the crontab program (apt-get install cron)")?;
            let state_dir = state_dir()?;
            let state_dir = || state_dir.clone();
            (
                Box::new(SystemBackend::new(
                    program,
                    &options.cron_spool,
                    state_dir().join("staging"),
                )),
                system_locks(&state_dir()),
                state_dir().join("revisions"),
                state_dir().join("history"),
            )
        }
        BackendChoice::Spool => {
            let dir = match &options.spool_dir {
                Some(dir) => dir.clone(),
                None => state_dir()?.join("spool"),
            };
            if options.backend.is_none() {
                tracing::warn!(spool = %dir.display(), "crontab is not installed; using the spool backend");
            }
            let locks = Locks::new(dir.join(".locks"));
            let revisions = dir.join(".revisions");
            let history = dir.join(".history");
            (Box::new(SpoolBackend::new(dir)), locks, revisions, history)
        }
    };
    let locks = match &options.lock_dir {
        Some(dir) => Locks::new(dir),
        None => default_locks,
    };
    if let Err(e) = locks.prepare() {
        // Its first write tries again, and fails loudly there.
        tracing::warn!(dir = %locks.dir().display(), "making the shared lock directory: {e}");
    }
    let history = options.history_dir.clone().unwrap_or(default_history);
    let history = std::path::absolute(&history).unwrap_or(history);
    let recorder = recorder(&history);
    let revisions = &options.revisions;
    let journal = Journal::new(
        revisions.revisions_dir.clone().unwrap_or(default_revisions),
        Retention {
            keep: revisions.revisions_keep,
            max_age_days: (revisions.revisions_max_age_days > 0)
                .then_some(revisions.revisions_max_age_days),
        },
    );
    let webhook_secret = match &options.webhook_secret_file {
        Some(path) => Some(
            crate::notify::sign::read_secret(path)
                .map_err(|e| format!("the webhook secret: {e}"))?,
        ),
        None => None,
    };
    Ok(Service::new(backend, locks, zone)
        .with_runs(Store::new(history), recorder)
        .with_journal(journal)
        .with_webhook_secret(webhook_secret))
}

/// The recorder written into job lines: this binary, by its canonical path. The history
/// directory is spelled out only when it is not the default, to keep lines short. Without a
/// path to this binary, lines carry plain commands and cron's runs go unrecorded.
fn recorder(history: &std::path::Path) -> Option<Recorder> {
    let exe = std::env::current_exe().and_then(|p| p.canonicalize());
    let exe = match exe {
        Ok(exe) => exe.to_str()?.to_owned(),
        Err(e) => {
            tracing::warn!("cannot find this binary ({e}); cron's runs will not be recorded");
            return None;
        }
    };
    let history_dir = if history == std::path::Path::new(DEFAULT_HISTORY_DIR) {
        None
    } else {
        // A path that is not UTF-8 cannot be written into a crontab line.
        Some(history.to_str()?.to_owned())
    };
    Some(Recorder { exe, history_dir })
}

/// The runtime `serve` runs on. A socket server serves many clients at once on two workers. A
/// stdio session is one client whose methods run on the blocking pool anyway, so this thread
/// alone drives it: starting and waking worker threads was most of a short session's cost (a
/// cold `health`).
pub fn runtime(socket: bool) -> tokio::runtime::Runtime {
    let mut builder = if socket {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2);
        builder
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}

/// How often a running server removes expired entries.
const SWEEP_EVERY: Duration = Duration::from_secs(20);

/// Removes expired entries while the server runs, through the same `entries.sweep` a client
/// would call, on behalf of the user cronrpc runs as.
pub fn spawn_sweeper(router: Router, caller: Caller) {
    use crate::service::entries::SweepParams;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(SWEEP_EVERY).await;
            let (router, ctx) = (router.clone(), Context::new(caller.clone()));
            let swept = tokio::task::spawn_blocking(move || {
                let params = SweepParams {
                    user: None,
                    dry_run: false,
                };
                router.call::<crate::api::EntriesSweep>(&ctx, params)
            })
            .await;
            match swept {
                Ok(Ok(swept)) => tracing::debug!(?swept, "swept expired entries"),
                Ok(Err(e)) => tracing::debug!(error = %e, "sweeping failed"),
                Err(e) => tracing::warn!(error = %e, "the sweeper panicked"),
            }
        }
    });
}
