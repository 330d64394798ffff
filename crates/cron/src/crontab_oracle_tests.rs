//! Differential tests against Debian's real `crontab -n`, the ground truth for what a crontab
//! may contain, plus the property that the strict parser never accepts what cron refuses.

use super::line::{classify, LineKind};
use super::{validate_crontab, Schedule};
use corpus::{corpus, Gen};
use proptest::prelude::*;
use std::io::Write;
use std::process::Command;

#[path = "crontab_corpus.rs"]
mod corpus;

/// `crontab -n` on `content`: true when Debian's crontab would install it.
fn crontab_accepts(content: &str) -> bool {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(content.as_bytes()).expect("write temp file");
    let status = Command::new("crontab")
        .arg("-n")
        .arg(file.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(status) => match status.code() {
            Some(0) => true,
            Some(1) => false,
            other => panic!("crontab -n exited with {other:?} on {content:?}"),
        },
        Err(e) => panic!(
            "cannot run `crontab` ({e}): install Debian's `cron` package (apt-get install cron); \
             this test needs the real crontab as its oracle"
        ),
    }
}

#[test]
fn validate_crontab_agrees_with_real_crontab() {
    let cases = corpus();
    let threads = 4;
    let chunks: Vec<Vec<String>> = (0..threads)
        .map(|t| cases.iter().skip(t).step_by(threads).cloned().collect())
        .collect();
    let oracle: Vec<(String, bool)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|c| (c.clone(), crontab_accepts(c)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut disagreements = Vec::new();
    for (content, cron_ok) in &oracle {
        let ours = validate_crontab(content);
        // classify must agree with the validator on every complete line.
        if let Some(body) = content.strip_suffix('\n') {
            let lines_ok = body.split('\n').all(|l| classify(l) != LineKind::Invalid);
            if lines_ok != ours.is_ok() && content.matches('\n').count() <= 10_000 {
                disagreements.push(format!("classify vs validate on {content:?}"));
            }
        }
        if ours.is_ok() != *cron_ok {
            let shown: String = content.chars().take(120).collect();
            disagreements.push(format!(
                "crontab {} but we {}: {shown:?} {:?}",
                if *cron_ok { "accepts" } else { "rejects" },
                if ours.is_ok() { "accept" } else { "reject" },
                ours.err()
                    .map(|e| e.into_iter().take(2).collect::<Vec<_>>()),
            ));
        }
    }
    let accepted = oracle.iter().filter(|(_, ok)| *ok).count();
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree ({accepted} accepted by crontab):\n{}",
        disagreements.len(),
        oracle.len(),
        disagreements.join("\n")
    );
    // The corpus must exercise both sides.
    assert!(accepted > oracle.len() / 5 && accepted < oracle.len() * 4 / 5);
}

fn schedule_strategy() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        (0u32..70).prop_map(|n| n.to_string()),
        Just("*".to_string()),
        (0u32..70, 0u32..70).prop_map(|(a, b)| format!("{a}-{b}")),
        (0u32..70).prop_map(|s| format!("*/{s}")),
        (0u32..40, 0u32..40, 0u32..9).prop_map(|(a, b, s)| format!("{a}-{b}/{s}")),
        prop::sample::select(vec![
            "mon", "FRI", "jan", "Dec", "sun-sat", "x", "1.5", "*x"
        ])
        .prop_map(String::from),
    ];
    let field = prop::collection::vec(atom, 1..3).prop_map(|v| v.join(","));
    prop_oneof![
        4 => (
            prop::collection::vec(field, 4..7),
            prop::sample::select(vec![" ", "\t", "  "])
        )
            .prop_map(|(f, sep)| f.join(sep)),
        1 => prop::sample::select(vec![
            "@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
            "@hourly", "@Daily", " @daily ",
        ])
        .prop_map(String::from),
    ]
}

proptest! {
    #[test]
    fn strict_accept_implies_crontab_accepts(schedule in schedule_strategy()) {
        if Schedule::parse(&schedule).is_ok() {
            let content = format!("{schedule} cmd\n");
            prop_assert!(validate_crontab(&content).is_ok(), "{content:?}");
            prop_assert!(Schedule::parse_lenient(&schedule).is_ok());
        }
    }
}

/// A sample of strict acceptances, checked against the real crontab too.
#[test]
fn strict_accepts_are_accepted_by_real_crontab() {
    for schedule in [
        "*/15 9-17 1,15 jan-MAR mon-fri",
        "0 0 * * 7",
        "0 0 * * 0-7",
        "*/60 * * * *",
        "@reboot",
        "@annually",
        "\t5 4 * * sun",
    ] {
        assert!(Schedule::parse(schedule).is_ok(), "{schedule}");
        assert!(crontab_accepts(&format!("{schedule} cmd\n")), "{schedule}");
    }
}

/// Random lines over cron's meaningful characters; slow, so run on demand:
/// `cargo test --lib fuzz_against_crontab -- --ignored` (CRON_FUZZ_CASES sets the count).
#[test]
#[ignore]
fn fuzz_against_crontab() {
    fn word(g: &mut Gen, max: u64) -> String {
        (0..1 + g.next() % max)
            .map(|_| char::from(ALPHABET[(g.next() % ALPHABET.len() as u64) as usize]))
            .collect()
    }
    const ALPHABET: &[u8] = b" \t\t*/-,=\"'#@0123456789175aAmMoOnNjJdDyYlL\r\0x.%";
    let count = std::env::var("CRON_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let seed = std::env::var("CRON_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x0dd_ba11);
    let mut g = Gen(seed);
    let mut bad = Vec::new();
    let mut accepted = 0;
    for _ in 0..count {
        let mut line = if g.chance(50) {
            word(&mut g, 24)
        } else {
            (0..6)
                .map(|_| word(&mut g, 4))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if g.chance(50) {
            line = format!(
                "{} {line}",
                g.pick(&["* * * * *", "@daily", "1 2 3 4", "A="])
            );
        }
        let content = format!("{line}\n");
        let cron_ok = crontab_accepts(&content);
        accepted += usize::from(cron_ok);
        if validate_crontab(&content).is_ok() != cron_ok {
            bad.push(content);
        }
    }
    eprintln!("{accepted} of {count} accepted by crontab");
    assert!(bad.is_empty(), "{} disagreements: {bad:?}", bad.len());
}
