//! A zone's UTC-offset changes as a sorted table of minutes. Computing cron's behaviour around a
//! time change needs to know where the changes are (next.rs walks the table segment by
//! segment), in whole minutes, and only the changes of offset: tzdata also lists changes of
//! abbreviation or of the DST flag alone, which cron never notices.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The table covers 1900..2101; after it the last offset holds. Before 1900 the only changes
/// are from local mean time, irrelevant to crontabs, and next runs look 12 years ahead at most.
const FIRST_MINUTE: i64 = -2_208_988_800 / 60; // 1900-01-01T00:00Z
const LAST_MINUTE: i64 = 4_133_980_800 / 60; // 2101-01-01T00:00Z
/// Transitions read at most: 1900..2101 has a few hundred even in the busiest zones.
const MAX_STEPS: usize = 20_000;

pub(crate) struct Table {
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

fn minutes(offset: jiff::tz::Offset) -> i64 {
    i64::from(offset.seconds()).div_euclid(60)
}

impl Table {
    /// The table of `tz`, from the transitions its tz database entry lists (a few hundred for a
    /// zone with DST, generated from the entry's POSIX rule past its last listed one).
    pub(crate) fn of(tz: &TimeZone) -> Table {
        let start = Timestamp::from_second(FIRST_MINUTE * 60).expect("1900 is a timestamp");
        let initial = minutes(tz.to_offset(start));
        let mut changes = Vec::new();
        let mut off = initial;
        let mut cursor = start;
        // Bounded, and always moving on: jiff's iterator can return one transition forever (seen
        // with the leap-second `right/` zones), which must not hang a server or a recorder.
        for _ in 0..MAX_STEPS {
            let Some(transition) = tz.following(cursor).next() else {
                break;
            };
            let second = transition.timestamp().as_second();
            cursor = if transition.timestamp() > cursor {
                transition.timestamp()
            } else {
                match Timestamp::from_second(cursor.as_second() + 1) {
                    Ok(next) => next,
                    Err(_) => break,
                }
            };
            // The first whole minute that starts on the new offset (cron looks at minute starts).
            let at = (second + 59).div_euclid(60);
            if at >= LAST_MINUTE {
                break;
            }
            let next_off = minutes(transition.offset());
            if next_off != off && changes.last().is_none_or(|&(last, _)| last < at) {
                changes.push((at, next_off));
                off = next_off;
            }
        }
        Table { initial, changes }
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
