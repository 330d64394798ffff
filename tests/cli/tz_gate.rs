//! The time-zone gate of installed job lines: each line run the way cron runs it, at chosen
//! instants under a faked clock (libfaketime), in winter, summer and across both DST changes of
//! 2027 in two zones; the command must run exactly at the entry's fire times.

use crate::harness::{faked, Server};
use crate::policies::{create, job_line};
use serde_json::json;

/// The command part of a job line, as cron hands it to the shell (`\%` is `%`; the tests'
/// commands have no other escapes).
fn command_of(line: &str) -> (String, String) {
    let mut rest = line;
    let mut fields = Vec::new();
    for _ in 0..5 {
        let (field, tail) = rest.split_once(' ').unwrap();
        fields.push(field);
        rest = tail;
    }
    (fields[0].to_owned(), rest.replace("\\%", "%"))
}

/// The minutes a minute field (as a cover writes it) matches.
fn minutes(field: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse().unwrap()),
            None => (part, 1),
        };
        let (lo, hi) = match range {
            "*" => (0, 59),
            r => match r.split_once('-') {
                Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                None => (r.parse().unwrap(), r.parse().unwrap()),
            },
        };
        out.extend((lo..=hi).step_by(step));
    }
    out
}

/// Runs the entry's installed line the way cron does in a UTC host, at every minute of the
/// `windows` (from, to) its schedule matches, each under a faked clock, and returns the minutes
/// at which the command itself ran.
fn fires(zone: &str, schedule: &str, windows: &[(&str, &str)]) -> Vec<String> {
    let mut server = Server::spool();
    let out = tempfile::NamedTempFile::new().unwrap();
    let entry = create(
        &mut server,
        json!({"timezone": zone, "schedule": schedule,
               "command": format!("date -u +%Y-%m-%dT%H:%MZ >> {}", out.path().display())}),
    );
    let line = job_line(&server, entry["id"].as_str().unwrap());
    let (minute_field, command) = command_of(&line);
    let matches = minutes(&minute_field);
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp();
    for (from, to) in windows {
        let (mut t, end) = (parse(from), parse(to));
        while t < end {
            let minute = u32::try_from((t / 60) % 60).unwrap();
            if matches.contains(&minute) {
                // cron starts jobs in the first seconds of the minute.
                let at = chrono::DateTime::from_timestamp(t + 2, 0).unwrap();
                let status = faked("/bin/sh", &at.format("@%Y-%m-%d %H:%M:%S").to_string())
                    .args(["-c", &command])
                    .env("TZ", "UTC")
                    .status()
                    .expect("sh runs");
                assert!(status.success(), "{command} at {at}");
            }
            t += 60;
        }
    }
    std::fs::read_to_string(out.path())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn installed_lines_fire_at_the_zone_fire_times_across_dst_in_new_york() {
    // Winter (EST, UTC-5) and summer (EDT, UTC-4).
    assert_eq!(
        fires(
            "America/New_York",
            "0 9 * * *",
            &[
                ("2027-01-14T11:00:00Z", "2027-01-14T17:00:00Z"),
                ("2027-07-14T11:00:00Z", "2027-07-14T17:00:00Z")
            ]
        ),
        ["2027-01-14T14:00Z", "2027-07-14T13:00Z"]
    );
    // March 14: 02:00 EST jumps to 03:00 EDT; the skipped 02:30 runs once, at 03:00.
    assert_eq!(
        fires(
            "America/New_York",
            "30 2 * * *",
            &[
                ("2027-03-13T06:00:00Z", "2027-03-13T09:00:00Z"),
                ("2027-03-14T05:00:00Z", "2027-03-14T10:00:00Z")
            ]
        ),
        ["2027-03-13T07:30Z", "2027-03-14T07:00Z"]
    );
    // November 7: 01:00-02:00 repeats; the fixed 01:30 runs once, `*` hours follow the clock.
    assert_eq!(
        fires(
            "America/New_York",
            "30 1 * * *",
            &[("2027-11-07T04:00:00Z", "2027-11-07T08:00:00Z")]
        ),
        ["2027-11-07T05:30Z"]
    );
    assert_eq!(
        fires(
            "America/New_York",
            "45 * * * *",
            &[("2027-11-07T04:00:00Z", "2027-11-07T08:00:00Z")]
        ),
        [
            "2027-11-07T04:45Z",
            "2027-11-07T05:45Z",
            "2027-11-07T06:45Z",
            "2027-11-07T07:45Z"
        ]
    );
}

#[test]
fn installed_lines_fire_at_the_zone_fire_times_across_dst_in_berlin() {
    // Winter (CET, UTC+1) on a Friday and a Saturday, summer (CEST, UTC+2).
    assert_eq!(
        fires(
            "Europe/Berlin",
            "15 9 * * 1-5",
            &[
                ("2027-01-15T06:00:00Z", "2027-01-15T10:00:00Z"),
                ("2027-01-16T06:00:00Z", "2027-01-16T10:00:00Z"),
                ("2027-07-16T05:00:00Z", "2027-07-16T09:00:00Z")
            ]
        ),
        ["2027-01-15T08:15Z", "2027-07-16T07:15Z"]
    );
    // March 28: 02:00 CET jumps to 03:00 CEST; a fixed time in the gap runs at 03:00, once.
    let spring = [("2027-03-28T00:00:00Z", "2027-03-28T03:00:00Z")];
    assert_eq!(
        fires("Europe/Berlin", "15 2 * * *", &spring),
        ["2027-03-28T01:00Z"]
    );
    assert_eq!(
        fires("Europe/Berlin", "0,30 2 * * *", &spring),
        ["2027-03-28T01:00Z"]
    );
    // October 31: 03:00 CEST falls back to 02:00 CET; 02:30 runs the first time only.
    assert_eq!(
        fires(
            "Europe/Berlin",
            "30 2 * * *",
            &[("2027-10-30T23:00:00Z", "2027-10-31T03:00:00Z")]
        ),
        ["2027-10-31T00:30Z"]
    );
}
