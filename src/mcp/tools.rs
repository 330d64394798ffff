//! `tools/list` and `tools/call`: the method table as MCP tools.
//!
//! A call goes through the method table's types (`api::Method`): its arguments are parsed
//! into the method's params struct exactly as a JSON-RPC request's params are, and the
//! service function is called with the connection's `Caller`. No JSON-RPC text is built.

use super::era::{self, Modern};
use super::Session;
use crate::api::errors::ErrorObject as ErrorObjectOwned;
use crate::api::openrpc::schema_of;
use crate::api::{errors, for_each_method, params, Method, Order, Router, Visitor};
use crate::domain::Error;
use crate::service::{Caller, Context};
use rmcp::model::{CacheScope, CallToolResult, ContentBlock, JsonObject, ToolAnnotations};
use serde::Deserialize;
use serde_json::value::RawValue;
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

fn object(schema: Value) -> Arc<JsonObject> {
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => unreachable!("schemars writes every schema here as an object"),
    }
}

struct Collect(Vec<Tool>);

impl Visitor for Collect {
    fn visit<M: Method>(&mut self) {
        if !M::TOOL {
            return;
        }
        let title = M::SUMMARY.trim_end_matches('.');
        let hints = M::HINTS;
        let annotations = ToolAnnotations::from_raw(
            Some(title.to_owned()),
            Some(hints.read_only),
            Some(hints.destructive),
            Some(hints.idempotent),
            Some(hints.open_world),
        );
        let mut tool = rmcp::model::Tool::default();
        tool.name = tool_name(M::NAME).into();
        tool.title = Some(title.to_owned());
        tool.description = Some(M::DESCRIPTION.into());
        tool.input_schema = object(tool_schema(schema_of::<M::Params>().to_value()));
        tool.output_schema = Some(object(tool_schema(schema_of::<M::Output>().to_value())));
        tool.annotations = Some(annotations);
        self.0.push(Tool {
            method: M::NAME,
            definition: json!(tool),
        });
    }
}

/// Every tool, in the method table's order (fixed, so clients and prompt caches can keep
/// the list); built once.
pub fn tool_list() -> &'static [Tool] {
    static TOOLS: OnceLock<Vec<Tool>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let mut collect = Collect(Vec::new());
        for_each_method(&mut collect);
        collect.0
    })
}

pub fn find(name: &str) -> Option<&'static Tool> {
    tool_list().iter().find(|t| t.name() == name)
}

fn parse_value(raw: Option<&str>) -> std::result::Result<Value, ErrorObjectOwned> {
    let params: Value = params::parse(raw).map_err(|e| errors::to_rpc(&e))?;
    Ok(params)
}

/// Every tool fits on one page, so no cursor was ever handed out: any cursor is unknown.
fn list(raw: Option<&str>) -> std::result::Result<Value, ErrorObjectOwned> {
    let params = parse_value(raw)?;
    let modern = era::read(&params)?;
    match params.get("cursor") {
        None | Some(Value::Null) => {}
        Some(cursor) => {
            let detail =
                format!("no page has the cursor {cursor}: every tool is on the first page");
            return Err(errors::to_rpc(&Error::invalid_params(
                Some("cursor".into()),
                detail,
            )));
        }
    }
    let tools: Vec<&Value> = tool_list().iter().map(|t| &t.definition).collect();
    let mut result = json!({ "tools": tools });
    if modern.is_some() {
        result["ttlMs"] = json!(super::discover::TTL_MS);
        result["cacheScope"] = json!(CacheScope::Public);
    }
    Ok(era::complete(result, modern.as_ref()))
}

// `_meta` is read separately; whatever later revisions add is accepted and ignored.
#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Option<Box<RawValue>>,
}

/// Success: the result as `structuredContent`, and as JSON text for clients that read only
/// `content`.
pub(super) fn success(result: Value) -> CallToolResult {
    let mut call = CallToolResult::success(vec![ContentBlock::text(result.to_string())]);
    call.structured_content = Some(result);
    call
}

