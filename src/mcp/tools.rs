//! `tools/list` and `tools/call`: the method table as MCP tools.
//!
//! A call goes through the method table's types (`api::Method`): its arguments are parsed
//! into the method's params struct exactly as a JSON-RPC request's params are, and the
//! service function is called with the connection's `Caller`. No JSON-RPC text is built.

use super::era::{self, Modern};
use super::schema::tool_schema;
use super::shim::{Extensions, RpcModule};
use crate::api::errors::ErrorObject as ErrorObjectOwned;
use crate::api::openrpc::schema_of;
use crate::api::{self, errors, for_each_method, params, Method, Visitor};
use crate::domain::{Error, Result};
use crate::protocol::InFlight;
use crate::service::{Caller, Service};
use rmcp::model::{CacheScope, CallToolResult, ContentBlock, JsonObject, ToolAnnotations};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// A tool's method, typed: parse the arguments into its params, call the service.
type CallFn = fn(&Service, &Caller, &str) -> Result<Value>;

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

fn call_method<M: Method>(service: &Service, caller: &Caller, arguments: &str) -> Result<Value> {
    let params = params::parse::<M::Params>(Some(arguments))?;
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
    /// `_meta.progressToken`: the client wants progress while the call runs.
    pub progress_token: Option<Value>,
    pub in_flight: Option<InFlight>,
}

impl Call {
    pub fn parse(
        raw: Option<&str>,
        ext: &Extensions,
    ) -> std::result::Result<Self, ErrorObjectOwned> {
        // The envelope first: a request in an unsupported version is refused as such.
        let params = parse_value(raw)?;
        let modern = era::read(&params)?;
        let call: CallParams = params::parse(raw).map_err(|e| errors::to_rpc(&e))?;
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
        // A legacy call's client is the handshake's (on the caller already); a modern call's
        // is what that request says, nothing earlier.
        let mut caller = ext.get::<Caller>().cloned().unwrap_or_else(Caller::current);
        if let Some(modern) = &modern {
            caller.client = modern.client_name.clone();
        }
        Ok(Call {
            tool,
            arguments,
            progress_token: era::progress_token(&params),
            modern,
            caller,
            in_flight: ext.get::<InFlight>().cloned(),
        })
    }

    /// Runs the tool's method on a blocking thread (services do file and process I/O).
    pub async fn run(self, service: Arc<Service>) -> std::result::Result<Value, ErrorObjectOwned> {
        if self.tool.method == api::EntriesRun::NAME {
            return super::run_tool::run(self, service).await;
        }
        let Call {
            tool,
            arguments,
            modern,
            caller,
            ..
        } = self;
        let outcome =
            tokio::task::spawn_blocking(move || (tool.call)(&service, &caller, &arguments))
                .await
                .map_err(|e| super::internal(&e))?;
        let call = match outcome {
            Ok(result) => success(result),
            Err(error) => failure(&error),
        };
        Ok(answer(call, modern.as_ref()))
    }
}

pub(super) fn register(module: &mut RpcModule<Service>) {
    module
        .register_method("tools/list", |params, _, _| list(params.as_str()))
        .expect("tools/list is not a contract method");
    module
        .register_async_method("tools/call", |params, service, ext: Extensions| {
            let call = Call::parse(params.as_str(), &ext);
            async move { call?.run(service).await }
        })
        .expect("tools/call is not a contract method");
}

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;

/// A tool call is ordered as the method it calls; a call of no known tool waits for nothing.
pub(super) fn order(router: &crate::api::Router, raw: Option<&str>) -> crate::api::Order {
    #[derive(Deserialize)]
    struct Name {
        name: String,
    }
    raw.and_then(|p| serde_json::from_str::<Name>(p).ok())
        .and_then(|call| find(&call.name))
        .and_then(|tool| router.route(tool.method))
        .map_or(crate::api::Order::Control, |route| route.hints.order())
}
