//! `tools/list` and `tools/call`: the method table as MCP tools.

use crate::api::errors::ErrorObject;
use crate::api::openrpc::schema_of;
use crate::api::{errors, for_each_method, params, Method, Order, Router, Visitor};
use crate::domain::Error;
use crate::service::Context;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// One tool: the method it calls and its `tools/list` entry.
#[derive(Debug, Clone)]
pub struct Tool {
    pub method: &'static str,
    pub definition: Value,
}

impl Tool {
    pub fn name(&self) -> &str {
        self.definition["name"]
            .as_str()
            .expect("every tool has a name")
    }
}

/// MCP tool names allow no dots (`^[A-Za-z0-9_-]+$` in 2025-11-25, and some runners refuse
/// them), so `entries.create` becomes `entries_create`.
pub fn tool_name(method: &str) -> String {
    method.replace('.', "_")
}

/// Tool schemas stand alone: MCP reads a schema without `$schema` as draft 2020-12, which
/// these are, while validators that default to draft-07 (plain Ajv) refuse the 2020-12 URI.
fn tool_schema(mut schema: Value) -> Value {
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
    }
    drop_integer_formats(&mut schema);
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

struct Collect(Vec<Tool>);

impl Visitor for Collect {
    fn visit<M: Method>(&mut self) {
        if !M::TOOL {
            return;
        }
        let title = M::SUMMARY.trim_end_matches('.');
        let definition = json!({
            "name": tool_name(M::NAME),
            "title": title,
            "description": M::DESCRIPTION,
            "inputSchema": tool_schema(schema_of::<M::Params>().to_value()),
            "outputSchema": tool_schema(schema_of::<M::Output>().to_value()),
            "annotations": {
                "title": title,
                "readOnlyHint": M::HINTS.read_only,
                "destructiveHint": M::HINTS.destructive,
                "idempotentHint": M::HINTS.idempotent,
            },
        });
        self.0.push(Tool {
            method: M::NAME,
            definition,
        });
    }
}

/// Every tool, in the method table's order; built once.
pub fn tool_list() -> &'static [Tool] {
    static TOOLS: OnceLock<Vec<Tool>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let mut collect = Collect(Vec::new());
        for_each_method(&mut collect);
        collect.0
    })
}

/// The `tools/list` answer, built once.
pub(super) fn list() -> Box<RawValue> {
    static LIST: OnceLock<Box<RawValue>> = OnceLock::new();
    LIST.get_or_init(|| {
        let tools: Vec<&Value> = tool_list().iter().map(|t| &t.definition).collect();
        serde_json::value::to_raw_value(&json!({ "tools": tools })).expect("JSON serializes")
    })
    .clone()
}

// `_meta` and whatever later revisions add are accepted and ignored.
#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct CallName {
    name: String,
}

/// A tool call is ordered as the method it calls; a call of no known tool waits for nothing.
pub(super) fn order(router: &Router, params: Option<&RawValue>) -> Order {
    params
        .and_then(|p| serde_json::from_str::<CallName>(p.get()).ok())
        .and_then(|call| tool_list().iter().find(|t| t.name() == call.name))
        .and_then(|tool| router.route(tool.method))
        .map_or(Order::Control, |route| route.hints.order())
}

#[derive(Serialize)]
struct Text<'a> {
    r#type: &'static str,
    text: &'a str,
}

/// Success: the result as `structuredContent`, and as JSON text for clients that read only
/// `content`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Success<'a> {
    content: [Text<'a>; 1],
    structured_content: &'a RawValue,
    is_error: bool,
}

fn success(result: &RawValue) -> Box<RawValue> {
    let success = Success {
        content: [Text {
            r#type: "text",
            text: result.get(),
        }],
        structured_content: result,
        is_error: false,
    };
    serde_json::value::to_raw_value(&success).expect("JSON serializes")
}

/// A method's error as a tool result, so the agent sees it and can correct its arguments: one
/// line with code, detail and field, then the whole error object (`data.errors` of
/// INVALID_CRONTAB included). No `structuredContent`: it would have to match `outputSchema`.
fn failure(error: &ErrorObject) -> Box<RawValue> {
    let data = &error.data;
    let code = data["code"].as_str().unwrap_or("ERROR");
    let detail = data["detail"].as_str().unwrap_or(error.message);
    let mut text = format!("{code}: {detail}");
    if let Some(field) = data["field"].as_str() {
        text.push_str(&format!(" (field: {field})"));
    }
    text.push('\n');
    text.push_str(&error.to_json());
    let failure = json!({"content": [{"type": "text", "text": text}], "isError": true});
    serde_json::value::to_raw_value(&failure).expect("JSON serializes")
}

fn unknown_tool(name: &str) -> ErrorObject {
    let detail = format!("no tool named {name:?}; tools/list lists them");
    errors::to_rpc(&Error::invalid_params(Some("name".into()), detail))
}

/// Runs the tool's method through the router, as `ctx.caller`, exactly as a JSON-RPC request
/// for it would run.
pub(super) async fn call(
    router: Router,
    ctx: Context,
    raw: Option<Box<RawValue>>,
) -> Result<Box<RawValue>, ErrorObject> {
    let params: CallParams =
        params::parse(raw.as_deref().map(RawValue::get)).map_err(|e| errors::to_rpc(&e))?;
    let route = tool_list()
        .iter()
        .find(|t| t.name() == params.name)
        .and_then(|tool| router.route(tool.method))
        .ok_or_else(|| unknown_tool(&params.name))?;
    let arguments = params.arguments.filter(|a| a.get().trim() != "null");
    match router.call_json(route, ctx, arguments).await {
        Ok(result) => Ok(success(&result)),
        Err(error) => Ok(failure(&error)),
    }
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
