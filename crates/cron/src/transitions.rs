//! A zone's UTC-offset changes as a sorted table. chrono-tz only answers "what is the offset at
//! this instant" and keeps its transition list private, yet computing cron's behaviour around a
//! time change needs to know where the changes are without probing every minute.

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::{Tz, TZ_VARIANTS};
use std::sync::OnceLock;

/// The table covers 1900..2101: chrono-tz has no transitions after 2100, and before 1900 the only
/// changes are from local mean time, irrelevant to crontabs.
const FIRST_MINUTE: i64 = -2_208_988_800 / 60; // 1900-01-01T00:00Z
const LAST_MINUTE: i64 = 4_133_980_800 / 60; // 2101-01-01T00:00Z
/// Probing step: a week keeps building a zone's table near 10,000 probes (a daily step cost
/// several milliseconds of every cold start). Two changes less than a week apart would be
/// missed; tzdata has such pairs only in a few wartime and pre-1980 oddities, and a DST
/// season (or even a Ramadan suspension of DST) is always longer.
const STEP: i64 = 7 * 24 * 60;

pub(crate) struct Zone {
    initial: i64,
    /// (first UTC minute with the new offset, new offset in minutes), ascending.
    changes: Vec<(i64, i64)>,
}

/// The stretch of UTC minutes `start..end` over which the offset is constant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub start: i64,
    pub end: i64,
    /// Offset (minutes) in this segment: local minute = UTC minute + `off`.
    pub off: i64,
    /// Offset before `start`, when `start` is a change of offset.
    pub prev_off: Option<i64>,
}

fn offset_minutes(tz: Tz, utc_minute: i64) -> i64 {
    let Some(t) = DateTime::from_timestamp(utc_minute * 60, 0) else {
        return 0;
    };
    let secs = tz
        .offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc();
    i64::from(secs).div_euclid(60)
}

/// The offset (minutes) of a zone from the host's tz database at UTC minute `utc_minute`.
fn system_offset_minutes(tz: &jiff::tz::TimeZone, utc_minute: i64) -> i64 {
    jiff::Timestamp::from_second(utc_minute * 60)
        .map(|t| i64::from(tz.to_offset(t).seconds()).div_euclid(60))
        .unwrap_or(0)
}

impl Zone {
    /// The table of a zone read from the host's tz database (see `zone::Rules`).
    pub(crate) fn of_system(tz: &jiff::tz::TimeZone) -> Zone {
        Zone::build(|minute| system_offset_minutes(tz, minute))
    }

    fn build(offset_minutes: impl Fn(i64) -> i64) -> Zone {
        let initial = offset_minutes(FIRST_MINUTE);
        let mut changes = Vec::new();
        let (mut t, mut off) = (FIRST_MINUTE, initial);
        while t < LAST_MINUTE {
            let next = t + STEP;
            let next_off = offset_minutes(next);
            if next_off != off {
                // Binary search for the first minute with the new offset.
                let (mut lo, mut hi) = (t, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_minutes(mid) == off {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                changes.push((hi, next_off));
                off = next_off;
            }
            t = next;
        }
        Zone { initial, changes }
    }

    /// The segment holding UTC minute `u`.
    pub(crate) fn segment(&self, u: i64) -> Segment {
        let i = self.changes.partition_point(|&(at, _)| at <= u);
        let end = self.changes.get(i).map_or(i64::MAX, |&(at, _)| at);
        if i == 0 {
            return Segment {
                start: i64::MIN,
                end,
                off: self.initial,
                prev_off: None,
            };
        }
        let (start, off) = self.changes[i - 1];
        let prev_off = if i >= 2 {
            self.changes[i - 2].1
        } else {
            self.initial
        };
        Segment {
            start,
            end,
            off,
            prev_off: Some(prev_off),
        }
    }
}

/// The table for `tz`, built on first use (about a millisecond) and kept for the process.
pub(crate) fn zone(tz: Tz) -> &'static Zone {
    static ZONES: [OnceLock<Zone>; TZ_VARIANTS.len()] =
        [const { OnceLock::new() }; TZ_VARIANTS.len()];
    ZONES[tz as usize].get_or_init(|| Zone::build(|minute| offset_minutes(tz, minute)))
}
