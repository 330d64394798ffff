//! Differential tests against croniter (next runs) and cronstrue (English), installed under
//! `.oracles/` by `scripts/install-oracles`. Missing oracles fail the tests: never a silent pass.

use super::test_support::{oracle_tz, zone};
use super::Schedule;
use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The repository this crate sits in (crates/cron), where `.oracles/` and the oracle scripts
/// under `tests/oracles/` are.
pub(super) fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

pub(super) fn oracle(path: &str) -> PathBuf {
    let p = repo().join(".oracles").join(path);
    assert!(
        p.exists(),
        "{} is missing: run scripts/install-oracles",
        p.display()
    );
    p
}

/// Runs `cmd` once over all `input` lines and returns its output lines.
pub(super) fn run_once(mut cmd: Command, input: &str) -> Vec<String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("oracle");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Deterministic pseudo-random numbers (SplitMix64), so the corpus is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }
}

/// A field; ranges always have start < end because croniter reads `5-5` as the whole field.
fn field(rng: &mut Rng, lo: u32, hi: u32) -> String {
    let part = |rng: &mut Rng| {
        let (a, b) = (rng.range(lo, hi - 1), rng.range(lo, hi - 1));
        let (a, b) = (a.min(b), a.max(b) + 1);
        match rng.range(0, 3) {
            0 => a.to_string(),
            1 => format!("{a}-{b}"),
            2 => format!("{a}-{b}/{}", rng.range(2, 5)),
            _ => b.to_string(),
        }
    };
    match rng.range(0, 5) {
        0 | 1 => "*".into(),
        2 => format!("*/{}", rng.range(2, 12)),
        3 => part(rng),
        _ => (0..rng.range(2, 3))
            .map(|_| part(rng))
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn offset(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

#[test]
#[cfg_attr(
    not(feature = "oracles"),
    ignore = "an oracle test: scripts/test runs it"
)]
fn next_runs_match_croniter() {
    let python = oracle("venv/bin/python");
    let zones = [
        "UTC",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "America/New_York",
        "Europe/Berlin",
    ]
    .map(oracle_tz);
    let mut rng = Rng(20240601);
    let mut cases = Vec::new();
    while cases.len() < 3000 {
        let expr = format!(
            "{} {} {} {} {}",
            field(&mut rng, 0, 59),
            field(&mut rng, 0, 23),
            field(&mut rng, 1, 31),
            field(&mut rng, 1, 12),
            field(&mut rng, 0, 7)
        );
        let s = Schedule::parse(&expr).expect(&expr);
        // croniter ORs two restricted day fields even when one begins with `*` (`*/2`), which
        // cron ANDs (see croniter_ignores_the_star_rule); such cases are not compared.
        if (s.dom_star || s.dow_star) && s.days_of_month != 0xffff_fffe && s.days_of_week != 0x7f {
            continue;
        }
        // Starts in 2000..2035.
        let tz = zones[rng.range(0, 4) as usize];
        let start =
            DateTime::from_timestamp(946_684_800 + (rng.next() % 1_100_000_000) as i64, 0).unwrap();
        cases.push((expr, s, start, tz));
    }
    let input: String = cases
        .iter()
        .map(|(e, _, t, tz)| format!("{e}\t{}\t{}\n", t.timestamp(), tz.name()))
        .collect();
    let mut cmd = Command::new(python);
    cmd.arg(repo().join("tests/oracles/croniter_next.py"));
    let answers = run_once(cmd, &input);
    assert_eq!(answers.len(), cases.len());
    let (mut compared, mut failures) = (0, Vec::new());
    for ((expr, s, start, tz), answer) in cases.iter().zip(&answers) {
        let ours = s.next_after(*start, &zone(tz.name()));
        // Time changes are tested against cron's own loop in next_tests; croniter repeats fixed
        // jobs in a repeated hour, so skip answers across a change of offset.
        if let Some(t) = ours {
            if offset(*tz, *start) != offset(*tz, t) || (t - *start).num_days() > 150 {
                continue;
            }
        }
        let theirs = answer
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0));
        compared += 1;
        if ours != theirs {
            failures.push(format!(
                "{expr} after {start} in {tz}: ours {ours:?}, croniter {answer}"
            ));
        }
    }
    assert!(compared > 2000, "only {compared} cases compared");
    assert!(
        failures.is_empty(),
        "{} divergences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The divergence excluded above, pinned so a croniter that starts following cron shows up.
#[test]
#[cfg_attr(
    not(feature = "oracles"),
    ignore = "an oracle test: scripts/test runs it"
)]
fn croniter_ignores_the_star_rule() {
    let python = oracle("venv/bin/python");
    let mut cmd = Command::new(python);
    cmd.arg(repo().join("tests/oracles/croniter_next.py"));
    // After Monday 2024-01-01: cron wants an odd day that is a Monday (the 15th); croniter takes
    // any odd day or any Monday (the 3rd). Likewise `5-5` is every minute to croniter.
    let answers = run_once(
        cmd,
        "0 0 */2 * 1\t1704067200\tUTC\n5-5 * * * *\t1704067200\tUTC\n",
    );
    let start = DateTime::from_timestamp(1_704_067_200, 0).unwrap();
    let ours = |e: &str| {
        Schedule::parse(e)
            .unwrap()
            .next_after(start, &crate::Zone::utc())
            .unwrap()
    };
    assert_eq!(ours("0 0 */2 * 1").timestamp(), 1_705_276_800);
    assert_eq!(
        answers[0], "1704240000",
        "croniter now ANDs: drop the exclusion above"
    );
    assert_eq!(ours("5-5 * * * *").timestamp(), 1_704_067_500);
    assert_eq!(answers[1], "1704067260", "croniter now reads 5-5 as 5");
}
