//! The JSON-RPC 2.0 envelope, owned: a message is parsed once into [`Message`], and answers are
//! written around the method's result text with the caller's id exactly as sent.

use crate::api::errors::{ErrorObject, ProtocolError};
use serde::de::{Deserializer, Error as _, IgnoredAny};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A request's id as the caller wrote it (a string, a number of any size or form, or null).
#[derive(Debug, Clone)]
pub struct Id(Box<RawValue>);

impl Id {
    pub fn null() -> Id {
        Id(RawValue::from_string("null".into()).expect("null is JSON"))
    }

    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }
}

impl From<Box<RawValue>> for Id {
    fn from(raw: Box<RawValue>) -> Id {
        Id(raw)
    }
}

impl Id {
    /// `raw` as an id, if it is one (a string, a number or null).
    pub(super) fn from_raw(raw: &RawValue) -> Option<Id> {
        is_id(raw).then(|| Id(raw.to_owned()))
    }
}

fn is_id(raw: &RawValue) -> bool {
    matches!(
        raw.get().as_bytes().first(),
        Some(b'"' | b'-' | b'0'..=b'9' | b'n')
    )
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        match is_id(&raw) {
            true => Ok(Id(raw)),
            false => Err(D::Error::custom("id must be a string, a number or null")),
        }
    }
}

/// A valid Request object. Without `id` it is a notification.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: Option<Id>,
    pub method: String,
    /// An object or an array, as sent; `None` when absent.
    pub params: Option<Box<RawValue>>,
}

/// The members of a Request object, checked as serde reads them: any problem makes the object
/// an invalid Request. Unknown members are ignored.
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "jsonrpc")]
    _version: Version,
    /// Present-but-null is `Some(null)`: a request with a null id is not a notification.
    #[serde(default, deserialize_with = "some")]
    id: Option<Id>,
    method: String,
    #[serde(default, deserialize_with = "structured")]
    params: Option<Box<RawValue>>,
}

struct Version;

/// The one `jsonrpc` member accepted, as JSON text.
pub(super) const VERSION: &str = r#""2.0""#;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        match <&str>::deserialize(d) {
            Ok(v) if VERSION[1..VERSION.len() - 1] == *v => Ok(Version),
            _ => Err(D::Error::custom("jsonrpc must be \"2.0\"")),
        }
    }
}

fn some<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Id>, D::Error> {
    Id::deserialize(d).map(Some)
}

fn structured<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    match is_structured(&raw) {
        true => Ok(Some(raw)),
        false => Err(D::Error::custom("params must be an object or an array")),
    }
}

fn is_structured(raw: &RawValue) -> bool {
    matches!(raw.get().as_bytes().first(), Some(b'{' | b'['))
}

/// `raw` as params, if they are an object or an array.
pub(super) fn structured_raw(raw: &RawValue) -> Option<Box<RawValue>> {
    is_structured(raw).then(|| raw.to_owned())
}

/// One line, classified.
#[derive(Debug)]
pub enum Message {
    /// Not JSON, or JSON that is not one Request object or a batch of them: answered with this
    /// error and `"id": null`.
    Refused(ProtocolError, String),
    /// One member: a Request, or an invalid one (answered with -32600 and `"id": null`).
    Single(Member),
    /// A non-empty batch, members in order.
    Batch(Vec<Member>),
}

pub type Member = Result<Request, String>;

/// Parses one line. A UTF-8 byte order mark in front is ignored (some Windows tools write one).
pub fn parse(line: &[u8]) -> Option<Message> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let Ok(text) = std::str::from_utf8(line) else {
        return Some(Message::Refused(
            ProtocolError::Parse,
            "message is not UTF-8".into(),
        ));
    };
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() {
        return None;
    }
    if text.starts_with('[') {
        // Read once where it can be; else as raw members, each then parsed (same answers).
        if let Some(members) = super::batch::members(text).filter(|m| !m.is_empty()) {
            return Some(Message::Batch(members));
        }
        return Some(match serde_json::from_str::<Vec<&RawValue>>(text) {
            Err(e) => Message::Refused(ProtocolError::Parse, e.to_string()),
            Ok(batch) if batch.is_empty() => {
                Message::Refused(ProtocolError::InvalidRequest, "empty batch".into())
            }
            Ok(batch) => Message::Batch(batch.into_iter().map(|m| member(m.get())).collect()),
        });
    }
    Some(match serde_json::from_str::<Wire>(text) {
        Ok(wire) => Message::Single(Ok(request(wire))),
        Err(e) if e.is_data() && is_json(text) => Message::Single(Err(clean(&e))),
        Err(e) => Message::Refused(ProtocolError::Parse, e.to_string()),
    })
}

