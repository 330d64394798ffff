//! Races the lock must win: hand edits through `crontab` while cronrpc writes, and
//! `if_match` writers racing on one etag.

use crate::harness::{ask, rpc, SocketServer};
use crate::harness::{Server, TempUser};
use serde_json::json;
use std::sync::Barrier;

#[test]
fn hand_edits_under_the_lock_interleaved_with_updates_are_never_lost() {
    let user = TempUser::new();
    let mut server = Server::system();
    let entry = server.call(
        "entries.create",
        json!({"user": user.name, "schedule": "@daily", "command": "echo v0"}),
    );
    let id = entry["id"].as_str().unwrap().to_owned();
    let name = user.name.clone();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..50 {
                // A well-behaved editor: `crontab -l | edit | crontab -` under cronrpc's lock
                // for this user (the lock file a cooperating script can flock(1) too).
                let script = format!(
                    "crontab -u {name} -l > /tmp/{name}.edit && echo '1 1 * * * echo external-{i}' >> /tmp/{name}.edit && crontab -u {name} /tmp/{name}.edit"
                );
                let status = std::process::Command::new("flock")
                    .arg(format!("/var/lib/cronrpc/locks/{name}.lock"))
                    .args(["sh", "-c", &script])
                    .status()
                    .unwrap();
                assert!(status.success());
            }
        });
        for i in 1..=50 {
            server.call(
                "entries.update",
                json!({"user": name, "id": id, "command": format!("echo v{i}")}),
            );
        }
    });
    let crontab = user.crontab();
    for i in 0..50 {
        assert!(
            crontab.contains(&format!("echo external-{i}\n")),
            "external edit {i} was lost:\n{crontab}"
        );
    }
    assert!(crontab.contains("'echo v50'\n"), "{crontab}");
    let _ = std::fs::remove_file(format!("/tmp/{name}.edit"));
}

#[test]
fn of_k_writers_racing_on_one_etag_exactly_one_wins() {
    const K: usize = 12;
    let server = SocketServer::start(&[]);
    let got = ask(
        &server.path,
        &[rpc(1, "crontab.get", json!({"user": "root"}))],
    );
    let etag = got[0]["result"]["etag"].as_str().unwrap().to_owned();
    let barrier = Barrier::new(K);
    let answers: Vec<serde_json::Value> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..K)
            .map(|k| {
                let (path, etag, barrier) = (&server.path, &etag, &barrier);
                s.spawn(move || {
                    let content = format!("* * * * * echo writer-{k}\n");
                    let put = rpc(
                        1,
                        "crontab.put",
                        json!({"user": "root", "content": content, "if_match": etag}),
                    );
                    barrier.wait();
                    ask(path, &[put]).remove(0)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<_> = answers
        .iter()
        .filter(|a| a.get("result").is_some())
        .collect();
    let conflicts = answers
        .iter()
        .filter(|a| a["error"]["data"]["code"] == "CONFLICT")
        .count();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert_eq!(conflicts, K - 1, "{answers:?}");
    let content = std::fs::read_to_string(server.spool.join("root")).unwrap();
    assert_eq!(content.lines().count(), 1, "{content}");
}
