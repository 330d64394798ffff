//! stdin and stdout for a stdio session, read and written on the runtime's own thread, not on
//! tokio's blocking pool, wherever that is sound.
//!
//! `tokio::io::stdin()`/`stdout()` do each read and write as a blocking call on the blocking
//! pool: a short session (one `health`) started and woke three threads for them, a good part of
//! its cold start. Waiting for readiness with epoll instead needs reads and writes that do not
//! block, but the usual way, setting O_NONBLOCK, changes the open file description, which the
//! host may share (a shell's pipe, `(cronrpc serve; cat)`): the host's own reads would start
//! failing with EAGAIN. So each call is made non-blocking on its own: `recv`/`send` with
//! MSG_DONTWAIT for a socket (Node's hosts give a socketpair), `preadv2`/`pwritev2` with
//! RWF_NOWAIT for a pipe (Python's give pipes). No crate does that (tokio-fd, async-lsp's
//! stdio and the like set O_NONBLOCK), hence this module; its unsafe is the system calls.
//!
//! A regular file and /dev/null never wait for a peer (poll(2) calls them always ready; epoll
//! refuses them): their calls are made in place, as any synchronous program makes them, at the
//! cost of holding this thread for a disk read. That is how a benchmark or a script feeds a
//! session (`cronrpc serve < requests.json > /dev/null`).
//!
//! Anything else (a tty, another device), a descriptor epoll refuses, or a pipe that refuses
//! RWF_NOWAIT (EOPNOTSUPP: a FIFO opened by name, on 6.18 too, or an anonymous pipe on a kernel
//! without FMODE_NOWAIT for pipes; EINVAL before 4.14) is served by tokio's stdin and stdout as
//! before. A refusal moves the whole stream to tokio's for the rest of the session; a refused
//! call has moved no bytes, so nothing is lost or reordered.

use std::io;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

const STDIN: RawFd = libc::STDIN_FILENO;
const STDOUT: RawFd = libc::STDOUT_FILENO;

/// What a descriptor is, for how to make one call on it without blocking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pipe,
    Socket,
    /// A regular file or /dev/null: a plain call, which never waits for a peer.
    File,
}

/// One end of the session: on this thread (ready-driven, or in place for a file), or tokio's
/// (the blocking pool).
enum Stream<T> {
    InPlace(RawFd),
    Ready(AsyncFd<RawFd>, Kind),
    Pool(T),
}

/// The session's input.
pub struct Stdin(Stream<tokio::io::Stdin>);

/// The session's output.
pub struct Stdout(Stream<tokio::io::Stdout>);

/// stdin, read on this thread where it can be. Needs a runtime with I/O enabled.
pub fn stdin() -> Stdin {
    Stdin(
        on_this_thread(STDIN, Interest::READABLE)
            .unwrap_or_else(|| Stream::Pool(tokio::io::stdin())),
    )
}

/// stdout, written on this thread where it can be. Needs a runtime with I/O enabled.
pub fn stdout() -> Stdout {
    Stdout(
        on_this_thread(STDOUT, Interest::WRITABLE)
            .unwrap_or_else(|| Stream::Pool(tokio::io::stdout())),
    )
}

/// What `fd` is, when this thread can serve it.
fn kind(fd: RawFd) -> Option<Kind> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `stat` into the buffer when it returns 0.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: fstat returned 0.
    let stat = unsafe { stat.assume_init() };
    match stat.st_mode & libc::S_IFMT {
        libc::S_IFIFO => Some(Kind::Pipe),
        libc::S_IFSOCK => Some(Kind::Socket),
        libc::S_IFREG => Some(Kind::File),
        // /dev/null (mem driver, minor 3). Other devices (a tty) may wait: the pool's.
        libc::S_IFCHR if stat.st_rdev == libc::makedev(1, 3) => Some(Kind::File),
        _ => None,
    }
}

/// `fd` served on this thread: in place (a file), or registered for `interest` (a pipe or a
/// socket that epoll takes).
fn on_this_thread<T>(fd: RawFd, interest: Interest) -> Option<Stream<T>> {
    let kind = kind(fd)?;
    if kind == Kind::File {
        return Some(Stream::InPlace(fd));
    }
    // SAFETY: fds 0 and 1 are open for the whole process (nothing in cronrpc closes or
    // replaces them), so the number keeps naming the same open file while registered. Only the
    // registration is dropped with the AsyncFd; the descriptor is never closed by it.
    match unsafe { AsyncFd::register_with_interest(fd, interest) } {
        Ok(registered) => Some(Stream::Ready(registered, kind)),
        Err(e) => {
            tracing::debug!(fd, error = %io::Error::from(e), "stdio through the blocking pool");
            None
        }
    }
}

/// A refusal of the non-blocking call itself, not a failure of the stream.
fn refused(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EINVAL))
}

