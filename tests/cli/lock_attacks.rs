//! A user sabotaging their own lock file in the shared lock directory: their own cronrpc
//! refuses it loudly (and writes nothing), the root server replaces it with a good one, and
//! from then on both share it again and lose nothing.

use crate::harness::{rpc, shared_bin, Server, TempUser};
use crate::state::{ids, serve_as};
use serde_json::json;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::process::CommandExt;
use std::path::Path;

/// `sh -c script` as `user`.
fn sh_as(user: &TempUser, script: &str) {
    let (uid, gid) = ids(user);
    let status = std::process::Command::new("sh")
        .args(["-c", script])
        .current_dir("/")
        .uid(uid)
        .gid(gid)
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
}

fn create(user: &TempUser, tag: &str) -> String {
    rpc(
        1,
        "entries.create",
        json!({"user": user.name, "schedule": "@daily", "command": format!("echo {tag}")}),
    )
}

#[test]
fn a_lock_file_swapped_for_a_symlink_fifo_or_hard_link_is_refused_then_replaced_and_shared() {
    let user = TempUser::new();
    let (_dir, bin) = shared_bin();
    let mut root = Server::system();
    let params = |tag: &str| json!({"user": user.name, "schedule": "@daily", "command": format!("echo {tag}")});
    root.call("entries.create", params("first"));
    let lock = format!("/var/lib/cronrpc/locks/{}.lock", user.name);
    // A file of the user's own, on the same filesystem as the lock directory.
    let own = format!("/home/{}/notes", user.name);
    sh_as(&user, &format!("printf keep > {own} && chmod 644 {own}"));
    let sabotage = [
        ("symlink", format!("ln -s {own} {lock}")),
        ("fifo", format!("mkfifo -m 600 {lock}")),
        (
            "hard link",
            format!("touch {lock} && chmod 600 {lock} && ln {lock} {own}.link"),
        ),
    ];
    for (kind, plant) in &sabotage {
        sh_as(
            &user,
            &format!("rm -f {own}.link && rm -f {lock} && {plant}"),
        );
        let refused = serve_as(&user, &bin, &[create(&user, "refused")]);
        let error = &refused[0]["error"]["data"];
        assert_eq!(error["code"], "BACKEND_ERROR", "{kind}: {refused:?}");
        assert!(
            error["detail"].as_str().unwrap().contains("lock"),
            "{kind}: {refused:?}"
        );
        root.call("entries.create", params(&format!("root-{kind}")));
        let shared = serve_as(&user, &bin, &[create(&user, &format!("own-{kind}"))]);
        assert!(shared[0]["result"]["id"].is_string(), "{kind}: {shared:?}");
        let meta = std::fs::symlink_metadata(&lock).unwrap();
        assert!(
            meta.file_type().is_file() && !meta.file_type().is_fifo(),
            "{kind}"
        );
        assert_eq!(
            (meta.uid(), meta.nlink(), meta.mode() & 0o7777),
            (ids(&user).0, 1, 0o600),
            "{kind}: the lock file root put in place"
        );
    }
    let crontab = user.crontab();
    assert!(!crontab.contains("echo refused"), "{crontab}");
    let jobs = crontab
        .lines()
        .filter(|l| l.contains(" exec --entry "))
        .count();
    assert_eq!(jobs, 1 + 2 * sabotage.len(), "{crontab}");
    // What the symlink pointed at was neither followed nor changed.
    let meta = std::fs::metadata(&own).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o644);
    assert_eq!(std::fs::read_to_string(Path::new(&own)).unwrap(), "keep");
    drop(root.finish());
}

/// A user's own long-running cronrpc started on a host where no root cronrpc has yet made the
/// shared lock directory locks in its private one; once a root server is up (and has made the
/// shared directory), its next write must take the shared lock, not keep its private one
/// and write alongside the root server. Acted out in a private mount namespace with an empty
/// /var/lib/cronrpc, so the host's shared directory is left alone.
#[test]
fn a_users_cronrpc_started_before_any_root_one_moves_to_the_shared_lock() {
    let user = TempUser::new();
    let (dir, bin) = shared_bin();
    let (bin, name) = (bin.display(), &user.name);
    let fifo = dir.path().join("requests");
    let out = dir.path().join("answers");
    let (fifo, out) = (fifo.display(), out.display());
    let private = format!("/home/{name}/.local/state/cronrpc/locks/{name}.lock");
    let req = |tag: &str| create(&user, tag).replace('\'', "");
    let script = format!(
        r#"set -e
mount -t tmpfs -o mode=755 tmpfs /var/lib/cronrpc
mkfifo -m 666 {fifo}
runuser -u {name} -- env -i PATH=/usr/bin:/bin HOME=/home/{name} RUST_LOG=warn \
  {bin} serve --backend system < {fifo} > {out} &
exec 3> {fifo}
answers() {{ timeout 60 sh -c "until [ \$(wc -l < {out}) -ge $1 ]; do :; done"; }}
echo '{first}' >&3; answers 1
test -e {private}
rm {private}
echo '{root}' | RUST_LOG=warn {bin} serve --backend system | grep -q '"result"'
echo '{second}' >&3; answers 2
exec 3>&-; wait
if test -e {private}; then echo PRIVATE; fi
cat {out}
"#,
        first = req("own-before"),
        root = req("root"),
        second = req("own-after"),
    );
    let result = std::process::Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.matches("\"result\"").count(),
        2,
        "{stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains("PRIVATE"),
        "the write after the root server came up took the private lock:\n{stdout}"
    );
    let crontab = user.crontab();
    for tag in ["own-before", "root", "own-after"] {
        assert!(crontab.contains(&format!("echo {tag}")), "{crontab}");
    }
}
