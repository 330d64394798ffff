//! The command line: `cronrpc serve`, `cronrpc schema` and `cronrpc exec`.

use crate::api;
use crate::app::{self, BackendOptions};
use crate::mcp;
use crate::protocol::{self, socket::SocketOptions, Dispatcher, Limits};
use crate::service::Caller;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::sync::watch;

#[derive(Debug, Parser)]
#[command(
    name = "cronrpc",
    version,
    about = "Manage users' crontabs over JSON-RPC 2.0 and MCP"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve JSON-RPC (and MCP) on stdin/stdout, or on a Unix socket with --socket.
    Serve(ServeArgs),
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
        #[arg(long, default_value = app::DEFAULT_HISTORY_DIR)]
        history_dir: PathBuf,
        /// The command, run as `$SHELL -c COMMAND` (SHELL as cron set it, else /bin/sh).
        #[arg(last = true, required = true)]
        command: String,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    backend: BackendOptions,
    /// Serve on this Unix socket instead of stdin/stdout.
    #[arg(long, env = "CRONRPC_SOCKET")]
    socket: Option<PathBuf>,
    /// Permission bits of the socket file, in octal. Any local user may connect by default;
    /// each peer may act only on its own crontab (root on any).
    #[arg(long, default_value = "0666", value_parser = parse_mode)]
    socket_mode: u32,
    /// Group that owns the socket file (use with --socket-mode 0660).
    #[arg(long)]
    socket_group: Option<String>,
    /// Clients served at once on the socket.
    #[arg(long, default_value_t = 256)]
    max_connections: usize,
    /// Largest message in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_message_bytes: usize,
}

fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| format!("{text:?} is not an octal mode like 0660"))
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
        Command::Serve(args) => serve(args),
        Command::Exec {
            entry,
            history_dir,
            command,
        } => crate::runs::exec::main(crate::runs::exec::Args {
            entry,
            history_dir,
            command,
        }),
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

fn serve(args: ServeArgs) -> ExitCode {
    let service = match app::build_service(&args.backend) {
        Ok(service) => service,
        Err(e) => {
            eprintln!("cronrpc: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let result = runtime.block_on(async move {
        let mut module = api::rpc_module::build(service);
        mcp::register(&mut module);
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            app::shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
        // One user-database lookup, shared by the sweeper and the stdio connection.
        let me = Caller::current();
        app::spawn_sweeper(module.clone(), me.clone());
        let limits = Limits {
            max_message: args.max_message_bytes,
            ..Limits::default()
        };
        match args.socket {
            Some(path) => {
                let options = SocketOptions {
                    path: path.clone(),
                    mode: args.socket_mode,
                    group: args.socket_group,
                    max_connections: args.max_connections,
                };
                let listener = protocol::socket::bind(&options)?;
                tracing::info!(socket = %path.display(), "serving");
                protocol::socket::serve(
                    listener,
                    &path,
                    module.into(),
                    limits,
                    options.max_connections,
                    stop_rx,
                )
                .await
            }
            None => {
                let dispatcher = Dispatcher::new(&module.into(), me);
                let stdin = tokio::io::BufReader::new(tokio::io::stdin());
                let mut stop = stop_rx;
                let stopped = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                protocol::serve_connection(stdin, tokio::io::stdout(), dispatcher, limits, stopped)
                    .await
            }
        }
    });
    // Blocking reads of stdin may linger in the pool; nothing is left to wait for.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cronrpc: {e}");
            ExitCode::FAILURE
        }
    }
}
