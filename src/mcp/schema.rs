//! Tool schemas as MCP clients read them: the method's JSON Schema, made portable.

use serde_json::{json, Map, Value};

/// Tool schemas stand alone: MCP reads a schema without `$schema` as draft 2020-12, which
/// these are, while validators that default to draft-07 (plain Ajv) refuse the 2020-12 URI.
pub fn tool_schema(mut schema: Value) -> Value {
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
    }
    drop_integer_formats(&mut schema);
    nullable_as_any_of(&mut schema);
    schema
}

/// schemars marks integers with formats like `uint64`, which no JSON Schema vocabulary
/// defines; the TypeScript SDK's validator warns on stderr about each, on every call. The
/// `minimum` next to them still says what they mean.
fn drop_integer_formats(schema: &mut Value) {
    const SCHEMARS_FORMATS: [&str; 10] = [
        "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
    ];
    match schema {
        Value::Object(object) => {
            if object
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| SCHEMARS_FORMATS.contains(&f))
            {
                object.remove("format");
            }
            object.values_mut().for_each(drop_integer_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_integer_formats),
        _ => {}
    }
}

/// `"type": [X, "null"]` becomes `"anyOf": [{"type": X, ...}, {"type": "null"}]`: the same
/// set of values, in the form MCP Inspector's `--strict` accepts without a portability warning
/// (some model providers refuse type arrays). What constrains X (format, bounds, enum) moves
/// into X's branch; what describes the field (description, default) stays outside.
fn nullable_as_any_of(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            object.values_mut().for_each(nullable_as_any_of);
            let Some(Value::Array(types)) = object.get("type") else {
                return;
            };
            let non_null: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
            if non_null.len() != 1 || non_null.len() == types.len() {
                return;
            }
            let mut branch = Map::new();
            branch.insert("type".into(), non_null[0].clone());
            const DESCRIBES: [&str; 5] =
                ["description", "default", "title", "examples", "deprecated"];
            for key in object.keys().cloned().collect::<Vec<_>>() {
                if key != "type" && !DESCRIBES.contains(&key.as_str()) {
                    if let Some(value) = object.remove(&key) {
                        branch.insert(key, value);
                    }
                }
            }
            object.remove("type");
            object.insert(
                "anyOf".into(),
                json!([Value::Object(branch), {"type": "null"}]),
            );
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_as_any_of),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nullable_type_becomes_any_of_with_its_constraints_inside() {
        let mut schema = json!({"properties": {"n": {
            "type": ["integer", "null"], "minimum": 1, "description": "how many", "default": null
        }}});
        nullable_as_any_of(&mut schema);
        assert_eq!(
            schema["properties"]["n"],
            json!({"description": "how many", "default": null,
                   "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})
        );
        // Nothing else changes.
        let mut plain = json!({"type": "object", "properties": {"s": {"type": "string"}}});
        let before = plain.clone();
        nullable_as_any_of(&mut plain);
        assert_eq!(plain, before);
    }
}
