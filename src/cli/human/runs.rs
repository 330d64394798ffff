//! `cronrpc runs get|cancel USER RUN_ID`: one recorded run, and stopping one.

use super::{of, Plan};
use crate::api as m;
use crate::service::runs::RunRef;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Runs {
    /// Show one recorded run, running or ended.
    Get { user: String, run_id: String },
    /// Stop a running run (its whole process group); a run that has ended is shown unchanged.
    Cancel { user: String, run_id: String },
}

impl Runs {
    pub fn request(self) -> Plan {
        match self {
            Runs::Get { user, run_id } => of::<m::RunsGet>(RunRef { user, run_id }),
            Runs::Cancel { user, run_id } => of::<m::RunsCancel>(RunRef { user, run_id }),
        }
    }
}
