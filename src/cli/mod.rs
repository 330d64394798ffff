//! The command line: `serve`, `schema` and `exec` for hosts, and commands for people that mirror the
//! methods (`entries`, `crontab`, `schedule`, `health`), plus shell completions.

mod client;
mod human;
mod render;
mod serve;

use crate::api;
use clap::{CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "cronrpc",
    version,
    about = "Manage users' crontabs over JSON-RPC 2.0 and MCP, or from the shell"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve JSON-RPC (and MCP) on stdin/stdout, or on a Unix socket with --socket.
    Serve(Box<serve::ServeArgs>),
    /// Write the JSON Schemas and the OpenRPC document generated from the code.
    Schema {
        /// Directory to write into.
        #[arg(long, default_value = "schema")]
        out: PathBuf,
    },
    /// Run a command for a managed entry and record the run in the history store; cron's job
    /// lines for managed entries call this. Exits as the command does.
    Exec {
        /// The entry the run belongs to.
        #[arg(long)]
        entry: uuid::Uuid,
        /// The history directory (one subdirectory per user).
        #[arg(long, default_value = crate::app::DEFAULT_HISTORY_DIR)]
        history_dir: PathBuf,
        /// The command, run as `$SHELL -c COMMAND` (SHELL as cron set it, else /bin/sh).
        #[arg(last = true, required = true)]
        command: String,
    },
    /// Print a shell completion script (e.g. `cronrpc completions bash > /etc/bash_completion.d/cronrpc`).
    Completions { shell: clap_complete::Shell },
    #[command(flatten)]
    Human(Box<human::Human>),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Schema { out } => match api::schema_files::write(&out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cronrpc: writing schemas to {}: {e}", out.display());
                ExitCode::FAILURE
            }
        },
        Command::Serve(args) => serve::run(*args),
        Command::Exec {
            entry,
            history_dir,
            command,
        } => crate::runs::exec::main(crate::runs::exec::Args {
            entry,
            history_dir,
            command,
            notify: None,
        }),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "cronrpc",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Human(command) => human::run(*command),
    }
}

/// Logs go to stderr: in stdio mode stdout carries only the protocol.
fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
