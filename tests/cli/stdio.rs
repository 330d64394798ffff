//! The stdio transport as hosts wire it: pipes (Python), one socket for stdin and stdout
//! (Node), a file on stdin, /dev/null on stdout. The server reads and writes on its one thread
//! without changing the flags of files it shares with the host.

use crate::harness::host::{serve_command, threads, Host, Wiring};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

const BOTH: [Wiring; 2] = [Wiring::Pipes, Wiring::Socket];

fn health(id: u64) -> String {
    format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"health\"}}\n")
}

/// Whether this kernel reads an anonymous pipe with `RWF_NOWAIT` (one that does not serves
/// pipes on tokio's blocking pool instead, by design): an empty pipe then says EAGAIN.
fn pipes_take_rwf_nowait() -> bool {
    let (r, _w) = nix::unistd::pipe().unwrap();
    let mut byte = [0u8; 1];
    let iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: one iovec over a live one-byte buffer.
    let n = unsafe {
        libc::preadv2(
            std::os::fd::AsRawFd::as_raw_fd(&r),
            &iov,
            1,
            -1,
            libc::RWF_NOWAIT,
        )
    };
    n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN)
}

#[test]
fn a_pipe_or_socket_session_runs_on_one_thread_and_leaves_the_shared_flags_alone() {
    for wiring in BOTH {
        let mut host = Host::start(wiring);
        let before = host.their_flags();
        host.health(1);
        // Idle now, waiting for input: a read on the blocking pool would be a second thread.
        if matches!(wiring, Wiring::Socket) || pipes_take_rwf_nowait() {
            assert_eq!(host.threads(), 1, "{wiring:?}");
        }
        assert_eq!(
            host.their_flags(),
            before,
            "{wiring:?}: flags while serving"
        );
        host.health(2);
        let (status, after) = host.finish();
        assert!(status.success(), "{wiring:?}: {status}");
        assert_eq!(after, before, "{wiring:?}: flags after the session");
        assert_eq!(before.0 & libc::O_NONBLOCK, 0);
    }
}

#[test]
fn a_host_that_writes_two_thousand_requests_before_reading_gets_every_answer_in_order() {
    for wiring in BOTH {
        let mut host = Host::start(wiring);
        // About 90 KB in and 380 KB out: more than a pipe holds either way, so the server
        // must go on reading while its answers wait for the host.
        let requests: String = (1..=2000).map(health).collect();
        host.send(requests.as_bytes());
        for id in 1..=2000u64 {
            assert_eq!(host.read_value()["id"], id, "{wiring:?}");
        }
        assert!(host.finish().0.success());
    }
}

#[test]
fn a_slow_reader_gets_every_byte_of_large_answers() {
    for wiring in BOTH {
        let mut host = Host::start(wiring);
        // Batches of 1000: each answer is about 190 KB, written in pieces into a pipe that
        // holds 64 KB; 30 of them are more than the server queues for a slow reader.
        let batch: Vec<Value> = (0..1000)
            .map(|i| serde_json::json!({"jsonrpc": "2.0", "id": i, "method": "health"}))
            .collect();
        let line = format!("{}\n", Value::from(batch));
        let mut writer = host.take_input();
        let sending = std::thread::spawn(move || {
            for _ in 0..30 {
                writer.write_all(line.as_bytes()).unwrap();
            }
            writer
        });
        // Small reads, each handed back to the scheduler: the server's side fills first.
        let mut reader = BufReader::with_capacity(512, host.take_output());
        for _ in 0..30 {
            let mut chunk = Vec::new();
            loop {
                std::thread::yield_now();
                let buf = reader.fill_buf().unwrap();
                assert!(!buf.is_empty(), "{wiring:?}: stdout closed early");
                let n = buf
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(buf.len(), |i| i + 1);
                chunk.extend_from_slice(&buf[..n]);
                reader.consume(n);
                if chunk.ends_with(b"\n") {
                    break;
                }
            }
            let answers: Vec<Value> = serde_json::from_slice(&chunk).unwrap();
            let mut ids: Vec<u64> = answers.iter().map(|a| a["id"].as_u64().unwrap()).collect();
            ids.sort_unstable();
            assert_eq!(ids, (0..1000).collect::<Vec<_>>(), "{wiring:?}");
        }
        host.give_back(sending.join().unwrap(), reader.into_inner());
        assert!(host.finish().0.success());
    }
}

#[test]
fn a_message_at_the_limit_arriving_in_pieces_is_read_whole() {
    for wiring in BOTH {
        let mut host = Host::start_with(wiring, &["--max-message-bytes", "300000"]);
        let head = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"health\"";
        let at_limit = format!("{head}{}}}\n", " ".repeat(300_000 - head.len() - 1));
        for piece in at_limit.as_bytes().chunks(997) {
            host.send(piece);
        }
        let answer = host.read_value();
        assert_eq!(answer["result"]["status"], "ok", "{wiring:?}: {answer}");
        let over = format!("{head}{}}}\n", " ".repeat(300_000 - head.len()));
        host.send(over.replace("\"id\":7", "\"id\":8").as_bytes());
        let answer = host.read_value();
        assert_eq!(answer["id"], 8, "{wiring:?}");
        assert_eq!(answer["error"]["data"]["code"], "REQUEST_TOO_LARGE");
        host.health(9);
        assert!(host.finish().0.success());
    }
}

