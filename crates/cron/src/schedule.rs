//! The parsed form of a cron schedule: the syntax tree (for describing it) and the bit sets cron
//! itself builds from it (for matching times).

use std::fmt;

/// Which of the five fields an error or a description is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldName {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl FieldName {
    pub const ALL: [FieldName; 5] = [
        FieldName::Minute,
        FieldName::Hour,
        FieldName::DayOfMonth,
        FieldName::Month,
        FieldName::DayOfWeek,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::Minute => "minute",
            FieldName::Hour => "hour",
            FieldName::DayOfMonth => "day-of-month",
            FieldName::Month => "month",
            FieldName::DayOfWeek => "day-of-week",
        }
    }

    /// The inclusive range cron accepts for the field (day-of-week allows 7 for Sunday).
    pub fn bounds(self) -> (u32, u32) {
        match self {
            FieldName::Minute => (0, 59),
            FieldName::Hour => (0, 23),
            FieldName::DayOfMonth => (1, 31),
            FieldName::Month => (1, 12),
            FieldName::DayOfWeek => (0, 7),
        }
    }
}

/// The `@` shortcuts Debian's cron knows (case-sensitive, as cron compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Macro {
    Reboot,
    Yearly,
    Annually,
    Monthly,
    Weekly,
    Daily,
    Midnight,
    Hourly,
}

impl Macro {
    pub const ALL: [Macro; 8] = [
        Macro::Reboot,
        Macro::Yearly,
        Macro::Annually,
        Macro::Monthly,
        Macro::Weekly,
        Macro::Daily,
        Macro::Midnight,
        Macro::Hourly,
    ];

    /// The name without the `@`.
    pub fn name(self) -> &'static str {
        match self {
            Macro::Reboot => "reboot",
            Macro::Yearly => "yearly",
            Macro::Annually => "annually",
            Macro::Monthly => "monthly",
            Macro::Weekly => "weekly",
            Macro::Daily => "daily",
            Macro::Midnight => "midnight",
            Macro::Hourly => "hourly",
        }
    }
}

/// One comma-separated element of a field. Names (`mon`, `Jan`) are already numbers here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// `*` or `*/step` (step 1 when absent).
    Star { step: u32 },
    /// A single value, `5`.
    Value(u32),
    /// `start-end` or `start-end/step` (step 1 when absent). `end < start` is possible in
    /// cron-lenient parsing (it never fires).
    Range { start: u32, end: u32, step: u32 },
}

/// One of the five fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub parts: Vec<Part>,
    /// The field's text began with `*`: cron's MIN_STAR/HR_STAR/DOM_STAR/DOW_STAR flag.
    pub star: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Macro(Macro),
    Fields {
        minute: Field,
        hour: Field,
        day_of_month: Field,
        month: Field,
        day_of_week: Field,
    },
}

/// A schedule as cron holds it in memory: bit sets plus the star flags (entry.c's `entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub expr: Expr,
    /// Bit n set: minute n (0..=59).
    pub minutes: u64,
    /// Bit n set: hour n (0..=23).
    pub hours: u32,
    /// Bit n set: day n of the month (1..=31).
    pub days_of_month: u32,
    /// Bit n set: month n (1..=12).
    pub months: u16,
    /// Bit n set: weekday n, Sunday = 0 (0..=6; a 7 in the source is folded into 0).
    pub days_of_week: u8,
    /// Cron's DOM_STAR: the day-of-month field began with `*` (or a macro set it).
    pub dom_star: bool,
    /// Cron's DOW_STAR: the day-of-week field began with `*` (or a macro set it).
    pub dow_star: bool,
    /// `@reboot`: runs once when cron starts, never at a time.
    pub reboot: bool,
}

/// Why a schedule was refused: which field, and what about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    pub field: Option<FieldName>,
    pub reason: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{} field: {}", field.as_str(), self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for ScheduleError {}
