//! Notifications (contract: "Job policies", `notify`), from the server's side: each user's webhook
//! key, derived from the server's secret and left where the user's jobs can read it.

use crate::harness::{is_root, Server, TempUser, BIN};
use cronrpc::notify::sign::{self, Key};
use serde_json::json;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

fn secret_file(dir: &Path, mode: u32) -> String {
    let path = dir.join("webhook-secret");
    std::fs::write(&path, "a secret only root reads\n").unwrap();
    std::fs::set_permissions(&path, PermissionsExt::from_mode(mode)).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn each_user_gets_a_derived_webhook_key_and_a_planted_link_is_replaced_not_followed() {
    if !is_root() {
        eprintln!("skipped: needs root to create users");
        return;
    }
    let secrets = tempfile::tempdir().unwrap();
    let secret = secret_file(secrets.path(), 0o600);
    let mut server = Server::spool_with(&["--webhook-secret-file", &secret]);
    let history = server.spool_dir().join(".history");
    let (alice, bob) = (TempUser::new(), TempUser::new());
    let create = |server: &mut Server, user: &str| {
        server.call(
            "entries.create",
            json!({"user": user, "schedule": "0 3 * * *", "command": "true"}),
        );
    };
    create(&mut server, &bob.name);
    // Bob owns his history directory: he points the key's name at a file he wants root to
    // overwrite. The next write must replace his link, never write through it.
    let target = secrets.path().join("precious");
    std::fs::write(&target, "untouched").unwrap();
    let bobs_key = sign::key_path(&history, &bob.name);
    std::fs::remove_file(&bobs_key).unwrap();
    std::os::unix::fs::symlink(&target, &bobs_key).unwrap();
    create(&mut server, &bob.name);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
    create(&mut server, &alice.name);

    for user in [&alice, &bob] {
        let path = sign::key_path(&history, &user.name);
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let owner = nix::unistd::User::from_name(&user.name).unwrap().unwrap();
        assert!(meta.is_file(), "{}", path.display());
        assert_eq!(meta.mode() & 0o777, 0o600);
        assert_eq!(
            meta.uid(),
            owner.uid.as_raw(),
            "the user's jobs read it as the user"
        );
        let expected = Key::derive(b"a secret only root reads", &user.name);
        assert_eq!(sign::load_key(&history, &user.name), Some(expected));
    }
    assert_ne!(
        sign::load_key(&history, &alice.name),
        sign::load_key(&history, &bob.name)
    );
}

#[test]
fn a_webhook_secret_others_can_read_is_refused_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let secret = secret_file(dir.path(), 0o644);
    let out = Command::new(BIN)
        .args(["serve", "--backend", "spool", "--spool-dir"])
        .arg(dir.path().join("spool"))
        .args(["--webhook-secret-file", &secret])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("readable by others"), "{stderr}");
    assert!(!stderr.contains("a secret only root reads"));
}

#[test]
fn a_url_that_is_not_http_is_invalid_policy_and_writes_nothing() {
    let mut server = Server::spool();
    let before = server.call("crontab.get", json!({"user": "root"}));
    for (notify, field) in [
        (json!({"webhook": "ftp://example.com/x"}), "notify.webhook"),
        (json!({"ping_url": "file:///etc/passwd"}), "notify.ping_url"),
        (json!({"webhook": "http://"}), "notify.webhook"),
        (
            json!({"ping_url": "https://user:TOKEN@hc.example/x"}),
            "notify.ping_url",
        ),
    ] {
        let error = server.fail(
            "entries.create",
            json!({"user": "root", "schedule": "0 3 * * *", "command": "true", "notify": notify}),
            "INVALID_POLICY",
        );
        assert_eq!(error["data"]["field"], field, "{error}");
        assert!(!error.to_string().contains("TOKEN"), "{error}");
    }
    assert_eq!(server.call("crontab.get", json!({"user": "root"})), before);
    let url = "https://hooks.example/cron?token=T0KEN";
    let entry = server.call(
        "entries.create",
        json!({"user": "root", "schedule": "0 3 * * *", "command": "true", "notify": {"webhook": url}}),
    );
    let error = server.fail(
        "entries.update",
        json!({"user": "root", "id": entry["id"], "notify": {"webhook": "gopher://x"}}),
        "INVALID_POLICY",
    );
    assert_eq!(error["data"]["field"], "notify.webhook");
    let got = server.call("entries.get", json!({"user": "root", "id": entry["id"]}));
    assert_eq!(
        got["notify"]["webhook"], url,
        "the owner reads the URL back"
    );
}
