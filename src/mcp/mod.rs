//! The Model Context Protocol on the same connection as JSON-RPC: `initialize`, `ping`,
//! `notifications/initialized`, `tools/list` and `tools/call`, served beside the method table
//! through the protocol layer's `Handler` seam (the app layer wires [`handlers`] in). MCP over
//! stdio is newline-delimited JSON-RPC, so the
//! protocol layer needs nothing new; a host can mix plain calls and MCP calls on one stream.
//!
//! Tools are the method table seen from an agent (`tools`), not a second definition: each call
//! goes through the same typed `Router`, with the connection's `Caller`, so params parsing,
//! access checks and error mapping are the JSON-RPC ones.
//!
//! Batches: MCP 2025-06-18 removed JSON-RPC batching, but MCP sessions here keep answering
//! batches as plain JSON-RPC (including MCP methods inside one). No MCP client sends them, so a
//! batch can only come from a JSON-RPC host sharing the stream, and refusing it there would
//! break the contract's "JSON-RPC 2.0, fully" for no client's benefit.

mod discover;
mod era;
mod lifecycle;
mod tools;

pub use lifecycle::{Session, SUPPORTED_VERSIONS};
pub use tools::{tool_list, Tool};

use crate::api::errors::ErrorObject;
use crate::api::{params, Order, Router};
use crate::protocol::envelope::Request;
use crate::protocol::{Handler, Handlers, Reply};
use crate::service::Context;
use futures::future::{BoxFuture, FutureExt};
use serde_json::value::RawValue;
use serde_json::{json, Value};
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

fn raw(value: Result<Value, ErrorObject>) -> Reply {
    Some(value.and_then(|v| serde_json::value::to_raw_value(&v).map_err(|e| internal(&e))))
}

impl Handler for Mcp {
    fn order(&self, request: &Request) -> Option<Order> {
        let params = request.params.as_deref().map(RawValue::get);
        match request.method.as_str() {
            // It records the client on the session, which later calls read.
            "initialize" => Some(Order::Write),
            "ping" | "tools/list" | "server/discover" => Some(Order::Read),
            "tools/call" => Some(tools::order(&self.router, params)),
            method if method.starts_with("notifications/") => Some(Order::Control),
            _ => None,
        }
    }

    fn call(&self, ctx: Context, request: Request) -> BoxFuture<'static, Reply> {
        let params = request.params.as_deref().map(RawValue::get);
        let reply = match request.method.as_str() {
            "initialize" => raw(lifecycle::initialize(params, &self.session)),
            "server/discover" => raw(params::parse::<Value>(params)
                .map_err(|e| crate::api::errors::to_rpc(&e))
                .and_then(|p| discover::discover(&p))),
            "ping" | "notifications/initialized" => raw(Ok(json!({}))),
            "tools/list" => raw(tools::list_tools(params)),
            "tools/call" => {
                let call = tools::Call::parse(params, &self.session, ctx.caller.clone());
                let router = self.router.clone();
                return async move {
                    match call {
                        Ok(call) => raw(call.run(router, ctx).await),
                        Err(e) => Some(Err(e)),
                    }
                }
                .boxed();
            }
            // Other notifications (notifications/cancelled, ...) need nothing done yet.
            _ => None,
        };
        async move { reply }.boxed()
    }
}