#[test]
fn end_of_input_in_the_middle_of_a_message_answers_what_came_and_exits_zero() {
    for wiring in BOTH {
        let mut host = Host::start(wiring);
        host.send(format!("{}{{\"jsonrpc\":\"2.0\",\"id\":2,\"meth", health(1)).as_bytes());
        host.close_input();
        assert_eq!(host.read_value()["id"], 1);
        // The unfinished last line is a line like any other: a parse error.
        let answer = host.read_value();
        assert_eq!(answer["error"]["code"], -32700, "{wiring:?}: {answer}");
        assert!(host.finish().0.success());
    }
}

#[test]
fn a_file_on_stdin_is_read_in_place_on_one_thread_to_its_end() {
    let spool = tempfile::tempdir().unwrap();
    let mut input = tempfile::tempfile().unwrap();
    let requests: String = (1..=2000).map(health).collect();
    input.write_all(requests.as_bytes()).unwrap();
    // The last line has no line end.
    input.write_all(health(2001).trim_end().as_bytes()).unwrap();
    std::io::Seek::rewind(&mut input).unwrap();
    let mut child = serve_command(spool.path(), &[])
        .stdin(input)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut ids = Vec::new();
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        if ids.is_empty() && pipes_take_rwf_nowait() {
            // stdin read (an answer came), and the server waits for this host to read
            // (380 KB of answers): a read on the blocking pool would have left a thread.
            assert_eq!(threads(child.id()), 1);
        }
        ids.push(
            serde_json::from_str::<Value>(&line).unwrap()["id"]
                .as_u64()
                .unwrap(),
        );
        line.clear();
    }
    assert!(child.wait().unwrap().success());
    assert_eq!(ids, (1..=2001).collect::<Vec<_>>());
}

#[test]
fn dev_null_on_stdout_takes_the_answers_and_the_session_ends_cleanly() {
    let spool = tempfile::tempdir().unwrap();
    let mut child = serve_command(spool.path(), &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let requests: String = (1..=2000).map(health).collect();
    stdin.write_all(requests.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Both ends of a FIFO opened by name, without waiting for the other side: the reading one
/// opened non-blocking first, then made blocking again, as a shell's `< fifo` leaves it.
fn fifo(path: &std::path::Path) -> (std::fs::File, std::fs::File) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits(0o600).unwrap()).unwrap();
    let reading = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .unwrap();
    let writing = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    let blocking = nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_RDONLY);
    nix::fcntl::fcntl(&reading, blocking).unwrap();
    (reading, writing)
}

/// A FIFO opened by name refuses RWF_NOWAIT (EOPNOTSUPP, on 6.18 too): its first read or write
/// moves that stream to tokio's, with nothing lost or doubled.
#[test]
fn named_fifos_on_stdin_and_stdout_are_served_until_the_writer_goes() {
    let spool = tempfile::tempdir().unwrap();
    let (their_in, mut writer) = fifo(&spool.path().join("in"));
    let (reader, their_out) = fifo(&spool.path().join("out"));
    let mut child = serve_command(spool.path(), &[])
        .stdin(their_in)
        .stdout(their_out)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(reader);
    let mut line = String::new();
    for id in 1..=3 {
        writer.write_all(health(id).as_bytes()).unwrap();
        line.clear();
        out.read_line(&mut line).unwrap();
        assert!(line.contains(&format!("\"id\":{id},")), "{line}");
    }
    drop(writer);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_host_that_stops_reading_ends_the_session_with_an_error_not_a_signal() {
    for wiring in BOTH {
        let mut host = Host::start(wiring);
        host.health(1);
        host.stop_reading();
        // Its answer cannot be written: EPIPE, for the pipe and the socket alike.
        host.send(health(2).as_bytes());
        let (status, _) = host.finish();
        assert_eq!(status.signal(), None, "{wiring:?}: {status}");
        assert_eq!(status.code(), Some(1), "{wiring:?}: {status}");
    }
}

#[test]
fn a_host_that_stops_reading_ends_the_session_without_closing_its_input() {
    for wiring in BOTH {
        let mut host = Host::start(wiring);
        host.health(1);
        host.stop_reading();
        // Its answer cannot be written; the input stays open, and no more of it is read.
        host.send(health(2).as_bytes());
        let mut waited = 0;
        let status = loop {
            if let Some(status) = host.child.try_wait().unwrap() {
                break status;
            }
            // A bound against hanging the suite, not a measure of speed.
            assert!(
                waited < 600,
                "{wiring:?}: still serving a host that reads nothing"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
            waited += 1;
        };
        assert_eq!(status.signal(), None, "{wiring:?}: {status}");
        assert_eq!(status.code(), Some(1), "{wiring:?}: {status}");
    }
}