/// A system call's result: the byte count, or the error it set.
fn counted(n: isize) -> io::Result<usize> {
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// One read of at most `buf.len()` bytes that fails with WouldBlock rather than wait for a
/// peer.
fn read_now(fd: RawFd, kind: Kind, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        let n = match kind {
            // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
            Kind::Socket => unsafe {
                libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT)
            },
            Kind::Pipe => {
                let iov = libc::iovec {
                    iov_base: buf.as_mut_ptr().cast(),
                    iov_len: buf.len(),
                };
                // SAFETY: one iovec over `buf`, valid for writes; offset -1 reads at the
                // current position, as read(2) does (a pipe has no other).
                unsafe { libc::preadv2(fd, &iov, 1, -1, libc::RWF_NOWAIT) }
            }
            // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
            Kind::File => unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) },
        };
        match counted(n) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// One write of at most `buf.len()` bytes that fails with WouldBlock rather than wait for a
/// peer.
fn write_now(fd: RawFd, kind: Kind, buf: &[u8]) -> io::Result<usize> {
    loop {
        let n = match kind {
            // SAFETY: `buf` is valid for reads of `buf.len()` bytes. MSG_NOSIGNAL: a reader
            // gone is EPIPE, as it is for a pipe (Rust ignores SIGPIPE).
            Kind::Socket => unsafe {
                libc::send(
                    fd,
                    buf.as_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                )
            },
            Kind::Pipe => {
                let iov = libc::iovec {
                    iov_base: buf.as_ptr().cast_mut().cast(),
                    iov_len: buf.len(),
                };
                // SAFETY: one iovec over `buf`, which pwritev2 only reads.
                unsafe { libc::pwritev2(fd, &iov, 1, -1, libc::RWF_NOWAIT) }
            }
            // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
            Kind::File => unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) },
        };
        match counted(n) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let (fd, kind) = match &mut self.0 {
                Stream::Pool(stdin) => return Pin::new(stdin).poll_read(cx, buf),
                Stream::InPlace(fd) => {
                    let n = read_now(*fd, Kind::File, buf.initialize_unfilled())?;
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Stream::Ready(fd, kind) => (fd, *kind),
            };
            // Edge-triggered: wait only after a call found nothing (try_io then clears the
            // readiness, unless an event came in meanwhile).
            let read = {
                let mut guard = ready!(fd.poll_read_ready(cx))?;
                let dst = buf.initialize_unfilled();
                guard.try_io(|fd| read_now(*fd.get_ref(), kind, dst))
            };
            match read {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) if refused(&e) => {
                    tracing::debug!(error = %e, "stdin through the blocking pool");
                    self.0 = Stream::Pool(tokio::io::stdin());
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => {}
            }
        }
    }
}

impl AsyncWrite for Stdout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let (fd, kind) = match &mut self.0 {
                Stream::Pool(stdout) => return Pin::new(stdout).poll_write(cx, buf),
                Stream::InPlace(fd) => return Poll::Ready(write_now(*fd, Kind::File, buf)),
                Stream::Ready(fd, kind) => (fd, *kind),
            };
            let written = {
                let mut guard = ready!(fd.poll_write_ready(cx))?;
                guard.try_io(|fd| write_now(*fd.get_ref(), kind, buf))
            };
            match written {
                Ok(Err(e)) if refused(&e) => {
                    tracing::debug!(error = %e, "stdout through the blocking pool");
                    self.0 = Stream::Pool(tokio::io::stdout());
                }
                Ok(result) => return Poll::Ready(result),
                Err(_would_block) => {}
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.0 {
            Stream::Pool(stdout) => Pin::new(stdout).poll_flush(cx),
            // Nothing is buffered here: every byte written is in the file, pipe or socket.
            Stream::InPlace(_) | Stream::Ready(..) => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.0 {
            Stream::Pool(stdout) => Pin::new(stdout).poll_shutdown(cx),
            // stdout stays open (the host may share it), as tokio's does.
            Stream::InPlace(_) | Stream::Ready(..) => Poll::Ready(Ok(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn pipes_sockets_files_and_dev_null_are_served_here_other_devices_on_the_pool() {
        let (r, w) = nix::unistd::pipe().unwrap();
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let file = tempfile::tempfile().unwrap();
        let null = std::fs::File::open("/dev/null").unwrap();
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let dir = std::fs::File::open("/").unwrap();
        assert_eq!(kind(r.as_raw_fd()), Some(Kind::Pipe));
        assert_eq!(kind(w.as_raw_fd()), Some(Kind::Pipe));
        assert_eq!(kind(a.as_raw_fd()), Some(Kind::Socket));
        assert_eq!(kind(file.as_raw_fd()), Some(Kind::File));
        assert_eq!(kind(null.as_raw_fd()), Some(Kind::File));
        assert_eq!(
            kind(zero.as_raw_fd()),
            None,
            "a device other than /dev/null"
        );
        assert_eq!(kind(dir.as_raw_fd()), None);
        assert_eq!(kind(-1), None, "not open");
    }
}
