//! Typed results into text, with no server: what a person sees for each kind of result.

use super::results::Render;
use crate::domain::policy::{CatchUp, Concurrency};
use crate::domain::time::Timestamp;
use crate::domain::warning::{Warning, WarningCode};
use crate::history::{LastRun, RunRecord, RunStatus, Trigger};
use crate::service::crontab::{GetResult, ManagedDiff, PutResult};
use crate::service::entry_types::{EntryPage, ListItem};
use crate::service::views::Entry;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("an RFC 3339 time")
}

fn human(result: &impl Render) -> String {
    let mut out = Vec::new();
    result.human(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn entry() -> Entry {
    Entry {
        id: "ba61cf32-d382-4f19-986d-34508743312e".into(),
        user: "deploy".into(),
        name: Some("Daily backup".into()),
        comment: None,
        schedule: "0 2 * * *".into(),
        schedule_human: "At 02:00 AM, every day".into(),
        command: "/usr/local/bin/backup.sh".into(),
        enabled: true,
        expired: false,
        expires_at: None,
        next_run: Some(at("2026-11-23T02:00:00Z")),
        last_run: Some(LastRun {
            at: at("2026-11-22T02:00:00Z"),
            exit_code: Some(0),
            duration_ms: Some(12),
        }),
        created_at: at("2026-11-01T00:00:00Z"),
        updated_at: at("2026-11-02T00:00:00Z"),
        warnings: Vec::new(),
        timezone: None,
        timeout_ms: Some(5000),
        concurrency: Concurrency::Forbid,
        catch_up: CatchUp::None,
        notify: None,
    }
}

#[test]
fn an_entry_is_key_value_lines_with_its_policies_by_their_wire_names() {
    let text = human(&entry());
    assert!(text.starts_with("id:         ba61cf32-d382-4f19-986d-34508743312e\n"));
    for line in [
        "name:       Daily backup\n",
        "comment:    -\n",
        "timeout ms: 5000\n",
        "overlap:    forbid\n",
        "catch up:   none\n",
        "notify:     -\n",
        "next run:   2026-11-23T02:00:00Z\n",
        "last run:   2026-11-22T02:00:00Z (exit 0)\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
}

#[test]
fn a_page_of_entries_is_a_table_with_raw_lines_flags_and_warnings() {
    let mut warned = entry();
    warned.id = "00000000-0000-4000-8000-000000000001".into();
    warned.name = None;
    warned.enabled = false;
    warned.next_run = None;
    warned.warnings = vec![Warning::new(
        WarningCode::StepTooLarge,
        "fires once an hour",
    )];
    let page = EntryPage {
        user: "deploy".into(),
        page: 1,
        limit: 3,
        total: 5,
        entries: vec![
            ListItem::Raw {
                line: "*/5 * * * * /usr/bin/raw".into(),
            },
            ListItem::Managed(Box::new(entry())),
            ListItem::Managed(Box::new(warned)),
        ],
    };
    assert_eq!(
        human(&page),
        "ID                                    STATE  NEXT RUN              NAME          JOB\n\
         (raw)                                 on     -                     -             \
         */5 * * * * /usr/bin/raw\n\
         ba61cf32-d382-4f19-986d-34508743312e  on     2026-11-23T02:00:00Z  Daily backup  \
         0 2 * * * /usr/local/bin/backup.sh\n\
         00000000-0000-4000-8000-000000000001  off!   -                     -             \
         0 2 * * * /usr/local/bin/backup.sh\n\
         (3 of 5 on page 1; --page for more)\n\
         warning: 00000000-0000-4000-8000-000000000001 STEP_TOO_LARGE: fires once an hour\n"
    );
}

#[test]
fn a_run_shows_its_status_and_its_output_streams() {
    let mut run = RunRecord::started(
        "e1".into(),
        "deploy".into(),
        Trigger::Manual,
        at("2026-11-22T02:00:00Z"),
    );
    run.run_id = "r1".into();
    run.status = RunStatus::TimedOut;
    run.timed_out = true;
    run.exit_code = None;
    run.duration_ms = Some(1000);
    run.stdout = "partial".into();
    run.stdout_truncated = true;
    assert_eq!(
        human(&run),
        "run r1 of e1: timed_out, exit - after 1000 ms, timed out\n\
         --- stdout (truncated)\npartial\n"
    );
}

#[test]
fn a_crontab_is_its_content_alone_on_stdout_and_the_etag_beside_it() {
    let mut warning = Warning::new(WarningCode::StepTooLarge, "fires once");
    warning.line = Some(2);
    let got = GetResult {
        user: "deploy".into(),
        content: "@daily x\n".into(),
        etag: "abc".into(),
        warnings: vec![warning.clone()],
    };
    assert_eq!(human(&got), "@daily x\n");
    let mut err = Vec::new();
    got.notes(&mut err).unwrap();
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "etag: abc\nwarning: STEP_TOO_LARGE (line 2): fires once\n"
    );
    let put = PutResult {
        user: "deploy".into(),
        etag: "def".into(),
        written: false,
        managed: ManagedDiff {
            added: vec!["a".into()],
            kept: Vec::new(),
            removed: vec!["b".into(), "c".into()],
        },
        warnings: vec![warning],
    };
    assert_eq!(
        human(&put),
        "dry run, nothing written: deploy etag def; managed entries +1 =0 -2\n\
         warning: STEP_TOO_LARGE (line 2): fires once\n"
    );
}

#[test]
fn health_is_keyed_by_the_results_own_names() {
    let health = crate::service::system::HealthResult {
        status: "ok".into(),
        version: "0.1.0".into(),
        backend: "spool".into(),
        timezone: "Etc/UTC".into(),
        user: None,
        recorder: Some("/usr/bin/cronrpc".into()),
        missing_recorders: vec!["/old/cronrpc".into()],
        journal_errors: Vec::new(),
    };
    assert_eq!(
        human(&health),
        "status:            ok\n\
         version:           0.1.0\n\
         backend:           spool\n\
         timezone:          Etc/UTC\n\
         user:              -\n\
         recorder:          /usr/bin/cronrpc\n\
         missing_recorders: [\"/old/cronrpc\"]\n\
         journal_errors:    []\n"
    );
}
