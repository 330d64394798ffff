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
use crate::domain::time::Timestamp;
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
    let json = line.strip_prefix(MARKER_PREFIX)?.trim_end_matches('\r');
    plain(json).or_else(|| serde_json::from_str(json).ok())
}

/// The marker as cronrpc writes one for an entry without policies, read without serde: every
/// read of a crontab reads every marker, and serde's `flatten` buffers each member first.
/// Only a marker whose members are all strings without escapes or control characters, each
/// of the members below at most once and nothing else, is read here, with the same parsers
/// serde would use; anything else (a policy, `null`, a blank, a key this does not know) is
/// left to serde, so both read every marker alike.
fn plain(json: &str) -> Option<Marker> {
    let mut rest = json.strip_prefix('{')?;
    let [mut id, mut name, mut comment, mut expires, mut created, mut updated, mut job] =
        [None::<&str>; 7];
    loop {
        let (key, after) = plain_string(rest)?;
        let (value, after) = plain_string(after.strip_prefix(':')?)?;
        let slot = match key {
            "id" => &mut id,
            "name" => &mut name,
            "comment" => &mut comment,
            "expires_at" => &mut expires,
            "created_at" => &mut created,
            "updated_at" => &mut updated,
            "job" => &mut job,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None;
        }
        match after.as_bytes().first() {
            Some(b',') => rest = &after[1..],
            Some(b'}') if after.len() == 1 => break,
            _ => return None,
        }
    }
    let meta = EntryMeta {
        id: id?.parse().ok()?,
        name: name.map(str::to_owned),
        comment: comment.map(str::to_owned),
        expires_at: match expires {
            Some(text) => Some(Timestamp::parse(text)?),
            None => None,
        },
        created_at: Timestamp::parse(created?)?,
        updated_at: Timestamp::parse(updated?)?,
        policy: Default::default(),
    };
    Some(Marker {
        meta,
        job: job.map(str::to_owned),
    })
}

/// A JSON string at the start of `text` that needs no unescaping: its contents and the rest.
fn plain_string(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_prefix('"')?;
    let end = body
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
    (body.as_bytes()[end] == b'"').then(|| (&body[..end], &body[end + 1..]))
}

/// What a marker records of its job line's command: enough to tell it from another line, not
/// a secret (the line is beside it).
pub fn digest(written_command: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(written_command.as_bytes())[..6])
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

    /// The serde-free reading of plain markers must read exactly what serde reads.
    #[test]
    fn plain_markers_read_as_serde_reads_them() {
        let id = "00000000-0000-4000-8000-000000000001";
        let at = "2024-11-01T10:30:00Z";
        let cases = [
            format!(r#"{{"id":"{id}","created_at":"{at}","updated_at":"{at}"}}"#),
            format!(r#"{{"id":"{id}","name":"nämé ✓","comment":"c","expires_at":"2030-01-01T00:00:00+02:00","created_at":"{at}","updated_at":"{at}","job":"abc"}}"#),
            format!(r#"{{"updated_at":"{at}","id":"{{{id}}}","created_at":" {at}"}}"#),
            format!(r#"{{"id":"{id}","created_at":"{at}","updated_at":"{at}","timezone":"UTC"}}"#),
            format!(r#"{{"id":"{id}","created_at":"{at}","updated_at":"{at}","x":"y"}}"#),
            format!(r#"{{"id":"{id}","name":"a\"b","created_at":"{at}","updated_at":"{at}"}}"#),
            format!(r#"{{"id":"{id}","name":null,"created_at":"{at}","updated_at":"{at}"}}"#),
            format!(r#"{{"id":"{id}","name":"a","name":"b","created_at":"{at}","updated_at":"{at}"}}"#),
            format!(r#"{{ "id":"{id}","created_at":"{at}","updated_at":"{at}"}}"#),
            format!(r#"{{"id":"{id}","created_at":"{at}","updated_at":"{at}"}} "#),
            format!(r#"{{"id":"{id}","created_at":"{at}","updated_at":"{at}"}}x"#),
            format!(r#"{{"id":"{id}","created_at":"{at}"}}"#),
            format!(r#"{{"id":"nope","created_at":"{at}","updated_at":"{at}"}}"#),
            format!(r#"{{"id":"{id}","created_at":"yesterday","updated_at":"{at}"}}"#),
            format!(r#"{{"id":"{id}","name":"a\tb","created_at":"{at}","updated_at":"{at}"}}"#),
            format!(r#"{{"id":"{id}","created_at":"{at}","updated_at":"{at}","#),
            String::new(),
            // A raw control character is not JSON: serde refuses it, and so must this.
            format!("{{\"id\":\"{id}\",\"name\":\"a\u{1}b\",\"created_at\":\"{at}\",\"updated_at\":\"{at}\"}}"),
        ];
        for json in &cases {
            let serde: Option<Marker> = serde_json::from_str(json).ok();
            if let Some(plain) = plain(json) {
                assert_eq!(Some(plain), serde, "{json}");
            }
            assert_eq!(
                parse_bound(&format!("{MARKER_PREFIX}{json}")),
                serde,
                "{json}"
            );
        }
        assert!(plain(&cases[0]).is_some() && plain(&cases[1]).is_some());
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