/// serde stops at the first wrong member; the rest of the text may still be broken JSON, which
/// is a parse error rather than an invalid request.
fn is_json(text: &str) -> bool {
    serde_json::from_str::<IgnoredAny>(text).is_ok()
}

pub(super) fn member(text: &str) -> Member {
    serde_json::from_str::<Wire>(text)
        .map(request)
        .map_err(|e| clean(&e))
}

fn request(wire: Wire) -> Request {
    Request {
        id: wire.id,
        method: wire.method,
        params: wire.params,
    }
}

fn clean(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => &text,
    };
    if text.starts_with("invalid type") && text.ends_with("expected struct Wire") {
        return "a request is a JSON object".into();
    }
    text.replace("struct Wire", "a request object")
}

/// `{"jsonrpc":"2.0","id":ID,"result":RESULT}`.
pub fn result(id: &RawValue, result: &RawValue) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{},"result":{}}}"#,
        id.get(),
        result.get()
    )
}

/// `{"jsonrpc":"2.0","id":ID,"error":ERROR}`.
pub fn error(id: &RawValue, error: &ErrorObject) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{},"error":{}}}"#,
        id.get(),
        error.to_json()
    )
}

/// An error answer to a message whose id cannot be known.
pub fn null_error(kind: ProtocolError, detail: impl Into<String>) -> String {
    error(Id::null().as_raw(), &kind.object(detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(line: &str) -> Member {
        match parse(line.as_bytes()) {
            Some(Message::Single(member)) => member,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn the_specifications_invalid_requests_are_invalid() {
        for line in [
            r#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#,
            r#"{"foo": "boo"}"#,
            r#"{"method": "health"}"#,
            r#"{"jsonrpc": "1.0", "method": "health", "id": 1}"#,
            r#"{"jsonrpc": "2.0", "method": "health", "id": {}}"#,
            r#"{"jsonrpc": "2.0", "method": "health", "id": [1]}"#,
            r#"{"jsonrpc": "2.0", "method": "health", "id": true}"#,
            r#"{"jsonrpc": "2.0", "method": "health", "params": null}"#,
            r#"{"jsonrpc": "2.0", "method": "health", "params": 3}"#,
            r#"{"jsonrpc": "2.0", "method": "a", "method": "b"}"#,
            "1",
            r#""x""#,
            "null",
        ] {
            assert!(single(line).is_err(), "{line}");
        }
    }

    #[test]
    fn ids_are_kept_as_written() {
        for id in [
            "1",
            "-7",
            "1.50",
            "1e3",
            "18446744073709551616",
            r#""a\"b""#,
            "null",
        ] {
            let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"m"}}"#);
            let request = single(&line).unwrap();
            assert_eq!(request.id.unwrap().as_raw().get(), id);
        }
        let request = single(r#"{"jsonrpc":"2.0","method":"m","extra":1}"#).unwrap();
        assert!(request.id.is_none(), "a notification");
    }

    #[test]
    fn batches_keep_their_members_in_order() {
        let Some(Message::Batch(members)) =
            parse(br#"[{"jsonrpc":"2.0","id":1,"method":"a"}, {"foo":"boo"}, 7]"#)
        else {
            panic!()
        };
        assert_eq!(members.len(), 3);
        assert_eq!(members[0].as_ref().unwrap().method, "a");
        assert!(members[1].is_err() && members[2].is_err());
    }

    #[test]
    fn junk_is_refused_whole() {
        for (line, kind) in [
            ("[]", ProtocolError::InvalidRequest),
            ("{", ProtocolError::Parse),
            (r#"{"method": 1, "x": ]"#, ProtocolError::Parse),
            ("[1,", ProtocolError::Parse),
        ] {
            match parse(line.as_bytes()) {
                Some(Message::Refused(k, _)) => assert_eq!(k, kind, "{line}"),
                other => panic!("{line}: {other:?}"),
            }
        }
        assert!(matches!(
            parse(b"\xff"),
            Some(Message::Refused(ProtocolError::Parse, _))
        ));
        assert!(parse(b"  ").is_none());
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let request = single("\u{feff}{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}").unwrap();
        assert_eq!(request.method, "m");
    }
}
