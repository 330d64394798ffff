//! Next start times as Debian's cron computes them, time changes included.
//!
//! How cron.c's main loop treats a change of UTC offset (our reading of it; cron keeps minutes
//! since the epoch of *local* wall-clock time, wakes once per real minute and compares the new
//! local minute `timeRunning` with `virtualTime`, the last local minute it has run jobs for):
//!
//! * `timeDiff == 1`: normal minute, run every job matching it.
//! * `2..=5` (clock jumped ahead by at most 4 minutes): run every job for each skipped local minute
//!   and the new one, all at the new minute.
//! * `6..=180` (e.g. DST starts): wildcard jobs (`*` leading the minute or hour field, and
//!   `@hourly`) run only if they match the new minute; fixed-time jobs run if they match any
//!   skipped minute or the new one. So `30 2 * * *` runs at 03:00 when 02:00 jumps to 03:00, while
//!   `*/10 * * * *` and `30 * * * *` lose the skipped hour.
//! * `-179..=0` (e.g. DST ends): `virtualTime` stays put until the wall clock passes it again;
//!   meanwhile only wildcard jobs run, matching the repeated wall-clock minutes. Fixed-time jobs
//!   run only the first time through the repeated hour.
//! * anything bigger (more than 3 hours either way) is a clock correction: run the jobs matching
//!   the new minute and carry on from there, without catching up or holding back.
//!
//! We assume cron ran without interruption and that offset changes are at least 3 hours apart.
//! In case 2 cron stops catching up if its own work outlasts the minute; we assume it does not.
//! The zone table ends in 2101 and ignores changes before 1900 (see transitions.rs).
use super::transitions::Table;
use super::{Expr, Macro, Schedule};
use chrono::{DateTime, Utc};

const MINUTES_PER_DAY: i64 = 1440;
/// How far ahead to look before answering "never". Every (month, day, weekday) combination
/// except February 29th recurs within 11 years; day-of-month sets that AND with a weekday begin
/// with `*` and so contain day 1, which makes a 29th-of-February-only AND impossible.
const HORIZON_MINUTES: i64 = 12 * 366 * MINUTES_PER_DAY;

/// Days in months 1..=12 of a leap year; `possible_days` uses it.
const MAX_DAYS: [u32; 13] = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

impl Schedule {
    /// [`Schedule::next_after`] (zone.rs) on a zone's table of offset changes.
    pub(crate) fn next_after_in(
        &self,
        after: DateTime<Utc>,
        table: &Table,
    ) -> Option<DateTime<Utc>> {
        if self.reboot || !self.can_fire() {
            return None;
        }
        let fixed = self.is_fixed_time();
        let mut u = after.timestamp().div_euclid(60) + 1;
        let limit = u + HORIZON_MINUTES;
        while u <= limit {
            let seg = table.segment(u);
            if let Some(prev_off) = seg.prev_off {
                let before = seg.start - 1 + prev_off; // virtualTime at the change
                let now = seg.start + seg.off; // timeRunning at the change
                let diff = now - before;
                if diff > 1 && u == seg.start {
                    let catch_up = diff <= 5 || (fixed && diff <= 180);
                    let fires = if catch_up {
                        self.first_local_match(before + 1, now + 1).is_some()
                    } else {
                        self.matches_local(now)
                    };
                    if fires {
                        return utc(u);
                    }
                    u += 1;
                } else if diff <= 0 && diff > -180 && fixed {
                    // Held back until the wall clock is past `before` again.
                    u = u.max(seg.start + (before - now) + 1);
                }
                if u >= seg.end {
                    u = seg.end;
                    continue;
                }
            }
            let end = seg.end.min(limit + 1);
            match self.first_local_match(u + seg.off, end + seg.off) {
                Some(local) => return utc(local - seg.off),
                None => u = end,
            }
        }
        None
    }

    /// Fixed-time jobs get DST catch-up; cron's MIN_STAR/HR_STAR jobs (and `@hourly`) do not.
    pub(crate) fn is_fixed_time(&self) -> bool {
        match &self.expr {
            Expr::Macro(m) => *m != Macro::Hourly,
            Expr::Fields { minute, hour, .. } => !(minute.star || hour.star),
        }
    }

    pub(crate) fn minute_bits(&self) -> u64 {
        self.minutes & ((1 << 60) - 1)
    }

    fn hour_bits(&self) -> u64 {
        u64::from(self.hours) & ((1 << 24) - 1)
    }

    fn month_bits(&self) -> u64 {
        u64::from(self.months) & 0x1ffe
    }

