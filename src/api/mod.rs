//! The method table: every method's name, typed params, typed result, and the service function
//! behind it. The same table feeds the JSON-RPC handlers, the JSON Schemas, the OpenRPC document
//! and the MCP tool list, so a method is defined once.

pub mod errors;
mod methods;
pub mod openrpc;
pub mod params;
pub mod router;
pub mod schema_files;

#[cfg(test)]
mod clock_tests;

pub use methods::*;
pub use router::Router;

use crate::domain::Result;
use crate::service::{Context, Service};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What an MCP client may assume about a method (MCP tool annotations), and how the method is
/// ordered on its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// Reaches beyond cronrpc's own state (runs arbitrary commands).
    pub open_world: bool,
    /// Acts on something already started (`runs.cancel`): answered at once, neither waiting
    /// for the connection's earlier writes nor holding back later requests.
    pub control: bool,
    /// May take as long as the job it runs (`entries.run`): counted in the caller's own share
    /// of long calls, so quick calls stay answerable while runs wait.
    pub long: bool,
    /// Where it may run instead of the blocking pool, whose hand-off costs more than a cheap
    /// call.
    pub inline: Inline,
}

/// When a method runs on the connection's own thread rather than the blocking pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inline {
    /// Never: it may wait on a process, a lock or a slow file.
    Never,
    /// On a backend that reads local files (`entries.get`: a few small reads).
    LocalReads,
    /// On any backend: it touches none (`health`, cronrpc's own memory), so a cold `health`
    /// starts no pool thread at all.
    Always,
}

impl Hints {
    /// These hints, for a method that may take as long as a job.
    pub const fn long(self) -> Hints {
        Hints { long: true, ..self }
    }

    /// These hints, for a method cheap enough to answer on the connection's thread `when`.
    pub const fn inline(self, when: Inline) -> Hints {
        Hints {
            inline: when,
            ..self
        }
    }

    /// These hints, for a method that acts on something already started.
    pub const fn control(self) -> Hints {
        Hints {
            control: true,
            ..self
        }
    }

    /// How the method is ordered among the requests of one connection.
    pub const fn order(self) -> Order {
        if self.control {
            Order::Control
        } else if self.read_only {
            Order::Read
        } else {
            Order::Write
        }
    }
}

/// How a request is ordered among the requests of its connection (one connection reads its own
/// writes; see `crate::service::context`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Starts once the earlier writes have taken effect; later requests need not wait for it.
    Read,
    /// Starts once the earlier writes have taken effect, and holds back later requests until
    /// its own effect is taken.
    Write,
    /// Starts at once and holds back nothing.
    Control,
}

const fn hints(read_only: bool, destructive: bool, idempotent: bool) -> Hints {
    Hints {
        read_only,
        destructive,
        idempotent,
        open_world: false,
        control: false,
        long: false,
        inline: Inline::Never,
    }
}

pub const READ: Hints = hints(true, false, true);
pub const WRITE: Hints = hints(false, false, false);
pub const DESTRUCTIVE: Hints = hints(false, true, true);

/// Runs a job's command now: it may do anything the command does, and a repeat runs it again.
pub const RUN: Hints = Hints {
    open_world: true,
    ..hints(false, true, false)
};

pub trait Method: 'static {
    /// The JSON-RPC method name, e.g. `entries.create`.
    const NAME: &'static str;
    /// One line for OpenRPC's summary.
    const SUMMARY: &'static str;
    /// For an agent choosing a tool: what it does, when to use it, what it destroys.
    const DESCRIPTION: &'static str;
    const HINTS: Hints;
    /// Exposed as an MCP tool.
    const TOOL: bool = true;
    type Params: DeserializeOwned + JsonSchema + Send + 'static;
    type Output: Serialize + JsonSchema + Clone + Send + 'static;

    /// Runs the method (blocking: it may read and write files and start processes).
    fn call(service: &Service, ctx: &Context, params: Self::Params) -> Result<Self::Output>;
}

/// Something done once per method: registering it, writing its schemas, listing it as a tool.
pub trait Visitor {
    fn visit<M: Method>(&mut self);
}
