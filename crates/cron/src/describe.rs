//! English descriptions of schedules, in the style of cronstrue's verbose output ("At 02:00 AM,
//! every day") but true to cron: the day fields are ORed unless one begins with `*` (cronstrue
//! always says "and"), `*/2` in a day field means the odd days of each month, reversed ranges
//! never match, and a weekday range ending in 7 ends on Sunday.
use super::{Expr, Field, FieldName, Macro, Part, Schedule};

const MONTHS: [&str; 13] = [
    "?",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 8] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl Schedule {
    /// A readable English sentence saying when cron runs it, e.g. "At 02:00 AM, every day".
    pub fn describe(&self) -> String {
        let (minute, hour, dom, month, dow) = match &self.expr {
            Expr::Macro(m) => return macro_text(*m).to_string(),
            Expr::Fields {
                minute,
                hour,
                day_of_month,
                month,
                day_of_week,
            } => (minute, hour, day_of_month, month, day_of_week),
        };
        if let Some(reason) = self.never_reason() {
            return format!("Never: {reason}");
        }
        let (minute, hour, dom, month, dow) = (
            norm(minute, 0, 59),
            norm(hour, 0, 23),
            norm(dom, 1, 31),
            norm(month, 1, 12),
            norm(dow, 0, 7),
        );
        let mut out = vec![time_phrase(&minute, &hour)];
        let days = self.day_phrase(&dom, &dow);
        if days != "every day" || !is_all(&hour) {
            out.push(days);
        }
        if !is_all(&month) {
            out.push(month_phrase(&month, self.months));
        }
        let text = out.join(", ");
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    fn never_reason(&self) -> Option<String> {
        let empty = [
            (FieldName::Minute, self.minutes == 0),
            (FieldName::Hour, self.hours == 0),
            (
                FieldName::DayOfMonth,
                self.days_of_month == 0 && (self.dom_star || self.dow_star),
            ),
            (FieldName::Month, self.months == 0),
            (
                FieldName::DayOfWeek,
                self.days_of_week == 0 && (self.dom_star || self.dow_star),
            ),
        ];
        if let Some((field, _)) = empty.iter().find(|(_, e)| *e) {
            return Some(format!(
                "the {} field matches nothing (reversed range)",
                field.as_str()
            ));
        }
        (!self.can_fire()).then(|| "none of the selected months has that day".to_string())
    }

    /// The OR/AND rule of cron.c's find_jobs, decided on the bit sets so that `0-6` or `1-31`
    /// count as "every day" whatever their spelling.
    fn day_phrase(&self, dom: &[Part], dow: &[Part]) -> String {
        let dom_all = self.dom_bits() == 0xffff_fffe;
        let dow_all = self.dow_bits() == 0x7f;
        if self.dom_star || self.dow_star {
            match (dom_all, dow_all) {
                (true, true) => "every day".into(),
                (true, false) => weekdays(dow, self.dow_bits(), "only on ", "and"),
                (false, true) => dom_phrase(dom),
                (false, false) => format!(
                    "{}, and only if it is {}",
                    dom_phrase(dom),
                    weekdays(dow, self.dow_bits(), "a ", "or")
                ),
            }
        } else if dom_all || dow_all {
            "every day".into()
        } else {
            format!(
                "{} or {}",
                dom_phrase(dom),
                weekdays(dow, self.dow_bits(), "on ", "or")
            )
        }
    }
}

fn macro_text(m: Macro) -> &'static str {
    match m {
        Macro::Reboot => "At reboot",
        Macro::Hourly => "Every hour",
        Macro::Daily | Macro::Midnight => "At 12:00 AM, every day",
        Macro::Weekly => "At 12:00 AM, only on Sunday",
        Macro::Monthly => "At 12:00 AM, on day 1 of the month",
        Macro::Yearly | Macro::Annually => "At 12:00 AM, on day 1 of the month, only in January",
    }
}

/// Canonical parts: reversed ranges dropped (they select nothing), one-value ranges and steps
/// that reach a single value turned into values, `*/1` into `*`.
fn norm(field: &Field, lo: u32, hi: u32) -> Vec<Part> {
    let one = |start: u32, end: u32, step: u32| end - start < step.max(1);
    field
        .parts
        .iter()
        .filter_map(|p| match *p {
            Part::Range { start, end, .. } if start > end => None,
            Part::Range { start, end, step } if one(start, end, step) => Some(Part::Value(start)),
            Part::Star { step } if one(lo, hi, step) => Some(Part::Value(lo)),
            Part::Star { step } => Some(Part::Star { step: step.max(1) }),
            ref other => Some(other.clone()),
        })
        .collect()
}

fn is_all(parts: &[Part]) -> bool {
    parts.contains(&Part::Star { step: 1 })
}

fn values(parts: &[Part]) -> Option<Vec<u32>> {
    parts
        .iter()
        .map(|p| {
            if let Part::Value(v) = p {
                Some(*v)
            } else {
                None
            }
        })
        .collect()
}

