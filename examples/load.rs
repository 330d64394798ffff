//! Load for a running `cronrpc serve --socket`: N clients on their own connections, each with up
//! to `--depth` requests in flight, until `--requests` answers in all or `--seconds` pass.
//! Every answer is checked to be a success for an id still waiting, without a full JSON parse
//! when it has the server's usual shape: the load shares the cores with the server it measures.
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
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

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

/// One pipelining client: requests numbered from 1, the ids still waiting for an answer.
struct Client {
    stream: UnixStream,
    user: String,
    id: String,
    write: bool,
    next: u64,
    waiting: Vec<u64>,
    out: Vec<u8>,
    input: Vec<u8>,
    closed: bool,
}

impl Client {
    fn new(stream: UnixStream, user: &str, id: &str, write: bool) -> Client {
        Client {
            stream,
            user: user.to_owned(),
            id: id.to_owned(),
            write,
            next: 0,
            waiting: Vec::new(),
            out: Vec::new(),
            input: Vec::with_capacity(64 * 1024),
            closed: false,
        }
    }

    fn queue(&mut self) {
        use std::io::Write;
        self.next += 1;
        let (n, user, id) = (self.next, &self.user, &self.id);
        let _ = if self.write {
            writeln!(
                self.out,
                r#"{{"jsonrpc":"2.0","id":{n},"method":"entries.update","params":{{"user":"{user}","id":"{id}","name":"n{n}"}}}}"#
            )
        } else {
            writeln!(
                self.out,
                r#"{{"jsonrpc":"2.0","id":{n},"method":"entries.get","params":{{"user":"{user}","id":"{id}"}}}}"#
            )
        };
        self.waiting.push(n);
    }

    async fn send(&mut self) {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await.expect("write");
            self.out.clear();
        }
    }

    /// Reads what has come and checks each whole answer: a result for an id still waiting.
    /// Answers (correct, wrong).
    async fn receive(&mut self) -> (u64, u64) {
        // Into the spare room as it is: zeroing 64 KiB per read would cost more than checking.
        self.input.reserve(64 * 1024);
        let n = self.stream.read_buf(&mut self.input).await.expect("read");
        if n == 0 {
            // Closed with answers due: each one missing is an error.
            let missing = self.waiting.len() as u64;
            self.waiting.clear();
            self.closed = true;
            return (0, missing);
        }
        let (mut ok, mut bad) = (0, 0);
        let mut used = 0;
        while let Some(end) = self.input[used..].iter().position(|&b| b == b'\n') {
            let line = &self.input[used..used + end];
            used += end + 1;
            match success_id(line).and_then(|id| self.waiting.iter().position(|&w| w == id)) {
                Some(at) => {
                    self.waiting.swap_remove(at);
                    ok += 1;
                }
                None => bad += 1,
            }
        }
        self.input.drain(..used);
        (ok, bad)
    }
}

/// The id of a success answer. The server writes `{"jsonrpc":"2.0","id":N,"result":…`, which
/// is checked without parsing the result; anything else is parsed in full.
fn success_id(line: &[u8]) -> Option<u64> {
    let fast = line
        .strip_prefix(br#"{"jsonrpc":"2.0","id":"#)
        .and_then(|rest| {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            let id = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
            rest[digits..].starts_with(br#","result":"#).then_some(id)
        });
    fast.or_else(|| {
        let answer: serde_json::Value = serde_json::from_slice(line).ok()?;
        answer.get("result")?;
        answer.get("id")?.as_u64()
    })
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
            let mut client = Client::new(stream, &user, &id, o.write);
            let mut stop = false;
            loop {
                // Top the window up and send it in one write, as a pipelining client would.
                while !stop && client.waiting.len() < o.depth {
                    if sent.fetch_add(1, Ordering::Relaxed) >= o.requests
                        || Instant::now() >= deadline
                    {
                        stop = true;
                    } else {
                        client.queue();
                    }
                }
                client.send().await;
                if client.waiting.is_empty() {
                    break;
                }
                let (ok, bad) = client.receive().await;
                answered.fetch_add(ok + bad, Ordering::Relaxed);
                errors.fetch_add(bad, Ordering::Relaxed);
                if client.closed {
                    break;
                }
            }
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
