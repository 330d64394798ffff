//! Timestamps as the contract writes them: RFC 3339, UTC, `Z`, whole seconds.

use chrono::{DateTime, SubsecRound, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A UTC instant with second precision that always prints as `2024-11-01T10:30:00Z`.
/// Parsing takes any RFC 3339 offset and drops sub-second digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp::from(Utc::now())
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(t) = Self::parse_canonical(text) {
            return Some(t);
        }
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Timestamp::from(t.with_timezone(&Utc)))
    }

    /// The form cronrpc itself writes (`2024-11-01T10:30:00Z`), read without chrono's general
    /// RFC 3339 parser: every marker of every crontab read carries two of them.
    fn parse_canonical(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
        let time = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
        Some(Timestamp(time.and_utc()))
    }

    pub fn utc(self) -> DateTime<Utc> {
        self.0
    }

    pub fn unix(self) -> i64 {
        self.0.timestamp()
    }

    pub fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_timestamp(secs, 0).map(Timestamp)
    }
}

/// Where the service reads "now": the system clock, or a fake one a test sets and advances.
/// Clones share the fake's time, so a test keeps one clone and hands the other to the service.
/// The fake holds whole seconds, the precision every timestamp cronrpc writes has.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock (the default).
    pub fn system() -> Self {
        Clock(None)
    }

    /// A clock that stands at `at` until set or advanced.
    pub fn fake(at: Timestamp) -> Self {
        Clock(Some(Arc::new(AtomicI64::new(at.unix()))))
    }

    pub fn now(&self) -> Timestamp {
        match &self.0 {
            None => Timestamp::now(),
            Some(secs) => Timestamp::from_unix(secs.load(Ordering::Relaxed))
                .expect("a fake clock only holds times it was given"),
        }
    }

    /// Moves a fake clock to `at`. The system clock cannot be set: that is a bug in the test.
    pub fn set(&self, at: Timestamp) {
        self.fake_secs().store(at.unix(), Ordering::Relaxed);
    }

    /// Moves a fake clock on by `by` (whole seconds).
    pub fn advance(&self, by: chrono::Duration) {
        self.fake_secs()
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }

    fn fake_secs(&self) -> &AtomicI64 {
        self.0
            .as_deref()
            .expect("only a fake clock can be set or advanced")
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t.trunc_subsecs(0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("'{text}' is not an RFC 3339 timestamp"))
        })
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 in UTC with a Z suffix and second precision, e.g. 2024-11-01T10:30:00Z"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_utc_with_z_and_whole_seconds() {
        let t = Timestamp::parse("2024-11-01T12:30:00.789+02:00").unwrap();
        assert_eq!(t.to_string(), "2024-11-01T10:30:00Z");
    }

    #[test]
    fn the_canonical_form_reads_like_rfc3339() {
        for text in [
            "2024-11-01T10:30:00Z",
            "2024-02-29T23:59:59Z",
            "1970-01-01T00:00:00Z",
        ] {
            let general = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(Timestamp::parse(text).unwrap().utc(), general, "{text}");
        }
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-11-01T24:00:00Z",
            "2024-11-01T10:30:0xZ",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_fake_clock_stands_still_until_moved_and_clones_share_it() {
        let start = Timestamp::parse("2024-11-01T10:30:00Z").unwrap();
        let clock = Clock::fake(start);
        let service_side = clock.clone();
        assert_eq!(service_side.now(), start);
        clock.advance(chrono::Duration::seconds(90));
        assert_eq!(service_side.now().to_string(), "2024-11-01T10:31:30Z");
        clock.set(start);
        assert_eq!(service_side.now(), start);
    }

    #[test]
    fn the_system_clock_is_the_default_and_reads_the_time() {
        let before = Timestamp::now();
        let read = Clock::default().now();
        assert!(before <= read && read <= Timestamp::now());
    }

    #[test]
    #[should_panic(expected = "only a fake clock")]
    fn the_system_clock_cannot_be_moved() {
        Clock::system().advance(chrono::Duration::seconds(1));
    }

    #[test]
    fn refuses_what_is_not_rfc3339() {
        assert!(Timestamp::parse("2024-11-01 10:30").is_none());
        assert!(Timestamp::parse("tomorrow").is_none());
    }
}
