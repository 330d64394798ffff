//! One time field: entry.c's get_list, get_range, get_number and set_element, with the
//! field specs (bounds and names) they read against.

use super::cursor::{is, is_blank, show, show_ch, Cursor, EOF, NL};
use super::err;
use crate::{Field, FieldName, Part, ScheduleError};

/// cron.h: MAX_TEMPSTR (1000).
const MAX_TEMPSTR: usize = 1000;

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DOW_NAMES: [&str; 8] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

pub(super) struct Spec {
    name: FieldName,
    low: i32,
    high: i32,
    names: Option<&'static [&'static str]>,
}

pub(super) const SPECS: [Spec; 5] = [
    Spec {
        name: FieldName::Minute,
        low: 0,
        high: 59,
        names: None,
    },
    Spec {
        name: FieldName::Hour,
        low: 0,
        high: 23,
        names: None,
    },
    Spec {
        name: FieldName::DayOfMonth,
        low: 1,
        high: 31,
        names: None,
    },
    Spec {
        name: FieldName::Month,
        low: 1,
        high: 12,
        names: Some(&MONTH_NAMES),
    },
    Spec {
        name: FieldName::DayOfWeek,
        low: 0,
        high: 7,
        names: Some(&DOW_NAMES),
    },
];

/// get_list: `range {"," range}`, then whatever cron skips up to the next blank. The parts
/// are kept only when `keep` (see `entry::Parts`).
pub(super) fn get_list(
    cur: &mut Cursor<'_>,
    spec: &Spec,
    mut ch: i32,
    lint: &mut Option<ScheduleError>,
    keep: bool,
) -> Result<(Field, u64, usize, i32), ScheduleError> {
    let start = cur.at(ch);
    let star = is(ch, b'*');
    let mut parts = Vec::new();
    let mut bits = 0u64;
    if ch == NL || ch == EOF {
        return Err(err(
            Some(spec.name),
            "missing (expected 5 fields: minute hour day-of-month month day-of-week)",
        ));
    }
    loop {
        let (part, next) = get_range(cur, spec, ch, &mut bits, lint)?;
        if keep {
            parts.push(part);
        }
        ch = next;
        if is(ch, b',') {
            ch = cur.get_char();
        } else {
            break;
        }
    }
    let junk = cur.at(ch);
    ch = cur.skip_nonblanks(ch);
    let end = cur.at(ch);
    if junk < end && lint.is_none() {
        *lint = Some(err(
            Some(spec.name),
            format!(
                "unexpected characters '{}' after '{}'",
                show(cur.slice(junk, end)),
                show(cur.slice(start, junk))
            ),
        ));
    }
    ch = cur.skip_blanks(ch);
    Ok((Field { parts, star }, bits, end, ch))
}

/// get_range: `number | number "-" number ["/" number]`, or `*` with an optional step.
fn get_range(
    cur: &mut Cursor<'_>,
    spec: &Spec,
    mut ch: i32,
    bits: &mut u64,
    lint: &mut Option<ScheduleError>,
) -> Result<(Part, i32), ScheduleError> {
    let field = Some(spec.name);
    let start = cur.at(ch);
    let (num1, num2, star);
    if is(ch, b'*') {
        (num1, num2, star) = (spec.low, spec.high, true);
        ch = cur.get_char();
    } else {
        star = false;
        let (n, next) = get_number(cur, spec, spec.low, spec.names, ch, lint)?;
        num1 = n;
        ch = next;
        if !is(ch, b'-') {
            if is(ch, b'/') {
                return Err(err(
                    field,
                    format!(
                        "a step needs a range: write */N or A-B/N, not {}/N",
                        show(cur.slice(start, cur.at(ch)))
                    ),
                ));
            }
            set_element(spec, bits, num1, || show(cur.slice(start, cur.at(ch))))?;
            return Ok((Part::Value(num1 as u32), ch));
        }
        ch = cur.get_char();
        let (n, next) = get_number(cur, spec, spec.low, spec.names, ch, lint)?;
        num2 = n;
        ch = next;
    }
    let step = if is(ch, b'/') {
        ch = cur.get_char();
        let step_spec = Spec {
            low: 0,
            names: None,
            ..*spec
        };
        let (n, next) = get_number(cur, &step_spec, 0, None, ch, lint)?;
        ch = next;
        if n <= 0 {
            return Err(err(field, "step must be at least 1"));
        }
        n
    } else {
        1
    };
    let text = || show(cur.slice(start, cur.at(ch)));
    for n in [num1, num2] {
        if n < spec.low || n > spec.high {
            return Err(err(
                field,
                format!("{} is out of range {}-{}", n, spec.low, spec.high),
            ));
        }
    }
    if num1 > num2 && lint.is_none() {
        *lint = Some(err(field, format!("reversed range {} never fires", text())));
    }
    if step == 1 && num1 <= num2 {
        // Every value of an in-range run: one mask instead of a set_element per value (this
        // runs for every job line of every crontab read).
        let width = (num2 - num1 + 1) as u32;
        *bits |= (u64::MAX >> (64 - width)) << (num1 - spec.low);
    } else {
        // C int arithmetic: a huge step wraps negative and fails set_element, as in cron.
        let mut i = num1;
        while i <= num2 {
            set_element(spec, bits, i, text)?;
            i = i.wrapping_add(step);
        }
    }
    let part = if star {
        Part::Star { step: step as u32 }
    } else {
        Part::Range {
            start: num1 as u32,
            end: num2 as u32,
            step: step as u32,
        }
    };
    Ok((part, ch))
}