/// "a and b", "a, b, and c" (`oxford`), or "a, b and c" as cronstrue writes lists of times.
fn join(items: &[String], word: &str, oxford: bool) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} {word} {b}"),
        [rest @ .., last] => {
            format!(
                "{}{} {word} {last}",
                rest.join(", "),
                if oxford { "," } else { "" }
            )
        }
    }
}

fn clock(h: u32, m: u32) -> String {
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    format!("{h12:02}:{m:02} {}", if h < 12 { "AM" } else { "PM" })
}

/// Generic text of one part, for lists mixing values, ranges and steps.
fn part_text(p: &Part, name: &dyn Fn(u32) -> String) -> String {
    match *p {
        Part::Value(v) => name(v),
        Part::Star { step } => format!("every {step}"),
        Part::Range {
            start,
            end,
            step: 1,
        } => format!("{} through {}", name(start), name(end)),
        Part::Range { start, end, step } => {
            format!("every {step} from {} through {}", name(start), name(end))
        }
    }
}

fn list(parts: &[Part], name: &dyn Fn(u32) -> String) -> String {
    let items: Vec<String> = parts.iter().map(|p| part_text(p, name)).collect();
    join(&items, "and", true)
}

fn time_phrase(minute: &[Part], hour: &[Part]) -> String {
    if let (Some(ms), Some(hs)) = (values(minute), values(hour)) {
        if ms.len() * hs.len() <= 6 {
            let mut times: Vec<(u32, u32)> = hs
                .iter()
                .flat_map(|&h| ms.iter().map(move |&m| (h, m)))
                .collect();
            times.sort_unstable();
            times.dedup();
            let texts: Vec<String> = times.iter().map(|&(h, m)| clock(h, m)).collect();
            return format!("at {}", join(&texts, "and", false));
        }
    }
    let zero_only = values(minute).as_deref() == Some(&[0]);
    let hour_steps = matches!(hour, [Part::Star { .. }] | [Part::Range { step: 2.., .. }]);
    let minutes = match minute {
        _ if zero_only && is_all(hour) => return "every hour".into(),
        _ if zero_only && !hour_steps => "every hour".to_string(),
        _ if is_all(minute) => "every minute".to_string(),
        [Part::Star { step }] => format!("every {step} minutes"),
        [Part::Range {
            start,
            end,
            step: 1,
        }] => format!("minutes {start} through {end} past the hour"),
        [Part::Range { start, end, step }] => {
            format!("every {step} minutes, minutes {start} through {end} past the hour")
        }
        _ => format!(
            "at {} minutes past the hour",
            list(minute, &|v| v.to_string())
        ),
    };
    let last_minute = if zero_only { 0 } else { 59 };
    let hours = match hour {
        _ if is_all(hour) => return minutes,
        [Part::Star { step }] => format!("every {step} hours"),
        [Part::Value(h)] => format!("between {} and {}", clock(*h, 0), clock(*h, 59)),
        [Part::Range {
            start,
            end,
            step: 1,
        }] => {
            format!(
                "between {} and {}",
                clock(*start, 0),
                clock(*end, last_minute)
            )
        }
        [Part::Range { start, end, step }] => format!(
            "every {step} hours, between {} and {}",
            clock(*start, 0),
            clock(*end, last_minute)
        ),
        _ => match values(hour) {
            Some(hs) => {
                let texts: Vec<String> = hs.iter().map(|&h| clock(h, 0)).collect();
                format!("during the {} hours", join(&texts, "and", false))
            }
            None => format!("at {}", list(hour, &|h| clock(h, 0))),
        },
    };
    format!("{minutes}, {hours}")
}

fn dom_phrase(dom: &[Part]) -> String {
    match dom {
        [Part::Star { step }] => format!("every {step} days of the month, starting on day 1"),
        [Part::Range {
            start,
            end,
            step: 1,
        }] => format!("between day {start} and {end} of the month"),
        [Part::Range { start, end, step }] => {
            format!("every {step} days, between day {start} and {end} of the month")
        }
        _ => format!("on day {} of the month", list(dom, &|d| d.to_string())),
    }
}

/// Weekdays as a plain range ("Monday through Friday") or spelled out from the bit set, after
/// `lead` ("only on ", "a ", "on ").
fn weekdays(dow: &[Part], bits: u64, lead: &str, word: &str) -> String {
    let name = |d: u32| DAYS.get(d as usize).copied().unwrap_or("?").to_string();
    if let [Part::Range {
        start,
        end,
        step: 1,
    }] = dow
    {
        return format!("{} through {}", name(*start), name(*end));
    }
    let days: Vec<String> = (0..7).filter(|d| bits & (1 << d) != 0).map(name).collect();
    format!("{lead}{}", join(&days, word, true))
}

fn month_phrase(month: &[Part], bits: u16) -> String {
    let name = |m: u32| MONTHS.get(m as usize).copied().unwrap_or("?").to_string();
    match month {
        [Part::Star { step }] => format!("every {step} months"),
        [Part::Range {
            start,
            end,
            step: 1,
        }] => format!("{} through {}", name(*start), name(*end)),
        _ => {
            let months: Vec<String> = (1..=12)
                .filter(|m| bits & (1 << m) != 0)
                .map(name)
                .collect();
            format!("only in {}", join(&months, "and", true))
        }
    }
}
