//! Finding the id of a request too large to parse, so its error can still be matched to it.

use serde_json::Value;

/// The top-level `"id"` member of a JSON object's first bytes, if it is there and complete.
pub fn top_level_id(head: &[u8]) -> Value {
    let mut depth = 0usize;
    let mut i = 0;
    while i < head.len() {
        match head[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let end = string_end(head, i);
                if depth == 1 && &head[i..end] == b"\"id\"" {
                    if let Some(id) = value_after_colon(&head[end..]) {
                        return id;
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Value::Null
}

/// Index just past the string starting at `start` (or the end of input).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn value_after_colon(rest: &[u8]) -> Option<Value> {
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    let len = match rest.first()? {
        b'"' => string_end(rest, 0),
        // A number running to the end of the head may have been cut off.
        _ => rest
            .iter()
            .position(|b| matches!(b, b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n'))?,
    };
    serde_json::from_slice::<Value>(&rest[..len])
        .ok()
        .filter(|v| v.is_string() || v.is_number() || v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_only_the_top_level_id() {
        assert_eq!(
            top_level_id(br#"{"jsonrpc":"2.0","id":7,"method":"x","params":{"#),
            json!(7)
        );
        assert_eq!(
            top_level_id(br#"{"params":{"id":"inner"},"id":"outer","x":"#),
            json!("outer")
        );
        assert_eq!(
            top_level_id(br#"{"method":"a\"id\"","id" : "s\"q" ,"#),
            json!("s\"q")
        );
        assert_eq!(
            top_level_id(br#"{"params":{"id":"inner"},"padding":"xxxx"#),
            Value::Null
        );
        assert_eq!(
            top_level_id(br#"{"id":12"#),
            Value::Null,
            "a cut-off number is not trusted"
        );
    }
}
