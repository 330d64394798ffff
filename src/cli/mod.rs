//! The command line: `serve`, `schema` and `exec` for hosts, and commands for people that mirror the
//! methods (`entries`, `crontab`, `schedule`, `health`), plus shell completions.

mod client;
mod failure;
mod human;
mod render;
mod results;
#[cfg(test)]
mod results_tests;
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

// Parsed once at start: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
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
    Exec(crate::runs::exec::ExecArgs),
    /// Print a shell completion script (e.g. `cronrpc completions bash > /etc/bash_completion.d/cronrpc`).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), generated from these definitions; with --out, write a page
    /// for every command into DIR (cronrpc.1, cronrpc-apply.1, ...), for packaging.
    #[command(hide = true)]
    Man {
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    #[command(flatten)]
    Human(Box<human::Human>),
}

pub fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Every stdio session starts here: `serve` alone is parsed without the whole tree.
    if let Some(args) = serve::parse_alone(&argv) {
        init_logging();
        return serve::run(args);
    }
    let cli = Cli::parse_from(argv);
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
        Command::Exec(args) => crate::runs::exec::main(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "cronrpc",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Man { out } => match man(out.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cronrpc: writing the man page: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Human(command) => human::run(*command),
    }
}

fn man(out: Option<&std::path::Path>) -> std::io::Result<()> {
    let command = Cli::command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            clap_mangen::generate_to(command, dir)
        }
        None => clap_mangen::Man::new(command).render(&mut std::io::stdout()),
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
