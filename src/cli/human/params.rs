//! Building a method's params object from command-line values.

use serde_json::{Map, Value};

/// A params object; `None` leaves the field out, so the method's default applies.
pub fn params<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let map: Map<String, Value> = fields
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect();
    Value::Object(map)
}

pub fn v(value: impl Into<Value>) -> Option<Value> {
    Some(value.into())
}

pub fn opt(value: Option<impl Into<Value>>) -> Option<Value> {
    value.map(Into::into)
}

/// `Some(value)`, `Some(null)` when cleared, `None` when neither was asked for.
pub fn set_or_clear(value: Option<String>, clear: bool) -> Option<Value> {
    if clear {
        Some(Value::Null)
    } else {
        opt(value)
    }
}

pub fn flag(on: bool, off: bool) -> Option<Value> {
    match (on, off) {
        (true, _) => v(true),
        (_, true) => v(false),
        _ => None,
    }
}
