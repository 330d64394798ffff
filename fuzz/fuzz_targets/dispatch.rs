//! Arbitrary bytes through the framing and the responder (JSON-RPC, batches, MCP) never panic,
//! and every non-empty answer is JSON. The spool backend writes to a throwaway directory.
#![no_main]

use cronrpc::protocol::{serve_connection, Limits, Responder};
use cronrpc::service::Caller;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct World {
    runtime: tokio::runtime::Runtime,
    router: cronrpc::api::Router,
    dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        let service = cronrpc::service::Service::new(
            Box::new(cronrpc::backend::SpoolBackend::new(&spool)),
            cronrpc::backend::Locks::new(spool.join(".locks")),
            cronrpc::cron::Zone::utc(),
        );
        let router = cronrpc::api::Router::new(service);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        World {
            runtime,
            router,
            dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let world = world();
    // Each input starts from an empty crontab, so creates do not pile up across runs.
    let _ = std::fs::remove_file(world.dir.path().join("spool/root"));
    let caller = Caller::from_uid(0);
    let handler = cronrpc::mcp::handlers(world.router.clone())(&caller);
    let responder = Responder::new(world.router.clone(), caller, Some(handler));
    world.runtime.block_on(async {
        let (client, server) = tokio::io::duplex(1 << 16);
        let (read, write) = tokio::io::split(server);
        let limits = Limits {
            max_message: 4096,
            max_in_flight: 4,
            ..Limits::default()
        };
        let serving = serve_connection(
            tokio::io::BufReader::new(read),
            write,
            responder,
            limits,
            std::future::pending(),
        );
        let talking = async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut from, mut to) = tokio::io::split(client);
            let writing = async move {
                to.write_all(data).await.unwrap();
                to.shutdown().await.unwrap();
            };
            let mut out = Vec::new();
            let reading = from.read_to_end(&mut out);
            let (_, read) = tokio::join!(writing, reading);
            read.unwrap();
            out
        };
        let (served, out) = tokio::join!(serving, talking);
        served.unwrap();
        for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let value: serde_json_check::Value = serde_json_check::from_slice(line)
                .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", String::from_utf8_lossy(line)));
            drop(value);
        }
    });
});
