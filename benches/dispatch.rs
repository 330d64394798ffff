//! One call through the transport's dispatch (parse the line, run the method, write the
//! answer), with no I/O around it: `cargo bench --bench dispatch`.
use cronrpc::backend::{Locks, SpoolBackend};
use cronrpc::protocol::Responder;
use cronrpc::service::{Caller, Service};

#[path = "support/fixture.rs"]
mod fixture;

fn setup() -> (
    tempfile::TempDir,
    Responder,
    tokio::runtime::Runtime,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::new(
        Box::new(SpoolBackend::new(dir.path())),
        Locks::new(dir.path().join(".locks")),
        cronrpc::cron::Zone::utc(),
    );
    let router = cronrpc::api::Router::new(service);
    let responder = Responder::new(router, Caller::current(), None);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let create = br#"{"jsonrpc":"2.0","id":1,"method":"entries.create","params":{"user":"root","schedule":"0 2 * * *","command":"/usr/local/bin/backup.sh","name":"Daily backup"}}"#;
    let created = runtime.block_on(responder.handle(create)).unwrap();
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = created["result"]["id"].as_str().unwrap().to_owned();
    (dir, responder, runtime, id)
}

#[divan::bench]
fn health(bencher: divan::Bencher) {
    let (_dir, responder, runtime, _) = setup();
    let line = br#"{"jsonrpc":"2.0","id":1,"method":"health"}"#;
    bencher.bench_local(|| runtime.block_on(responder.handle(divan::black_box(line))));
}

#[divan::bench]
fn entries_get(bencher: divan::Bencher) {
    let (_dir, responder, runtime, id) = setup();
    let line = format!(
        r#"{{"jsonrpc":"2.0","id":7,"method":"entries.get","params":{{"user":"root","id":"{id}"}}}}"#
    );
    bencher.bench_local(|| runtime.block_on(responder.handle(divan::black_box(line.as_bytes()))));
}

/// The whole read path of a 10,000-line crontab (first page of 50, as a client would ask).
#[divan::bench]
fn entries_list_10k(bencher: divan::Bencher) {
    let (dir, responder, runtime, _) = setup();
    std::fs::write(dir.path().join("root"), fixture::ten_thousand_lines()).unwrap();
    let line = br#"{"jsonrpc":"2.0","id":7,"method":"entries.list","params":{"user":"root"}}"#;
    bencher.bench_local(|| runtime.block_on(responder.handle(divan::black_box(line))));
}

/// One entry (the last) of a 10,000-line crontab: the whole text is read each time, and parsed
/// only when it differs from the text parsed last.
#[divan::bench]
fn entries_get_10k(bencher: divan::Bencher) {
    let (dir, dispatcher, runtime, _) = setup();
    std::fs::write(dir.path().join("root"), fixture::ten_thousand_lines()).unwrap();
    let line = br#"{"jsonrpc":"2.0","id":7,"method":"entries.get","params":{"user":"root","id":"00000000-0000-4000-8000-0000000007cf"}}"#;
    let answer = runtime.block_on(dispatcher.handle(line)).unwrap();
    assert!(answer.contains(r#""name":"entry 1999""#), "{answer}");
    bencher.bench_local(|| runtime.block_on(dispatcher.handle(divan::black_box(line))));
}

fn main() {
    divan::main();
}
