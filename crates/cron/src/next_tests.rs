//! Tests for `Schedule::next_after`: the day-field rule, calendar edges, DST, and a property test
//! against a transcription of cron.c's main loop (`test_support::simulate`).

use super::test_support::{at, oracle_tz, sched, simulate, zone};
use super::Schedule;
use chrono::{DateTime, Datelike, Timelike};
use proptest::prelude::*;

const UTC: &str = "UTC";
const NY: &str = "America/New_York";
const BERLIN: &str = "Europe/Berlin";

fn next(expr: &str, after: &str, tz: &str) -> Option<String> {
    sched(expr)
        .next_after(at(after), &zone(tz))
        .map(|t| t.to_rfc3339())
}

/// The first `n` runs after `after`.
fn runs(expr: &str, after: &str, tz: &str, n: usize) -> Vec<String> {
    let s = sched(expr);
    let tz = zone(tz);
    let mut t = at(after);
    (0..n)
        .map_while(|_| {
            t = s.next_after(t, &tz)?;
            Some(t.to_rfc3339())
        })
        .collect()
}

fn some(t: &str) -> Option<String> {
    Some(at(t).to_rfc3339())
}

#[test]
fn day_fields_or_when_both_restricted() {
    // 2024-01-01 is a Monday. The 1st OR every Monday.
    assert_eq!(
        runs("0 0 1 * 1", "2024-01-01T00:00:00Z", UTC, 4),
        ["2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"]
            .map(|d| format!("{d}T00:00:00+00:00"))
    );
    assert_eq!(
        next("0 0 1 * 1", "2024-01-29T00:00:00Z", UTC),
        some("2024-02-01T00:00:00Z")
    );
}

