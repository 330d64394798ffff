//! One connection: read frames, answer each on its own task (so slow requests do not hold up
//! fast ones and answers may come out of order, within the connection's write order), write
//! each answer as one line.

use super::envelope::{self, Id};
use super::framing::{Frame, Frames};
use super::responder::WriteOrder;
use super::Responder;
use crate::api::errors::ProtocolError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The default largest message, in bytes.
pub const MAX_MESSAGE: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest message in bytes; a larger one gets an error and the connection goes on.
    pub max_message: usize,
    /// Lines of one connection being answered at once; further lines wait to be read.
    pub max_in_flight: usize,
    /// Bytes of answers waiting for a slow reader, at most (one larger answer still goes).
    pub max_queued: usize,
    /// A connection with nothing in flight and no message for this long is closed.
    pub idle_timeout: Option<Duration>,
    /// A message begun but not finished within this long closes the connection.
    pub message_timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: MAX_MESSAGE,
            max_in_flight: 64,
            max_queued: 4 * 1024 * 1024,
            idle_timeout: None,
            message_timeout: None,
        }
    }
}

/// An answer on its way to the writer, with its share of the queue.
type Queued = (String, Option<OwnedSemaphorePermit>);

/// Serves one connection until end of input, a timeout or `shutdown`, then lets the requests
/// in flight finish and their answers be written.
pub async fn serve_connection<R, W>(
    mut reader: R,
    writer: W,
    responder: Responder,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel::<Queued>();
    let mut writing = tokio::spawn(write_lines(writer, rx));
    // The writer ends early only when it cannot write (the peer closed its reading end): no
    // answer can reach the peer any more, so no more of its requests are read.
    let mut written = None;
    let queue = Queue::new(limits.max_queued);
    // Notifications a handler sends (MCP progress) go out in order with the answers.
    let notify = tx.clone();
    let peer = super::Peer::new(move |line| {
        let _ = notify.send((line, None));
    });
    let responder = responder.with_peer(peer);
    let permits = Arc::new(Semaphore::new(limits.max_in_flight.max(1)));
    let mut in_flight = JoinSet::new();
    let mut order = WriteOrder::default();
    let mut frames = Frames::default();
    let mut last_seen = Instant::now();
    tokio::pin!(shutdown);

    let read_result = loop {
        let deadline = match frames.partial_since() {
            Some(since) => limits.message_timeout.map(|t| since + t),
            None if in_flight.is_empty() => limits.idle_timeout.map(|t| last_seen + t),
            None => None,
        };
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let frame = tokio::select! {
            frame = frames.next(&mut reader, limits.max_message) => frame,
            () = &mut shutdown => break Ok(()),
            () = timer => {
                tracing::debug!("closing a connection that sent nothing in time");
                break Ok(());
            }
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {
                last_seen = Instant::now();
                continue;
            }
            result = &mut writing => {
                tracing::debug!("the peer reads no more answers: ending the connection");
                written = Some(result);
                break Ok(());
            }
        };
        last_seen = Instant::now();
        let line = match frame {
            Ok(Some(Frame::Line(line))) => line,
            Ok(Some(Frame::TooLarge { size, head })) => {
                let detail = format!(
                    "message of {size} bytes; the limit is {}",
                    limits.max_message
                );
                let id = super::salvage::top_level_id(&head);
                let id = serde_json::value::to_raw_value(&id).map_or_else(|_| Id::null(), Id::from);
                let answer = envelope::error(id.as_raw(), &ProtocolError::TooLarge.object(detail));
                send(&tx, &queue, answer).await;
                continue;
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        };
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let mut job = responder.plan(&line, &mut order);
        drop(line);
        // One poll here, in arrival order: what needs no waiting (a notification such as
        // MCP's notifications/cancelled) takes effect before the next line is read.
        if let std::task::Poll::Ready(answer) = futures::poll!(&mut job) {
            if let Some(answer) = answer {
                send(&tx, &queue, answer).await;
            }
            drop(permit);
            continue;
        }
        let (tx, queue) = (tx.clone(), queue.clone());
        in_flight.spawn(async move {
            if let Some(answer) = job.await {
                send(&tx, &queue, answer).await;
            }
            drop(permit);
        });
    };

    while in_flight.join_next().await.is_some() {}
    // The responder's peer holds a sender too: the writer ends when every sender is gone.
    drop(responder);
    drop(tx);
    let write_result = match written {
        Some(result) => result,
        None => writing.await,
    }
    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    read_result.and(write_result)
}

/// Room for answers waiting to be written, in bytes.
#[derive(Clone)]
struct Queue {
    room: Arc<Semaphore>,
    capacity: u32,
}

impl Queue {
    fn new(capacity: usize) -> Queue {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX).max(1);
        Queue {
            room: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
        }
    }
}

/// Queues `answer` once there is room for it (an answer larger than the whole queue waits for
/// the queue to be empty).
async fn send(tx: &mpsc::UnboundedSender<Queued>, queue: &Queue, answer: String) {
    let want = u32::try_from(answer.len())
        .unwrap_or(u32::MAX)
        .clamp(1, queue.capacity);
    let Ok(share) = queue.room.clone().acquire_many_owned(want).await else {
        return;
    };
    let _ = tx.send((answer, Some(share)));
}

/// Answers at most this large are gathered into one write with the others waiting; a larger
/// one is written on its own rather than copied.
const GATHER: usize = 64 * 1024;

/// Writes every answer waiting in one `write`: a pipelining client gets a burst of answers
/// for one system call, not one each.
async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::UnboundedReceiver<Queued>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(GATHER);
    let mut shares = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some((line, share)) = next.take() {
            if line.len() >= GATHER {
                if !buf.is_empty() {
                    writer.write_all(&buf).await?;
                    buf.clear();
                }
                writer.write_all(line.as_bytes()).await?;
                writer.write_all(b"\n").await?;
            } else {
                buf.extend_from_slice(line.as_bytes());
                buf.push(b'\n');
            }
            drop(line);
            shares.push(share);
            if buf.len() < GATHER {
                next = rx.try_recv().ok();
            }
        }
        if !buf.is_empty() {
            writer.write_all(&buf).await?;
            buf.clear();
        }
        // The queue's room comes back once the bytes are out.
        shares.clear();
        writer.flush().await?;
    }
    writer.flush().await
}
