//! A stdio host as real ones wire the server: pipes (Python's subprocess), one socket for both
//! (Node's child_process), a file on stdin; the host keeps a copy of the server's own ends, to
//! look at their flags and at the server's threads.

use nix::fcntl::{fcntl, FcntlArg};
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};

/// How the server's stdin and stdout are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wiring {
    /// Two pipes.
    Pipes,
    /// One end of a socketpair as both stdin and stdout.
    Socket,
}

pub struct Host {
    pub child: Child,
    input: Option<Box<dyn Write + Send>>,
    output: BufReader<Box<dyn Read + Send>>,
    /// Copies of the server's stdin and stdout (the same open files).
    theirs: Option<(OwnedFd, OwnedFd)>,
    /// A socket host's end, kept to shut its writing half at end of input.
    socket: Option<UnixStream>,
    _spool: tempfile::TempDir,
}

/// `cronrpc serve` on the spool backend in a fresh directory, with `extra` arguments.
pub fn serve_command(spool: &std::path::Path, extra: &[&str]) -> Command {
    let mut command = Command::new(super::BIN);
    command
        .args(["serve", "--backend", "spool", "--spool-dir"])
        .arg(spool)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit());
    command
}

impl Host {
    pub fn start(wiring: Wiring) -> Host {
        Host::start_with(wiring, &[])
    }

    pub fn start_with(wiring: Wiring, extra: &[&str]) -> Host {
        let spool = tempfile::tempdir().unwrap();
        let mut command = serve_command(spool.path(), extra);
        let (input, output, theirs, socket): (Box<dyn Write + Send>, Box<dyn Read + Send>, _, _) =
            match wiring {
                Wiring::Pipes => {
                    let (their_in, my_in) = pipe();
                    let (my_out, their_out) = pipe();
                    let theirs = (
                        their_in.try_clone().unwrap(),
                        their_out.try_clone().unwrap(),
                    );
                    command.stdin(their_in).stdout(their_out);
                    (
                        Box::new(File::from(my_in)),
                        Box::new(File::from(my_out)),
                        theirs,
                        None,
                    )
                }
                Wiring::Socket => {
                    let (mine, their) = UnixStream::pair().unwrap();
                    let their: OwnedFd = their.into();
                    let theirs = (their.try_clone().unwrap(), their.try_clone().unwrap());
                    command.stdin(their.try_clone().unwrap()).stdout(their);
                    (
                        Box::new(mine.try_clone().unwrap()),
                        Box::new(mine.try_clone().unwrap()),
                        theirs,
                        Some(mine),
                    )
                }
            };
        let child = command.spawn().unwrap();
        // `command` holds the server's ends until it is dropped: only `theirs` stays here.
        drop(command);
        Host {
            child,
            input: Some(input),
            output: BufReader::new(output),
            theirs: Some(theirs),
            socket,
            _spool: spool,
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let input = self.input.as_mut().expect("input open");
        input.write_all(bytes).unwrap();
        input.flush().unwrap();
    }

    /// End of input: the pipe closed, or the socket's writing half shut.
    pub fn close_input(&mut self) {
        drop(self.input.take());
        if let Some(socket) = &self.socket {
            socket.shutdown(std::net::Shutdown::Write).unwrap();
        }
    }

    /// The host's writing end, to write from another thread.
    pub fn take_input(&mut self) -> Box<dyn Write + Send> {
        self.input.take().expect("input open")
    }

    /// The host's reading end, to read as it likes.
    pub fn take_output(&mut self) -> Box<dyn Read + Send> {
        let empty: Box<dyn Read + Send> = Box::new(std::io::empty());
        std::mem::replace(&mut self.output, BufReader::new(empty)).into_inner()
    }

    /// Both ends back, after `take_input` and `take_output`.
    pub fn give_back(&mut self, input: Box<dyn Write + Send>, output: Box<dyn Read + Send>) {
        self.input = Some(input);
        self.output = BufReader::new(output);
    }

    /// The host stops reading: its reading end closed (the pipe), or shut (the socket).
    pub fn stop_reading(&mut self) {
        drop(self.take_output());
        if let Some(socket) = &self.socket {
            socket.shutdown(std::net::Shutdown::Read).unwrap();
        }
    }

    /// One answer line as JSON.
    pub fn read_value(&mut self) -> Value {
        let mut line = String::new();
        let n = self.output.read_line(&mut line).unwrap();
        assert!(n > 0, "server closed stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
    }

    /// `health` asked and answered.
    pub fn health(&mut self, id: u64) {
        self.send(
            format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"health\"}}\n").as_bytes(),
        );
        let answer = self.read_value();
        assert_eq!(answer["id"], id, "{answer}");
        assert_eq!(answer["result"]["status"], "ok", "{answer}");
    }

    /// The file status flags (F_GETFL) of the server's stdin and stdout.
    pub fn their_flags(&self) -> (i32, i32) {
        let flags = |fd: &OwnedFd| fcntl(fd.as_fd(), FcntlArg::F_GETFL).unwrap();
        let (stdin, stdout) = self.theirs.as_ref().expect("before finish");
        (flags(stdin), flags(stdout))
    }

    /// The server's threads now.
    pub fn threads(&self) -> usize {
        threads(self.child.id())
    }

    /// Closes input, waits for the exit, and returns the exit status and the flags of the
    /// server's stdin and stdout once it is gone.
    pub fn finish(&mut self) -> (std::process::ExitStatus, (i32, i32)) {
        self.close_input();
        let status = self.child.wait().unwrap();
        let flags = self.their_flags();
        // Nothing more was written after the last answer read.
        self.theirs = None;
        let mut rest = String::new();
        self.output.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "", "unread answers");
        (status, flags)
    }
}

/// A pipe whose ends close in the server (but for the one it gets as stdin or stdout).
fn pipe() -> (OwnedFd, OwnedFd) {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap()
}

/// The threads of process `pid`.
pub fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .count()
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
