//! `tools/list` and `tools/call`: the method table as MCP tools.
//!
//! A call goes through the method table's types (`api::Method`): its arguments are parsed
//! into the method's params struct exactly as a JSON-RPC request's params are, and the
//! service function is called with the connection's `Caller`. No JSON-RPC text is built.

use super::era::{self, Modern};
use super::method::{string_member, Origin};
use super::schema::tool_schema;
use crate::api::errors::ErrorObject;
use crate::api::openrpc::schema_of;
use crate::api::{self, errors, for_each_method, params, Method, Router, Visitor};
use crate::domain::{Error, Result};
use crate::service::{Caller, Service};
use rmcp::model::{CacheScope, CallToolResult, ContentBlock, JsonObject, ToolAnnotations};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// A tool's method, typed: parse the arguments (as sent) into its params, call the service.
type CallFn = fn(&Service, &Caller, &RawValue) -> Result<Value>;

/// One tool: the method it calls and its `tools/list` entry.
#[derive(Debug, Clone)]
pub struct Tool {
    pub method: &'static str,
    pub definition: Value,
    call: CallFn,
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

fn call_method<M: Method>(
    service: &Service,
    caller: &Caller,
    arguments: &RawValue,
) -> Result<Value> {
    let params = params::parse::<M::Params>(Some(arguments.get()))?;
    let output = M::call(
        service,
        &crate::service::Context::new(caller.clone()),
        params,
    )?;
    serde_json::to_value(output).map_err(|e| Error::backend(format!("writing the result: {e}")))
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
            call: call_method::<M>,
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

/// `tools/list`'s params.
#[derive(Deserialize)]
pub(super) struct ListParams {
    #[serde(default)]
    cursor: Option<Value>,
    #[serde(rename = "_meta", default)]
    meta: era::Meta,
}

/// Every tool fits on one page, so no cursor was ever handed out: any cursor is unknown.
pub(super) fn list(params: ListParams) -> std::result::Result<Value, ErrorObject> {
    let modern = era::read(&params.meta)?;
    match params.cursor {
        None => {}
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

/// `tools/call`'s params; whatever later revisions add is accepted and ignored. `name` is
/// checked after `_meta`, so that a request in an unsupported version is refused as such;
/// `arguments` stay as sent until the tool's method parses them into its params.
#[derive(Deserialize)]
pub(super) struct CallParams {
    #[serde(default)]
    name: Option<Value>,
    #[serde(default)]
    arguments: Option<Box<RawValue>>,
    #[serde(rename = "_meta", default)]
    meta: era::Meta,
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
pub(super) fn failure(error: &Error) -> CallToolResult {
    let error = json!(errors::to_rpc(error));
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

fn unknown_tool(name: &str) -> ErrorObject {
    let detail = format!("no tool named {name:?}; tools/list lists them");
    errors::to_rpc(&Error::invalid_params(Some("name".into()), detail))
}

/// What a `tools/call` asks for, checked as far as the request alone can be: the tool, its
/// arguments (an object), the era. The caller it runs as comes with its turn ([`Call::run`]).
pub(super) struct Call {
    pub tool: &'static Tool,
    /// An object, as sent; the tool's method parses it into its params.
    pub arguments: Box<RawValue>,
    pub modern: Option<Modern>,
    /// `_meta.progressToken`: the client wants progress while the call runs.
    pub progress_token: Option<Value>,
}

impl Call {
    pub fn new(params: CallParams) -> std::result::Result<Self, ErrorObject> {
        // The envelope first: a request in an unsupported version is refused as such.
        let modern = era::read(&params.meta)?;
        let name = string_member(params.name, "name")?;
        let tool = find(&name).ok_or_else(|| unknown_tool(&name))?;
        let arguments = match params.arguments {
            None => RawValue::from_string("{}".to_owned()).expect("{} is JSON"),
            Some(a) if a.get().trim_start().starts_with('{') => a,
            Some(_) => {
                return Err(errors::to_rpc(&Error::invalid_params(
                    Some("arguments".into()),
                    "arguments must be an object of the tool's named parameters",
                )))
            }
        };
        Ok(Call {
            tool,
            arguments,
            progress_token: era::progress_token(&params.meta),
            modern,
        })
    }

    /// A tool call is ordered as the method it calls.
    pub fn order(&self, router: &Router) -> api::Order {
        router
            .route(self.tool.method)
            .map_or(api::Order::Control, |route| route.hints.order())
    }

    /// The caller the call runs as: a legacy call's client is the handshake's (on the caller
    /// already); a modern call's is what that request says, nothing earlier.
    pub fn caller(&self, origin: &Origin) -> Caller {
        let mut caller = origin.caller.clone();
        if let Some(modern) = &self.modern {
            caller.client = modern.client_name.clone();
        }
        caller
    }

    /// Runs the tool's method on a blocking thread (services do file and process I/O), within
    /// the caller's share, as the method table's own calls are.
    pub async fn run(
        self,
        origin: Origin,
        router: Router,
    ) -> std::result::Result<Value, ErrorObject> {
        if self.tool.method == api::EntriesRun::NAME {
            return super::run_tool::run(self, origin, router).await;
        }
        let caller = self.caller(&origin);
        let Call {
            tool,
            arguments,
            modern,
            ..
        } = self;
        let long = router.route(tool.method).is_some_and(|r| r.hints.long);
        let outcome = router
            .blocking(caller.uid, long, move |service| {
                (tool.call)(service, &caller, &arguments)
            })
            .await
            .map_err(|e| super::internal(&e))?;
        let call = match outcome {
            Ok(result) => success(result),
            Err(error) => failure(&error),
        };
        Ok(answer(call, modern.as_ref()))
    }
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
