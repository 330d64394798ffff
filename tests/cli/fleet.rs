//! `--host`: the human CLI against `ssh HOST cronrpc serve`, with a real sshd on a spare
//! localhost port reached under two host aliases (an ssh config of the test's own), the real
//! `crontab` on the "remote" side, and a host that does not exist.

use crate::harness::{is_root, TempUser, BIN};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const SSHD: &str = "/usr/sbin/sshd";

/// An sshd of the test's own, key auth for root only, stopped when dropped.
struct Sshd {
    child: Child,
    dir: tempfile::TempDir,
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "ssh-keygen");
}

impl Sshd {
    fn start() -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "the fleet tests need sshd: apt-get install openssh-server openssh-client"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("id"));
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
        // sshd's privilege separation directory (the package's unit creates it at boot).
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
             AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPidFile {d}/sshd.pid\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let client = format!(
            "Host alpha beta\n  HostName 127.0.0.1\n  Port {port}\n  User root\n  \
             IdentityFile {d}/id\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  \
             UserKnownHostsFile /dev/null\n  LogLevel ERROR\n\
             Host nowhere\n  HostName host-that-does-not-exist.invalid\n",
            d = d.display()
        );
        std::fs::write(d.join("ssh_config"), client).unwrap();
        // The "remote" cronrpc: the test binary, with state of the test's own rather than the
        // machine's /var/lib/cronrpc.
        let remote = format!(
            "#!/bin/sh\nexec {BIN} \"$@\" --lock-dir {d}/state/locks --history-dir {d}/state/history \
             --revisions-dir {d}/state/revisions\n",
            d = d.display()
        );
        std::fs::write(d.join("cronrpc"), remote).unwrap();
        std::fs::set_permissions(d.join("cronrpc"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let mut child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd starts");
        // Ready once it accepts connections.
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("sshd exited: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Sshd { child, dir }
    }

    fn remote(&self) -> PathBuf {
        self.dir.path().join("cronrpc")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("ssh_config")
    }

    /// `cronrpc ARGS` with this sshd's ssh config, the remote cronrpc being the test binary.
    fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("CRONRPC_SSH_CONFIG", self.config())
            .env("CRONRPC_REMOTE", self.remote())
            .env_remove("CRONRPC_CONNECT")
            .output()
            .unwrap()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn jobs(dir: &Path) -> PathBuf {
    let file = dir.join("jobs.toml");
    std::fs::write(
        &file,
        "[[entries]]\nname = \"backup\"\nschedule = \"0 2 * * *\"\ncommand = \"echo backup\"\n",
    )
    .unwrap();
    file
}

#[test]
fn apply_to_two_hosts_over_ssh() {
    if !is_root() {
        return;
    }
    let sshd = Sshd::start();
    let user = TempUser::new();
    let file = jobs(sshd.dir.path());
    let f = file.to_str().unwrap();
    let args = [
        "apply",
        &user.name,
        "-f",
        f,
        "--host",
        "alpha",
        "--host",
        "beta",
        "--detailed-exitcode",
    ];
    let first = sshd.cli(&args);
    let out = text(&first.stdout);
    assert_eq!(first.status.code(), Some(2), "{out}{}", text(&first.stderr));
    let (alpha, beta) = (
        out.find("== alpha ==").unwrap(),
        out.find("== beta ==").unwrap(),
    );
    assert!(alpha < beta, "in the order given: {out}");
    // Both hosts are this machine: one added it, the other (under the same lock) kept it.
    assert_eq!(out.matches("+ backup").count(), 1, "{out}");
    assert_eq!(user.crontab().matches("echo backup").count(), 1);

    let again = sshd.cli(&args);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));

    let listed = sshd.cli(&["entries", "list", &user.name, "--host", "alpha", "--json"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let line: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(line["host"], "alpha");
    assert_eq!(line["ok"], true);
    assert_eq!(line["output"]["entries"][0]["name"], "backup");
}

#[test]
fn an_unreachable_host_fails_alone_and_is_named() {
    if !is_root() {
        return;
    }
    let sshd = Sshd::start();
    let user = TempUser::new();
    let out = sshd.cli(&[
        "entries", "list", &user.name, "--host", "nowhere", "--host", "alpha",
    ]);
    assert!(!out.status.success());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stdout.contains("== alpha =="), "{stdout}");
    assert!(stderr.contains("nowhere: cronrpc: ssh nowhere"), "{stderr}");
    assert!(
        stderr.contains("failed on 1 of 2 hosts: nowhere"),
        "{stderr}"
    );
}

#[test]
fn a_host_is_never_an_option_and_remote_words_are_not_reread_by_a_shell() {
    if !is_root() {
        return;
    }
    let sshd = Sshd::start();
    let marker = sshd.dir.path().join("pwned");
    let m = marker.to_str().unwrap();
    let proxy = format!("-oProxyCommand=touch {m}");
    let out = sshd.cli(&["health", "--host", &proxy]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!marker.exists(), "the host was read as an option");

    let out = Command::new(BIN)
        .args(["health", "--host", "alpha"])
        .env("CRONRPC_SSH_CONFIG", sshd.config())
        .env(
            "CRONRPC_REMOTE",
            format!("{}; touch {m}", sshd.remote().display()),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!marker.exists(), "a remote word was run as a command");
}
