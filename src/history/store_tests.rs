//! The history store against a real directory: order, rotation, links, absence.

use super::*;
use crate::history::record::{RunStatus, Trigger};

fn me() -> User {
    crate::domain::user::current().unwrap()
}

fn record(entry: &str, at: &str, exit: i32) -> StoredRun {
    let mut r = RunRecord::started(
        entry.into(),
        me().name,
        Trigger::Manual,
        Timestamp::parse(at).unwrap(),
    );
    r.exit_code = Some(exit);
    r.finished_at = Some(r.started_at);
    r.status = if exit == 0 {
        RunStatus::Succeeded
    } else {
        RunStatus::Failed
    };
    StoredRun::new(r, None)
}

#[test]
fn reads_newest_first_and_keeps_the_last_record_of_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("history"));
    let user = me();
    let mut running = record("e1", "2024-01-01T00:00:00Z", 0);
    running.run.exit_code = None;
    running.run.finished_at = None;
    running.run.status = RunStatus::Running;
    running.recorder = crate::runs::process::RecorderId::current();
    store.append(&user, &running).unwrap();
    store
        .append(&user, &record("e2", "2024-01-01T00:00:05Z", 2))
        .unwrap();
    assert_eq!(
        store.read(&user, false).unwrap()[1].status,
        RunStatus::Running,
        "its recorder (this process) lives"
    );
    let mut done = running.clone();
    done.run.exit_code = Some(1);
    done.run.status = RunStatus::Failed;
    store.append(&user, &done).unwrap();
    let runs = store.read(&user, false).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].entry_id, "e2");
    assert_eq!(runs[1].exit_code, Some(1));
    let last = store.last_runs(&user).unwrap();
    assert_eq!(last["e1"].exit_code, Some(1));
    assert_eq!(last["e2"].exit_code, Some(2));
    let file = store.file(&user.name, 0);
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
    let dir_mode = std::fs::metadata(store.dir(&user.name)).unwrap().mode();
    assert_eq!(dir_mode & 0o777, 0o700);
}

#[test]
fn rotates_by_size_and_keeps_a_few_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path()).with_rotation(300);
    let user = me();
    for i in 0..40 {
        store
            .append(&user, &record(&format!("e{i}"), "2024-01-01T00:00:00Z", i))
            .unwrap();
    }
    for generation in 1..=KEEP {
        assert!(store.file(&user.name, generation).exists(), "{generation}");
    }
    assert!(!store.file(&user.name, KEEP + 1).exists());
    let current = store.read(&user, false).unwrap();
    let all = store.read(&user, true).unwrap();
    assert!(current.len() < all.len() && all.len() < 40);
    assert_eq!(all[0].entry_id, "e39", "newest first");
    assert_eq!(current[0].entry_id, "e39");
}

#[test]
fn refuses_to_follow_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let user = me();
    store.prepare(&user).unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "").unwrap();
    std::os::unix::fs::symlink(&target, store.file(&user.name, 0)).unwrap();
    assert!(store
        .append(&user, &record("e", "2024-01-01T00:00:00Z", 0))
        .is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
}

#[test]
fn a_missing_history_is_empty() {
    let store = Store::new("/nonexistent/cronrpc-history");
    assert!(store.read(&me(), true).unwrap().is_empty());
    assert!(store.last_runs(&me()).unwrap().is_empty());
}
