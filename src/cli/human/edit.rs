//! `cronrpc entries create` and `entries update`: the entry's fields and its policies, into
//! `CreateParams` and `UpdateParams` field by field (no `..`, so a new field is a build error
//! here until it has a flag).

use super::entries::flag;
use super::policy::{Patch, PolicyArgs};
use crate::service::entry_types::{CreateParams, UpdateParams};
use crate::service::params::default_true;
use clap::Args;

#[derive(Debug, Args)]
pub struct CreateArgs {
    user: String,
    /// Five fields or a macro such as @daily.
    #[arg(long)]
    schedule: String,
    /// The shell command, exactly as the shell should run it.
    #[arg(long)]
    command: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    comment: Option<String>,
    /// Write it commented out.
    #[arg(long)]
    disabled: bool,
    /// RFC 3339; after it the entry stops firing and is removed.
    #[arg(long)]
    expires_at: Option<String>,
    #[command(flatten)]
    policy: PolicyArgs,
}

impl From<CreateArgs> for CreateParams {
    fn from(a: CreateArgs) -> Self {
        // On create a cleared policy is the default: nothing to send.
        let Patch {
            timezone,
            timeout_ms,
            concurrency,
            catch_up,
            notify,
        } = a.policy.patch();
        CreateParams {
            user: a.user,
            schedule: a.schedule,
            command: a.command,
            name: a.name,
            comment: a.comment,
            enabled: if a.disabled { false } else { default_true() },
            expires_at: a.expires_at,
            timezone: timezone.flatten(),
            timeout_ms: timeout_ms.flatten(),
            concurrency: concurrency.flatten(),
            catch_up: catch_up.flatten(),
            notify: notify.flatten(),
        }
    }
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    user: String,
    id: String,
    #[arg(long)]
    schedule: Option<String>,
    #[arg(long)]
    command: Option<String>,
    #[arg(long, conflicts_with = "no_name")]
    name: Option<String>,
    /// Clear the name.
    #[arg(long)]
    no_name: bool,
    #[arg(long, conflicts_with = "no_comment")]
    comment: Option<String>,
    /// Clear the comment.
    #[arg(long)]
    no_comment: bool,
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    #[arg(long)]
    disable: bool,
    #[arg(long, conflicts_with = "no_expires_at")]
    expires_at: Option<String>,
    /// Clear the expiration.
    #[arg(long)]
    no_expires_at: bool,
    #[command(flatten)]
    policy: PolicyArgs,
}

/// `Some(Some(value))` to set, `Some(None)` to clear, `None` when neither was asked for.
fn set_or_clear(value: Option<String>, clear: bool) -> Option<Option<String>> {
    if clear {
        Some(None)
    } else {
        value.map(Some)
    }
}

impl From<UpdateArgs> for UpdateParams {
    fn from(a: UpdateArgs) -> Self {
        let Patch {
            timezone,
            timeout_ms,
            concurrency,
            catch_up,
            notify,
        } = a.policy.patch();
        UpdateParams {
            user: a.user,
            id: a.id,
            schedule: a.schedule,
            command: a.command,
            name: set_or_clear(a.name, a.no_name),
            comment: set_or_clear(a.comment, a.no_comment),
            enabled: flag(a.enable, a.disable),
            expires_at: set_or_clear(a.expires_at, a.no_expires_at),
            timezone,
            timeout_ms,
            concurrency,
            catch_up,
            notify,
        }
    }
}
