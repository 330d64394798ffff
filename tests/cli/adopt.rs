//! entries.adopt: a raw job line becomes managed where it stands, its bytes kept.

use crate::harness::{Server, MIXED_CRONTAB};
use serde_json::{json, Value};

const HEALTH: &str = "*/15 * * * * /usr/local/bin/health  # raw job";

fn content(server: &mut Server) -> String {
    server.call("crontab.get", json!({"user": "root"}))["content"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn items(server: &mut Server) -> Vec<Value> {
    server.call("entries.list", json!({"user": "root"}))["entries"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_raw_line_becomes_managed_in_place_with_its_bytes() {
    let mut server = Server::spool();
    server.call(
        "crontab.put",
        json!({"user": "root", "content": MIXED_CRONTAB}),
    );
    let entry = server.call(
        "entries.adopt",
        json!({"user": "root", "line": HEALTH, "name": "health", "comment": "adopted"}),
    );
    assert_eq!(entry["schedule"], "*/15 * * * *");
    assert_eq!(entry["command"], "/usr/local/bin/health  # raw job");
    assert_eq!(entry["name"], "health");
    assert_eq!(entry["enabled"], true);
    let after = content(&mut server);
    let lines: Vec<&str> = after.lines().collect();
    let at = lines.iter().position(|l| *l == HEALTH).unwrap();
    assert!(lines[at - 1].starts_with("# cronrpc:v1 "), "{after}");
    assert!(lines[at - 1].contains(entry["id"].as_str().unwrap()));
    let without_marker: String = after
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("# cronrpc:v1 "))
        .collect();
    assert_eq!(without_marker, MIXED_CRONTAB, "every other byte is kept");
    // Same place in the list: first job, now managed.
    let list = items(&mut server);
    assert_eq!(list[0]["type"], "managed");
    assert_eq!(list[0]["id"], entry["id"]);
    let got = server.call("entries.get", json!({"user": "root", "id": entry["id"]}));
    assert_eq!(got["command"], entry["command"]);
    // Adopting it again finds no raw line.
    let error = server.fail(
        "entries.adopt",
        json!({"user": "root", "line": HEALTH}),
        "ENTRY_NOT_FOUND",
    );
    assert_eq!(error["data"]["field"], "line");
}

#[test]
fn escapes_are_read_and_identical_lines_adopt_the_first() {
    let mut server = Server::spool();
    let line = r#"30 4 * * 1-5 echo "100\% done" > /dev/null 2>&1"#;
    let content_in = format!("{line}\n# between\n{line}\n");
    server.call(
        "crontab.put",
        json!({"user": "root", "content": content_in}),
    );
    let entry = server.call("entries.adopt", json!({"user": "root", "line": line}));
    assert_eq!(entry["command"], r#"echo "100% done" > /dev/null 2>&1"#);
    let list = items(&mut server);
    assert_eq!(list[0]["type"], "managed");
    assert_eq!(list[1], json!({"type": "raw", "line": line}));
    assert!(content(&mut server).ends_with(&format!("{line}\n# between\n{line}\n")));
}

#[test]
fn blanks_are_collapsed_and_what_cannot_be_managed_is_refused() {
    let mut server = Server::spool();
    let text = "0   2 * * *\techo spaced\n* * * * * date +%s\n5-1 * * * * reversed\n";
    server.call("crontab.put", json!({"user": "root", "content": text}));
    let entry = server.call(
        "entries.adopt",
        json!({"user": "root", "line": "0   2 * * *\techo spaced"}),
    );
    assert_eq!(entry["schedule"], "0 2 * * *");
    assert!(content(&mut server).contains("\n0 2 * * * echo spaced\n"));
    let error = server.fail(
        "entries.adopt",
        json!({"user": "root", "line": "* * * * * date +%s"}),
        "INVALID_COMMAND",
    );
    assert!(error["data"]["detail"].as_str().unwrap().contains('%'));
    server.fail(
        "entries.adopt",
        json!({"user": "root", "line": "5-1 * * * * reversed"}),
        "INVALID_SCHEDULE",
    );
    server.fail(
        "entries.adopt",
        json!({"user": "root", "line": "@daily not-there"}),
        "ENTRY_NOT_FOUND",
    );
    server.fail(
        "entries.adopt",
        json!({"user": "root", "line": "* * * * * date +%s", "bogus": 1}),
        "INVALID_PARAMS",
    );
}
