//! `expires_at`: an expired entry never fires, reads show it expired, and a sweep or any write
//! removes it. Time passes by starting a second server under libfaketime on the same spool,
//! never by waiting.

use crate::entries::{create, file, future};
use crate::harness::Server;
use serde_json::{json, Value};

#[test]
fn expired_entries_never_fire_and_are_swept() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "* * * * *", "command": "echo soon", "expires_at": future(3600)}),
    );
    let line = file(&server, "root");
    assert!(
        line.contains("-lt ")
            && line.contains("|| exit 0; /")
            && line.ends_with("-- 'echo soon'\n"),
        "the written line carries a guard: {line}"
    );
    assert_eq!(entry["expired"], false);
    // Two hours on, as a server started then sees the same spool.
    let mut later = server.later("+2h");
    let got = later.call("entries.get", json!({"user": "root", "id": entry["id"]}));
    assert_eq!(got["expired"], true);
    assert_eq!(got["next_run"], Value::Null);
    let now = server.call("entries.get", json!({"user": "root", "id": entry["id"]}));
    assert_eq!(
        now["expired"], false,
        "not yet for a server at the real time"
    );
    let dry = later.call("entries.sweep", json!({"user": "root", "dry_run": true}));
    assert_eq!(dry["removed"][0]["id"], entry["id"]);
    assert!(
        file(&server, "root").contains("echo soon"),
        "a dry run writes nothing"
    );
    let swept = later.call("entries.sweep", json!({}));
    assert_eq!(swept["removed"][0]["id"], entry["id"]);
    assert_eq!(swept["removed"][0]["user"], "root");
    assert_eq!(file(&server, "root"), "");
}

#[test]
fn any_write_sweeps_expired_entries() {
    let mut server = Server::spool();
    let old = create(
        &mut server,
        json!({"schedule": "* * * * *", "command": "echo old", "expires_at": future(3600)}),
    );
    let mut later = server.later("+2h");
    create(
        &mut later,
        json!({"schedule": "* * * * *", "command": "echo new"}),
    );
    later.fail(
        "entries.get",
        json!({"user": "root", "id": old["id"]}),
        "ENTRY_NOT_FOUND",
    );
    assert!(!file(&server, "root").contains("echo old"));
}

#[test]
fn expiry_can_be_set_and_cleared() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "0 0 1 1 *", "command": "echo y"}),
    );
    let at = future(3600);
    let set = server.call(
        "entries.update",
        json!({"user": "root", "id": entry["id"], "expires_at": at}),
    );
    assert_eq!(set["expires_at"], at);
    assert_eq!(
        set["next_run"],
        Value::Null,
        "the next run is after the expiry"
    );
    let cleared = server.call(
        "entries.update",
        json!({"user": "root", "id": entry["id"], "expires_at": null}),
    );
    assert_eq!(cleared["expires_at"], Value::Null);
    assert!(cleared["next_run"].is_string());
    assert!(!file(&server, "root").contains("exit 0;"));
}

/// The job line as cron runs it: after the five schedule fields, `\%` read as `%` (the line
/// holds no unescaped `%`, which cron would turn into a newline), run by `/bin/sh`, optionally
/// under faketime. Returns what the job printed.
fn run_job_line(line: &str, faketime: Option<&str>) -> String {
    let command = line.splitn(6, ' ').nth(5).unwrap().replace("\\%", "%");
    assert!(
        !command.contains('%') || command.contains("date +%s"),
        "{command}"
    );
    let mut sh = match faketime {
        Some(offset) => crate::harness::faked("/bin/sh", offset),
        None => std::process::Command::new("/bin/sh"),
    };
    let out = sh
        .arg("-c")
        .arg(&command)
        .output()
        .expect("sh (and faketime) run");
    assert!(out.status.success(), "{command}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_expired_job_line_does_not_run_its_command() {
    let mut server = Server::spool();
    create(
        &mut server,
        json!({"schedule": "* * * * *", "command": "echo fired", "expires_at": future(3600)}),
    );
    // Only the line decides: nothing asks the server while the line runs.
    let text = file(&server, "root");
    let line = text.lines().last().unwrap();
    assert_eq!(
        run_job_line(line, None),
        "fired\n",
        "before its expiry it runs"
    );
    assert_eq!(
        run_job_line(line, Some("+50m")),
        "fired\n",
        "nor shortly before"
    );
    assert_eq!(
        run_job_line(line, Some("+2h")),
        "",
        "after its expiry it does not"
    );
}

#[test]
fn a_running_server_sweeps_expired_entries_by_itself() {
    let mut server = Server::spool();
    let entry = create(
        &mut server,
        json!({"schedule": "* * * * *", "command": "echo soon", "expires_at": future(3600)}),
    );
    create(
        &mut server,
        json!({"schedule": "@daily", "command": "echo stays"}),
    );
    // Two hours on, with its clock (and so its sweeper's timer) running 40 times as fast: the
    // sweeper's first round comes within a second, and nobody asks this server anything.
    let _later = server.later("+2h x40");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while file(&server, "root").contains("echo soon") {
        assert!(
            std::time::Instant::now() < deadline,
            "the running server never swept {}",
            entry["id"]
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(file(&server, "root").contains("echo stays"));
}
