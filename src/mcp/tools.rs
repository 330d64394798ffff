//! `tools/list` and `tools/call`: the method table as MCP tools.

use crate::api::openrpc::schema_of;
use crate::api::{errors, for_each_method, params, Method, Visitor};
use crate::domain::Error;
use crate::service::Service;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{Extensions, Methods, RpcModule};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

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

// `_meta` and whatever later revisions add are accepted and ignored.
#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Option<Value>,
}

/// Success: the result as `structuredContent`, and as JSON text for clients that read only
/// `content`.
fn success(result: Value) -> Value {
    json!({
        "content": [{"type": "text", "text": result.to_string()}],
        "structuredContent": result,
        "isError": false,
    })
}

/// A method's error as a tool result, so the agent sees it and can correct its arguments: one
/// line with code, detail and field, then the whole error object (`data.errors` of
/// INVALID_CRONTAB included). No `structuredContent`: it would have to match `outputSchema`.
fn failure(error: &Value) -> Value {
    let data = &error["data"];
    let code = data["code"].as_str().unwrap_or("ERROR");
    let detail = data["detail"]
        .as_str()
        .or_else(|| error["message"].as_str())
        .unwrap_or_default();
    let mut text = format!("{code}: {detail}");
    if let Some(field) = data["field"].as_str() {
        text.push_str(&format!(" (field: {field})"));
    }
    text.push('\n');
    text.push_str(&error.to_string());
    json!({"content": [{"type": "text", "text": text}], "isError": true})
}

fn unknown_tool(name: &str) -> ErrorObjectOwned {
    let detail = format!("no tool named {name:?}; tools/list lists them");
    errors::to_rpc(&Error::invalid_params(Some("name".into()), detail))
}

/// Runs the tool's method through `methods` (with the connection's extensions, hence its
/// caller) exactly as a JSON-RPC request for it would run.
async fn call(methods: Methods, raw: Option<String>) -> Result<Value, ErrorObjectOwned> {
    let params: CallParams = params::parse(raw.as_deref()).map_err(|e| errors::to_rpc(&e))?;
    let tool = tool_list()
        .iter()
        .find(|t| t.name() == params.name)
        .ok_or_else(|| unknown_tool(&params.name))?;
    let arguments = match params.arguments {
        None | Some(Value::Null) => json!({}),
        Some(arguments) => arguments,
    };
    let request = json!({"jsonrpc": "2.0", "id": 0, "method": tool.method, "params": arguments});
    let internal = |e: &dyn std::fmt::Display| {
        ErrorObjectOwned::owned(
            errors::INTERNAL_ERROR,
            "Internal error",
            Some(e.to_string()),
        )
    };
    let (raw, _) = methods
        .raw_json_request(&request.to_string(), 1)
        .await
        .map_err(|e| internal(&e))?;
    let mut response: Value = serde_json::from_str(raw.get()).map_err(|e| internal(&e))?;
    if let Some(result) = response.get_mut("result") {
        return Ok(success(result.take()));
    }
    match response.get("error") {
        Some(error) => Ok(failure(error)),
        None => Err(internal(&"the method gave neither a result nor an error")),
    }
}

pub(super) fn register(module: &mut RpcModule<Service>) {
    module
        .register_method("tools/list", |_, _, _| {
            let tools: Vec<&Value> = tool_list().iter().map(|t| &t.definition).collect();
            json!({ "tools": tools })
        })
        .expect("tools/list is not a contract method");

    // tools/call needs the module it is part of; it is filled in once registration is done.
    let table: Arc<OnceLock<Methods>> = Arc::default();
    let cell = table.clone();
    module
        .register_async_method("tools/call", move |params, _, ext: Extensions| {
            let raw = params.as_str().map(str::to_owned);
            let mut methods = cell.get().expect("set at registration").clone();
            // The connection's extensions, not the module's: the tool runs as this caller.
            *methods.extensions_mut() = ext;
            call(methods, raw)
        })
        .expect("tools/call is not a contract method");
    let _ = table.set(module.clone());
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
