//! Schedules cron accepts that likely do not mean what they seem to.

use super::{Expr, Field, FieldName, Part, Schedule};
use crate::warning::{Warning, WarningCode};

/// Warnings for a schedule as it stands in a crontab (read leniently, as cron reads it).
pub fn for_text(schedule: &str) -> Vec<Warning> {
    Schedule::parse_lenient(schedule)
        .map(|s| for_schedule(&s))
        .unwrap_or_default()
}

pub fn for_schedule(schedule: &Schedule) -> Vec<Warning> {
    let Expr::Fields {
        minute,
        hour,
        day_of_month,
        month,
        day_of_week,
    } = &schedule.expr
    else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    if !schedule.dom_star && !schedule.dow_star {
        warnings.push(Warning::new(
            WarningCode::DomDowOr,
            "day-of-month and day-of-week are both restricted, so cron runs it on every day \
             that matches either one, not only on days that match both",
        ));
    }
    let fields = [minute, hour, day_of_month, month, day_of_week];
    for (name, field) in FieldName::ALL.into_iter().zip(fields) {
        warnings.extend(large_steps(name, field));
    }
    warnings
}

/// How many values a `*` covers, and the period the field repeats in.
fn span(name: FieldName) -> (u32, &'static str) {
    match name {
        FieldName::Minute => (60, "an hour"),
        FieldName::Hour => (24, "a day"),
        FieldName::DayOfMonth => (31, "a month"),
        FieldName::Month => (12, "a year"),
        // 0 and 7 are both Sunday.
        FieldName::DayOfWeek => (7, "a week"),
    }
}

fn large_steps(name: FieldName, field: &Field) -> impl Iterator<Item = Warning> + '_ {
    let (size, period) = span(name);
    let (low, _) = name.bounds();
    field.parts.iter().filter_map(move |part| {
        let (text, first, width, step) = match *part {
            Part::Star { step } => (format!("*/{step}"), low, size, step),
            Part::Range { start, end, step } if end >= start => (
                format!("{start}-{end}/{step}"),
                start,
                end - start + 1,
                step,
            ),
            _ => return None,
        };
        (step > 1 && step >= width).then(|| {
            Warning::new(
                WarningCode::StepTooLarge,
                format!(
                    "{text} in the {} field fires once {period} (at {first}), not every {step}: \
                     a step only counts within the field's range",
                    name.as_str()
                ),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(schedule: &str) -> Vec<WarningCode> {
        for_text(schedule).into_iter().map(|w| w.code).collect()
    }

    #[test]
    fn day_fields_or_only_when_neither_begins_with_a_star() {
        assert_eq!(codes("0 0 1 * 1"), [WarningCode::DomDowOr]);
        assert!(
            codes("0 0 */2 * 1").is_empty(),
            "a star-led day field is unrestricted"
        );
        assert!(codes("0 0 1 * *").is_empty());
        assert!(codes("@daily").is_empty());
    }

    #[test]
    fn steps_as_large_as_their_range() {
        assert_eq!(codes("*/90 * * * *"), [WarningCode::StepTooLarge]);
        assert_eq!(codes("*/60 * * * *"), [WarningCode::StepTooLarge]);
        assert_eq!(codes("0 */24 * * *"), [WarningCode::StepTooLarge]);
        assert_eq!(codes("0 0 * * */7"), [WarningCode::StepTooLarge]);
        assert_eq!(codes("10-20/15 * * * *"), [WarningCode::StepTooLarge]);
        assert!(codes("*/59 * * * *").is_empty());
        assert!(codes("*/30 */12 * * *").is_empty());
        let message = &for_text("*/90 * * * *")[0].message;
        assert!(message.contains("once an hour"), "{message}");
    }
}