/// get_number: a run of alphanumerics, either a name from `names` (any case) or digits.
fn get_number(
    cur: &mut Cursor<'_>,
    spec: &Spec,
    low: i32,
    names: Option<&[&str]>,
    mut ch: i32,
    lint: &mut Option<ScheduleError>,
) -> Result<(i32, i32), ScheduleError> {
    let field = Some(spec.name);
    let start = cur.at(ch);
    while u8::try_from(ch).is_ok_and(|b| b.is_ascii_alphanumeric()) {
        if cur.at(ch) + 1 - start >= MAX_TEMPSTR {
            return Err(err(field, "value is too long"));
        }
        ch = cur.get_char();
    }
    let token = cur.slice(start, cur.at(ch));
    if token.is_empty() {
        let reason = match names {
            None => "a number",
            Some(_) if spec.name == FieldName::Month => "a number or month name",
            Some(_) => "a number or weekday name",
        };
        let after_comma = start > 0 && cur.slice(start - 1, start) == b",";
        if after_comma || is(ch, b',') {
            return Err(err(
                field,
                "empty element in the list (remove the extra ',')",
            ));
        }
        let found = if ch == NL || ch == EOF || is_blank(ch) {
            "nothing".to_string()
        } else {
            format!("'{}'", show_ch(ch))
        };
        return Err(err(field, format!("expected {reason}, found {found}")));
    }
    let text = String::from_utf8_lossy(token);
    if let Some(names) = names {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(&text)) {
            return Ok((i as i32 + low, ch));
        }
    }
    if token.iter().all(u8::is_ascii_digit) {
        // atoi() is (int) strtol(): saturates at LONG_MAX, then truncates to int.
        let long = token.iter().fold(0i64, |acc, &d| {
            acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
        let value = long as i32;
        if i64::from(value) != long && lint.is_none() {
            *lint = Some(err(
                field,
                format!("{text} is out of range {}-{}", spec.low, spec.high),
            ));
        }
        return Ok((value, ch));
    }
    Err(err(field, not_a_name(spec, names, &text)))
}

fn not_a_name(spec: &Spec, names: Option<&[&str]>, text: &str) -> String {
    let Some(names) = names else {
        return format!("'{text}' is not a number");
    };
    let kind = if spec.name == FieldName::Month {
        "month"
    } else {
        "weekday"
    };
    let prefix = text.get(..3).unwrap_or("");
    match names.iter().position(|n| n.eq_ignore_ascii_case(prefix)) {
        Some(i) => format!(
            "'{text}' is not a {kind} name (use {}, or {})",
            names[i].to_ascii_lowercase(),
            i as i32 + spec.low
        ),
        None => format!("'{text}' is not a number or {kind} name"),
    }
}

fn set_element(
    spec: &Spec,
    bits: &mut u64,
    n: i32,
    text: impl Fn() -> String,
) -> Result<(), ScheduleError> {
    if n < spec.low || n > spec.high {
        return Err(err(
            Some(spec.name),
            format!("{} is out of range {}-{}", text(), spec.low, spec.high),
        ));
    }
    *bits |= 1 << (n - spec.low);
    Ok(())
}
