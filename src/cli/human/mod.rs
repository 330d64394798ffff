//! Commands for people, one per method: each builds the method's params and calls it through
//! the method table (in-process, on a server's socket, or on other hosts over ssh), so nothing
//! is defined twice. `apply` reconciles a file of entries.

mod apply;
mod crontab;
mod edit;
mod entries;
mod fleet;
mod policy;
mod runs;
#[cfg(test)]
mod tests;

use super::client::{Connection, SshOptions};
use super::failure::{Exit, Failure};
use super::render;
use super::results::Render;
use crate::api::{self as m, Method};
use crate::app::BackendOptions;
use crate::service::crontab::NoParams;
use clap::{Args, Subcommand};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Write;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::process::ExitCode;

/// How to reach the methods, and how to print what they return.
#[derive(Debug, Args)]
pub struct Client {
    /// Print the method's result (or error object) as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// Ask the server on this Unix socket instead of acting in-process.
    #[arg(
        long,
        value_name = "SOCKET",
        global = true,
        env = "CRONRPC_CONNECT",
        conflicts_with = "hosts"
    )]
    connect: Option<PathBuf>,
    /// Run on HOST instead, through `ssh HOST cronrpc serve` with the system's ssh and its
    /// configuration. Repeatable: hosts run in parallel, each one's output under its name.
    #[arg(long = "host", value_name = "HOST", global = true)]
    hosts: Vec<String>,
    /// ssh's configuration file for --host (passed as `ssh -F FILE`).
    #[arg(long, value_name = "FILE", global = true, env = "CRONRPC_SSH_CONFIG")]
    ssh_config: Option<PathBuf>,
    /// The cronrpc program on the hosts.
    #[arg(
        long,
        value_name = "PROGRAM",
        global = true,
        env = "CRONRPC_REMOTE",
        default_value = "cronrpc",
        hide = true
    )]
    remote_cronrpc: String,
    /// How many hosts at once.
    #[arg(long, value_name = "N", global = true, default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..))]
    parallel: u16,
    #[command(flatten)]
    backend: BackendOptions,
}

#[derive(Debug, Subcommand)]
pub enum Human {
    /// Managed entries and the raw job lines around them.
    Entries {
        #[command(subcommand)]
        command: Box<entries::Entries>,
        #[command(flatten)]
        client: Client,
    },
    /// Make a user's named entries match a file of entries (TOML or JSON), in one write.
    Apply {
        #[command(flatten)]
        args: apply::ApplyArgs,
        #[command(flatten)]
        client: Client,
    },
    /// Recorded runs: one run, and stopping a running one.
    Runs {
        #[command(subcommand)]
        command: runs::Runs,
        #[command(flatten)]
        client: Client,
    },
    /// Whole crontabs, and their revisions.
    Crontab {
        #[command(subcommand)]
        command: crontab::Crontab,
        #[command(flatten)]
        client: Client,
    },
    /// Check and explain a schedule.
    Schedule {
        #[command(subcommand)]
        command: crontab::Schedule,
        #[command(flatten)]
        client: Client,
    },
    /// Report that cronrpc (or the server) works, and how it is set up.
    Health {
        #[command(flatten)]
        client: Client,
    },
}

/// What a command does on one connection, decided (and any file read) once for every host.
pub trait Perform: Send + Sync {
    fn perform(
        &self,
        conn: &mut Connection,
        json: bool,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> Done;
}

pub type Plan = Box<dyn Perform>;

/// The bounds a method needs to be called from the shell: params that can go on the wire,
/// and a result that can come back off it and be shown.
pub trait Callable:
    Method<Params: Serialize + Clone + Sync, Output: Render + DeserializeOwned>
{
}

impl<M> Callable for M where
    M: Method<Params: Serialize + Clone + Sync, Output: Render + DeserializeOwned>
{
}

/// A call of `M` with its params, its result shown by the result's [`Render`].
struct Call<M: Method> {
    params: M::Params,
    method: PhantomData<fn() -> M>,
}

/// A call of the method `M` with `params`.
pub fn of<M: Callable>(params: M::Params) -> Plan {
    Box::new(Call::<M> {
        params,
        method: PhantomData,
    })
}

impl<M: Callable> Perform for Call<M> {
    fn perform(
        &self,
        conn: &mut Connection,
        json: bool,
        out: &mut Vec<u8>,
        err: &mut Vec<u8>,
    ) -> Done {
        let show = |result: &M::Output, out: &mut Vec<u8>, err: &mut Vec<u8>| {
            result.human(out)?;
            result.notes(err)
        };
        let (exit, _) = call::<M>(conn, self.params.clone(), json, out, err, show);
        Done {
            exit,
            changed: false,
        }
    }
}

/// How a command went on one connection.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    exit: Exit,
    /// Whether it changed something (only `apply` tells).
    changed: bool,
}

