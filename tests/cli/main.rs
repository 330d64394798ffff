//! Drives the real `cronrpc` binary the way a host does: over stdin/stdout and over the socket.
//! One test binary (as `just` does), one module per area.

mod harness;

mod adopt;
mod apply;
mod apply_cli;
mod catch_up;
mod concurrency;
mod crash;
mod cron_line;
mod cron_runs;
mod crontab;
mod entries;
mod entry_errors;
mod expiry;
mod fleet;
mod hostile;
mod human_cli;
mod journal_state;
mod lifecycle;
mod limits;
mod lock_attacks;
mod markers;
mod mcp;
mod mcp_modern;
mod mcp_runs;
mod notify;
mod notify_cron;
mod package;
mod policies;
mod protocol;
mod protocol_order;
mod races;
mod recorder_policies;
mod revisions;
mod run_attacks;
mod runs;
mod schema;
mod security;
mod slow_clients;
mod socket;
mod state;
mod system_backend;
mod systemd;
mod tz_gate;
mod warnings;
