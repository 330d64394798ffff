//! The marker: one comment line directly above a managed job line, holding the entry's id and
//! metadata as JSON. An admin can read it, and `crontab -e` keeps it.
//!
//! ```text
//! # cronrpc:v1 {"id":"…","name":"Daily backup","created_at":"…","updated_at":"…"}
//! 0 2 * * * /usr/local/bin/backup.sh
//! ```
//!
//! A disabled entry's job line is commented out behind [`DISABLED_PREFIX`].

use crate::domain::entry::EntryMeta;
use serde::{Deserialize, Serialize};

pub const MARKER_PREFIX: &str = "# cronrpc:v1 ";
pub const DISABLED_PREFIX: &str = "#cronrpc:off# ";

pub fn parse(line: &str) -> Option<EntryMeta> {
    parse_bound(line).map(|m| m.meta)
}

/// A marker as written: the entry's metadata, and what ties it to its own job line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    #[serde(flatten)]
    pub meta: EntryMeta,
    /// A digest of the written command of the job line this marker was written for (see
    /// [`digest`]); markers from before it was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

pub fn parse_bound(line: &str) -> Option<Marker> {
    let json = line.strip_prefix(MARKER_PREFIX)?;
    serde_json::from_str(json.trim_end_matches('\r')).ok()
}

/// What a marker records of its job line's command: enough to tell it from another line, not
/// a secret (the line is beside it).
pub fn digest(written_command: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(written_command.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The marker for an entry whose job line carries `written_command`. JSON escapes every
/// control character, so the marker is always one line.
pub fn render(meta: &EntryMeta, written_command: Option<&str>) -> String {
    let marker = Marker {
        meta: meta.clone(),
        job: written_command.map(digest),
    };
    let json = serde_json::to_string(&marker).expect("entry metadata always serializes");
    format!("{MARKER_PREFIX}{json}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::Timestamp;

    #[test]
    fn round_trips_and_stays_one_line() {
        let now = Timestamp::parse("2024-11-01T10:30:00Z").unwrap();
        let meta = EntryMeta {
            id: uuid::Uuid::new_v4(),
            name: Some("evil\n* * * * * rm -rf /".into()),
            comment: None,
            expires_at: None,
            created_at: now,
            updated_at: now,
            policy: Default::default(),
        };
        let line = render(&meta, Some("echo hi"));
        assert!(!line.contains('\n'));
        assert_eq!(parse(&line), Some(meta.clone()));
        assert_eq!(parse_bound(&line).unwrap().job, Some(digest("echo hi")));
        assert_eq!(parse_bound(&render(&meta, None)).unwrap().job, None);
    }

    #[test]
    fn policies_ride_in_the_marker_and_old_markers_still_read() {
        use crate::domain::policy::{CatchUp, Policy};
        let old = r#"# cronrpc:v1 {"id":"00000000-0000-0000-0000-000000000001","created_at":"2024-11-01T10:30:00Z","updated_at":"2024-11-01T10:30:00Z"}"#;
        let mut meta = parse(old).unwrap();
        assert_eq!(meta.policy, Policy::default());
        assert_eq!(render(&meta, None), old);
        meta.policy.timezone = Some("Europe/Berlin".into());
        meta.policy.catch_up = CatchUp::Latest;
        let line = render(&meta, None);
        assert!(
            line.contains(r#""timezone":"Europe/Berlin","catch_up":"latest""#),
            "{line}"
        );
        assert_eq!(parse(&line), Some(meta));
    }
}
