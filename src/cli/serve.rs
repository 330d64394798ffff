//! `cronrpc serve`: stdio, a Unix socket it binds, or one systemd hands it.

use crate::api::Router;
use crate::app::{self, BackendOptions};
use crate::mcp;
use crate::protocol::connection::MAX_MESSAGE;
use crate::protocol::socket::{Serve, SlotOptions, SocketOptions};
use crate::protocol::{self, Limits, Responder};
use crate::service::Caller;
use clap::{Args, FromArgMatches};
use std::ffi::OsString;
use std::os::fd::{FromRawFd, RawFd};
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::sync::watch;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    backend: BackendOptions,
    /// Serve on this Unix socket instead of stdin/stdout. Under systemd socket activation
    /// (LISTEN_FDS=1) the inherited socket is served instead and this path is left alone.
    #[arg(long, env = "CRONRPC_SOCKET")]
    socket: Option<PathBuf>,
    /// Permission bits of the socket file, in octal. Any local user may connect by default;
    /// each peer may act only on its own crontab (root on any).
    #[arg(long, default_value = "0666", value_parser = parse_mode)]
    socket_mode: u32,
    /// Group that owns the socket file (use with --socket-mode 0660).
    #[arg(long)]
    socket_group: Option<String>,
    /// Clients served at once on the socket; more wait. An eighth is kept for root.
    #[arg(long, default_value_t = 256)]
    max_connections: usize,
    /// Socket connections one non-root user may hold at once.
    #[arg(long, default_value_t = 32)]
    max_connections_per_user: usize,
    /// Seconds a socket connection may sit with nothing in flight and no message before it
    /// is closed (0: never).
    #[arg(long, default_value_t = 300)]
    idle_timeout_secs: u64,
    /// Seconds a socket client may take to finish a message it has begun (0: no limit).
    #[arg(long, default_value_t = 30)]
    message_timeout_secs: u64,
    /// Largest message in bytes.
    #[arg(long, default_value_t = MAX_MESSAGE)]
    max_message_bytes: usize,
}

fn seconds(secs: u64) -> Option<std::time::Duration> {
    (secs > 0).then(|| std::time::Duration::from_secs(secs))
}

fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| format!("{text:?} is not an octal mode like 0660"))
}

/// sd_listen_fds(3): the first passed descriptor.
const SD_LISTEN_FDS_START: RawFd = 3;

/// The listening socket systemd passed, if it passed exactly one to this process.
///
/// `LISTEN_PID` guards against a variable inherited by a process it was not meant for; when it
/// is absent the descriptor is taken anyway, so a plain wrapper script (or a test) that cannot know
/// the pid in advance can pass one too. The variables are removed either way, so that
/// commands cronrpc starts never see them.
fn activated_listener() -> std::io::Result<Option<std::os::unix::net::UnixListener>> {
    let fds = std::env::var("LISTEN_FDS").ok();
    let pid = std::env::var("LISTEN_PID").ok();
    std::env::remove_var("LISTEN_FDS");
    std::env::remove_var("LISTEN_PID");
    std::env::remove_var("LISTEN_FDNAMES");
    let Some(fds) = fds else {
        return Ok(None);
    };
    if pid.is_some_and(|pid| pid.trim() != std::process::id().to_string()) {
        return Ok(None);
    }
    match fds.trim() {
        "0" => Ok(None),
        "1" => {
            // Ours now: close it in anything cronrpc starts.
            nix::fcntl::fcntl(
                unsafe { std::os::fd::BorrowedFd::borrow_raw(SD_LISTEN_FDS_START) },
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
            )?;
            // SAFETY: systemd hands fd 3 to this process (LISTEN_FDS/LISTEN_PID) and nothing
            // else in cronrpc uses it.
            let listener =
                unsafe { std::os::unix::net::UnixListener::from_raw_fd(SD_LISTEN_FDS_START) };
            listener.set_nonblocking(true)?;
            Ok(Some(listener))
        }
        n => Err(std::io::Error::other(format!(
            "LISTEN_FDS={n}: cronrpc serves one socket; give the .socket unit one ListenStream"
        ))),
    }
}

