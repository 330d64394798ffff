//! The human CLI: the same methods from the shell, in-process or through a server, with
//! tables, --json, and an exit status per class of error.

use crate::harness::{is_root, output_with_stdin, SocketServer, BIN};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// `cronrpc ARGS` on a spool directory.
fn cli(spool: &Path, args: &[&str]) -> Output {
    cli_with_stdin(spool, args, "")
}

fn cli_with_stdin(spool: &Path, args: &[&str], stdin: &str) -> Output {
    output_with_stdin(
        Command::new(BIN)
            .args(args)
            .env("CRONRPC_BACKEND", "spool")
            .env("CRONRPC_SPOOL_DIR", spool)
            .env_remove("CRONRPC_CONNECT"),
        stdin.as_bytes(),
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

fn json(out: Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

#[test]
fn entries_from_the_shell_with_tables_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path();
    let created = json(cli(
        spool,
        &[
            "entries",
            "create",
            "root",
            "--schedule",
            "0 2 * * *",
            "--command",
            "echo 50% done",
            "--name",
            "nightly",
            "--json",
        ],
    ));
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["command"], "echo 50% done");
    let table = ok(cli(spool, &["entries", "list", "root"]));
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("ID "), "{table}");
    let row = lines.next().unwrap();
    assert!(row.starts_with(&id), "{table}");
    // Columns line up: NAME starts at the same offset in the header and the row.
    let name_at = header.find("NAME").unwrap();
    assert_eq!(&row[name_at..name_at + 7], "nightly", "{table}");

    let shown = ok(cli(spool, &["entries", "get", "root", &id]));
    assert!(shown.contains("command:    echo 50% done"), "{shown}");
    let updated = json(cli(
        spool,
        &[
            "entries",
            "update",
            "root",
            &id,
            "--disable",
            "--no-name",
            "--json",
        ],
    ));
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["name"], Value::Null);
    ok(cli(spool, &["entries", "delete", "root", &id]));
    let listed = json(cli(spool, &["entries", "list", "root", "--json"]));
    assert_eq!(listed["total"], 0);
}

#[test]
fn crontabs_revisions_and_schedules_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path();
    let text = "# mine\n*/5 * * * * /usr/bin/raw\n";
    let put = ok(cli_with_stdin(
        spool,
        &["crontab", "put", "root", "-"],
        text,
    ));
    assert!(put.starts_with("written: root etag "), "{put}");
    let got = cli(spool, &["crontab", "get", "root"]);
    assert_eq!(ok(got), text, "the content alone on stdout");
    let adopted = json(cli(
        spool,
        &[
            "entries",
            "adopt",
            "root",
            "*/5 * * * * /usr/bin/raw",
            "--json",
        ],
    ));
    assert_eq!(adopted["command"], "/usr/bin/raw");
    let revisions = ok(cli(spool, &["crontab", "revisions", "root"]));
    let lines: Vec<&str> = revisions.lines().collect();
    assert!(lines[0].starts_with("REV "), "{revisions}");
    assert!(
        lines[1].starts_with("3 ") && lines[1].contains("entries.adopt"),
        "{revisions}"
    );
    ok(cli(spool, &["crontab", "restore", "root", "2"]));
    assert_eq!(ok(cli(spool, &["crontab", "get", "root"])), text);
    let described = ok(cli(
        spool,
        &["schedule", "describe", "*/90 * * * *", "--count", "2"],
    ));
    assert!(described.starts_with("Every hour\n"), "{described}");
    assert!(described.contains("warning: STEP_TOO_LARGE"), "{described}");
    let health = json(cli(spool, &["health", "--json"]));
    assert_eq!(health["backend"], "spool");
}

#[test]
fn each_class_of_error_has_its_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path();
    let status = |args: &[&str]| cli(spool, args).status.code().unwrap();
    assert_eq!(status(&["entries", "bogus"]), 2, "usage");
    assert_eq!(
        status(&[
            "entries",
            "create",
            "root",
            "--schedule",
            "61 * * * *",
            "--command",
            "x"
        ]),
        3,
        "invalid input"
    );
    let missing = cli(
        spool,
        &[
            "entries",
            "get",
            "root",
            "00000000-0000-4000-8000-000000000000",
        ],
    );
    assert_eq!(missing.status.code(), Some(4), "not found");
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("Entry not found"), "{stderr}");
    assert_eq!(
        status(&["crontab", "put", "root", "-", "--if-match", "stale"]),
        5,
        "conflict"
    );
    assert_eq!(
        status(&["health", "--connect", "/nonexistent/cronrpc.sock"]),
        7,
        "backend"
    );
    let as_json = cli(spool, &["entries", "get", "root", "nope", "--json"]);
    assert_eq!(as_json.status.code(), Some(4));
    let error: Value = serde_json::from_slice(&as_json.stdout).unwrap();
    assert_eq!(error["data"]["code"], "ENTRY_NOT_FOUND");
}

#[test]
fn connect_goes_through_a_running_server_as_the_peer() {
    assert!(is_root(), "this test switches to the nobody user");
    let server = SocketServer::start(&[]);
    let socket = server.path.to_str().unwrap();
    let unused = tempfile::tempdir().unwrap();
    let created = json(cli(
        unused.path(),
        &[
            "entries",
            "create",
            "root",
            "--schedule",
            "@daily",
            "--command",
            "x",
            "--connect",
            socket,
            "--json",
        ],
    ));
    assert!(created["id"].is_string());
    assert!(
        std::fs::read_dir(unused.path()).unwrap().next().is_none(),
        "nothing was written in-process"
    );
    // As nobody: root's crontab is forbidden (6), its own works and is recorded as by nobody.
    use std::os::unix::process::CommandExt;
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let (_bin_dir, bin) = crate::harness::shared_bin();
    let as_nobody = |args: &[&str]| {
        Command::new(&bin)
            .args(args)
            .args(["--connect", socket])
            .uid(nobody.uid.as_raw())
            .gid(nobody.gid.as_raw())
            .output()
            .unwrap()
    };
    let forbidden = as_nobody(&["entries", "list", "root"]);
    assert_eq!(forbidden.status.code(), Some(6), "{forbidden:?}");
    ok(as_nobody(&[
        "entries",
        "create",
        "nobody",
        "--schedule",
        "@daily",
        "--command",
        "y",
    ]));
    let revisions: Value = serde_json::from_str(&ok(as_nobody(&[
        "crontab",
        "revisions",
        "nobody",
        "--json",
    ])))
    .unwrap();
    assert_eq!(revisions["revisions"][0]["by"], "nobody");
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("revisions") && script.contains("adopt"),
            "{shell}"
        );
    }
}
