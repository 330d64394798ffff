//! The seam for methods served beside the method table on the same connection (MCP's): the
//! protocol layer knows only this trait, and the app layer wires an implementation in, so the
//! protocol never imports `crate::mcp`.

use super::envelope::Request;
use super::InFlight;
use crate::api::errors::ErrorObject;
use crate::api::Order;
use crate::service::{Caller, Context};
use futures::future::BoxFuture;
use serde_json::value::RawValue;
use std::sync::Arc;

/// What a handler answers: a result, an error, or nothing at all (e.g. a request the client
/// cancelled, which MCP says gets no response). Notifications are never answered, whatever
/// this says.
pub type Reply = Option<Result<Box<RawValue>, ErrorObject>>;

/// Methods of one connection that are not in the method table.
pub trait Handler: Send + Sync + 'static {
    /// How `request` is ordered on the connection, if this handler serves its method; `None`
    /// leaves it to the method table (or "method not found").
    fn order(&self, request: &Request) -> Option<Order>;

    /// What the connection's client calls itself (MCP's handshake), kept on the caller of
    /// every request as a separate, non-authoritative field.
    fn client_name(&self) -> Option<String> {
        None
    }

    /// Answers `request` on behalf of `ctx.caller`. Its effect signal is `ctx`'s, as for a
    /// method of the table; `in_flight` says whether the client has cancelled it and reaches
    /// the connection (for notifications such as progress).
    fn call(
        &self,
        ctx: Context,
        request: Request,
        in_flight: InFlight,
    ) -> BoxFuture<'static, Reply>;
}

/// Makes each connection's handler (state such as MCP's negotiated version is per connection).
pub type Handlers = Arc<dyn Fn(&Caller) -> Arc<dyn Handler> + Send + Sync>;
