//! cronrpc: manage users' crontabs over JSON-RPC 2.0 and MCP.
//!
//! Layers, outermost first: `protocol` (framing, the JSON-RPC envelope, the write order, stdio
//! and socket; it knows MCP only through its `Handler` seam), `mcp` (the method table as MCP
//! tools, a `Handler` the app layer wires in), `api` (the method table, the typed `Router` and
//! the one mapping of errors to the wire), `service` (the operations), `crontab` and `cron` (the
//! document model and cron's syntax and semantics), `backend` (where crontabs live), `domain`
//! (users, entries, errors).

pub mod api;
pub mod app;
pub mod backend;
pub mod catch_up;
pub mod cli;
pub use cronrpc_cron as cron;
pub mod crontab;
pub mod domain;
pub mod history;
pub mod mcp;
pub mod notify;
pub mod protocol;
pub mod runs;
pub mod service;
