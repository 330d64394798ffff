//! Drives the real `cronrpc` binary the way a host does: over stdin/stdout and over the socket.
//! One test binary (as `just` does), one module per area.

mod harness;

mod adopt;
mod concurrency;
mod crontab;
mod entries;
mod human_cli;
mod mcp;
mod protocol;
mod revisions;
mod runs;
mod schema;
mod socket;
mod system_backend;
mod systemd;
mod warnings;
