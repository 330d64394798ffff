//! The seam for methods served beside the method table on the same connection (MCP's): the
//! protocol layer knows only this trait, and the app layer wires an implementation in, so the
//! protocol never imports `crate::mcp`.
//!
//! A handler sees each request once, when the connection reads it: it either takes it, parsing
//! its params then (once) into the job that answers it and the order it takes on the
//! connection, or gives it back to the method table. The shape is lsp-server's `ExtractError`
//! dispatch (`Err` hands the request on) and rmcp's tool router (parse, then call typed).

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

/// Answers one accepted request on behalf of `ctx.caller`, from what was parsed when it was
/// accepted. Its effect signal is `ctx`'s, as for a method of the table; the [`InFlight`] says
/// whether the client has cancelled it and reaches the connection (for notifications such as
/// progress). It runs once the request's turn in the write order has come.
pub type Job = Box<dyn FnOnce(Context, InFlight) -> BoxFuture<'static, Reply> + Send>;

/// A request a handler serves: where it goes in the connection's write order, and the job
/// that answers it. Params that do not parse make a job that answers their error, ordered as
/// [`Order::Control`]: such a request changes nothing, so it waits for nothing.
pub struct Accepted {
    pub order: Order,
    pub job: Job,
}

impl Accepted {
    pub fn new(
        order: Order,
        job: impl FnOnce(Context, InFlight) -> BoxFuture<'static, Reply> + Send + 'static,
    ) -> Self {
        Accepted {
            order,
            job: Box::new(job),
        }
    }
}

/// Methods of one connection that are not in the method table.
pub trait Handler: Send + Sync + 'static {
    /// Takes `request` if this handler serves its method (its params parsed here, once), or
    /// gives it back for the method table (or "method not found"). The request's id stays
    /// with the connection: `request.id` is `None` here whether or not it is a notification.
    fn accept(&self, request: Request) -> Result<Accepted, Request>;

    /// What the connection's client calls itself (MCP's handshake), kept on the caller of
    /// every request as a separate, non-authoritative field. Read when a job starts, so a
    /// request ordered after the handshake sees it.
    fn client_name(&self) -> Option<String> {
        None
    }
}

/// Makes each connection's handler (state such as MCP's negotiated version is per connection).
pub type Handlers = Arc<dyn Fn(&Caller) -> Arc<dyn Handler> + Send + Sync>;
