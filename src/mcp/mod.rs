//! The Model Context Protocol on the same connection as JSON-RPC: `initialize`, `ping`,
//! `notifications/initialized`, `tools/list`, `tools/call` and `tasks/*`, served beside the
//! method table through the protocol layer's `Handler` seam ([`handlers`], wired in by the app
//! layer). MCP over stdio is newline-delimited JSON-RPC, so the
//! protocol layer needs nothing new; a host can mix plain calls and MCP calls on one stream.
//!
//! Tools are the method table seen from an agent (`tools`), not a second definition: each call
//! goes through the method table's typed functions, with the connection's `Caller`, so params parsing,
//! access checks and error mapping are the JSON-RPC ones.
//!
//! Batches: MCP 2025-06-18 removed JSON-RPC batching, but MCP sessions here keep answering
//! batches as plain JSON-RPC (including MCP methods inside one). No MCP client sends them, so a
//! batch can only come from a JSON-RPC host sharing the stream, and refusing it there would
//! break the contract's "JSON-RPC 2.0, fully" for no client's benefit.

mod discover;
mod era;
mod lifecycle;
mod method;
mod run_tool;
mod runs;
mod schema;
mod tasks;
mod tools;

pub use lifecycle::Session;

use crate::api::errors::ErrorObject;
use crate::api::{Order, Router};
use crate::protocol::envelope::Request;
use crate::protocol::{Accepted, Handler, Handlers};
use crate::service::Context;
use futures::future::FutureExt;
use method::{McpMethod, Origin};
use std::sync::Arc;

/// -32603, for what no client can fix (a call's thread panicked).
fn internal(e: &dyn std::fmt::Display) -> ErrorObject {
    ErrorObject::owned(
        crate::api::errors::INTERNAL_ERROR,
        "Internal error",
        Some(e.to_string()),
    )
}

/// One connection's MCP methods: the handler the protocol layer calls for them.
pub struct Mcp {
    router: Router,
    session: Session,
}

/// A fresh [`Mcp`] (with its own session) for each connection, over `router`.
pub fn handlers(router: Router) -> Handlers {
    Arc::new(move |_| {
        Arc::new(Mcp {
            router: router.clone(),
            session: Session::default(),
        })
    })
}

impl Handler for Mcp {
    fn client_name(&self) -> Option<String> {
        self.session.client_name()
    }

    /// Parses the params once, here: the order comes from the parsed request, and the job
    /// answers from it. Params that do not parse are answered their error, changing nothing.
    fn accept(&self, request: Request) -> Result<Accepted, Request> {
        let Some(method) = McpMethod::named(&request.method) else {
            return Err(request);
        };
        let parsed = method.parse(request.params.as_deref());
        let order = parsed
            .as_ref()
            .map_or(Order::Control, |parsed| parsed.order(&self.router));
        let (session, router) = (self.session.clone(), self.router.clone());
        Ok(Accepted::new(order, move |ctx: Context, in_flight| {
            async move {
                let origin = Origin {
                    caller: ctx.caller.clone(),
                    session,
                    in_flight,
                };
                let answer = match parsed {
                    Ok(parsed) => parsed.answer(origin, router).await,
                    Err(error) => Err(error),
                };
                // The context lives until the answer is ready: its effect is then taken.
                drop(ctx);
                Some(answer.and_then(|value| {
                    serde_json::value::to_raw_value(&value).map_err(|e| internal(&e))
                }))
            }
            .boxed()
        }))
    }
}
