//! cronrpc's own state as an unprivileged user meets it: the state directory, the crontab lock
//! shared with the root server, what `health` reveals, and the system backend run by a user.

use crate::harness::{output_with_stdin, rpc, shared_bin, SocketServer, TempUser};
use serde_json::{json, Value};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The user's uid and gid.
pub fn ids(user: &TempUser) -> (u32, u32) {
    let u = nix::unistd::User::from_name(&user.name).unwrap().unwrap();
    (u.uid.as_raw(), u.gid.as_raw())
}

/// `cronrpc ARGS` run as `user` with only `env` set (plus PATH), `stdin` fed in.
pub fn run_as(
    user: &TempUser,
    bin: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> Output {
    let (uid, gid) = ids(user);
    output_with_stdin(
        Command::new(bin)
            .args(args)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .current_dir("/")
            .uid(uid)
            .gid(gid),
        stdin.as_bytes(),
    )
}

/// `cronrpc serve` on the system backend as `user` (HOME set): one answer per request line.
pub fn serve_as(user: &TempUser, bin: &Path, lines: &[String]) -> Vec<Value> {
    let home = format!("/home/{}", user.name);
    let out = run_as(
        user,
        bin,
        &["serve", "--backend", "system"],
        &[("HOME", &home)],
        &(lines.join("\n") + "\n"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    answers.sort_by_key(|a| a["id"].as_u64());
    assert_eq!(answers.len(), lines.len(), "stderr: {stderr}");
    answers
}

fn marker(id: &str, extra: &str) -> String {
    format!(
        "# cronrpc:v1 {{\"id\":\"{id}\"{extra},\"created_at\":\"2024-11-01T10:30:00Z\",\"updated_at\":\"2024-11-01T10:30:00Z\"}}"
    )
}

#[test]
fn an_unprivileged_system_backend_lists_and_sweeps_its_own_crontab() {
    let user = TempUser::new();
    let (_dir, bin) = shared_bin();
    let id = "6f1e2a3b-0000-4000-8000-000000000001";
    let gone = marker(id, ",\"expires_at\":\"2024-12-01T00:00:00Z\"");
    user.install(&format!(
        "# mine\n{gone}\n@daily echo old\n5 5 * * * echo raw\n"
    ));
    let answers = serve_as(
        &user,
        &bin,
        &[
            rpc(1, "crontab.list", json!({})),
            rpc(2, "entries.sweep", json!({"dry_run": true})),
        ],
    );
    let crontabs = &answers[0]["result"]["crontabs"];
    assert_eq!(crontabs[0]["user"], user.name.as_str(), "{answers:?}");
    assert_eq!(crontabs.as_array().unwrap().len(), 1);
    assert_eq!(answers[1]["result"]["removed"][0]["id"], id, "{answers:?}");
    let answers = serve_as(&user, &bin, &[rpc(1, "entries.sweep", json!({}))]);
    assert_eq!(answers[0]["result"]["removed"][0]["id"], id, "{answers:?}");
    assert_eq!(user.crontab(), "# mine\n5 5 * * * echo raw\n");
}

/// Each line sent on one socket connection made as `user`; one answer per line.
pub fn socket_as(user: &TempUser, socket: &Path, lines: &[String]) -> Vec<Value> {
    let (uid, gid) = ids(user);
    crate::harness::ask_as(uid, gid, socket, lines).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn health_is_no_oracle_for_files_the_caller_cannot_see() {
    let user = TempUser::new();
    let server = SocketServer::start(&[]);
    let hidden = tempfile::tempdir().unwrap(); // 0700, root's
    let exists = hidden.path().join("id_rsa");
    std::fs::write(&exists, "secret").unwrap();
    let absent = hidden.path().join("nothing");
    let (a, b) = (
        "6f1e2a3b-0000-4000-8000-00000000000a",
        "6f1e2a3b-0000-4000-8000-00000000000b",
    );
    let content = format!(
        "{}\n@daily {} exec --entry {a} -- 'true'\n{}\n@daily {} exec --entry {b} -- 'true'\n",
        marker(a, ""),
        exists.display(),
        marker(b, ""),
        absent.display()
    );
    let answers = socket_as(
        &user,
        &server.path,
        &[
            rpc(
                1,
                "crontab.put",
                json!({"user": user.name, "content": content}),
            ),
            rpc(2, "entries.list", json!({"user": user.name})),
            rpc(3, "health", json!({})),
        ],
    );
    assert_eq!(answers[1]["result"]["total"], 2, "{answers:?}");
    let reported = &answers[2]["result"]["missing_recorders"];
    let has = |p: &Path| {
        reported
            .as_array()
            .unwrap()
            .contains(&json!(p.to_str().unwrap()))
    };
    assert_eq!(has(&exists), has(&absent), "{reported}: tells which exists");
}

#[test]
fn a_state_directory_another_user_made_is_refused_and_none_is_shared() {
    let victim = TempUser::new();
    let attacker = TempUser::new();
    let (_dir, bin) = shared_bin();
    let put = rpc(
        1,
        "crontab.put",
        json!({"user": victim.name, "content": "@daily echo mine\n"}),
    );
    // The attacker's directory, open to all, where the victim's cronrpc is pointed.
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), PermissionsExt::from_mode(0o755)).unwrap();
    let trap = shared.path().join("trap");
    std::fs::create_dir(&trap).unwrap();
    std::fs::set_permissions(&trap, PermissionsExt::from_mode(0o777)).unwrap();
    let (uid, gid) = ids(&attacker);
    std::os::unix::fs::chown(&trap, Some(uid), Some(gid)).unwrap();
    let out = run_as(
        &victim,
        &bin,
        &["serve", "--backend", "system"],
        &[("XDG_STATE_HOME", trap.to_str().unwrap())],
        &format!("{put}\n"),
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["error"]["data"]["code"], "BACKEND_ERROR", "{answer}");
    let detail = answer["error"]["data"]["detail"].as_str().unwrap();
    assert!(detail.contains("unsafe state directory"), "{detail}");
    assert_eq!(victim.crontab(), "", "nothing installed");
    assert!(
        std::fs::read_dir(&trap).unwrap().next().is_none(),
        "nothing made in the attacker's directory"
    );

    // With neither HOME nor XDG_STATE_HOME: the home directory from the user database.
    let out = run_as(
        &victim,
        &bin,
        &["serve", "--backend", "system"],
        &[],
        &format!("{put}\n"),
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["result"]["written"], true, "{answer}");
    let state = Path::new("/home")
        .join(&victim.name)
        .join(".local/state/cronrpc");
    let meta = std::fs::metadata(&state).unwrap();
    assert_eq!(meta.uid(), ids(&victim).0);
    assert_eq!(meta.permissions().mode() & 0o077, 0, "private");
}

/// A root `cronrpc serve --socket` on the system backend, reachable by every user.
struct RootSystemServer {
    child: std::process::Child,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl RootSystemServer {
    fn start() -> RootSystemServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), PermissionsExt::from_mode(0o755)).unwrap();
        let path = dir.path().join("cronrpc.sock");
        let child = Command::new(crate::harness::BIN)
            .args(["serve", "--backend", "system", "--socket"])
            .arg(&path)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap();
        crate::harness::wait_for_socket(&path);
        RootSystemServer {
            child,
            path,
            _dir: dir,
        }
    }
}

