//! MCP's methods by name, and what each is given: its params, parsed once from the request into
//! its own struct, and where the request comes from ([`Origin`]), as plain fields.

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

    /// How a request for this method is ordered on its connection.
    pub fn order(self, router: &Router, params: Option<&RawValue>) -> Order {
        match self {
            // It records the client on the session, which later calls read.
            McpMethod::Initialize => Order::Write,
            McpMethod::ToolsCall => tools::order(router, params),
            McpMethod::TasksCancel | McpMethod::Initialized | McpMethod::Cancelled => {
                Order::Control
            }
            _ => Order::Read,
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

/// Answers one MCP request.
pub(super) async fn answer(
    method: McpMethod,
    params: Option<Box<RawValue>>,
    origin: Origin,
    router: Router,
) -> Result<Value, ErrorObject> {
    let params = params.as_deref();
    match method {
        McpMethod::Initialize => Ok(lifecycle::initialize(typed(params)?, &origin.session)),
        McpMethod::Discover => discover::discover(typed(params)?),
        // Neither has params worth reading: a ping with junk params is still a ping.
        McpMethod::Ping | McpMethod::Initialized => Ok(json!({})),
        McpMethod::Cancelled => {
            lifecycle::cancelled(typed(params)?, &origin.in_flight);
            Ok(json!({}))
        }
        McpMethod::ToolsList => tools::list(typed(params)?),
        McpMethod::ToolsCall => tools::Call::new(typed(params)?, origin)?.run(router).await,
        McpMethod::TasksGet => tasks::get(router, typed(params)?, origin.caller).await,
        McpMethod::TasksCancel => tasks::cancel(router, typed(params)?, origin.caller).await,
        McpMethod::TasksUpdate => tasks::update(router, typed(params)?, origin.caller).await,
    }
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
        Some(value) => serde_json::from_value(value).map_err(|e| invalid(e.to_string())),
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
