//! The Model Context Protocol on the same connection as JSON-RPC: `initialize`, `ping`,
//! `notifications/initialized`, `tools/list` and `tools/call`, registered on the same
//! `RpcModule` as the contract's methods. MCP over stdio is newline-delimited JSON-RPC, so the
//! protocol layer needs nothing new; a host can mix plain calls and MCP calls on one stream.
//!
//! Tools are the method table seen from an agent (`tools`), not a second definition: each call
//! goes through the same jsonrpsee `Methods`, with the connection's `Caller`, so params parsing,
//! access checks and error mapping are the JSON-RPC ones.
//!
//! Batches: MCP 2025-06-18 removed JSON-RPC batching, but MCP sessions here keep answering
//! batches as plain JSON-RPC (including MCP methods inside one). No MCP client sends them, so a
//! batch can only come from a JSON-RPC host sharing the stream, and refusing it there would
//! break the contract's "JSON-RPC 2.0, fully" for no client's benefit.

mod discover;
mod era;
mod lifecycle;
mod run_tool;
mod runs;
mod schema;
mod tasks;
mod tools;

pub use lifecycle::{Session, SUPPORTED_VERSIONS};
pub use tools::{tool_list, Tool};

use crate::service::Service;
use jsonrpsee::RpcModule;

/// -32603, for what no client can fix (a call's thread panicked).
fn internal(e: &dyn std::fmt::Display) -> jsonrpsee::types::ErrorObjectOwned {
    jsonrpsee::types::ErrorObjectOwned::owned(
        crate::api::errors::INTERNAL_ERROR,
        "Internal error",
        Some(e.to_string()),
    )
}

/// Adds the MCP methods to `module`, which must already hold every method of the table.
pub fn register(module: &mut RpcModule<Service>) {
    lifecycle::register(module);
    tools::register(module);
    tasks::register(module);
}
