//! Tests for `Schedule::describe`, including a comparison with cronstrue (verbose) in which
//! every deliberate difference is listed with the reason.

use super::oracle_tests::{oracle, run_once};
use super::Schedule;
use proptest::prelude::*;
use std::process::Command;

fn describe(expr: &str) -> String {
    Schedule::parse_lenient(expr).expect(expr).describe()
}

#[test]
fn common_cases() {
    assert_eq!(describe("0 2 * * *"), "At 02:00 AM, every day");
    assert_eq!(describe("*/15 * * * *"), "Every 15 minutes");
    assert_eq!(
        describe("0 0 1 * 1"),
        "At 12:00 AM, on day 1 of the month or on Monday"
    );
    assert_eq!(
        describe("0 0 */2 * 1"),
        "At 12:00 AM, every 2 days of the month, starting on day 1, and only if it is a Monday"
    );
    assert_eq!(
        describe("0 0 1,15 * *"),
        "At 12:00 AM, on day 1 and 15 of the month"
    );
    assert_eq!(describe("0 0 * * 7"), "At 12:00 AM, only on Sunday");
    assert_eq!(
        describe("0 0 * * 5-7"),
        "At 12:00 AM, Friday through Sunday"
    );
    assert_eq!(
        describe("0 9 * jan,jul mon-fri"),
        "At 09:00 AM, Monday through Friday, only in January and July"
    );
    assert_eq!(describe("@reboot"), "At reboot");
    assert_eq!(describe("@hourly"), "Every hour");
    assert_eq!(describe("@daily"), "At 12:00 AM, every day");
    assert_eq!(describe("@midnight"), "At 12:00 AM, every day");
    assert_eq!(describe("@weekly"), "At 12:00 AM, only on Sunday");
    assert_eq!(describe("@monthly"), "At 12:00 AM, on day 1 of the month");
    assert_eq!(
        describe("@annually"),
        "At 12:00 AM, on day 1 of the month, only in January"
    );
    assert_eq!(
        describe("0 5-3 * * *"),
        "Never: the hour field matches nothing (reversed range)"
    );
    assert_eq!(describe("0 3,5-3 * * *"), "At 03:00 AM, every day");
    assert_eq!(
        describe("0 0 30 2 *"),
        "Never: none of the selected months has that day"
    );
    // OR with a weekday still fires, so not "never".
    assert_eq!(
        describe("0 0 30 2 1"),
        "At 12:00 AM, on day 30 of the month or on Monday, only in February"
    );
}

