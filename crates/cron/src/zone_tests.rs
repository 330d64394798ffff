//! The zone lookups and the tables of offset changes built from them.

use super::*;
use crate::test_support::oracle_tz;
use chrono::{Offset, TimeZone as _};
use proptest::prelude::*;

#[test]
fn names_are_accepted_as_jiffs_database_accepts_them() {
    for good in [
        "America/New_York",
        "UTC",
        "Etc/UTC",
        "US/Eastern",
        "america/new_york",
    ] {
        assert!(lookup_zone(good).is_some(), "{good}");
    }
    for bad in [
        "right/America/New_York",
        "posix/Europe/Berlin",
        "zone.tab",
        "tzdata.zi",
    ] {
        assert!(lookup_zone(bad).is_none(), "{bad}");
    }
    // Every file of the zoneinfo tree's top level, and the odd ones below it: the exact-file
    // shortcut accepts no name the database refuses.
    let mut names: Vec<String> = std::fs::read_dir("/usr/share/zoneinfo")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.extend(
        [
            "right/UTC",
            "posix/UTC",
            "Etc/GMT+5",
            "America/Argentina/Buenos_Aires",
        ]
        .map(String::from),
    );
    for name in &names {
        assert_eq!(
            lookup_zone(name).is_some(),
            jiff::tz::db().get(name).is_ok(),
            "{name}"
        );
    }
}

#[test]
fn a_zone_by_its_exact_name_is_the_databases_zone() {
    let fast = exact_file("Europe/Berlin").unwrap();
    let db = jiff::tz::db().get("Europe/Berlin").unwrap();
    assert_eq!(fast.iana_name(), Some("Europe/Berlin"));
    let start = jiff::Timestamp::from_second(0).unwrap();
    let ours: Vec<_> = fast
        .following(start)
        .take(400)
        .map(|t| (t.timestamp(), t.offset()))
        .collect();
    let theirs: Vec<_> = db
        .following(start)
        .take(400)
        .map(|t| (t.timestamp(), t.offset()))
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn zones_are_shared_and_named_as_asked() {
    let a = Zone::named("Asia/Kathmandu").unwrap();
    let b = Zone::named("Asia/Kathmandu").unwrap();
    assert!(Arc::ptr_eq(&a.0, &b.0));
    assert_eq!(a.to_string(), "Asia/Kathmandu");
    assert_eq!(Zone::utc().name(), "UTC");
    assert!(Zone::named("Mars/Olympus_Mons").is_none());
}

#[test]
fn a_zone_spelt_any_way_is_kept_once_under_its_own_name() {
    let canonical = Zone::named("America/Chicago").unwrap();
    for spelling in [
        "america/chicago",
        "AMERICA/CHICAGO",
        "America/CHICAGO",
        "aMeRiCa/cHiCaGo",
    ] {
        let zone = Zone::named(spelling).unwrap();
        assert!(Arc::ptr_eq(&zone.0, &canonical.0), "{spelling}");
        assert_eq!(zone.name(), "America/Chicago");
    }
}

fn offset_by_table(zone: &Zone, minute: i64) -> i64 {
    zone.table().segment(minute).off
}

proptest! {
    /// The table answers every minute 1900..2100 as the zone's own data does (the offset at the
    /// start of that minute), in zones with every kind of change: DST, half-hour DST (Lord
    /// Howe), Ramadan suspensions (Casablanca), a skipped day (Apia), negative DST (Dublin).
    #[test]
    fn the_table_holds_every_offset(
        minute in -36_816_480i64..68_000_000,
        name in prop::sample::select(vec![
            "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu",
            "America/Sao_Paulo", "Africa/Casablanca", "Pacific/Apia", "Europe/Dublin",
        ]),
    ) {
        let zone = Zone::named(name).unwrap();
        let jiff_off = zone.0.tz.to_offset(jiff::Timestamp::from_second(minute * 60).unwrap()).seconds();
        prop_assert_eq!(offset_by_table(&zone, minute), i64::from(jiff_off).div_euclid(60));
    }

    /// And as chrono-tz's own copy of tzdata does, an independent reading, for zones whose rules
    /// no tzdata release since 1990 has changed: predictions such as Morocco's Ramadan dates
    /// differ from one tzdata release to the next, and old history with the build's options.
    #[test]
    fn the_table_agrees_with_an_independent_copy_of_tzdata(
        minute in 10_519_200i64..67_800_000,
        name in prop::sample::select(vec![
            "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu",
        ]),
    ) {
        let zone = Zone::named(name).unwrap();
        let at = chrono::DateTime::from_timestamp(minute * 60, 0).unwrap();
        let chrono_off = oracle_tz(name).offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc();
        prop_assert_eq!(offset_by_table(&zone, minute), i64::from(chrono_off).div_euclid(60));
    }
}

#[test]
fn a_leap_second_zone_gives_a_table_and_next_runs() {
    // jiff's transition iterator returns one of this file's transitions forever (2027-06-28):
    // building its table once hung any next-run computation, for a host whose /etc/localtime
    // points into `right/`.
    let data = std::fs::read("/usr/share/zoneinfo/right/America/New_York").unwrap();
    let zone = Zone::new(
        "localtime".into(),
        TimeZone::tzif("localtime", &data).unwrap(),
    );
    let schedule = crate::Schedule::parse("0 12 * * *").unwrap();
    let after = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(); // 2027-01-15
    let next = schedule.next_after(after, &zone).unwrap();
    assert_eq!(next.to_rfc3339(), "2027-01-15T17:00:00+00:00");
    // Summer, past the transition the iterator sticks at: still New York's offset.
    let july = chrono::DateTime::from_timestamp(1_814_400_000, 0).unwrap(); // 2027-07-01
    let next = schedule.next_after(july, &zone).unwrap();
    assert_eq!(next.to_rfc3339(), "2027-07-01T16:00:00+00:00");
}
