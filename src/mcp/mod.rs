//! The Model Context Protocol on the same connection as JSON-RPC: `initialize`, `ping`,
//! `notifications/initialized`, `tools/list` and `tools/call`, served beside the method table
//! through the protocol layer's [`Handler`] seam (the app layer wires [`handlers`] in). MCP over stdio is newline-delimited JSON-RPC, so the
//! protocol layer needs nothing new; a host can mix plain calls and MCP calls on one stream.
//!
//! Tools are the method table seen from an agent (`tools`), not a second definition: each call
//! goes through the same typed router, with the connection's `Caller`, so params parsing,
//! access checks and error mapping are the JSON-RPC ones.
//!
//! Batches: MCP 2025-06-18 removed JSON-RPC batching, but MCP sessions here keep answering
//! batches as plain JSON-RPC (including MCP methods inside one). No MCP client sends them, so a
//! batch can only come from a JSON-RPC host sharing the stream, and refusing it there would
//! break the contract's "JSON-RPC 2.0, fully" for no client's benefit.

mod lifecycle;
mod tools;

pub use lifecycle::{Session, SUPPORTED_VERSIONS};
pub use tools::{tool_list, Tool};

use crate::api::{Order, Router};
use crate::protocol::envelope::Request;
use crate::protocol::{Handler, Handlers, Reply};
use crate::service::Context;
use futures::future::{BoxFuture, FutureExt};
use std::sync::Arc;

/// One connection's MCP methods.
pub struct Mcp {
    router: Router,
    session: Session,
}

/// A fresh [`Mcp`] for each connection, over `router`.
pub fn handlers(router: Router) -> Handlers {
    Arc::new(move |_| {
        Arc::new(Mcp {
            router: router.clone(),
            session: Session::default(),
        })
    })
}

impl Handler for Mcp {
    fn order(&self, request: &Request) -> Option<Order> {
        match request.method.as_str() {
            // It records the client on the session, which later calls read.
            "initialize" => Some(Order::Write),
            "ping" | "tools/list" => Some(Order::Read),
            "tools/call" => Some(tools::order(&self.router, request.params.as_deref())),
            method if method.starts_with("notifications/") => Some(Order::Control),
            _ => None,
        }
    }

    fn call(&self, ctx: Context, request: Request) -> BoxFuture<'static, Reply> {
        let params = request.params;
        match request.method.as_str() {
            "initialize" => {
                let reply = lifecycle::initialize(params.as_deref(), &self.session);
                async move { Some(reply) }.boxed()
            }
            "ping" | "notifications/initialized" => async { Some(Ok(lifecycle::empty())) }.boxed(),
            "tools/list" => async { Some(Ok(tools::list())) }.boxed(),
            "tools/call" => {
                let mut ctx = ctx;
                ctx.caller.client = self.session.client_name();
                tools::call(self.router.clone(), ctx, params)
                    .map(Some)
                    .boxed()
            }
            // Other notifications (notifications/cancelled, ...) need nothing done.
            _ => async { None }.boxed(),
        }
    }
}
