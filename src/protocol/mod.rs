//! The transport: newline-delimited JSON-RPC 2.0 over stdio or a Unix socket.
//!
//! `framing` reads lines, `envelope` parses each once into requests, `responder` hands them to
//! the typed method table (`crate::api::Router`) or to the connection's extra [`Handler`]
//! (MCP's, wired in by the app layer) in the connection's write order, and `connection` runs
//! them concurrently and writes each answer as one line; `stdio` is stdin and stdout without
//! the blocking pool where it can be.

mod batch;
pub mod connection;
pub mod envelope;
pub mod framing;
pub mod handler;
pub mod in_flight;
pub mod responder;
mod salvage;
pub mod socket;
pub mod stdio;

pub use connection::{serve_connection, Limits};
pub use handler::{Accepted, Handler, Handlers, Job, Reply};
pub use in_flight::{InFlight, Peer};
pub use responder::Responder;
