use super::*;
use crate::{Expr, Part};

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
