//! Turning a request's params into a method's params struct, with the field at fault named.

use crate::domain::{Error, Result};
use serde::de::DeserializeOwned;

/// Parses params given by name. Absent params read as `{}`; params by position are refused,
/// since every method takes named params.
pub fn parse<T: DeserializeOwned>(raw: Option<&str>) -> Result<T> {
    let raw = raw.map(str::trim).unwrap_or("{}");
    if !raw.starts_with('{') {
        return Err(Error::invalid_params(
            None,
            "params must be an object of named parameters",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(raw);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = strip_position(&inner.to_string());
        let field = named_field(&message).or_else(|| (path != ".").then_some(path));
        Error::invalid_params(field, message)
    })
}

/// serde_json appends " at line 1 column 42", which says nothing to the caller.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The field named in serde's "unknown field `x`", "missing field `x`", "duplicate field `x`".
fn named_field(message: &str) -> Option<String> {
    ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| {
            let rest = message.strip_prefix(prefix)?;
            rest.split('`').next().map(str::to_owned)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorKind;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct P {
        user: String,
        #[serde(default)]
        limit: Option<u32>,
    }

    fn field_of(raw: &str) -> Option<String> {
        let err = parse::<P>(Some(raw)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidParams);
        err.field
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(
            field_of(r#"{"user":"a","limt":3}"#).as_deref(),
            Some("limt")
        );
        assert_eq!(field_of(r#"{}"#).as_deref(), Some("user"));
        assert_eq!(field_of(r#"{"user":5}"#).as_deref(), Some("user"));
        assert_eq!(
            field_of(r#"{"user":"a","limit":"x"}"#).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field_of(r#"{"user":"a","user":"b"}"#).as_deref(),
            Some("user")
        );
        assert_eq!(field_of(r#"["a"]"#), None);
    }

    #[test]
    fn absent_params_are_an_empty_object() {
        let err = parse::<P>(None).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("user"));
    }
}
