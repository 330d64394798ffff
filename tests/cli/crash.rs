//! SIGKILL at random moments in a stream of writes: the crontab is always whole and valid,
//! staging files never pile up, and no lock outlives its holder.

use crate::harness::{TempUser, BIN};
use cronrpc::crontab::Crontab;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: u64 = 30;

/// A tiny xorshift, so a failure names its seed and replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A crontab with `n` managed entries of known ids, raw lines around them.
fn base(n: u64) -> String {
    let mut content = String::from("# kept\nMAILTO=\"\"\n*/5 * * * * echo raw\n");
    for i in 0..n {
        content += &format!(
            "# cronrpc:v1 {{\"id\":\"{}\",\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}}\n0 {} * * * echo base-{i}\n",
            id(i),
            i % 24
        );
    }
    content
}

/// A pipelined stream of creates, updates, deletes and puts.
fn stream(user: &str, round: u64, rng: &mut Rng) -> String {
    let mut out = String::new();
    for i in 0..200u64 {
        let (method, params) = match rng.below(10) {
            0..=3 => (
                "entries.create",
                json!({"user": user, "schedule": "@daily", "command": format!("echo c{round}-{i}"), "name": format!("n{i}")}),
            ),
            4..=6 => (
                "entries.update",
                json!({"user": user, "id": id(rng.below(8)), "command": format!("echo u{round}-{i}"), "enabled": rng.below(2) == 0}),
            ),
            7 | 8 => (
                "entries.delete",
                json!({"user": user, "id": id(rng.below(8))}),
            ),
            _ => ("crontab.put", json!({"user": user, "content": base(8)})),
        };
        out += &json!({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).to_string();
        out.push('\n');
    }
    out
}

/// Every line is one the writes could have produced, every marker has its job line, and cron
/// would accept the whole.
fn assert_whole(content: &str, context: &str) {
    assert!(
        content.is_empty() || content.ends_with('\n'),
        "{context}: a partial last line: {content:?}"
    );
    if let Err(errors) = cronrpc::cron::validate_crontab(content) {
        panic!("{context}: cron would refuse the crontab: {errors:?}");
    }
    let markers = content
        .lines()
        .filter(|l| l.starts_with("# cronrpc:v1 "))
        .count();
    let crontab = Crontab::from_text(content);
    assert_eq!(
        crontab.entries().count(),
        markers,
        "{context}: a marker without its job line:\n{content}"
    );
    for line in content.lines() {
        let known = line.starts_with("# cronrpc:v1 {")
            || ["# kept", "MAILTO=\"\"", "*/5 * * * * echo raw"].contains(&line)
            || ["echo base-", "echo c", "echo u"].iter().any(|c| {
                line.contains(c)
                    && (line.starts_with("0 ")
                        || line.starts_with("@daily ")
                        || line.starts_with("#cronrpc:off# "))
            });
        assert!(known, "{context}: a line no write produced: {line:?}");
    }
}

/// A fresh process creates an entry within a few seconds: no stale lock blocks it.
fn assert_unlocked(args: &[&str], user: &str, context: &str) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "entries.create",
        "params": {"user": user, "schedule": "@daily", "command": "echo c0-fresh"}});
    writeln!(child.stdin.take().unwrap(), "{request}").unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let answer = rx.recv_timeout(Duration::from_secs(5));
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.unwrap_or_else(|_| panic!("{context}: a fresh create hung on a lock"));
    assert!(answer.contains("\"result\""), "{context}: {answer}");
}

/// Runs the rounds; `read` returns the crontab now, `leftovers` the staging files present.
fn kill_rounds(
    args: &[&str],
    user: &str,
    read: &dyn Fn() -> String,
    leftovers: &dyn Fn() -> Vec<String>,
    max_leftovers: usize,
) {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = Rng(seed);
    let start = Instant::now();
    for round in 0..ROUNDS {
        let context = format!("seed {seed} round {round}");
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(args)
            .env("RUST_LOG", "off")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let input = stream(user, round, &mut rng);
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
            // Keep stdin open: the server must be killed mid-stream, not drain and exit.
            std::thread::sleep(Duration::from_secs(2));
        });
        std::thread::sleep(Duration::from_millis(5 + rng.below(76)));
        child.kill().unwrap();
        child.wait().unwrap();
        assert_whole(&read(), &context);
        let left = leftovers();
        assert!(
            left.len() <= max_leftovers,
            "{context}: staging files pile up: {left:?}"
        );
        if round % 10 == 9 {
            assert_unlocked(args, user, &context);
        }
        drop(writer);
    }
    assert_unlocked(args, user, &format!("seed {seed} after the rounds"));
    assert_whole(&read(), &format!("seed {seed} at the end"));
    eprintln!("{ROUNDS} kills in {:?} (seed {seed})", start.elapsed());
}

fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sigkill_mid_stream_never_tears_the_spool_crontab() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().to_path_buf();
    std::fs::write(spool.join("root"), base(8)).unwrap();
    let args = ["--backend", "spool", "--spool-dir", spool.to_str().unwrap()];
    kill_rounds(
        &args,
        "root",
        &|| std::fs::read_to_string(spool.join("root")).unwrap_or_default(),
        &|| {
            names_in(&spool)
                .into_iter()
                // Directories (locks, history, revisions) are not staging files.
                .filter(|n| n != "root" && !spool.join(n).is_dir())
                .collect()
        },
        // The one fixed staging file, `.root.tmp`, and nothing else.
        1,
    );
    let extra: Vec<String> = names_in(&spool)
        .into_iter()
        .filter(|n| !["root", ".root.tmp"].contains(&n.as_str()) && !spool.join(n).is_dir())
        .collect();
    assert!(extra.is_empty(), "{extra:?}");
}

fn settle(user: &str) {
    let status = Command::new("flock")
        .arg(format!("/var/lib/cronrpc/locks/{user}.lock"))
        .arg("true")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sigkill_mid_stream_never_tears_the_real_crontab() {
    let user = TempUser::new();
    user.install(&base(8));
    let staging = Path::new("/var/lib/cronrpc/staging");
    let spool = Path::new(cronrpc::backend::system::DEFAULT_SPOOL);
    let name = user.name.clone();
    let uid = nix::unistd::User::from_name(&name)
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    kill_rounds(
        &["--backend", "system"],
        &user.name,
        // Once the user's lock is free, no `crontab` of a killed server is still installing:
        // it inherits the lock and holds it until it exits.
        &|| {
            settle(&name);
            user.crontab()
        },
        &|| {
            // Only this user's own fixed staging file; and no temporary files of crontab's
            // own in cron's spool for this user (crontab gives its tmp file to the user it
            // installs for: other tests' installs, running beside this one, are not ours).
            let mut left: Vec<String> = names_in(staging)
                .into_iter()
                .filter(|n| n.contains(&name))
                .collect();
            left.extend(names_in(spool).into_iter().filter(|n| {
                n.starts_with("tmp.")
                    && std::fs::metadata(spool.join(n)).is_ok_and(|m| m.uid() == uid)
            }));
            left
        },
        1,
    );
    let crontab = user.crontab();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &crontab).unwrap();
    let check = Command::new("crontab")
        .arg("-n")
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "crontab -n refuses it: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}
