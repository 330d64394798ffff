//! The time zones schedules are read in: cron's own (the host's), and an entry's `timezone`.
//!
//! Both come from the host's tz database (/usr/share/zoneinfo, through jiff), never from one
//! compiled in: cron's localtime(3) and the recorder's gate read that database, so next runs
//! computed here agree with them, and a tzdata update takes effect without rebuilding cronrpc.
//! (A compiled-in database was also most of cronrpc's start-up: chrono-tz's tables were a
//! megabyte of pointers the loader relocated at every start.)

use super::transitions::Table;
use super::Schedule;
use chrono::{DateTime, Utc};
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

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

/// The zone named `name` as the host's tz database has it now, read at the time of the call.
///
/// Accepts what jiff's zoneinfo database accepts (names case-insensitively, not under `posix/`
/// or `right/`), but first tries the file of exactly that name: opening jiff's database lists
/// the whole zoneinfo tree (some 40 directory reads), which was a good part of the start of a
/// stdio session and of every recorder start, while the names cronrpc meets are nearly always
/// spelt as tzdata spells them.
pub fn lookup_zone(name: &str) -> Option<TimeZone> {
    if !zone_shaped(name) {
        return None;
    }
    exact_file(name).or_else(|| jiff::tz::db().get(name).ok())
}

/// The TZif file named exactly `name` under the zoneinfo directory jiff reads first. `name` is
/// zone-shaped (no `..`, not absolute), so the path stays inside it.
fn exact_file(name: &str) -> Option<TimeZone> {
    if name.starts_with("posix/") || name.starts_with("right/") {
        return None;
    }
    let dir = std::env::var_os("TZDIR").unwrap_or_else(|| "/usr/share/zoneinfo".into());
    let data = std::fs::read(std::path::Path::new(&dir).join(name)).ok()?;
    TimeZone::tzif(name, &data).ok()
}

/// The zone name `/etc/localtime` links to (`…/zoneinfo/America/New_York`), as glibc and
/// jiff read it.
fn localtime_link() -> Option<String> {
    let target = std::fs::read_link("/etc/localtime").ok()?;
    let target = target.to_str()?;
    let (_, name) = target.rsplit_once("zoneinfo/")?;
    Some(name.to_owned())
}

/// A time zone schedules are read in, with its offset changes tabulated for cron's DST rules
/// on first use. Cheap to clone.
#[derive(Clone)]
pub struct Zone(Arc<Inner>);

struct Inner {
    name: String,
    tz: TimeZone,
    table: OnceLock<Table>,
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Zone({})", self.name())
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name() == other.name()
    }
}

impl Zone {
    fn new(name: String, tz: TimeZone) -> Zone {
        Zone(Arc::new(Inner {
            name,
            tz,
            table: OnceLock::new(),
        }))
    }

    /// UTC, which needs no database.
    pub fn utc() -> Zone {
        static UTC: OnceLock<Zone> = OnceLock::new();
        UTC.get_or_init(|| Zone::new("UTC".into(), TimeZone::UTC))
            .clone()
    }

    /// The zone named `name`; None when the host's tz database does not know it. Kept for the
    /// process under its canonical name (a server reads each zone once; a restart picks up new
    /// tzdata): the database takes names case-insensitively, and a cache keyed by the names
    /// callers send would let any caller grow it without bound (`america/new_york`,
    /// `America/NEW_york`, …, each with its own table).
    pub fn named(name: &str) -> Option<Zone> {
        static CACHE: OnceLock<Mutex<HashMap<String, Zone>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(zone) = cache.lock().ok()?.get(name) {
            return Some(zone.clone());
        }
        let tz = lookup_zone(name)?;
        let canonical = tz.iana_name().unwrap_or(name).to_owned();
        let mut cache = cache.lock().ok()?;
        let zone = cache
            .entry(canonical.clone())
            .or_insert_with(|| Zone::new(canonical, tz));
        Some(zone.clone())
    }

    /// The host's zone, which is what Debian's cron uses (it ignores `CRON_TZ`): `TZ` when set,
    /// else /etc/localtime, read as localtime(3) reads them. UTC when neither gives a zone.
    pub fn host() -> Zone {
        // The usual cases by name, through the cache and without opening jiff's database.
        let tz_variable = std::env::var("TZ").ok();
        let named = match &tz_variable {
            Some(tz) => Some(tz.trim_start_matches(':').to_owned()),
            None => localtime_link(),
        };
        if let Some(zone) = named.as_deref().and_then(Zone::named) {
            return zone;
        }
        // The rest (a POSIX rule or a path in TZ, an /etc/localtime that is a copy): jiff's.
        let Ok(tz) = TimeZone::try_system() else {
            return Zone::utc();
        };
        match tz.iana_name().map(str::to_owned) {
            Some(name) => Zone::named(&name).unwrap_or_else(|| Zone::new(name, tz)),
            None => Zone::new(tz_variable.unwrap_or_else(|| "localtime".into()), tz),
        }
    }

    /// The IANA name (or, for a host zone without one, what `TZ` says or "localtime").
    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub(crate) fn table(&self) -> &Table {
        self.0.table.get_or_init(|| Table::of(&self.0.tz))
    }
}

impl Schedule {
    /// The first time strictly after `after` at which the job fires when its fields are
    /// wall-clock time in `zone`, with cron's DST rules applied in that zone. `None` for
    /// `@reboot` and for schedules that can never fire (e.g. `0 0 31 2 *`).
    pub fn next_after(&self, after: DateTime<Utc>, zone: &Zone) -> Option<DateTime<Utc>> {
        self.next_after_in(after, zone.table())
    }
}

#[cfg(test)]
#[path = "zone_tests.rs"]
mod tests;
