//! The time zones schedules are read in: cron's own (the host's), and an entry's `timezone`.

use super::transitions::Zone;
use super::Schedule;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

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

/// Longest zone name accepted; the longest in tzdata is about 30 characters.
pub const MAX_ZONE_CHARS: usize = 64;

/// True for a name shaped like an IANA zone: `Area/Location` words, no path tricks. The tz
/// database is a directory tree, so a name must never climb out of it or be absolute.
fn zone_shaped(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_ZONE_CHARS
        && name
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with(['.', '-']))
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-+/".contains(c))
}

/// The zone named `name` as the host's tz database (/usr/share/zoneinfo) has it now, read at
/// the time of the call so that a tzdata update takes effect without rebuilding cronrpc.
pub fn lookup_zone(name: &str) -> Option<jiff::tz::TimeZone> {
    if !zone_shaped(name) {
        return None;
    }
    jiff::tz::db().get(name).ok()
}

/// An entry's zone as the host's tz database has it, with its offset changes tabulated for
/// cron's DST rules. Read from /usr/share/zoneinfo (not compiled in), so that a tzdata update
/// changes what the recorder's gate and `next_run` compute without rebuilding cronrpc.
#[derive(Clone)]
pub struct Rules {
    name: String,
    zone: Arc<Zone>,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rules({})", self.name)
    }
}

impl Rules {
    /// The rules of the zone named `name`; None when the host's tz database does not know it.
    /// Kept for the process: a server reads each zone once (a restart picks up new tzdata).
    pub fn named(name: &str) -> Option<Rules> {
        static CACHE: OnceLock<Mutex<HashMap<String, Arc<Zone>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(zone) = cache.lock().ok()?.get(name) {
            return Some(Rules {
                name: name.to_owned(),
                zone: zone.clone(),
            });
        }
        let tz = lookup_zone(name)?;
        let zone = Arc::new(Zone::of_system(&tz));
        if let Ok(mut cache) = cache.lock() {
            cache.insert(name.to_owned(), zone.clone());
        }
        Some(Rules {
            name: name.to_owned(),
            zone,
        })
    }
}

impl Schedule {
    /// The first time strictly after `after` at which the job fires when its fields are
    /// wall-clock time in `rules`' zone, with cron's DST rules applied in that zone.
    pub fn next_after_rules(&self, after: DateTime<Utc>, rules: &Rules) -> Option<DateTime<Utc>> {
        self.next_after_in(after, &rules.zone)
    }
}
