//! The revision journal as the state it is: the real bytes of a crontab, a journal that cannot
//! be written (shown in `health`), and a user made again under an old name.

use crate::harness::TempUser;
use crate::state::ids;
use serde_json::json;
use std::path::Path;
use std::process::Command;

#[test]
fn carriage_returns_and_backspaces_survive_the_system_backend() {
    let user = TempUser::new();
    let original = "MAILTO=ops@example.com\r\n# literal \\r and \\b stay text\n# back\u{8}space\n@daily echo x\r\n";
    user.install(original);
    let mut server = crate::harness::Server::system();
    let got = server.call("crontab.get", json!({"user": user.name}));
    assert_eq!(got["content"], original, "the real bytes");
    server.call(
        "entries.create",
        json!({"user": user.name, "schedule": "@hourly", "command": "echo new"}),
    );
    let spool = std::fs::read(Path::new("/var/spool/cron/crontabs").join(&user.name)).unwrap();
    let spool = String::from_utf8(spool).unwrap();
    assert!(
        spool.contains(original),
        "untouched lines byte for byte:\n{spool:?}"
    );
    let revisions = server.call("crontab.revisions", json!({"user": user.name}));
    let first = revisions["revisions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(first["etag"], got["etag"], "the revision of the real bytes");
}

#[test]
fn a_journal_that_cannot_be_written_shows_in_health() {
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let revisions = blocker.path().join("revisions");
    let mut server =
        crate::harness::Server::spool_with(&["--revisions-dir", revisions.to_str().unwrap()]);
    assert_eq!(
        server.call("health", json!({}))["journal_errors"],
        json!([])
    );
    server.call(
        "entries.create",
        json!({"user": "root", "schedule": "@daily", "command": "true"}),
    );
    let health = server.call("health", json!({}));
    let errors = health["journal_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{health}");
    assert!(
        errors[0].as_str().unwrap().starts_with("root: "),
        "{health}"
    );
}

#[test]
fn a_new_user_under_an_old_name_inherits_no_revisions() {
    let user = TempUser::new();
    let mut server = crate::harness::Server::spool();
    server.call(
        "crontab.put",
        json!({"user": user.name, "content": "SECRET=hunter2\n@daily true\n"}),
    );
    let (uid, _) = ids(&user);
    assert!(Command::new("userdel")
        .arg(&user.name)
        .status()
        .unwrap()
        .success());
    let again = Command::new("useradd")
        .args(["--uid", &(uid + 1000).to_string(), &user.name])
        .status()
        .unwrap();
    assert!(again.success());
    let revisions = server.call("crontab.revisions", json!({"user": user.name}));
    assert_eq!(revisions["revisions"], json!([]), "{revisions}");
}
