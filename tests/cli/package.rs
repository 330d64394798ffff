//! The Debian package, built with the README's command (`scripts/deb`; the debug build here, so
//! the test reuses what cargo already built): what it carries, and that the binary it installs
//! works.

use crate::harness::repo;
use std::process::Command;

#[test]
fn the_deb_carries_the_binary_units_man_pages_and_completions() {
    let built = Command::new(repo().join("scripts/deb"))
        .env("CRONRPC_DEB_PROFILE", "dev")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "scripts/deb: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let deb = repo().join(String::from_utf8(built.stdout).unwrap().trim());
    let listing = Command::new("dpkg-deb")
        .arg("-c")
        .arg(&deb)
        .output()
        .unwrap();
    assert!(listing.status.success());
    let listing = String::from_utf8(listing.stdout).unwrap();
    for path in [
        "./usr/bin/cronrpc",
        "./lib/systemd/system/cronrpc.service",
        "./lib/systemd/system/cronrpc.socket",
        "./usr/share/man/man1/cronrpc.1.gz",
        "./usr/share/man/man1/cronrpc-apply.1.gz",
        "./usr/share/bash-completion/completions/cronrpc",
        "./usr/share/zsh/vendor-completions/_cronrpc",
        "./usr/share/fish/vendor_completions.d/cronrpc.fish",
    ] {
        assert!(
            listing.lines().any(|l| l.ends_with(&format!(" {path}"))),
            "{path} missing from:\n{listing}"
        );
    }
    let info = Command::new("dpkg-deb")
        .arg("-f")
        .arg(&deb)
        .arg("Package")
        .arg("Depends")
        .output()
        .unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(
        info.contains("Package: cronrpc") && info.contains("cron"),
        "{info}"
    );

    // Installed in a throwaway root: the units name the installed binary, and it runs.
    let root = tempfile::tempdir().unwrap();
    let status = Command::new("dpkg")
        .arg("-x")
        .arg(&deb)
        .arg(root.path())
        .status()
        .unwrap();
    assert!(status.success());
    let unit =
        std::fs::read_to_string(root.path().join("lib/systemd/system/cronrpc.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/cronrpc serve"), "{unit}");
    let bin = root.path().join("usr/bin/cronrpc");
    let out = Command::new(&bin)
        .args(["schedule", "describe", "@daily", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let described: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(described["schedule_human"], "At 12:00 AM, every day");
}
