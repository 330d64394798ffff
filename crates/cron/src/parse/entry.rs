//! load_entry up to the end of the schedule: five fields or a macro, assembled into a
//! [`Schedule`].

use super::cursor::{is, show, Cursor};
use super::err;
use super::field::{get_list, SPECS};
use crate::{Expr, Macro, Schedule, ScheduleError};

/// cron.h: MAX_COMMAND (1000).
pub(crate) const MAX_COMMAND: usize = 1000;

/// A schedule as cron read it, with where it ended and the first thing the strict parser
/// objects to although cron accepts it.
pub(crate) struct Scanned {
    pub(crate) schedule: Schedule,
    /// Offset just past the last field or the macro name.
    pub(crate) end: usize,
    /// The character cron holds after the schedule (the blank or newline after it).
    pub(crate) ch: i32,
    pub(crate) lint: Option<ScheduleError>,
}

/// What a scan keeps of the fields' parts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parts {
    /// Every part, as a [`Schedule`] needs them.
    Keep,
    /// None: only where the schedule ends, or why cron refuses it, is wanted (reading the lines
    /// of a crontab), and the fields' parts would be an allocation each for nothing. The
    /// schedule's bit sets are still built.
    Drop,
}

/// load_entry up to the end of the schedule. `ch` is the first useful character of the line.
pub(crate) fn scan_schedule(
    cur: &mut Cursor<'_>,
    ch: i32,
    keep: Parts,
) -> Result<Scanned, ScheduleError> {
    if is(ch, b'@') {
        return scan_macro(cur);
    }
    let mut lint = None;
    let keep = keep == Parts::Keep;
    let (minute, minutes, _, ch) = get_list(cur, &SPECS[0], ch, &mut lint, keep)?;
    let (hour, hours, _, ch) = get_list(cur, &SPECS[1], ch, &mut lint, keep)?;
    let (day_of_month, doms, _, ch) = get_list(cur, &SPECS[2], ch, &mut lint, keep)?;
    let (month, months, _, ch) = get_list(cur, &SPECS[3], ch, &mut lint, keep)?;
    let (day_of_week, dows, end, ch) = get_list(cur, &SPECS[4], ch, &mut lint, keep)?;
    let schedule = Schedule {
        dom_star: day_of_month.star,
        dow_star: day_of_week.star,
        reboot: false,
        minutes,
        hours: hours as u32,
        // cron stores day n and month n at bit n-1; ours are at bit n.
        days_of_month: (doms << 1) as u32,
        months: (months << 1) as u16,
        days_of_week: fold_sunday(dows),
        expr: Expr::Fields {
            minute,
            hour,
            day_of_month,
            month,
            day_of_week,
        },
    };
    Ok(Scanned {
        schedule,
        end,
        ch,
        lint,
    })
}

/// "make sundays equivilent": bit 7 counts as bit 0.
fn fold_sunday(dow: u64) -> u8 {
    let sunday = dow & 0x81 != 0;
    (dow & 0x7e) as u8 | u8::from(sunday)
}

fn scan_macro(cur: &mut Cursor<'_>) -> Result<Scanned, ScheduleError> {
    let (name, ch) = cur.get_string(MAX_COMMAND, b" \t\n");
    let end = cur.at(ch);
    let Some(mac) = Macro::ALL.into_iter().find(|m| m.name().as_bytes() == name) else {
        let shown = show(name);
        let known = Macro::ALL.map(|m| format!("@{}", m.name())).join(", ");
        let reason = if Macro::ALL
            .iter()
            .any(|m| m.name().eq_ignore_ascii_case(&shown))
        {
            format!("unknown macro @{shown} (macros are lowercase: {known})")
        } else {
            format!("unknown macro @{shown} (known macros: {known})")
        };
        return Err(err(None, reason));
    };
    const ALL_HOUR: u32 = (1 << 24) - 1;
    const ALL_DOM: u32 = !1;
    const ALL_MONTH: u16 = 0x1ffe;
    const ALL_DOW: u8 = 0x7f;
    let mut s = Schedule {
        expr: Expr::Macro(mac),
        minutes: 1,
        hours: 1,
        days_of_month: ALL_DOM,
        months: ALL_MONTH,
        days_of_week: ALL_DOW,
        dom_star: false,
        dow_star: false,
        reboot: false,
    };
    match mac {
        Macro::Reboot => {
            s = Schedule {
                minutes: 0,
                hours: 0,
                days_of_month: 0,
                months: 0,
                days_of_week: 0,
                reboot: true,
                ..s
            }
        }
        Macro::Yearly | Macro::Annually => {
            s.days_of_month = 1 << 1;
            s.months = 1 << 1;
            s.dow_star = true;
        }
        Macro::Monthly => {
            s.days_of_month = 1 << 1;
            s.dow_star = true;
        }
        Macro::Weekly => {
            s.days_of_week = 1;
            s.dom_star = true;
        }
        Macro::Daily | Macro::Midnight => {}
        Macro::Hourly => s.hours = ALL_HOUR,
    }
    Ok(Scanned {
        schedule: s,
        end,
        ch,
        lint: None,
    })
}
