use super::*;
use crate::test_support::{oracle_tz, zone as test_zone};
use chrono::{Offset, TimeZone};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

const ZONES: [&str; 6] = [
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/St_Johns",
];

const SCHEDULES: [&str; 9] = [
    "0 9 * * *",
    "30 2 * * *",
    "*/10 * * * *",
    "45 1 * * 0",
    "7 3 1 * *",
    "@daily",
    "@hourly",
    "15 */2 * * *",
    "59 23 31 12 *",
];

#[test]
fn the_cover_holds_every_fire_in_any_host_zone() {
    // Host offsets by chrono-tz's compiled-in tzdata: independent of the zone tables tested.
    let hosts = [
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Asia/Kathmandu",
        "Australia/Adelaide",
    ]
    .map(oracle_tz);
    for zone in ZONES {
        let entry_zone = test_zone(zone);
        for text in SCHEDULES {
            let schedule = Schedule::parse(text).unwrap();
            let cover = Schedule::parse(&cover(&schedule, CatchUp::None).unwrap()).unwrap();
            assert!(cover.hours == (1 << 24) - 1 && cover.dom_star && cover.dow_star);
            let mut t = at("2026-12-31T00:00:00Z");
            let mut fires = 0;
            while let Some(next) = schedule.next_after(t, &entry_zone) {
                if next > at("2028-01-02T00:00:00Z") || fires > 3000 {
                    break;
                }
                for host in hosts {
                    let off = host
                        .offset_from_utc_datetime(&next.naive_utc())
                        .fix()
                        .local_minus_utc();
                    let local_minute = (next.timestamp() + i64::from(off)).div_euclid(60) % 60;
                    assert!(
                        cover.minute_bits() & (1 << local_minute) != 0,
                        "{text} in {zone}: fire {next} is minute {local_minute} in {host}"
                    );
                }
                assert_eq!(admits(Some(zone), Some(text), next), Decision::RUN);
                t = next;
                fires += 1;
            }
            assert!(fires > 0, "{text} in {zone}");
        }
    }
}

#[test]
fn covers_are_short() {
    assert_eq!(
        cover(&Schedule::parse("0 9 * * *").unwrap(), CatchUp::None).unwrap(),
        "*/15 * * * *"
    );
    assert_eq!(
        cover(&Schedule::parse("*/10 * * * *").unwrap(), CatchUp::None).unwrap(),
        "*/5 * * * *"
    );
    assert_eq!(
        cover(&Schedule::parse("7 * * * *").unwrap(), CatchUp::None).unwrap(),
        "7,22,37,52 * * * *"
    );
    assert_eq!(
        cover(&Schedule::parse("1-3 4 * * *").unwrap(), CatchUp::None).unwrap(),
        "0-3,15-18,30-33,45-48 * * * *"
    );
    assert_eq!(
        cover(&Schedule::parse("@reboot").unwrap(), CatchUp::None),
        None
    );
}

/// Every minute of a span on which the gate says Run, as RFC 3339 UTC.
fn runs(zone: &str, schedule: &str, from: &str, to: &str) -> Vec<String> {
    let (mut t, end) = (at(from), at(to));
    let mut out = Vec::new();
    while t < end {
        // Cron starts jobs in the first seconds of the minute.
        if let Decision::Run { problem } =
            admits(Some(zone), Some(schedule), t + chrono::Duration::seconds(3))
        {
            assert_eq!(problem, None);
            out.push(t.format("%Y-%m-%dT%H:%MZ").to_string());
        }
        t += chrono::Duration::minutes(1);
    }
    out
}

#[test]
fn the_gate_follows_cron_dst_rules_in_the_entry_zone() {
    // New York 2027: 02:00 EST jumps to 03:00 EDT on March 14 (07:00Z).
    assert_eq!(
        runs(
            "America/New_York",
            "30 2 * * *",
            "2027-03-13T00:00:00Z",
            "2027-03-16T00:00:00Z"
        ),
        [
            "2027-03-13T07:30Z",
            "2027-03-14T07:00Z",
            "2027-03-15T06:30Z"
        ]
    );
    // 01:00-02:00 EDT repeats as EST on November 7 (05:00Z-06:00Z EDT, 06:00Z-07:00Z EST).
    assert_eq!(
        runs(
            "America/New_York",
            "30 1 * * *",
            "2027-11-06T00:00:00Z",
            "2027-11-09T00:00:00Z"
        ),
        [
            "2027-11-06T05:30Z",
            "2027-11-07T05:30Z",
            "2027-11-08T06:30Z"
        ]
    );
    // A wildcard hour follows the new wall clock: the repeated 01:15 runs twice.
    assert_eq!(
        runs(
            "America/New_York",
            "15 * * * *",
            "2027-11-07T04:00:00Z",
            "2027-11-07T08:00:00Z"
        ),
        [
            "2027-11-07T04:15Z",
            "2027-11-07T05:15Z",
            "2027-11-07T06:15Z",
            "2027-11-07T07:15Z"
        ]
    );
    // Berlin 2027: 02:00 CET jumps to 03:00 CEST on March 28 (01:00Z).
    assert_eq!(
        runs(
            "Europe/Berlin",
            "0 9 * * *",
            "2027-03-27T00:00:00Z",
            "2027-03-29T00:00:00Z"
        ),
        ["2027-03-27T08:00Z", "2027-03-28T07:00Z"]
    );
    assert_eq!(
        runs(
            "Europe/Berlin",
            "15 2 * * *",
            "2027-03-27T00:00:00Z",
            "2027-03-29T00:00:00Z"
        ),
        ["2027-03-27T01:15Z", "2027-03-28T01:00Z"]
    );
    // October 31: 03:00 CEST falls back to 02:00 CET; 02:30 runs once.
    assert_eq!(
        runs(
            "Europe/Berlin",
            "30 2 * * *",
            "2027-10-30T00:00:00Z",
            "2027-11-01T00:00:00Z"
        ),
        ["2027-10-30T00:30Z", "2027-10-31T00:30Z"]
    );
}

#[test]
fn a_zone_the_host_lacks_falls_back_to_the_host_zone() {
    let t = at("2027-01-05T09:00:10Z");
    match admits(Some("Nowhere/Atlantis"), Some("* * * * *"), t) {
        Decision::Run { problem } => assert!(problem.unwrap().contains("Nowhere/Atlantis")),
        other => panic!("{other:?}"),
    }
    assert_eq!(admits(None, None, t), Decision::RUN);
    assert_eq!(
        admits(Some("Europe/Berlin"), Some("0 9 * * *"), t),
        Decision::Skip
    );
}
