//! cronrpc: manage users' crontabs over JSON-RPC 2.0 and MCP.
//!
//! Layers, outermost first: `protocol` (framing, JSON-RPC envelopes, stdio and socket), `mcp`
//! (the method table as MCP tools, on the same connection), `api` (the method table and the one
//! mapping of errors to the wire), `service` (the operations), `crontab` and `cron` (the
//! document model and cron's syntax and semantics), `backend` (where crontabs live), `domain`
//! (users, entries, errors).

pub mod api;
pub mod app;
pub mod backend;
pub mod catch_up;
pub mod cli;
pub mod cron;
pub mod crontab;
pub mod domain;
pub mod history;
pub mod mcp;
pub mod notify;
pub mod protocol;
pub mod runs;
pub mod service;
