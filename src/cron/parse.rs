//! Schedule parsing, ported from Debian cron 3.0pl1-162's entry.c (load_entry, get_list,
//! get_range, get_number, set_element) and misc.c (get_char, unget_char, get_string,
//! skip_comments).
//!
//! Ported rather than taken from a crate because no crate reads crontab syntax the way Debian's
//! cron does (junk after a field is skipped, reversed ranges are accepted, names match in any
//! case, 7 is Sunday, `1/5` is refused ...), and the validator must accept exactly what
//! `crontab` accepts. The port keeps cron's control flow; where cron returns EOF we return an
//! error that says why.

use super::{Expr, Field, FieldName, Macro, Part, Schedule, ScheduleError};

/// cron's EOF from getc().
pub(crate) const EOF: i32 = -1;
const NL: i32 = b'\n' as i32;
/// cron.h: MAX_COMMAND and MAX_TEMPSTR (both 1000).
pub(crate) const MAX_COMMAND: usize = 1000;
const MAX_TEMPSTR: usize = 1000;

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DOW_NAMES: [&str; 8] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A stdio stream over bytes with get_char/unget_char semantics. A line handed over without
/// its `\n` can be read as if the `\n` were there (`virtual_nl`), so the port never allocates.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    virtual_nl: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8], virtual_nl: bool) -> Self {
        Cursor {
            bytes,
            pos: 0,
            virtual_nl,
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn get_char(&mut self) -> i32 {
        if let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            i32::from(b)
        } else if self.virtual_nl && self.pos == self.bytes.len() {
            self.pos += 1;
            NL
        } else {
            EOF
        }
    }

    /// ungetc(EOF) pushes nothing back.
    pub(crate) fn unget_char(&mut self, ch: i32) {
        if ch != EOF {
            self.pos -= 1;
        }
    }

    /// Offset of `ch`, the character last read (or the end, after EOF).
    pub(crate) fn at(&self, ch: i32) -> usize {
        if ch == EOF {
            self.pos
        } else {
            self.pos - 1
        }
    }

    /// The source bytes in `start..end`, clamped (the virtual `\n` is not in `bytes`).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        let end = end.min(self.bytes.len());
        self.bytes.get(start.min(end)..end).unwrap_or_default()
    }

    /// misc.c get_string: reads up to a terminator, keeping at most `size - 1` bytes. A NUL
    /// also terminates, because cron tests `strchr(terms, ch)` and strchr finds the NUL that
    /// ends `terms`. Returns the kept bytes and the terminator (or EOF).
    pub(crate) fn get_string(&mut self, size: usize, terms: &[u8]) -> (&'a [u8], i32) {
        let start = self.pos;
        let mut ch;
        loop {
            ch = self.get_char();
            if ch == EOF || ch == 0 || terms.iter().any(|&t| i32::from(t) == ch) {
                break;
            }
        }
        let end = self.at(ch).min(start + size.saturating_sub(1));
        (self.slice(start, end), ch)
    }

    /// misc.c skip_comments: skips blank lines and comment lines, stopping before the first
    /// non-blank character of a useful line.
    pub(crate) fn skip_comments(&mut self) {
        let mut ch;
        loop {
            ch = self.get_char();
            if ch == EOF {
                break;
            }
            while is_blank(ch) {
                ch = self.get_char();
            }
            if ch == EOF {
                break;
            }
            if ch != NL && ch != i32::from(b'#') {
                break;
            }
            while ch != NL && ch != EOF {
                ch = self.get_char();
            }
        }
        self.unget_char(ch);
    }

    /// cron.h Skip_Blanks.
    pub(crate) fn skip_blanks(&mut self, mut ch: i32) -> i32 {
        while is_blank(ch) {
            ch = self.get_char();
        }
        ch
    }

    /// cron.h Skip_Nonblanks.
    fn skip_nonblanks(&mut self, mut ch: i32) -> i32 {
        while !is_blank(ch) && ch != NL && ch != EOF {
            ch = self.get_char();
        }
        ch
    }
}

pub(crate) fn is_blank(ch: i32) -> bool {
    ch == i32::from(b' ') || ch == i32::from(b'\t')
}

fn is(ch: i32, c: u8) -> bool {
    ch == i32::from(c)
}

/// For messages: bytes shown as text, control characters escaped.
pub(crate) fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

fn show_ch(ch: i32) -> String {
    match u8::try_from(ch) {
        Ok(b) => show(&[b]),
        Err(_) => "end of line".to_string(),
    }
}

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

struct Spec {
    name: FieldName,
    low: i32,
    high: i32,
    names: Option<&'static [&'static str]>,
}

