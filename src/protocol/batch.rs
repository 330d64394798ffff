//! A batch's members parsed in the same pass that reads the batch.
//!
//! A batch cannot simply be a `Vec<Wire>`: one invalid member would abort the whole array,
//! where JSON-RPC answers each invalid member apart. Reading each member as raw text first and
//! then parsing that text into a request reads every member twice. Here each member is read
//! once, as an object of raw members (`params` stays raw text, as it does for a single
//! message), and checked as `Wire` checks it. A member that fails a check (an error answer
//! anyway) is rebuilt from its raw members and parsed by [`member`], so its error is word for
//! word the one a single message gets; a batch that does not read at all this way is read the
//! old way by the caller, so a batch is answered exactly as before either way.

use super::envelope::{self, member, Id, Member, Request};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The members of `text` (a JSON array), each read once; `None` if it does not read this way
/// (broken JSON, a member serde_json cannot visit, such as a number out of range).
pub(super) fn members(text: &str) -> Option<Vec<Member>> {
    serde_json::from_str::<Members>(text).ok().map(|m| m.0)
}

struct Members(Vec<Member>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Array;
        impl<'de> Visitor<'de> for Array {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a batch of requests")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Members, A::Error> {
                let mut members = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(One(member)) = seq.next_element()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_seq(Array)
    }
}

/// One member, read once.
struct One(Member);

impl<'de> Deserialize<'de> for One {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(OneVisitor)
    }
}

/// A key as sent, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct K;
        impl<'de> Visitor<'de> for K {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(K)
    }
}

struct OneVisitor;

/// What serde says of a member that is not an object, as [`member`] words it.
const NOT_AN_OBJECT: &str = "a request is a JSON object";

fn not_an_object<E>() -> Result<One, E> {
    Ok(One(Err(NOT_AN_OBJECT.into())))
}

impl<'de> Visitor<'de> for OneVisitor {
    type Value = One;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a request")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<One, A::Error> {
        let mut fields: Vec<(Key<'de>, &'de RawValue)> = Vec::with_capacity(4);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<&'de RawValue>()?;
            fields.push((key, value));
        }
        Ok(One(checked(&fields).unwrap_or_else(|| {
            let rebuilt = fields
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(&k.0), v.get()))
                .collect::<Vec<_>>()
                .join(",");
            member(&format!("{{{rebuilt}}}"))
        })))
    }

    // Serde reads a struct from an array too (its members in order); so does a batch member.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<One, A::Error> {
        let mut items: Vec<&'de str> = Vec::new();
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item.get());
        }
        Ok(One(member(&format!("[{}]", items.join(",")))))
    }

    fn visit_bool<E>(self, _: bool) -> Result<One, E> {
        not_an_object()
    }
    fn visit_i64<E>(self, _: i64) -> Result<One, E> {
        not_an_object()
    }
    fn visit_u64<E>(self, _: u64) -> Result<One, E> {
        not_an_object()
    }
    fn visit_f64<E>(self, _: f64) -> Result<One, E> {
        not_an_object()
    }
    fn visit_str<E>(self, _: &str) -> Result<One, E> {
        not_an_object()
    }
    fn visit_unit<E>(self) -> Result<One, E> {
        not_an_object()
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The request `fields` make, when each is what `Wire` accepts; `None` otherwise (the member
/// is then answered an error, worded by [`member`]).
fn checked(fields: &[(Key<'_>, &RawValue)]) -> Option<Member> {
    let (mut version, mut id, mut method, mut params) = (None, None, None, None);
    for (key, value) in fields {
        let slot = match key.0.as_ref() {
            "jsonrpc" => &mut version,
            "id" => &mut id,
            "method" => &mut method,
            "params" => &mut params,
            _ => continue,
        };
        if slot.replace(*value).is_some() {
            return None;
        }
    }
    if version?.get() != envelope::VERSION {
        return None;
    }
    let method = serde_json::from_str::<String>(method?.get()).ok()?;
    let id = match id {
        None => None,
        Some(id) => Some(Id::from_raw(id)?),
    };
    let params = match params {
        None => None,
        Some(p) => Some(envelope::structured_raw(p)?),
    };
    Some(Ok(Request { id, method, params }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every member reads as it does on its own, valid or not, and a valid batch is read in
    /// one pass (`members` answers it, rather than leaving it to the two-pass reading).
    #[test]
    fn members_read_once_read_as_they_do_alone() {
        let lines = [
            r#"{"jsonrpc":"2.0","id":1,"method":"a","params":{"x":[1,{"y":"z"}]}}"#,
            r#"{"jsonrpc":"2.0","method":"n\u0061me","params":[],"extra":{"k":1},"extra":2}"#,
            r#"{"params":{},"id":"\"q\"","method":"m","jsonrpc":"2.0"}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"m"}"#,
            r#"{"jsonrpc":"2.0","id":1.50,"method":"m"}"#,
            r#"{"j\u0073onrpc":"2.0","method":"m"}"#,
            r#"["2.0",1,"m"]"#,
            r#"{"jsonrpc":"2.0","method":"a","method":"b"}"#,
            r#"{"jsonrpc":"\u0032.0","method":"m"}"#,
            r#"{"jsonrpc":"1.0","method":"m"}"#,
            r#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#,
            r#"{"jsonrpc":"2.0","method":"m","id":{}}"#,
            r#"{"jsonrpc":"2.0","method":"m","id":true}"#,
            r#"{"jsonrpc":"2.0","method":"m","params":null}"#,
            r#"{"jsonrpc":"2.0","method":"m","params":3}"#,
            r#"{"method":"m"}"#,
            r#"{"foo":"boo"}"#,
            r#"{}"#,
            "[]",
            "7",
            "-1.5",
            r#""x""#,
            "null",
            "true",
        ];
        let batch = format!("[{}]", lines.join(" , "));
        let once = members(&batch).expect("read in one pass");
        assert_eq!(once.len(), lines.len());
        for (line, once) in lines.iter().zip(once) {
            assert_eq!(format!("{once:?}"), format!("{:?}", member(line)), "{line}");
        }
    }

    #[test]
    fn what_does_not_read_in_one_pass_is_left_to_the_caller() {
        assert!(members("[1e400]").is_none());
        assert!(members("[{\"a\" 1}]").is_none());
    }
}
