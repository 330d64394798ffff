//! Test-only helpers: a small schedule builder (independent of the parser being written in
//! parse.rs) and a minute-by-minute transcription of cron.c's main loop to check `next_after`.

use super::{Expr, Field, Macro, Part, Schedule};
use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn value(text: &str, names: &[&str], base: u32) -> u32 {
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(text))
        .map(|i| i as u32 + base)
        .unwrap_or_else(|| {
            text.parse()
                .unwrap_or_else(|_| panic!("bad value {text:?}"))
        })
}

fn field(text: &str, lo: u32, hi: u32, names: &[&str], base: u32) -> (Field, u64) {
    let mut parts = Vec::new();
    let mut bits = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse().unwrap()),
            None => (item, 1),
        };
        let (part, start, end) = if range == "*" {
            (Part::Star { step }, lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (value(a, names, base), value(b, names, base));
            (
                Part::Range {
                    start: a,
                    end: b,
                    step,
                },
                a,
                b,
            )
        } else {
            let v = value(range, names, base);
            (Part::Value(v), v, v)
        };
        let mut v = start;
        while v <= end {
            bits |= 1 << v;
            v += step;
        }
        parts.push(part);
    }
    (
        Field {
            parts,
            star: text.starts_with('*'),
        },
        bits,
    )
}

/// Builds a schedule the way cron's entry.c does (numbers, names, lists, ranges, steps, macros).
pub(crate) fn sched(text: &str) -> Schedule {
    if let Some(name) = text.strip_prefix('@') {
        let m = *Macro::ALL.iter().find(|m| m.name() == name).expect("macro");
        let (fields, dom_star, dow_star) = match m {
            Macro::Reboot => ("0 0 1 1 0", false, false),
            Macro::Yearly | Macro::Annually => ("0 0 1 1 *", false, true),
            Macro::Monthly => ("0 0 1 * *", false, true),
            Macro::Weekly => ("0 0 * * 0", true, false),
            Macro::Daily | Macro::Midnight => ("0 0 1-31 * 0-6", false, false),
            Macro::Hourly => ("0 * 1-31 * 0-6", false, false),
        };
        let mut s = sched(fields);
        s.expr = Expr::Macro(m);
        s.dom_star = dom_star;
        s.dow_star = dow_star;
        s.reboot = m == Macro::Reboot;
        return s;
    }
    let f: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(f.len(), 5, "{text}");
    let (minute, minutes) = field(f[0], 0, 59, &[], 0);
    let (hour, hours) = field(f[1], 0, 23, &[], 0);
    let (day_of_month, dom) = field(f[2], 1, 31, &[], 0);
    let (month, months) = field(f[3], 1, 12, &MONTHS, 1);
    let (day_of_week, dow) = field(f[4], 0, 7, &DAYS, 0);
    Schedule {
        dom_star: day_of_month.star,
        dow_star: day_of_week.star,
        expr: Expr::Fields {
            minute,
            hour,
            day_of_month,
            month,
            day_of_week,
        },
        minutes,
        hours: hours as u32,
        days_of_month: dom as u32,
        months: months as u16,
        days_of_week: ((dow | (dow >> 7)) & 0x7f) as u8,
        reboot: false,
    }
}

pub(crate) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// The zone named `name` from the host's tz database, as cronrpc reads it.
pub(crate) fn zone(name: &str) -> crate::Zone {
    crate::Zone::named(name).unwrap_or_else(|| panic!("{name} is not in the host's tz database"))
}

/// The zone named `name` from chrono-tz's compiled-in copy of tzdata: the tests' second,
/// independent reading of a zone's offsets (cronrpc itself reads the host's database by jiff).
pub(crate) fn oracle_tz(name: &str) -> Tz {
    name.parse()
        .unwrap_or_else(|_| panic!("{name} is not in chrono-tz"))
}

fn local_minute(tz: Tz, utc_minute: i64) -> i64 {
    let t = DateTime::from_timestamp(utc_minute * 60, 0)
        .unwrap()
        .naive_utc();
    let off = tz.offset_from_utc_datetime(&t).fix().local_minus_utc();
    utc_minute + i64::from(off).div_euclid(60)
}

/// Whether `find_jobs` would match local minute `l` (minutes since 1970 in local time).
fn matches(s: &Schedule, l: i64) -> bool {
    let t = DateTime::from_timestamp(l * 60, 0).unwrap().naive_utc();
    use chrono::{Datelike, Timelike};
    let (mi, h, d, mo, wd) = (
        t.minute(),
        t.hour(),
        t.day(),
        t.month(),
        t.weekday().num_days_from_sunday(),
    );
    let dom = s.days_of_month & (1 << d) != 0;
    let dow = s.days_of_week & (1 << wd) != 0;
    s.minutes & (1 << mi) != 0
        && s.hours & (1 << h) != 0
        && s.months & (1 << mo) != 0
        && if s.dom_star || s.dow_star {
            dom && dow
        } else {
            dom || dow
        }
}

/// UTC minutes in `(from, to]` at which cron.c's main loop, started at `from`, runs the job:
/// a direct transcription (wakeupKind cases and all), one real minute per iteration.
pub(crate) fn simulate(s: &Schedule, zone: &str, from: i64, to: i64) -> Vec<i64> {
    let tz = oracle_tz(zone);
    let wild = match &s.expr {
        Expr::Macro(m) => *m == Macro::Hourly,
        Expr::Fields { minute, hour, .. } => minute.star || hour.star,
    };
    let runs = |vt: i64, do_wild: bool, do_non_wild: bool| {
        matches(s, vt) && ((do_non_wild && !wild) || (do_wild && wild))
    };
    let mut out = Vec::new();
    let mut virtual_time = local_minute(tz, from);
    for u in from + 1..=to {
        let time_running = local_minute(tz, u);
        let diff = time_running - virtual_time;
        let mut fired = false;
        if diff == 1 {
            virtual_time = time_running;
            fired = runs(virtual_time, true, true);
        } else if diff > 0 && diff <= 5 {
            while virtual_time < time_running {
                virtual_time += 1;
                fired |= runs(virtual_time, true, true);
            }
        } else if diff > 5 && diff <= 180 {
            fired = runs(time_running, true, false);
            while virtual_time < time_running {
                virtual_time += 1;
                fired |= runs(virtual_time, false, true);
            }
        } else if diff > -180 && diff <= 0 {
            fired = runs(time_running, true, false);
        } else {
            virtual_time = time_running;
            fired = runs(time_running, true, true);
        }
        if fired {
            out.push(u);
        }
    }
    out
}
