//! MCP's methods by name, and what each is given: its params, parsed once from the request into
//! its own struct ([`Parsed`], which also says how the request is ordered), and where the
//! request comes from ([`Origin`]), as plain fields.

use super::discover::DiscoverParams;
use super::lifecycle::{CancelledParams, InitializeParams};
use super::tasks::TaskParams;
use super::tools::{Call, ListParams};
use super::{discover, lifecycle, tasks, tools, Session};
use crate::api::errors::{self, ErrorObject};
use crate::api::{params, Order, Router};
use crate::protocol::InFlight;
use crate::service::Caller;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// The methods MCP adds beside the method table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum McpMethod {
    Initialize,
    Discover,
    Ping,
    Initialized,
    Cancelled,
    ToolsList,
    ToolsCall,
    TasksGet,
    TasksCancel,
    TasksUpdate,
}

impl McpMethod {
    const ALL: [(McpMethod, &'static str); 10] = [
        (McpMethod::Initialize, "initialize"),
        (McpMethod::Discover, "server/discover"),
        (McpMethod::Ping, "ping"),
        (McpMethod::Initialized, "notifications/initialized"),
        (McpMethod::Cancelled, "notifications/cancelled"),
        (McpMethod::ToolsList, "tools/list"),
        (McpMethod::ToolsCall, "tools/call"),
        (McpMethod::TasksGet, "tasks/get"),
        (McpMethod::TasksCancel, "tasks/cancel"),
        (McpMethod::TasksUpdate, "tasks/update"),
    ];

    /// The method called `name`; `None` leaves the request to the method table.
    pub fn named(name: &str) -> Option<McpMethod> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(m, _)| *m)
    }

    /// The request's params parsed into this method's params struct, once; for `tools/call`,
    /// checked as far as the request alone can be (era, tool, arguments), which is what its
    /// order depends on.
    pub fn parse(self, params: Option<&RawValue>) -> Result<Parsed, ErrorObject> {
        Ok(match self {
            McpMethod::Initialize => Parsed::Initialize(typed(params)?),
            McpMethod::Discover => Parsed::Discover(typed(params)?),
            // Neither has params worth reading: a ping with junk params is still a ping.
            McpMethod::Ping => Parsed::Ping,
            McpMethod::Initialized => Parsed::Initialized,
            McpMethod::Cancelled => Parsed::Cancelled(typed(params)?),
            McpMethod::ToolsList => Parsed::ToolsList(typed(params)?),
            McpMethod::ToolsCall => Parsed::ToolsCall(Call::new(typed(params)?)?),
            McpMethod::TasksGet => Parsed::TasksGet(typed(params)?),
            McpMethod::TasksCancel => Parsed::TasksCancel(typed(params)?),
            McpMethod::TasksUpdate => Parsed::TasksUpdate(typed(params)?),
        })
    }
}

/// An MCP request with its params parsed: what its answer is made from.
pub(super) enum Parsed {
    Initialize(InitializeParams),
    Discover(DiscoverParams),
    Ping,
    Initialized,
    Cancelled(CancelledParams),
    ToolsList(ListParams),
    ToolsCall(Call),
    TasksGet(TaskParams),
    TasksCancel(TaskParams),
    TasksUpdate(TaskParams),
}

impl Parsed {
    /// How the request is ordered on its connection.
    pub fn order(&self, router: &Router) -> Order {
        match self {
            // It records the client on the session, which later calls read.
            Parsed::Initialize(_) => Order::Write,
            // As the method its tool calls.
            Parsed::ToolsCall(call) => call.order(router),
            Parsed::TasksCancel(_) | Parsed::Initialized | Parsed::Cancelled(_) => Order::Control,
            Parsed::Ping | Parsed::Discover(_) | Parsed::ToolsList(_) => Order::Read,
            Parsed::TasksGet(_) | Parsed::TasksUpdate(_) => Order::Read,
        }
    }

    /// Answers the request.
    pub async fn answer(self, origin: Origin, router: Router) -> Result<Value, ErrorObject> {
        match self {
            Parsed::Initialize(params) => Ok(lifecycle::initialize(params, &origin.session)),
            Parsed::Discover(params) => discover::discover(params),
            Parsed::Ping | Parsed::Initialized => Ok(json!({})),
            Parsed::Cancelled(params) => {
                lifecycle::cancelled(params, &origin.in_flight);
                Ok(json!({}))
            }
            Parsed::ToolsList(params) => tools::list(params),
            Parsed::ToolsCall(call) => call.run(origin, router).await,
            Parsed::TasksGet(params) => tasks::get(router, params, origin.caller).await,
            Parsed::TasksCancel(params) => tasks::cancel(router, params, origin.caller).await,
            Parsed::TasksUpdate(params) => tasks::update(router, params, origin.caller).await,
        }
    }
}

/// Where a request comes from: who asks (the connection's caller, the handshake's client name
/// on it), on which MCP session, and the request itself (its cancellation, its connection).
#[derive(Clone)]
pub(super) struct Origin {
    pub caller: Caller,
    pub session: Session,
    pub in_flight: InFlight,
}

/// A request's params into a method's params struct (absent params read as `{}`), with the
/// field at fault named as for the method table.
pub(super) fn typed<P: DeserializeOwned>(params: Option<&RawValue>) -> Result<P, ErrorObject> {
    params::parse(params.map(RawValue::get)).map_err(|e| errors::to_rpc(&e))
}

/// A member that must be a string, read after the era (so that a request in an unsupported
/// version is refused as such first), with serde's own message when it is not one.
pub(super) fn string_member(value: Option<Value>, field: &str) -> Result<String, ErrorObject> {
    let invalid = |detail: String| {
        errors::to_rpc(&crate::domain::Error::invalid_params(
            Some(field.into()),
            detail,
        ))
    };
    match value {
        None | Some(Value::Null) => Err(invalid(format!("missing field `{field}`"))),
        Some(Value::String(text)) => Ok(text),
        // Only to word the error as serde does: a string is taken as it was parsed.
        Some(value) => serde_json::from_value::<String>(value).map_err(|e| invalid(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_is_found_by_its_name() {
        for (method, name) in McpMethod::ALL {
            assert_eq!(McpMethod::named(name), Some(method));
        }
        assert_eq!(McpMethod::named("entries.list"), None);
        assert_eq!(McpMethod::named("tools/lis"), None);
    }
}
