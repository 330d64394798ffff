//! The time zone cron's daemon runs in.

use chrono_tz::Tz;

/// The host's zone, which is what Debian's cron uses (it ignores `CRON_TZ`). Falls back to UTC
/// when the host names none or names one the bundled database lacks.
pub fn host_zone() -> Tz {
    if let Ok(name) = std::env::var("TZ") {
        if let Ok(tz) = name.trim_start_matches(':').parse() {
            return tz;
        }
    }
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(Tz::UTC)
}
