//! The system backend against the real `crontab` program, with throwaway users.

use crate::harness::{Server, TempUser, MIXED_CRONTAB};
use serde_json::json;

#[test]
fn entries_land_in_the_real_crontab_and_other_lines_survive() {
    let user = TempUser::new();
    user.install(MIXED_CRONTAB);
    let mut server = Server::system();
    assert_eq!(server.call("health", json!({}))["backend"], "system");
    let entry = server.call("entries.create", json!({"user": user.name, "schedule": "0 2 * * *", "command": "echo 50% done", "name": "n"}));
    let installed = user.crontab();
    assert!(installed.starts_with(MIXED_CRONTAB), "{installed}");
    assert!(
        installed.ends_with(&format!(
            " exec --entry {} -- 'echo 50\\% done'\n",
            entry["id"].as_str().unwrap()
        )),
        "{installed}"
    );
    assert!(installed.contains(entry["id"].as_str().unwrap()));
    let got = server.call("entries.get", json!({"user": user.name, "id": entry["id"]}));
    assert_eq!(got["command"], "echo 50% done");
    server.call(
        "entries.delete",
        json!({"user": user.name, "id": entry["id"]}),
    );
    assert_eq!(user.crontab(), MIXED_CRONTAB);
}

#[test]
fn edits_made_with_crontab_between_calls_are_kept() {
    let user = TempUser::new();
    let mut server = Server::system();
    let a = server.call(
        "entries.create",
        json!({"user": user.name, "schedule": "@hourly", "command": "echo a"}),
    );
    let by_hand = format!("{}# added by hand\n5 5 * * * echo hand\n", user.crontab());
    user.install(&by_hand);
    server.call(
        "entries.update",
        json!({"user": user.name, "id": a["id"], "comment": "still here"}),
    );
    let now = user.crontab();
    assert!(
        now.contains("# added by hand\n5 5 * * * echo hand\n"),
        "{now}"
    );
    let list = server.call("entries.list", json!({"user": user.name}));
    assert_eq!(list["total"], 2);
}

#[test]
fn put_and_get_go_through_crontab() {
    let user = TempUser::new();
    let mut server = Server::system();
    assert_eq!(
        server.call("crontab.get", json!({"user": user.name}))["content"],
        ""
    );
    server.call(
        "crontab.put",
        json!({"user": user.name, "content": MIXED_CRONTAB}),
    );
    assert_eq!(user.crontab(), MIXED_CRONTAB);
    server.fail(
        "crontab.put",
        json!({"user": user.name, "content": "@Daily echo x\n"}),
        "INVALID_CRONTAB",
    );
    assert_eq!(
        user.crontab(),
        MIXED_CRONTAB,
        "a refused put changes nothing"
    );
    let list = server.call("crontab.list", json!({}));
    assert!(list["crontabs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["user"] == user.name.as_str()));
}

#[test]
fn unknown_users_are_not_found_on_the_system_backend() {
    let mut server = Server::system();
    server.fail(
        "crontab.get",
        json!({"user": "nosuchuser-zz"}),
        "USER_NOT_FOUND",
    );
}
