//! The transport: newline-delimited JSON-RPC 2.0 over stdio or a Unix socket.
//!
//! jsonrpsee has no stdio or socket transport, so this layer is ours, in the spirit of
//! rust-analyzer's lsp-server: framing reads lines, dispatch classifies messages and hands
//! single requests to jsonrpsee's `Methods::raw_json_request`, connection runs them
//! concurrently and writes each response as one line.

pub mod connection;
pub mod dispatch;
pub mod framing;
pub mod in_flight;
mod salvage;
pub mod socket;

pub use connection::{serve_connection, Limits};
pub use dispatch::Dispatcher;
pub use in_flight::{InFlight, Peer};
