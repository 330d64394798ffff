//! What the strict (managed) parser accepts, cron's lenient parser accepts too; describing a
//! schedule and finding its next run never panic.
#![no_main]

use chrono::{TimeZone, Utc};
use cronrpc::cron::{Schedule, Zone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: (&str, u32)| {
    let (text, at) = data;
    let strict = Schedule::parse(text);
    let lenient = Schedule::parse_lenient(text);
    if let Ok(schedule) = &strict {
        assert!(lenient.is_ok(), "strict accepts {text:?}, lenient refuses it");
        let _ = schedule.describe();
        let after = Utc.timestamp_opt(i64::from(at), 0).unwrap();
        // A zone with DST, where the transition code runs.
        let new_york = Zone::named("America/New_York").expect("tzdata is installed");
        let _ = schedule.next_after(after, &new_york);
        let _ = schedule.next_after(after, &Zone::utc());
    }
    if let Ok(schedule) = &lenient {
        let _ = schedule.describe();
    }
});