#[test]
fn day_fields_and_when_one_starts_with_star() {
    // `*/2` counts as `*`: odd days that are also Mondays.
    assert_eq!(
        next("0 0 */2 * 1", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-15T00:00:00Z")
    );
    // `*` in day-of-week: only the 1st and 15th.
    assert_eq!(
        runs("0 0 1,15 * *", "2024-01-01T00:00:00Z", UTC, 2).len(),
        2
    );
    assert_eq!(
        next("0 0 1,15 * *", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-15T00:00:00Z")
    );
    // `*/1` in day-of-week with a restricted day-of-month: still AND, i.e. just the 10th.
    assert_eq!(
        next("0 0 10 * */1", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-10T00:00:00Z")
    );
}

#[test]
fn seven_is_sunday() {
    assert_eq!(
        next("0 12 * * 7", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-07T12:00:00Z")
    );
    assert_eq!(
        next("0 12 * * 5-7", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-05T12:00:00Z")
    );
    assert_eq!(
        next("0 12 * * sun", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-07T12:00:00Z")
    );
}

#[test]
fn leap_days_and_month_ends() {
    assert_eq!(
        next("0 0 29 2 *", "2024-03-01T00:00:00Z", UTC),
        some("2028-02-29T00:00:00Z")
    );
    // 2100 is not a leap year: eight years without a February 29th.
    assert_eq!(
        next("0 0 29 2 *", "2096-03-01T00:00:00Z", UTC),
        some("2104-02-29T00:00:00Z")
    );
    assert_eq!(
        next("0 0 31 * *", "2024-04-01T00:00:00Z", UTC),
        some("2024-05-31T00:00:00Z")
    );
    assert_eq!(
        next("59 23 30 4 *", "2024-04-30T23:58:00Z", UTC),
        some("2024-04-30T23:59:00Z")
    );
    assert_eq!(
        next("0 0 1 1 *", "2024-12-31T23:59:59Z", UTC),
        some("2025-01-01T00:00:00Z")
    );
}

#[test]
fn impossible_schedules_are_never() {
    for expr in ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 */2", "@reboot"] {
        let start = std::time::Instant::now();
        assert_eq!(next(expr, "2024-01-01T00:00:00Z", NY), None, "{expr}");
        assert!(
            start.elapsed() < std::time::Duration::from_millis(50),
            "{expr} was slow"
        );
    }
    // A reversed range (lenient parsing) leaves the field empty.
    let mut s = sched("0 0 * * *");
    s.hours = 0;
    assert_eq!(s.next_after(at("2024-01-01T00:00:00Z"), &zone(UTC)), None);
    // OR with a weekday still fires although the 30th of February never comes.
    assert_eq!(
        next("0 0 30 2 1", "2024-01-01T00:00:00Z", UTC),
        some("2024-02-05T00:00:00Z")
    );
}

#[test]
fn strictly_after() {
    assert_eq!(
        next("0 0 * * *", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-02T00:00:00Z")
    );
    assert_eq!(
        next("0 0 * * *", "2023-12-31T23:59:59Z", UTC),
        some("2024-01-01T00:00:00Z")
    );
    assert_eq!(
        next("* * * * *", "2024-01-01T00:00:30Z", UTC),
        some("2024-01-01T00:01:00Z")
    );
    assert_eq!(
        next("@hourly", "2024-01-01T00:00:00Z", UTC),
        some("2024-01-01T01:00:00Z")
    );
}

#[test]
fn zone_offsets_apply() {
    assert_eq!(
        next("0 2 * * *", "2024-01-15T00:00:00Z", NY),
        some("2024-01-15T07:00:00Z")
    );
    assert_eq!(
        next("0 2 * * *", "2024-07-15T00:00:00Z", NY),
        some("2024-07-15T06:00:00Z")
    );
}

#[test]
fn spring_forward_new_york() {
    // 2024-03-10: 02:00 EST becomes 03:00 EDT at 07:00Z.
    // Fixed-time jobs in the skipped hour run once, at 03:00 EDT.
    assert_eq!(
        runs("30 2 * * *", "2024-03-10T06:00:00Z", NY, 2),
        ["2024-03-10T07:00:00+00:00", "2024-03-11T06:30:00+00:00"]
    );
    assert_eq!(
        runs("15,45 2 * * *", "2024-03-10T06:00:00Z", NY, 2),
        ["2024-03-10T07:00:00+00:00", "2024-03-11T06:15:00+00:00"]
    );
    assert_eq!(
        next("0 3 * * *", "2024-03-10T06:00:00Z", NY),
        some("2024-03-10T07:00:00Z")
    );
    // Wildcard jobs lose the skipped minutes.
    assert_eq!(
        next("30 * * * *", "2024-03-10T06:40:00Z", NY),
        some("2024-03-10T07:30:00Z")
    );
    assert_eq!(
        next("* 2 * * *", "2024-03-10T06:00:00Z", NY),
        some("2024-03-11T06:00:00Z")
    );
    assert_eq!(
        next("*/15 * * * *", "2024-03-10T06:50:00Z", NY),
        some("2024-03-10T07:00:00Z")
    );
}

#[test]
fn fall_back_new_york() {
    // 2024-11-03: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:00-01:59 happens twice.
    assert_eq!(
        runs("30 1 * * *", "2024-11-03T05:00:00Z", NY, 2),
        ["2024-11-03T05:30:00+00:00", "2024-11-04T06:30:00+00:00"]
    );
    assert_eq!(
        runs("30 * * * *", "2024-11-03T05:00:00Z", NY, 3),
        [
            "2024-11-03T05:30:00+00:00",
            "2024-11-03T06:30:00+00:00",
            "2024-11-03T07:30:00+00:00"
        ]
    );
    assert_eq!(
        next("0 2 * * *", "2024-11-03T05:00:00Z", NY),
        some("2024-11-03T07:00:00Z")
    );
    assert_eq!(
        next("59 1 * * *", "2024-11-03T05:59:00Z", NY),
        some("2024-11-04T06:59:00Z")
    );
}

#[test]
fn dst_berlin() {
    // 2024-03-31: 02:00 CET becomes 03:00 CEST at 01:00Z.
    assert_eq!(
        next("30 2 * * *", "2024-03-31T00:00:00Z", BERLIN),
        some("2024-03-31T01:00:00Z")
    );
    assert_eq!(
        next("*/20 2 * * *", "2024-03-31T00:00:00Z", BERLIN),
        some("2024-04-01T00:00:00Z")
    );
    // 2024-10-27: 03:00 CEST becomes 02:00 CET at 01:00Z.
    assert_eq!(
        runs("30 2 * * *", "2024-10-27T00:00:00Z", BERLIN, 2),
        ["2024-10-27T00:30:00+00:00", "2024-10-28T01:30:00+00:00"]
    );
    assert_eq!(
        runs("*/20 2 * * *", "2024-10-27T00:00:00Z", BERLIN, 6),
        ["27T00:20", "27T00:40", "27T01:00", "27T01:20", "27T01:40", "28T01:00"]
            .iter()
            .map(|t| format!("2024-10-{t}:00+00:00"))
            .collect::<Vec<_>>()
    );
}

/// Runs over `(from, to]` as produced by repeated `next_after`.
fn chained(s: &Schedule, tz: &str, from: i64, to: i64) -> Vec<i64> {
    let tz = zone(tz);
    let mut out = Vec::new();
    let mut t = DateTime::from_timestamp(from * 60, 0).unwrap();
    while let Some(n) = s.next_after(t, &tz) {
        let m = n.timestamp() / 60;
        if m > to {
            break;
        }
        out.push(m);
        t = n;
    }
    out
}

#[test]
fn matches_cron_main_loop_around_time_changes() {
    let zones = [NY, BERLIN, "Australia/Lord_Howe", "Australia/Sydney"];
    let days = [
        "2024-03-10",
        "2024-11-03",
        "2024-03-31",
        "2024-10-27",
        "2024-04-07",
        "2024-10-06",
    ];
    let exprs = [
        "30 2 * * *",
        "0,30 1-3 * * *",
        "*/10 * * * *",
        "15 * * * *",
        "* 2 * * *",
        "45 1 * * *",
        "0 3 * * *",
        "*/7 1-2 * * *",
        "@daily",
        "@hourly",
        "59 1 * * *",
        "0 0 * * *",
        "10 2,3 * * *",
    ];
    for tz in zones {
        for day in days {
            let from = at(&format!("{day}T00:00:00Z")).timestamp() / 60 - 24 * 60;
            let to = from + 3 * 24 * 60;
            for expr in exprs {
                let s = sched(expr);
                assert_eq!(
                    chained(&s, tz, from, to),
                    simulate(&s, tz, from, to),
                    "{expr} {tz} {day}"
                );
            }
        }
    }
}

fn field_text(lo: u32, hi: u32) -> impl Strategy<Value = String> {
    let part = prop_oneof![
        (lo..=hi).prop_map(|v| v.to_string()),
        (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
        (lo..=hi, lo..=hi, 1..8u32).prop_map(|(a, b, s)| format!("{}-{}/{s}", a.min(b), a.max(b))),
    ];
    prop_oneof![
        Just("*".to_string()),
        (2..13u32).prop_map(|s| format!("*/{s}")),
        prop::collection::vec(part, 1..4).prop_map(|p| p.join(",")),
    ]
}

fn expr_text() -> impl Strategy<Value = String> {
    (
        field_text(0, 59),
        field_text(0, 23),
        field_text(1, 31),
        field_text(1, 12),
        field_text(0, 7),
    )
        .prop_map(|(a, b, c, d, e)| format!("{a} {b} {c} {d} {e}"))
}

fn zone_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![UTC, NY, BERLIN, "Asia/Kolkata", "Australia/Lord_Howe"])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn runs_increase_and_match(expr in expr_text(), start in 0i64..4_000_000_000, name in zone_name()) {
        let s = sched(&expr);
        // Local times by chrono-tz's own database: an implementation independent of ours.
        let (zone, tz) = (zone(name), oracle_tz(name));
        let mut t = DateTime::from_timestamp(start, 0).unwrap();
        for _ in 0..5 {
            let Some(n) = s.next_after(t, &zone) else { break };
            prop_assert!(n > t);
            prop_assert_eq!(n.second(), 0);
            let local = n.with_timezone(&tz);
            let near_change = [-4, 4].iter().any(|h| {
                let other = (n + chrono::Duration::hours(*h)).with_timezone(&tz);
                other.offset() != local.offset()
            });
            if !near_change {
                let dom = s.days_of_month & (1 << local.day()) != 0;
                let dow = s.days_of_week & (1 << local.weekday().num_days_from_sunday()) != 0;
                prop_assert!(s.minutes & (1 << local.minute()) != 0);
                prop_assert!(s.hours & (1 << local.hour()) != 0);
                prop_assert!(s.months & (1 << local.month()) != 0);
                let day_ok = if s.dom_star || s.dow_star { dom && dow } else { dom || dow };
                prop_assert!(day_ok);
            }
            t = n;
        }
    }

    /// Dense schedules against the cron loop itself, over two days from a random start before
    /// 2099: the loop reads offsets from chrono-tz, whose tables stop before DST in 2100 (the
    /// host's tzdata, which cronrpc reads, goes on by the zone's rule, as glibc does).
    #[test]
    fn agrees_with_cron_loop(
        minute in field_text(0, 59), hour in field_text(0, 23), start in 0i64..67_800_000, tz in zone_name()
    ) {
        let s = sched(&format!("{minute} {hour} * * *"));
        let to = start + 2 * 24 * 60;
        prop_assert_eq!(chained(&s, tz, start, to), simulate(&s, tz, start, to));
    }
}