/// A method's error as a tool result, so the agent sees it and can correct its arguments: one
/// line with code, detail and field, then the whole error object (`data.errors` of
/// INVALID_CRONTAB included). No `structuredContent`: it would have to match `outputSchema`.
pub(super) fn failure(error: &ErrorObjectOwned) -> CallToolResult {
    let error = json!(error);
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
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// A tool result on the wire: legacy results carry no `resultType` (older clients never
/// heard of it); modern ones do, with the server in `_meta`.
pub(super) fn answer(call: CallToolResult, modern: Option<&Modern>) -> Value {
    let mut call = call;
    if modern.is_none() {
        call.result_type = None;
    }
    era::complete(json!(call), modern)
}

fn unknown_tool(name: &str) -> ErrorObjectOwned {
    let detail = format!("no tool named {name:?}; tools/list lists them");
    errors::to_rpc(&Error::invalid_params(Some("name".into()), detail))
}

/// What a `tools/call` asks for, checked: the tool, its arguments (an object), the era, and
/// the caller it runs as.
pub(super) struct Call {
    pub tool: &'static Tool,
    pub arguments: String,
    pub modern: Option<Modern>,
    pub caller: Caller,
}

impl Call {
    pub fn parse(
        raw: Option<&str>,
        session: &Session,
        caller: Caller,
    ) -> std::result::Result<Self, ErrorObjectOwned> {
        let call: CallParams = params::parse(raw).map_err(|e| errors::to_rpc(&e))?;
        let params = parse_value(raw)?;
        let modern = era::read(&params)?;
        let tool = find(&call.name).ok_or_else(|| unknown_tool(&call.name))?;
        let arguments = match call.arguments.as_deref().map(|a| a.get().trim()) {
            None | Some("null") => "{}".to_owned(),
            Some(a) if a.starts_with('{') => a.to_owned(),
            Some(_) => {
                return Err(errors::to_rpc(&Error::invalid_params(
                    Some("arguments".into()),
                    "arguments must be an object of the tool's named parameters",
                )))
            }
        };
        // The transport puts the caller in the connection's extensions; without one
        // (in-process use) the caller is the user cronrpc runs as.
        let mut caller = caller;
        caller.client = match &modern {
            Some(modern) => modern.client_name.clone(),
            None => session.client_name(),
        };
        Ok(Call {
            tool,
            arguments,
            modern,
            caller,
        })
    }

    /// Runs the tool's method on a blocking thread (services do file and process I/O).
    /// Runs the tool's method through the router (the caller's share, typed params parsed
    /// once), with `ctx`'s effect signal, as a JSON-RPC request for it would run.
    pub async fn run(
        self,
        router: Router,
        ctx: Context,
    ) -> std::result::Result<Value, ErrorObjectOwned> {
        let Call {
            tool,
            arguments,
            modern,
            caller,
        } = self;
        let route = router
            .route(tool.method)
            .ok_or_else(|| unknown_tool(tool.method))?;
        let arguments = RawValue::from_string(arguments).map_err(|e| super::internal(&e))?;
        let mut ctx = ctx;
        ctx.caller = caller;
        let call = match router.call_json(route, ctx, Some(arguments)).await {
            Ok(result) => {
                success(serde_json::from_str(result.get()).map_err(|e| super::internal(&e))?)
            }
            Err(error) => failure(&error),
        };
        Ok(answer(call, modern.as_ref()))
    }
}

/// A tool call is ordered as the method it calls; a call of no known tool waits for nothing.
pub(super) fn order(router: &Router, raw: Option<&str>) -> Order {
    #[derive(Deserialize)]
    struct Name {
        name: String,
    }
    raw.and_then(|p| serde_json::from_str::<Name>(p).ok())
        .and_then(|call| find(&call.name))
        .and_then(|tool| router.route(tool.method))
        .map_or(Order::Control, |route| route.hints.order())
}

pub(super) fn list_tools(raw: Option<&str>) -> std::result::Result<Value, ErrorObjectOwned> {
    list(raw)
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