/// Calls `M` and prints its result with `show` (or as JSON), or its error. Returns the exit
/// status, and the result when there is one.
fn call<M>(
    conn: &mut Connection,
    params: M::Params,
    json: bool,
    out: &mut Vec<u8>,
    err: &mut Vec<u8>,
    show: impl FnOnce(&M::Output, &mut Vec<u8>, &mut Vec<u8>) -> std::io::Result<()>,
) -> (Exit, Option<M::Output>)
where
    M: Method<Params: Serialize, Output: DeserializeOwned>,
{
    match conn.call::<M>(params) {
        Err(Failure::Unreachable(e)) => {
            let _ = writeln!(err, "cronrpc: {e}");
            (Exit::UNREACHABLE, None)
        }
        Err(Failure::Method(error)) => {
            let _ = if json {
                error.json(out)
            } else {
                error.human(err)
            };
            (error.exit(), None)
        }
        Ok(result) => {
            let _ = if json {
                render::json(out, &result)
            } else {
                show(&result, out, err)
            };
            (Exit::OK, Some(result))
        }
    }
}

pub fn run(command: Human) -> ExitCode {
    let (plan, client, detailed) = match command {
        Human::Entries { command, client } => (Ok(command.request()), client, false),
        Human::Crontab { command, client } => (command.request(), client, false),
        Human::Runs { command, client } => (Ok(command.request()), client, false),
        Human::Schedule { command, client } => (Ok(command.request()), client, false),
        Human::Health { client } => (Ok(of::<m::Health>(NoParams {})), client, false),
        Human::Apply { args, client } => {
            let detailed = args.detailed_exitcode;
            (args.plan(), client, detailed)
        }
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("cronrpc: {e}");
            return ExitCode::from(if detailed {
                Exit::FAILED.0
            } else {
                Exit::USAGE.0
            });
        }
    };
    let done = if client.hosts.is_empty() {
        local(&plan, &client)
    } else {
        let ssh = SshOptions {
            program: "ssh".into(),
            config: client.ssh_config.clone(),
            remote: client.remote_cronrpc.clone(),
        };
        fleet::run(
            &plan,
            &client.hosts,
            &ssh,
            client.json,
            client.parallel.into(),
        )
    };
    let code = match (detailed, done) {
        (false, done) => done.exit.0,
        (true, Done { exit, .. }) if !exit.is_ok() => Exit::FAILED.0,
        (true, Done { changed: true, .. }) => 2,
        (true, _) => 0,
    };
    ExitCode::from(code)
}

/// On this host: in-process, or on the server at `--connect`.
fn local(plan: &Plan, client: &Client) -> Done {
    let conn = match &client.connect {
        Some(socket) => Connection::socket(socket),
        None => Connection::in_process(&client.backend),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let done = match conn {
        Ok(mut conn) => plan.perform(&mut conn, client.json, &mut out, &mut err),
        Err(e) => {
            let _ = writeln!(err, "cronrpc: {e}");
            Done {
                exit: Exit::UNREACHABLE,
                changed: false,
            }
        }
    };
    emit(&out, &err);
    done
}

/// Writes what a command printed. A closed pipe (`| head`) is not a failure of the command.
fn emit(out: &[u8], err: &[u8]) {
    let _ = std::io::stdout().lock().write_all(out);
    let _ = std::io::stderr().lock().write_all(err);
}
