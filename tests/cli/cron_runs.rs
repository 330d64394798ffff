//! As root, the real cron daemon running a managed entry through `cronrpc exec`, and the run
//! it records.

use crate::harness::{is_root, shared_bin, Server, TempUser};
use crate::runs::history;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `cron -f` unless a cron daemon already runs; kills only the one it started.
struct CronDaemon(Option<std::process::Child>);

impl CronDaemon {
    fn start() -> CronDaemon {
        let running = Command::new("pgrep")
            .args(["-x", "cron"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if running {
            return CronDaemon(None);
        }
        let child = Command::new("/usr/sbin/cron")
            .arg("-f")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cron starts");
        CronDaemon(Some(child))
    }
}

impl Drop for CronDaemon {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn cron_runs_are_recorded() {
    assert!(is_root(), "the cron end-to-end test must run as root");
    let user = TempUser::new();
    // cron runs the recorder as the user: serve from a copy the user can execute.
    let (_bin_dir, bin) = shared_bin();
    let mut server = Server::from_binary(&bin, &["--backend", "system"]);
    let entry = server.call(
        "entries.create",
        json!({"user": user.name, "schedule": "* * * * *", "command": "echo \"from cron as $(id -un) 100%\"; exit 4"}),
    );
    let _cron = CronDaemon::start();
    let deadline = Instant::now() + Duration::from_secs(130);
    let run = loop {
        let runs = history(&mut server, json!({"user": user.name, "id": entry["id"]}));
        if let Some(done) = runs
            .iter()
            .find(|r| r["trigger"] == "cron" && !r["finished_at"].is_null())
        {
            break done.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no finished cron run within 130 s: {runs:?}"
        );
        std::thread::sleep(Duration::from_secs(2));
    };
    assert_eq!(run["exit_code"], 4, "{run}");
    assert_eq!(run["stdout"], format!("from cron as {} 100%\n", user.name));
    assert_eq!(run["user"], user.name.as_str());
    let got = server.call("entries.get", json!({"user": user.name, "id": entry["id"]}));
    assert_eq!(got["last_run"]["exit_code"], 4);
}
