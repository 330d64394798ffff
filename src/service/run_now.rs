//! Starting a run now (`entries.run`) and stopping one (`runs.cancel`). A manual run goes
//! through the same recorder cron runs (`cronrpc exec`), started as the entry's user and
//! detached from the server, so policies hold in one place and the run survives the connection
//! and the server.

use super::runs::RunRef;
use super::{Caller, Service};
use crate::crontab::recorder::{self, flag};
use crate::domain::user::User;
use crate::domain::{Error, Result};
use crate::history::{RunRecord, RunStatus, StoredRun, Trigger};
use crate::runs::capture::KILL_GRACE;
use crate::runs::env::{self, Identity};
use crate::runs::process::Pinned;
use crate::runs::spawn::{self, Start};
use crate::runs::{DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::time::{Duration, Instant};

/// How long `runs.cancel` waits, beyond the job's grace, for the recorder to record the end.
const CANCEL_SLACK: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    pub user: String,
    /// The entry's UUID.
    pub id: String,
    /// Stop the command's whole process group after this many milliseconds (1 to 86400000;
    /// default: the entry's timeout_ms, else 3600000, an hour).
    #[serde(default)]
    #[schemars(range(min = 1, max = 86_400_000))]
    pub timeout_ms: Option<i64>,
    /// Wait for the run to end (default). false answers at once with the `running` record;
    /// follow it with runs.get or entries.history.
    #[serde(default = "yes")]
    pub wait: bool,
}

pub fn yes() -> bool {
    true
}

impl Service {
    /// The run takes effect (for the connection's write order) once it has started: later
    /// requests on the connection, `runs.cancel` among them, do not wait for it to end.
    pub fn entries_run(&self, ctx: &super::Context, p: RunParams) -> Result<RunRecord> {
        let caller: &Caller = ctx;
        crate::domain::user::check_name(&p.user)?;
        let id = super::entries::parse_id(&p.id)?;
        if let Some(ms) = p.timeout_ms.filter(|ms| !(1..=MAX_TIMEOUT_MS).contains(ms)) {
            return Err(Error::invalid_params(
                Some("timeout_ms".into()),
                format!("timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, got {ms}"),
            ));
        }
        let user = self.user(caller, &p.user)?;
        let identity = Identity::for_user(&user)?;
        let crontab = self.read_crontab(&user)?;
        let at = crontab
            .find(id)
            .ok_or_else(|| super::entries::not_found(&user.name, id))?;
        let env = env::cron_env(crontab.env_above(at.marker), &user);
        // The entry's own policy, from its marker; a manual run is not gated by its zone and
        // has no catch-up, but keeps its timeout, overlap rule and notifications.
        let policy = at.entry.meta.policy.clone();
        let timeout_ms = p
            .timeout_ms
            .or(policy.timeout_ms.map(|ms| ms as i64))
            .unwrap_or(DEFAULT_TIMEOUT_MS);
        if let Err(e) = self.history.prepare(&user) {
            tracing::warn!(user = %user.name, "preparing the run history: {e}");
        }
        let run_id = uuid::Uuid::new_v4();
        let mut args: Vec<OsString> = vec![
            "exec".into(),
            "--entry".into(),
            id.to_string().into(),
            "--history-dir".into(),
            self.history.root().into(),
            format!("--{}", flag::TIMEOUT).into(),
            timeout_ms.to_string().into(),
            "--manual".into(),
            run_id.to_string().into(),
        ];
        // The entry's own flags, but its timeout: the run's (given above) stands in for it.
        let policy = crate::domain::policy::Policy {
            timeout_ms: None,
            ..policy
        };
        for (name, value) in recorder::run_flags(&policy, None) {
            args.push(format!("--{name}").into());
            args.extend(value.map(OsString::from));
        }
        args.extend(["--".into(), at.entry.command.into()]);
        let start = Start {
            args,
            dir: env::get(&env, "HOME").map(str::to_owned),
            env,
            identity,
        };
        let mut started = match spawn::start(start) {
            Ok(started) => started,
            Err(e) => {
                let mut record = RunRecord::started(
                    id.to_string(),
                    user.name.clone(),
                    Trigger::Manual,
                    self.now(),
                );
                record.run_id = run_id.to_string();
                record.status = RunStatus::Failed;
                record.finished_at = Some(record.started_at);
                record.error = Some(format!("could not start the recorder: {e}"));
                self.record(&user, &record);
                return Ok(record);
            }
        };
        let first = started.next_record();
        ctx.effect_taken();
        let Some(first) = first else {
            drop(started.finish());
            return self.recorded(&user, run_id);
        };
        // TODO(proto): fire the call context's "effect taken" signal here, once main has it.
        if !p.wait || first.status != RunStatus::Running {
            started.detach();
            return Ok(first);
        }
        match started.finish() {
            Some(last) => Ok(last),
            None => self.recorded(&user, run_id),
        }
    }

    /// A run as the store has it, when its recorder reported nothing (it died first).
    fn recorded(&self, user: &User, run_id: uuid::Uuid) -> Result<RunRecord> {
        match self.history.find(user, &run_id.to_string()) {
            Ok(Some(stored)) => Ok(stored.settled()),
            _ => Err(Error::backend(format!(
                "the recorder of run {run_id} exited without recording it"
            ))),
        }
    }

    /// A run that cannot be recorded still happened; the caller gets its record either way.
    fn record(&self, user: &User, record: &RunRecord) {
        if let Err(e) = self
            .history
            .append(user, &StoredRun::new(record.clone(), None))
        {
            tracing::warn!(user = %user.name, "run not recorded: {e}");
        }
    }

    pub fn runs_cancel(&self, caller: &Caller, p: RunRef) -> Result<RunRecord> {
        let (user, stored) = self.find_run(caller, &p)?;
        let recorder = stored.recorder.clone();
        let current = stored.settled();
        if current.status != RunStatus::Running {
            return Ok(current);
        }
        // Only a live recorder of the user's own is signalled: the record is the user's to
        // write, and must not let them aim root's signals at another process.
        let Some(pinned) = recorder.and_then(|id| Pinned::open(&id, user.uid)) else {
            return Ok(self.find_run(caller, &p)?.1.settled());
        };
        // A stopped recorder resumes and answers; it stops the job's group and records the end.
        pinned.signal(libc::SIGCONT);
        pinned.signal(libc::SIGTERM);
        let deadline = Instant::now() + KILL_GRACE + CANCEL_SLACK;
        while Instant::now() < deadline {
            std::thread::sleep(POLL);
            let now = self.find_run(caller, &p)?.1.settled();
            if now.status != RunStatus::Running {
                return Ok(now);
            }
        }
        // The recorder did not answer: it is killed, and the run recorded here.
        pinned.signal(libc::SIGKILL);
        let mut record = current;
        record.status = RunStatus::Cancelled;
        record.finished_at = Some(self.now());
        record.error = Some("cancelled; the recorder did not answer and was killed".into());
        self.record(&user, &record);
        Ok(record)
    }
}
