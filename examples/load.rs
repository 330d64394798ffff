//! Load for a running `cronrpc serve --socket`: N clients on their own connections, each with up
//! to `--depth` requests in flight, until `--requests` answers in all or `--seconds` pass.
//! Prints one line: `<answers/s> req/s (<answers> in <seconds> s, <errors> errors)`.
//!
//! cargo run --release --example load -- --socket PATH [--clients 16] [--mode read|write]
//!
//! Each client acts on its own user (the first `--clients` users of /etc/passwd, which must
//! exist; the server runs as root) so that writes are not all queued on one user's lock: one
//! entry is created per user first, then `read` gets it and `write` renames it.
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::Semaphore;

struct Options {
    socket: PathBuf,
    clients: usize,
    depth: usize,
    requests: u64,
    seconds: f64,
    write: bool,
}

fn options() -> Options {
    let mut o = Options {
        socket: PathBuf::new(),
        clients: 16,
        depth: 16,
        requests: 200_000,
        seconds: 10.0,
        write: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--socket" => o.socket = value().into(),
            "--clients" => o.clients = value().parse().expect("--clients N"),
            "--depth" => o.depth = value().parse().expect("--depth N"),
            "--requests" => o.requests = value().parse().expect("--requests N"),
            "--seconds" => o.seconds = value().parse().expect("--seconds S"),
            "--mode" => o.write = value() == "write",
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        !o.socket.as_os_str().is_empty(),
        "--socket PATH is required"
    );
    o
}

fn users(n: usize) -> Vec<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    let users: Vec<String> = passwd
        .lines()
        .filter_map(|l| l.split(':').next())
        .filter(|name| !name.starts_with('_') && !name.contains('$'))
        .map(str::to_owned)
        .take(n)
        .collect();
    assert!(users.len() == n, "need {n} users in /etc/passwd");
    users
}

/// One request on a fresh connection; the answer's `result`.
async fn call(socket: &PathBuf, line: String) -> serde_json::Value {
    let stream = UnixStream::connect(socket).await.expect("connect");
    let (read, mut write) = stream.into_split();
    write.write_all((line + "\n").as_bytes()).await.unwrap();
    let mut answer = String::new();
    BufReader::new(read).read_line(&mut answer).await.unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("a JSON answer");
    answer
        .get("result")
        .cloned()
        .unwrap_or_else(|| panic!("setup failed: {answer}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let o = Arc::new(options());
    let users = users(o.clients);
    let mut ids = Vec::new();
    for user in &users {
        let created = call(&o.socket, format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"entries.create","params":{{"user":"{user}","schedule":"*/5 * * * *","command":"/bin/true"}}}}"#
        )).await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }

    let sent = Arc::new(AtomicU64::new(0));
    let answered = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let start = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for (user, id) in users.iter().cloned().zip(ids.iter().cloned()) {
        let (o, sent, answered, errors) =
            (o.clone(), sent.clone(), answered.clone(), errors.clone());
        clients.spawn(async move {
            let stream = UnixStream::connect(&o.socket).await.expect("connect");
            let (read, mut write) = stream.into_split();
            let window = Arc::new(Semaphore::new(o.depth));
            let reader_window = window.clone();
            let reader = tokio::spawn(async move {
                let mut lines = BufReader::new(read).lines();
                let mut errs = 0u64;
                while let Some(line) = lines.next_line().await.expect("read") {
                    if !line.contains(r#""result""#) {
                        errs += 1;
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                    reader_window.add_permits(1);
                }
                errors.fetch_add(errs, Ordering::Relaxed);
            });
            let mut n = 0u64;
            let mut buf = Vec::new();
            loop {
                let permit = window.acquire().await.unwrap();
                permit.forget();
                // Send whatever the window allows in one write, as a pipelining client would.
                let mut batch = 1 + window.available_permits();
                if let Ok(more) = window.try_acquire_many(batch as u32 - 1) {
                    more.forget();
                } else {
                    batch = 1;
                }
                let mut stop = false;
                for _ in 0..batch {
                    if sent.fetch_add(1, Ordering::Relaxed) >= o.requests || Instant::now() >= deadline {
                        stop = true;
                        break;
                    }
                    n += 1;
                    let line = if o.write {
                        format!(r#"{{"jsonrpc":"2.0","id":{n},"method":"entries.update","params":{{"user":"{user}","id":"{id}","name":"n{n}"}}}}"#)
                    } else {
                        format!(r#"{{"jsonrpc":"2.0","id":{n},"method":"entries.get","params":{{"user":"{user}","id":"{id}"}}}}"#)
                    };
                    buf.extend_from_slice(line.as_bytes());
                    buf.push(b'\n');
                }
                write.write_all(&buf).await.expect("write");
                buf.clear();
                if stop {
                    break;
                }
            }
            // Closing our half ends the connection once every answer is written.
            write.shutdown().await.unwrap();
            reader.await.unwrap();
        });
    }
    while clients.join_next().await.is_some() {}
    let elapsed = start.elapsed().as_secs_f64();
    let answered = answered.load(Ordering::Relaxed);
    let errors = errors.load(Ordering::Relaxed);
    for (user, id) in users.iter().zip(&ids) {
        call(&o.socket, format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"entries.delete","params":{{"user":"{user}","id":"{id}"}}}}"#
        )).await;
    }
    println!(
        "{:.0} req/s ({answered} in {elapsed:.2} s, {errors} errors)",
        answered as f64 / elapsed
    );
    if errors > 0 {
        std::process::exit(1);
    }
}
