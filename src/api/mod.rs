//! The method table: every method's name, typed params, typed result, and the service function
//! behind it. The same table feeds the JSON-RPC handlers, the JSON Schemas, the OpenRPC document
//! and the MCP tool list, so a method is defined once.

pub mod errors;
mod methods;
pub mod openrpc;
pub mod params;
pub mod rpc_module;
pub mod schema_files;

pub use methods::*;

use crate::domain::Result;
use crate::service::{Caller, Service};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What an MCP client may assume about a method (MCP tool annotations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// Reaches beyond cronrpc's own state (runs arbitrary commands).
    pub open_world: bool,
}

pub const READ: Hints = Hints {
    read_only: true,
    destructive: false,
    idempotent: true,
    open_world: false,
};
pub const WRITE: Hints = Hints {
    read_only: false,
    destructive: false,
    idempotent: false,
    open_world: false,
};
pub const IDEMPOTENT_WRITE: Hints = Hints {
    read_only: false,
    destructive: false,
    idempotent: true,
    open_world: false,
};
pub const DESTRUCTIVE: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: true,
    open_world: false,
};

/// Runs a job's command now: it may do anything the command does, and a repeat runs it again.
pub const RUN: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: false,
    open_world: true,
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

    fn call(service: &Service, caller: &Caller, params: Self::Params) -> Result<Self::Output>;
}

/// Something done once per method: registering it, writing its schemas, listing it as a tool.
pub trait Visitor {
    fn visit<M: Method>(&mut self);
}