/// Expressions compared with cronstrue; `Some(text)` is where we deliberately say something
/// else, and the test checks that cronstrue still says something different.
const CRONSTRUE: &[(&str, Option<&str>)] = &[
    ("0 2 * * *", None),
    ("5 4 * * sun", None),
    ("0 22 * * 1-5", None),
    ("0 0,12 1 */2 *", None),
    ("15 14 1 * *", None),
    ("*/5 9-17 * * 1-5", None),
    ("0 0 * * 7", None),
    ("0 9 * jan,jul *", None),
    ("23 0-20/2 * * *", None),
    ("0 4 8-14 * *", None),
    ("@daily", None),
    ("@weekly", None),
    ("@monthly", None),
    ("@yearly", None),
    ("0 0 * * 6,0", None),
    ("* 3 * * *", None),
    ("0 */2 * * *", None),
    ("0 0 29 2 *", None),
    ("0 9-17 * * *", None),
    ("0 1,2,3 * * *", None),
    ("30 8-10 * * *", None),
    ("0 9-17/2 * * *", None),
    ("15 */3 * * *", None),
    ("0 0 1-7/2 * *", None),
    ("0 0 * * 1,3,5", None),
    ("0 0 * 1-3 *", None),
    ("0 0 * */3 *", None),
    ("0 0 1,2,3 * *", None),
    ("*/10 */2 * * *", None),
    ("0 6 * * mon-fri", None),
    ("0 0 * * 5-7", None),
    // Noise: cronstrue adds "every hour, every day" to schedules that restrict neither.
    ("*/15 * * * *", Some("Every 15 minutes")),
    ("* * * * *", Some("Every minute")),
    ("0 * * * *", Some("Every hour")),
    ("@hourly", Some("Every hour")),
    ("10,20 * * * *", Some("At 10 and 20 minutes past the hour")),
    (
        "1-5/2 * * * *",
        Some("Every 2 minutes, minutes 1 through 5 past the hour"),
    ),
    // Wrong: cron ORs two restricted day fields; cronstrue says "and".
    (
        "0 0 1 * 1",
        Some("At 12:00 AM, on day 1 of the month or on Monday"),
    ),
    (
        "30 4 1,15 * 5",
        Some("At 04:30 AM, on day 1 and 15 of the month or on Friday"),
    ),
    (
        "15 3 1-7 * 1",
        Some("At 03:15 AM, between day 1 and 7 of the month or on Monday"),
    ),
    (
        "0 0 1 * 1-5",
        Some("At 12:00 AM, on day 1 of the month or Monday through Friday"),
    ),
    ("0 0 1 * 0-6", Some("At 12:00 AM, every day")),
    // Wrong: `*/n` days restart on the 1st of each month (31 -> 1), and a leading `*` ANDs.
    (
        "0 0 */2 * 1",
        Some(
            "At 12:00 AM, every 2 days of the month, starting on day 1, and only if it is a Monday",
        ),
    ),
    (
        "0 12 */3 * *",
        Some("At 12:00 PM, every 3 days of the month, starting on day 1"),
    ),
    // Wrong or vague: a reversed range never matches; February has no 30th; 7 is Sunday.
    (
        "0 5-3 * * *",
        Some("Never: the hour field matches nothing (reversed range)"),
    ),
    (
        "0 0 30 2 *",
        Some("Never: none of the selected months has that day"),
    ),
    ("0 12 * * 0-7", Some("At 12:00 PM, every day")),
    ("0 0 * * 1-1", Some("At 12:00 AM, only on Monday")),
    ("5-5 * * * *", Some("At 5 minutes past the hour")),
    (
        "0 8 * * */2",
        Some("At 08:00 AM, only on Sunday, Tuesday, Thursday, and Saturday"),
    ),
    // Misleading: cronstrue says "at 01:00 AM and 02:00 AM" for every 5 minutes in those hours.
    (
        "*/5 1,2 * * *",
        Some("Every 5 minutes, during the 01:00 AM and 02:00 AM hours, every day"),
    ),
    ("0,30 9 * * *", Some("At 09:00 AM and 09:30 AM, every day")),
    ("@reboot", Some("At reboot")),
];

#[test]
#[cfg_attr(
    not(feature = "oracles"),
    ignore = "an oracle test: scripts/test runs it"
)]
fn compared_with_cronstrue() {
    let mut cmd = Command::new("node");
    cmd.env("NODE_PATH", oracle("node/node_modules"))
        .arg(super::oracle_tests::repo().join("tests/oracles/cronstrue.js"));
    let input: String = CRONSTRUE.iter().map(|(e, _)| format!("{e}\n")).collect();
    let theirs = run_once(cmd, &input);
    assert_eq!(theirs.len(), CRONSTRUE.len());
    let mut failures = Vec::new();
    for ((expr, expected), theirs) in CRONSTRUE.iter().zip(theirs) {
        let theirs: String = serde_json::from_str(&theirs).unwrap_or(theirs);
        let ours = describe(expr);
        match expected {
            None if ours != theirs => {
                failures.push(format!("{expr}: ours {ours:?}, cronstrue {theirs:?}"))
            }
            Some(want) if ours != *want => {
                failures.push(format!("{expr}: ours {ours:?}, want {want:?}"))
            }
            Some(_) if ours == theirs => {
                failures.push(format!("{expr}: cronstrue now agrees, drop the difference"))
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

proptest! {
    /// Whatever cron accepts, describe and next_after answer without panicking.
    #[test]
    fn never_panics(text in "[0-9*/,a-z@-]{1,12}( [0-9*/,a-z-]{1,8}){4}") {
        if let Ok(s) = Schedule::parse_lenient(&text) {
            prop_assert!(!s.describe().is_empty());
            let _ = s.next_after(chrono::Utc::now(), &crate::test_support::zone("Europe/Berlin"));
        }
    }
}
