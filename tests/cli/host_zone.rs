//! Cron's zone, the one next runs are computed in by default: the host's, read as glibc's
//! localtime(3) reads it (`TZ`, else /etc/localtime), from the host's tz database.

use crate::harness::{output_with_stdin, BIN};
use serde_json::Value;
use std::process::{Command, Stdio};

/// `health`'s `timezone` and the first next run of `0 12 * * *` after 2027-01-10T00:00Z, from a
/// stdio session whose environment has `TZ` as given (None: unset).
fn zone_and_noon(tz: Option<&str>, extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--backend", "spool", "--spool-dir"])
        .arg(dir.path())
        .args(extra)
        .env_remove("TZ");
    if let Some(tz) = tz {
        command.env("TZ", tz);
    }
    let out = output_with_stdin(
        &mut command,
        br#"{"jsonrpc":"2.0","id":1,"method":"health"}
{"jsonrpc":"2.0","id":2,"method":"schedule.describe","params":{"schedule":"0 12 * * *","count":1,"from":"2027-01-10T00:00:00Z"}}
"#,
    );
    let answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{answers:?}");
    let zone = answers[0]["result"]["timezone"]
        .as_str()
        .unwrap()
        .to_owned();
    let noon = answers[1]["result"]["next_runs"][0]
        .as_str()
        .unwrap()
        .to_owned();
    (zone, noon)
}

#[test]
fn tz_names_cron_s_zone() {
    assert_eq!(
        zone_and_noon(Some("America/New_York"), &[]),
        ("America/New_York".into(), "2027-01-10T17:00:00Z".into())
    );
    // glibc's leading colon.
    assert_eq!(
        zone_and_noon(Some(":Asia/Kathmandu"), &[]),
        ("Asia/Kathmandu".into(), "2027-01-10T06:15:00Z".into())
    );
}

#[test]
fn a_posix_rule_in_tz_is_read_as_glibc_reads_it() {
    // Six hours behind UTC in January; no tz database entry by that name.
    let (zone, noon) = zone_and_noon(Some("XST6XDT,M3.2.0,M11.1.0"), &[]);
    assert_eq!(zone, "XST6XDT,M3.2.0,M11.1.0");
    assert_eq!(noon, "2027-01-10T18:00:00Z");
}

#[test]
fn without_tz_the_zone_is_what_etc_localtime_links_to() {
    let expected = std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|target| {
            let target = target.to_str()?.to_owned();
            Some(target.rsplit_once("zoneinfo/")?.1.to_owned())
        })
        .unwrap_or_else(|| {
            // A copy rather than a link has no name; no /etc/localtime at all is UTC (glibc's).
            let copy = std::path::Path::new("/etc/localtime").exists();
            if copy { "localtime" } else { "UTC" }.into()
        });
    let (zone, _) = zone_and_noon(None, &[]);
    assert_eq!(zone, expected);
}

#[test]
fn timezone_overrides_the_host_s_and_must_be_known() {
    assert_eq!(
        zone_and_noon(Some("America/New_York"), &["--timezone", "Europe/Berlin"]),
        ("Europe/Berlin".into(), "2027-01-10T11:00:00Z".into())
    );
    let out = Command::new(BIN)
        .args([
            "serve",
            "--backend",
            "spool",
            "--timezone",
            "Mars/Olympus_Mons",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Mars/Olympus_Mons"));
}