/// `serve`'s arguments, parsed by a command of its own: building every subcommand of the human
/// CLI first (as `Cli::parse` does) was a good part of a short stdio session's start. None
/// unless `argv` is a `serve` command line that parses; the whole command line is then parsed
/// as usual, and reports help and errors as it always does.
pub(super) fn parse_alone(argv: &[OsString]) -> Option<ServeArgs> {
    if argv.get(1).is_none_or(|a| a != "serve") {
        return None;
    }
    let command = clap::Command::new("cronrpc")
        .subcommand(ServeArgs::augment_args(clap::Command::new("serve")));
    let matches = command.try_get_matches_from(argv).ok()?;
    ServeArgs::from_arg_matches(matches.subcommand_matches("serve")?).ok()
}

pub fn run(args: ServeArgs) -> ExitCode {
    // Before any thread starts: the environment is changed here.
    let activated = match activated_listener() {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cronrpc: socket activation: {e}");
            return ExitCode::FAILURE;
        }
    };
    let service = match app::build_service(&args.backend) {
        Ok(service) => service,
        Err(e) => {
            eprintln!("cronrpc: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = app::runtime(activated.is_some() || args.socket.is_some());
    let result = runtime.block_on(async move {
        let router = Router::new(service);
        let handlers = mcp::handlers(router.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            app::shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
        // One user-database lookup, shared by the sweeper and the stdio connection.
        let me = Caller::current();
        app::spawn_sweeper(router.clone(), me.clone());
        let limits = Limits {
            max_message: args.max_message_bytes,
            ..Limits::default()
        };
        let serve = Serve {
            router: router.clone(),
            handlers: Some(handlers.clone()),
            limits: Limits {
                idle_timeout: seconds(args.idle_timeout_secs),
                message_timeout: seconds(args.message_timeout_secs),
                ..limits
            },
            slots: SlotOptions {
                max_connections: args.max_connections,
                per_user: args.max_connections_per_user,
            },
        };
        if let Some(listener) = activated {
            let listener = tokio::net::UnixListener::from_std(listener)?;
            tracing::info!("serving the socket systemd passed");
            // systemd owns the socket file: it stays when cronrpc exits.
            return protocol::socket::serve(listener, None, serve, stop_rx).await;
        }
        match args.socket {
            Some(path) => {
                let options = SocketOptions {
                    path: path.clone(),
                    mode: args.socket_mode,
                    group: args.socket_group,
                };
                let listener = protocol::socket::bind(&options)?;
                tracing::info!(socket = %path.display(), "serving");
                protocol::socket::serve(listener, Some(&path), serve, stop_rx).await
            }
            None => {
                // A host on stdio is one trusted client: no idle or message timeouts.
                let handler = handlers(&me);
                let responder = Responder::new(router, me, Some(handler));
                let stdin = tokio::io::BufReader::new(protocol::stdio::stdin());
                let mut stop = stop_rx;
                let stopped = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                let stdout = protocol::stdio::stdout();
                protocol::serve_connection(stdin, stdout, responder, limits, stopped).await
            }
        }
    });
    // Blocking reads of stdin (when it is not a pipe or a socket) may linger in the pool;
    // nothing is left to wait for.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cronrpc: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn argv(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn serve_parses_alone_as_the_whole_command_line_does() {
        for line in [
            "cronrpc serve",
            "cronrpc serve --backend spool --spool-dir /x",
            "cronrpc serve --socket /s --socket-mode 0660 --max-connections 3",
            "cronrpc serve --timezone Europe/Berlin --revisions-keep 3 --idle-timeout-secs 0",
        ] {
            let alone = parse_alone(&argv(line)).expect(line);
            let super::super::Command::Serve(whole) =
                super::super::Cli::parse_from(argv(line)).command
            else {
                panic!("{line} is not serve");
            };
            assert_eq!(format!("{alone:?}"), format!("{whole:?}"), "{line}");
        }
        for line in [
            "cronrpc serve --help",
            "cronrpc serve --version",
            "cronrpc serve --bogus",
            "cronrpc serve --socket-mode 999",
            "cronrpc health",
            "cronrpc",
        ] {
            assert!(parse_alone(&argv(line)).is_none(), "{line}");
        }
    }
}
