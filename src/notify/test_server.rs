//! A small HTTP/1.1 server on localhost for the notification tests: it records what it was sent
//! and answers with a status, never, or a redirect to itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the test server answers.
#[derive(Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Accepts, reads the request, never answers.
    Hang,
    /// 302 to itself, forever (and once to another host, never to be reached).
    RedirectForever,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Who sent it: the owner of the client's socket, from /proc/net/tcp.
    pub peer_uid: Option<u32>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Server {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    pub fn start(answer: Answer) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&received);
        let own = base.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (shared, own) = (Arc::clone(&shared), own.clone());
                std::thread::spawn(move || serve(stream, answer, &shared, &own));
            }
        });
        Server { base, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.received().into_iter().map(|r| r.path).collect()
    }
}

fn serve(stream: TcpStream, answer: Answer, received: &Mutex<Vec<Received>>, own: &str) {
    let peer_uid = socket_owner(&stream);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = header.trim_end().split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    received.lock().unwrap().push(Received {
        path: path.clone(),
        headers,
        body,
        peer_uid,
    });
    let mut stream = stream;
    let reply = match answer {
        Answer::Status(code) => {
            format!("HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
        Answer::Hang => {
            std::thread::sleep(Duration::from_secs(60));
            return;
        }
        Answer::RedirectForever => {
            let to = if path.ends_with("/away") {
                "http://192.0.2.1/never".to_owned()
            } else {
                format!("{own}{path}")
            };
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
    };
    let _ = stream.write_all(reply.as_bytes());
}

/// A port where nothing listens.
pub fn dead_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}

/// The uid owning the other end of a localhost connection: its line in /proc/net/tcp has our
/// peer's address as local address and ours as remote.
fn socket_owner(stream: &TcpStream) -> Option<u32> {
    let hex = |addr: std::net::SocketAddr| match addr {
        std::net::SocketAddr::V4(v4) => Some(format!(
            "{:08X}:{:04X}",
            u32::from_le_bytes(v4.ip().octets()),
            v4.port()
        )),
        std::net::SocketAddr::V6(_) => None,
    };
    let (peer, ours) = (
        hex(stream.peer_addr().ok()?)?,
        hex(stream.local_addr().ok()?)?,
    );
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(1) == Some(&peer.as_str()) && fields.get(2) == Some(&ours.as_str()))
            .then(|| fields.get(7)?.parse().ok())
            .flatten()
    })
}
