//! `--host HOST …`: the same command on each host through `ssh HOST cronrpc serve`, a bounded
//! number at a time. Each host's output is printed under its name, in the order the hosts were
//! given; a host that fails (unreachable included) fails alone and is named at the end.

use super::{emit, Done, Plan};
use crate::cli::client::{check_host, Connection, SshOptions};
use crate::cli::failure::Exit;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

struct HostRun {
    done: Done,
    out: Vec<u8>,
    err: Vec<u8>,
}

fn on_host(plan: &Plan, host: &str, ssh: &SshOptions, json: bool) -> HostRun {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let done = match Connection::ssh(host, ssh) {
        Ok(mut conn) => plan.perform(&mut conn, json, &mut out, &mut err),
        Err(e) => {
            let _ = writeln!(err, "cronrpc: {e}");
            Done {
                exit: Exit::UNREACHABLE,
                changed: false,
            }
        }
    };
    HostRun { done, out, err }
}

pub(super) fn run(
    plan: &Plan,
    hosts: &[String],
    ssh: &SshOptions,
    json: bool,
    bound: usize,
) -> Done {
    // Refuse the whole command before anything runs when a host would be read as an option.
    if let Some(bad) = hosts.iter().find(|h| check_host(h).is_err()) {
        eprintln!("cronrpc: --host {bad:?}: a host is a name, not an option");
        return Done {
            exit: Exit::USAGE,
            changed: false,
        };
    }
    let next = AtomicUsize::new(0);
    let runs: Vec<Mutex<Option<HostRun>>> = hosts.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..bound.min(hosts.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(host) = hosts.get(i) else { break };
                let run = on_host(plan, host, ssh, json);
                *runs[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(run);
            });
        }
    });
    let mut failed = Vec::new();
    let mut exit = Exit::OK;
    let mut changed = false;
    for (host, run) in hosts.iter().zip(runs) {
        let run = run
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .expect("every host ran");
        print_labelled(host, &run, json);
        changed |= run.done.changed;
        if !run.done.exit.is_ok() {
            failed.push(host.as_str());
            if exit.is_ok() {
                exit = run.done.exit;
            }
        }
    }
    if !failed.is_empty() {
        eprintln!(
            "cronrpc: failed on {} of {} hosts: {}",
            failed.len(),
            hosts.len(),
            failed.join(", ")
        );
    }
    Done { exit, changed }
}

/// One host's line with --json.
#[derive(serde::Serialize)]
struct HostLine<'a> {
    host: &'a str,
    ok: bool,
    exit_code: u8,
    /// What the command printed with --json (the result or error object), or its text.
    output: serde_json::Value,
    stderr: std::borrow::Cow<'a, str>,
}

/// Human output under a `== HOST ==` heading, errors prefixed with the host; with --json one
/// line per host, `{"host", "ok", "exit_code", "output", "stderr"}`, the output being what the command printed.
fn print_labelled(host: &str, run: &HostRun, json: bool) {
    if json {
        let output: serde_json::Value = serde_json::from_slice(&run.out)
            .unwrap_or_else(|_| String::from_utf8_lossy(&run.out).into_owned().into());
        let line = HostLine {
            host,
            ok: run.done.exit.is_ok(),
            exit_code: run.done.exit.0,
            output,
            stderr: String::from_utf8_lossy(&run.err),
        };
        let line = serde_json::to_string(&line).unwrap_or_default();
        emit(format!("{line}\n").as_bytes(), &[]);
        return;
    }
    let mut out = format!("== {host} ==\n").into_bytes();
    out.extend_from_slice(&run.out);
    let mut err = Vec::new();
    for line in String::from_utf8_lossy(&run.err).lines() {
        let _ = writeln!(err, "{host}: {line}");
    }
    emit(&out, &err);
}
