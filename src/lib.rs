//! cronrpc: manage users' crontabs over JSON-RPC 2.0 and MCP.

pub mod cron;