const SPECS: [Spec; 5] = [
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

fn err(field: Option<FieldName>, reason: impl Into<String>) -> ScheduleError {
    ScheduleError {
        field,
        reason: reason.into(),
    }
}

/// load_entry up to the end of the schedule. `ch` is the first useful character of the line.
pub(crate) fn scan_schedule(cur: &mut Cursor<'_>, ch: i32) -> Result<Scanned, ScheduleError> {
    if is(ch, b'@') {
        return scan_macro(cur);
    }
    let mut lint = None;
    let (minute, minutes, _, ch) = get_list(cur, &SPECS[0], ch, &mut lint)?;
    let (hour, hours, _, ch) = get_list(cur, &SPECS[1], ch, &mut lint)?;
    let (day_of_month, doms, _, ch) = get_list(cur, &SPECS[2], ch, &mut lint)?;
    let (month, months, _, ch) = get_list(cur, &SPECS[3], ch, &mut lint)?;
    let (day_of_week, dows, end, ch) = get_list(cur, &SPECS[4], ch, &mut lint)?;
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

/// get_list: `range {"," range}`, then whatever cron skips up to the next blank.
fn get_list(
    cur: &mut Cursor<'_>,
    spec: &Spec,
    mut ch: i32,
    lint: &mut Option<ScheduleError>,
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
        parts.push(part);
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

/// The longest managed schedule, in bytes, blanks included.
pub const MAX_SCHEDULE_BYTES: usize = 1000;

fn trim_blanks(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

impl Schedule {
    /// Parses a managed schedule: what Debian's `crontab` accepts, minus the junk it silently
    /// tolerates (reversed ranges, trailing characters).
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        // cron reads a crontab line into a 1000-byte buffer; a managed schedule that long is
        // never meant, and refusing it keeps hostile input out of the field scanners.
        if text.len() > MAX_SCHEDULE_BYTES {
            return Err(err(
                None,
                format!(
                    "the schedule has {} bytes; the limit is {MAX_SCHEDULE_BYTES}",
                    text.len()
                ),
            ));
        }
        let text = trim_blanks(text);
        let tokens: Vec<&str> = text.split([' ', '\t']).filter(|t| !t.is_empty()).collect();
        if text.starts_with('@') {
            if tokens.len() > 1 {
                return Err(err(
                    None,
                    format!(
                        "a macro stands alone: unexpected '{}' after {}",
                        tokens[1..].join(" ").escape_debug(),
                        tokens[0].escape_debug()
                    ),
                ));
            }
        } else if !text.is_empty() && tokens.len() != 5 {
            return Err(err(
                None,
                format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week) or a macro \
                     like @daily, got {}",
                    tokens.len()
                ),
            ));
        }
        let scanned = scan_whole(text)?;
        match scanned.lint {
            Some(lint) => Err(lint),
            None => Ok(scanned.schedule),
        }
    }

    /// Parses a schedule exactly as cron does, junk and all.
    pub fn parse_lenient(text: &str) -> Result<Schedule, ScheduleError> {
        scan_whole(trim_blanks(text)).map(|s| s.schedule)
    }
}

/// The schedule must be all of `text`: anything after it would be a command to cron.
fn scan_whole(text: &str) -> Result<Scanned, ScheduleError> {
    if text.is_empty() {
        return Err(err(
            None,
            "empty schedule: expected 5 fields (minute hour day-of-month month day-of-week) \
             or a macro like @daily",
        ));
    }
    let mut cur = Cursor::new(text.as_bytes(), true);
    let first = cur.get_char();
    let scanned = scan_schedule(&mut cur, first)?;
    let ch = cur.skip_blanks(scanned.ch);
    let at = cur.at(ch);
    if at < text.len() {
        return Err(err(
            None,
            format!(
                "unexpected text after the schedule: '{}'",
                show(cur.slice(at, text.len()))
            ),
        ));
    }
    Ok(scanned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        match Schedule::parse(text) {
            Ok(s) => panic!("{text:?} parsed: {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bits_and_stars() {
        let s = Schedule::parse("*/15 9-17 1,15 jan-MAR mon-fri").unwrap();
        assert_eq!(s.minutes, 1 | 1 << 15 | 1 << 30 | 1 << 45);
        assert_eq!(s.hours, 0x3fe00);
        assert_eq!(s.days_of_month, 1 << 1 | 1 << 15);
        assert_eq!(s.months, 0b1110);
        assert_eq!(s.days_of_week, 0b111110);
        assert!(!s.dom_star && !s.dow_star);
        let Expr::Fields { minute, month, .. } = &s.expr else {
            panic!()
        };
        assert!(minute.star);
        assert_eq!(minute.parts, vec![Part::Star { step: 15 }]);
        assert_eq!(
            month.parts,
            vec![Part::Range {
                start: 1,
                end: 3,
                step: 1
            }]
        );
        let s = Schedule::parse("\t0 0 * * 7 ").unwrap();
        assert_eq!(s.days_of_week, 1);
        assert!(s.dom_star && !s.dow_star);
        assert_eq!(Schedule::parse("0 0 * * 0-7").unwrap().days_of_week, 0x7f);
        assert_eq!(Schedule::parse("0 0 * * SUN").unwrap().days_of_week, 1);
        assert_eq!(Schedule::parse("*/60 * * * *").unwrap().minutes, 1);
    }

    #[test]
    fn macros() {
        let m = |t| Schedule::parse(t).unwrap();
        assert!(m("@reboot").reboot);
        for t in ["@yearly", "@annually"] {
            let s = m(t);
            assert_eq!(
                (s.minutes, s.hours, s.days_of_month, s.months),
                (1, 1, 2, 2)
            );
            assert!(s.dow_star && !s.dom_star);
        }
        let s = m("@monthly");
        assert_eq!((s.days_of_month, s.months), (2, 0x1ffe));
        assert!(s.dow_star && !s.dom_star);
        let s = m("@weekly");
        assert_eq!((s.days_of_week, s.days_of_month), (1, !1));
        assert!(s.dom_star && !s.dow_star);
        for t in ["@daily", "@midnight"] {
            let s = m(t);
            assert_eq!((s.minutes, s.hours, s.days_of_week), (1, 1, 0x7f));
            assert!(!s.dom_star && !s.dow_star);
        }
        assert_eq!(m("@hourly").hours, 0xffffff);
        assert!(reason("@Daily").contains("unknown macro @Daily (macros are lowercase"));
        assert!(reason("@often").contains("unknown macro @often"));
        assert!(reason("@daily x").contains("stands alone"));
    }

    #[test]
    fn strict_refusals() {
        assert_eq!(
            reason("* * * *"),
            "expected 5 fields (minute hour day-of-month month day-of-week) or a macro like \
             @daily, got 4"
        );
        assert!(reason("* * * * * cmd").contains("got 6"));
        assert_eq!(
            reason("61 * * * *"),
            "minute field: 61 is out of range 0-59"
        );
        assert_eq!(reason("* 24 * * *"), "hour field: 24 is out of range 0-23");
        assert_eq!(
            reason("* * 0 * *"),
            "day-of-month field: 0 is out of range 1-31"
        );
        assert_eq!(reason("* * * 13 *"), "month field: 13 is out of range 1-12");
        assert_eq!(
            reason("* * * * 8"),
            "day-of-week field: 8 is out of range 0-7"
        );
        assert_eq!(
            reason("*/0 * * * *"),
            "minute field: step must be at least 1"
        );
        assert!(reason("1/5 * * * *").contains("a step needs a range"));
        assert_eq!(
            reason("* * * * monday"),
            "day-of-week field: 'monday' is not a weekday name (use mon, or 1)"
        );
        assert_eq!(
            reason("* * * january *"),
            "month field: 'january' is not a month name (use jan, or 1)"
        );
        assert_eq!(
            reason("5-1 * * * *"),
            "minute field: reversed range 5-1 never fires"
        );
        assert_eq!(
            reason("*x * * * *"),
            "minute field: unexpected characters 'x' after '*'"
        );
        assert!(reason("1.5 * * * *").contains("'.5' after '1'"));
        assert!(reason("*/5/2 * * * *").contains("'/2' after '*/5'"));
        assert!(reason("1,,2 * * * *").starts_with("minute field: empty element"));
        assert!(reason("1, * * * *").starts_with("minute field: empty element"));
        assert!(reason(",1 * * * *").starts_with("minute field: empty element"));
        assert!(reason("4294967296 * * * *").contains("out of range"));
        assert!(reason("jan * * * *").contains("'jan' is not a number"));
        assert!(reason("").contains("empty schedule"));
        assert!(reason("* * * * *\n").contains("unexpected"));
    }

    #[test]
    fn lenient_takes_what_cron_takes() {
        let l = |t| Schedule::parse_lenient(t).unwrap();
        assert_eq!(l("5-1 * * * *").minutes, 0);
        assert_eq!(l("*x * * * *").minutes, (1 << 60) - 1);
        assert_eq!(l("1.5 * * * *").minutes, 2);
        assert_eq!(l("*/5/2 * * * *").minutes.count_ones(), 12);
        assert_eq!(l("4294967296 * * * *").minutes, 1);
        assert!(Schedule::parse_lenient("61 * * * *").is_err());
        assert!(Schedule::parse_lenient("* * * * * cmd").is_err());
    }
}
