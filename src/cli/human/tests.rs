//! Command lines into params: each subcommand's arguments become its method's params struct,
//! and the struct is what goes on the wire with `--connect` (absent stays absent, a cleared
//! field is null), read back by the server into the same struct.

use super::entries::Entries;
use crate::history::RunStatus;
use crate::service::entry_types::{EntryRef, EntryType, ListParams, SweepParams, UpdateParams};
use crate::service::run_now::RunParams;
use crate::service::runs::HistoryParams;
use crate::service::spec::CreateParams;
use clap::Parser;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Parser)]
struct Line {
    #[command(subcommand)]
    entries: Entries,
}

fn entries(args: &[&str]) -> Entries {
    Line::try_parse_from(std::iter::once("entries").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .entries
}

/// The params as sent, after checking that the server reads them back the same.
fn wire<P: Serialize + DeserializeOwned>(params: P) -> Value {
    let sent = serde_json::to_value(&params).unwrap();
    let read: P = serde_json::from_value(sent.clone()).unwrap();
    assert_eq!(serde_json::to_value(read).unwrap(), sent, "round trip");
    sent
}

#[test]
fn list_flags_become_list_params_with_the_methods_defaults() {
    let Entries::List(a) = entries(&["list", "deploy"]) else {
        panic!()
    };
    let p = ListParams::from(a);
    assert_eq!((p.page, p.limit, p.kind, p.enabled), (1, 50, None, None));
    let Entries::List(a) = entries(&[
        "list",
        "deploy",
        "--type",
        "raw",
        "--disabled",
        "--page",
        "2",
    ]) else {
        panic!()
    };
    let p = ListParams::from(a);
    assert_eq!(
        (p.page, p.kind, p.enabled),
        (2, Some(EntryType::Raw), Some(false))
    );
    assert_eq!(
        wire(p),
        json!({"user": "deploy", "page": 2, "limit": 50, "type": "raw", "enabled": false})
    );
}

#[test]
fn create_flags_become_create_params_with_policies_as_given() {
    let Entries::Create(a) = entries(&[
        "create",
        "deploy",
        "--schedule",
        "@daily",
        "--command",
        "x",
        "--disabled",
        "--timezone",
        "Europe/Paris",
        "--no-timeout",
        "--forbid-overlap",
    ]) else {
        panic!()
    };
    let p = CreateParams::from(*a);
    assert!(!p.enabled);
    assert_eq!(p.timezone, Some(json!("Europe/Paris")));
    assert_eq!(p.timeout_ms, None, "cleared on create is the default");
    assert_eq!(p.concurrency, Some(json!("forbid")));
    assert_eq!(wire(p)["schedule"], "@daily");
}

#[test]
fn update_sends_only_what_was_asked_and_null_for_what_is_cleared() {
    let Entries::Update(a) = entries(&["update", "deploy", "ID"]) else {
        panic!()
    };
    assert_eq!(
        wire(UpdateParams::from(*a)),
        json!({"user": "deploy", "id": "ID"})
    );
    let Entries::Update(a) = entries(&[
        "update",
        "deploy",
        "ID",
        "--no-name",
        "--comment",
        "c",
        "--disable",
        "--no-expires-at",
        "--no-notify",
        "--catch-up",
    ]) else {
        panic!()
    };
    assert_eq!(
        wire(UpdateParams::from(*a)),
        json!({"user": "deploy", "id": "ID", "name": null, "comment": "c", "enabled": false,
               "expires_at": null, "notify": null, "catch_up": "latest"})
    );
}

#[test]
fn run_history_get_and_sweep_flags_become_their_params() {
    let Entries::Run(a) = entries(&["run", "deploy", "ID", "--timeout-ms", "5000", "--no-wait"])
    else {
        panic!()
    };
    let p = RunParams::from(a);
    assert_eq!((p.timeout_ms, p.wait), (Some(5000), false));
    let Entries::Run(a) = entries(&["run", "deploy", "ID"]) else {
        panic!()
    };
    assert!(RunParams::from(a).wait, "waits by default");

    let Entries::History(a) = entries(&["history", "deploy", "--status", "timed_out"]) else {
        panic!()
    };
    let p = HistoryParams::from(a);
    assert_eq!((p.status, p.limit), (Some(RunStatus::TimedOut), 100));
    assert!(
        Line::try_parse_from(["entries", "history", "deploy", "--status", "bogus"]).is_err(),
        "a status is one of the type's own names"
    );

    let Entries::Get(a) = entries(&["get", "deploy", "ID"]) else {
        panic!()
    };
    assert_eq!(
        wire(EntryRef::from(a)),
        json!({"user": "deploy", "id": "ID"})
    );
    let Entries::Sweep(a) = entries(&["sweep", "--dry-run"]) else {
        panic!()
    };
    assert_eq!(
        wire(SweepParams::from(a)),
        json!({"user": null, "dry_run": true})
    );
}

#[test]
fn apply_shows_the_fields_a_spec_changes_read_as_the_entry_holds_them() {
    use crate::service::spec::EntrySpec;
    let entry: crate::service::views::Entry = serde_json::from_value(json!({
        "id": "00000000-0000-4000-8000-000000000001", "user": "deploy", "name": "backup",
        "comment": null, "schedule": "0 3 * * *", "schedule_human": "At 03:00 AM",
        "command": "backup.sh", "enabled": true, "expired": false, "expires_at": null,
        "next_run": null, "last_run": null, "created_at": "2026-11-01T00:00:00Z",
        "updated_at": "2026-11-01T00:00:00Z", "warnings": [], "timezone": null,
        "timeout_ms": null, "concurrency": "allow", "catch_up": "none",
        "notify": {"on_failure": true, "on_success": false, "mail": true, "webhook": null,
                   "ping_url": null}
    }))
    .unwrap();
    let spec: EntrySpec = serde_json::from_value(json!({
        "name": "backup", "schedule": "0  2 * * *", "command": "backup.sh",
        "notify": {}, "concurrency": "forbid"
    }))
    .unwrap();
    assert_eq!(
        super::apply::changes(&spec, &entry),
        [
            "schedule: \"0 3 * * *\" -> \"0 2 * * *\"",
            "concurrency: \"allow\" -> \"forbid\""
        ],
        "notify {{}} is the default notify the entry has: no change"
    );
}