impl Drop for RootSystemServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn creates(user: &TempUser, tag: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            rpc(
                i as u64 + 1,
                "entries.create",
                json!({"user": user.name, "schedule": "@daily", "command": format!("echo {tag}{i}")}),
            )
        })
        .collect()
}

#[test]
fn the_root_server_and_a_users_own_cronrpc_share_the_lock_and_lose_nothing() {
    let user = TempUser::new();
    let (_dir, bin) = shared_bin();
    let server = RootSystemServer::start();
    let n = 25;
    let (socket_answers, own_answers) = std::thread::scope(|s| {
        let socket = s.spawn(|| socket_as(&user, &server.path, &creates(&user, "socket", n)));
        let own = s.spawn(|| {
            (0..n)
                .flat_map(|i| serve_as(&user, &bin, &creates(&user, &format!("own{i}-"), 1)))
                .collect::<Vec<_>>()
        });
        (socket.join().unwrap(), own.join().unwrap())
    });
    for answer in socket_answers.iter().chain(&own_answers) {
        assert!(answer["result"]["id"].is_string(), "{answer}");
    }
    let crontab = user.crontab();
    let jobs = crontab
        .lines()
        .filter(|l| l.contains(" exec --entry "))
        .count();
    assert_eq!(
        jobs,
        2 * n,
        "every acknowledged create is in the crontab:\n{crontab}"
    );
}

#[test]
fn a_user_holding_their_own_lock_stalls_only_their_own_crontab() {
    let holder = TempUser::new();
    let other = TempUser::new();
    let server = RootSystemServer::start();
    let create = |user: &TempUser| {
        rpc(
            1,
            "entries.create",
            json!({"user": user.name, "schedule": "@daily", "command": "true"}),
        )
    };
    let first = crate::harness::ask(&server.path, &[create(&holder)]);
    assert!(first[0]["result"].is_object(), "{first:?}");
    let lock = format!("/var/lib/cronrpc/locks/{}.lock", holder.name);
    let (uid, gid) = ids(&holder);
    // --no-fork: the holder is the process killed below, not a child left behind.
    let mut held = Command::new("flock")
        .args(["--no-fork", "-x", &lock, "sleep", "600"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .uid(uid)
        .gid(gid)
        .spawn()
        .unwrap();
    // The holder's flock has the lock once root's own attempt can no longer get it.
    let probe = std::fs::File::open(&lock).unwrap();
    while nix::fcntl::Flock::lock(
        probe.try_clone().unwrap(),
        nix::fcntl::FlockArg::LockExclusiveNonblock,
    )
    .is_ok()
    {
        std::thread::yield_now();
    }
    let answers = std::thread::scope(|s| {
        let stalled = s.spawn(|| crate::harness::ask(&server.path, &[create(&holder)]));
        let served = crate::harness::ask(&server.path, &[create(&other)]);
        (stalled.join().unwrap(), served)
    });
    let _ = held.kill();
    let _ = held.wait();
    assert_eq!(
        answers.0[0]["error"]["data"]["code"], "BACKEND_ERROR",
        "{answers:?}"
    );
    assert!(answers.1[0]["result"]["id"].is_string(), "{answers:?}");
    assert_eq!(
        holder.crontab().lines().count(),
        2,
        "the stalled write changed nothing"
    );
}