    pub(crate) fn dom_bits(&self) -> u64 {
        u64::from(self.days_of_month) & 0xffff_fffe
    }

    pub(crate) fn dow_bits(&self) -> u64 {
        // Tolerate an unfolded 7 (Sunday) from a lenient parse.
        u64::from(self.days_of_week | (self.days_of_week >> 7)) & 0x7f
    }

    /// False when no field combination can ever match, so "never" costs no search.
    pub(crate) fn can_fire(&self) -> bool {
        if self.minute_bits() == 0 || self.hour_bits() == 0 || self.month_bits() == 0 {
            return false;
        }
        let possible_days = (1..=12)
            .filter(|m| self.month_bits() & (1 << m) != 0)
            .fold(0u64, |acc, m| acc | day_range(MAX_DAYS[m]));
        let dom_ok = self.dom_bits() & possible_days != 0;
        let dow_ok = self.dow_bits() != 0;
        if self.dom_star || self.dow_star {
            dom_ok && dow_ok
        } else {
            dom_ok || dow_ok
        }
    }

    /// Days (bit n = day n) of the month on which cron runs the job: the dom/dow rule of
    /// cron.c's find_jobs — AND when either field began with `*`, OR otherwise.
    fn day_mask(&self, year: i64, month: u32) -> u64 {
        let first_wday = weekday(days_from_civil(year, month, 1));
        let dow = self.dow_bits();
        let mut by_weekday = 0u64;
        for k in 0..7 {
            if dow & (1 << ((first_wday + k) % 7)) != 0 {
                // Days k+1, k+8, k+15, k+22, k+29.
                by_weekday |= 0x1020_4081 << (k + 1);
            }
        }
        let days = if self.dom_star || self.dow_star {
            self.dom_bits() & by_weekday
        } else {
            self.dom_bits() | by_weekday
        };
        days & day_range(days_in_month(year, month))
    }

    fn matches_local(&self, local: i64) -> bool {
        self.first_local_match(local, local + 1).is_some()
    }

    /// The first local wall-clock minute in `from..end` (minutes since 1970-01-01T00:00 local)
    /// matching the schedule. Skips whole months, days and hours using the bit sets.
    fn first_local_match(&self, from: i64, end: i64) -> Option<i64> {
        let (mut y, mut m, mut d) = civil_from_days(from.div_euclid(MINUTES_PER_DAY));
        let time = from.rem_euclid(MINUTES_PER_DAY) as u32;
        let (mut h, mut mi) = (time / 60, time % 60);
        loop {
            if days_from_civil(y, m, d) * MINUTES_PER_DAY + i64::from(h * 60 + mi) >= end {
                return None;
            }
            let Some(month) = lowest_from(self.month_bits(), m) else {
                (y, m, d, h, mi) = (y + 1, 1, 1, 0, 0);
                continue;
            };
            if month != m {
                (m, d, h, mi) = (month, 1, 0, 0);
                continue; // re-check the bound
            }
            let Some(day) = lowest_from(self.day_mask(y, m), d) else {
                (m, d, h, mi) = (m + 1, 1, 0, 0);
                if m > 12 {
                    (y, m) = (y + 1, 1);
                }
                continue;
            };
            if day != d {
                (d, h, mi) = (day, 0, 0);
                continue;
            }
            let Some(hour) = lowest_from(self.hour_bits(), h) else {
                (d, h, mi) = (d + 1, 0, 0);
                continue;
            };
            if hour != h {
                (h, mi) = (hour, 0);
                continue;
            }
            let Some(minute) = lowest_from(self.minute_bits(), mi) else {
                (h, mi) = (h + 1, 0);
                continue;
            };
            let t = days_from_civil(y, m, d) * MINUTES_PER_DAY + i64::from(h * 60 + minute);
            return (t < end).then_some(t);
        }
    }
}

fn utc(minute: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(minute.checked_mul(60)?, 0)
}

/// The lowest set bit at position `n` or above.
fn lowest_from(bits: u64, n: u32) -> Option<u32> {
    let rest = bits.checked_shr(n)?.checked_shl(n)?;
    (rest != 0).then(|| rest.trailing_zeros())
}

/// Bits 1..=days.
fn day_range(days: u32) -> u64 {
    ((1u64 << (days + 1)) - 1) & !1
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    if m == 2 && !is_leap(y) {
        28
    } else {
        MAX_DAYS[m as usize]
    }
}

/// Sunday = 0, as cron numbers weekdays; day 0 (1970-01-01) was a Thursday.
fn weekday(days: i64) -> u32 {
    (days + 4).rem_euclid(7) as u32
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). Linear in `d`,
/// so a day past the month's end lands in the next month.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
