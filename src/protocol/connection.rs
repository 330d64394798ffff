//! One connection: read frames, answer each on its own task (so slow requests do not hold up
//! fast ones and answers may come out of order), write each answer as one line.

use super::dispatch::error_response;
use super::framing::{read_frame, Frame};
use super::Dispatcher;
use crate::api::errors::ProtocolError;
use std::future::Future;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest message in bytes; a larger one gets an error and the connection goes on.
    pub max_message: usize,
    /// Requests of one connection running at once; further lines wait to be read.
    pub max_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: 1024 * 1024,
            max_in_flight: 64,
        }
    }
}

/// Serves one connection until end of input or `shutdown`, then lets the requests in flight
/// finish and their answers be written.
pub async fn serve_connection<R, W>(
    mut reader: R,
    writer: W,
    dispatcher: Dispatcher,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<String>(limits.max_in_flight.max(1));
    let writing = tokio::spawn(write_lines(writer, rx));
    let dispatcher = Arc::new(dispatcher.with_peer(super::Peer::new(tx.clone())));
    let permits = Arc::new(Semaphore::new(limits.max_in_flight.max(1)));
    let mut in_flight = JoinSet::new();
    tokio::pin!(shutdown);

    let read_result = loop {
        let frame = tokio::select! {
            frame = read_frame(&mut reader, limits.max_message) => frame,
            () = &mut shutdown => break Ok(()),
        };
        // Reap finished tasks so the set does not grow with the connection's age.
        while in_flight.try_join_next().is_some() {}
        let line = match frame {
            Ok(Some(Frame::Line(line))) => line,
            Ok(Some(Frame::TooLarge { size, head })) => {
                let detail = format!(
                    "message of {size} bytes; the limit is {}",
                    limits.max_message
                );
                let _ = tx
                    .send(error_response(
                        &super::salvage::top_level_id(&head).to_string(),
                        ProtocolError::TooLarge,
                        detail,
                    ))
                    .await;
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
        let (dispatcher, tx) = (dispatcher.clone(), tx.clone());
        in_flight.spawn(async move {
            if let Some(answer) = dispatcher.handle(&line).await {
                let _ = tx.send(answer).await;
            }
            drop(permit);
        });
    };

    while in_flight.join_next().await.is_some() {}
    // The dispatcher's peer holds a sender too: the writer ends when every sender is gone.
    drop(dispatcher);
    drop(tx);
    let write_result = writing
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    read_result.and(write_result)
}

async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut rx: mpsc::Receiver<String>,
) -> std::io::Result<()> {
    while let Some(mut line) = rx.recv().await {
        line.push('\n');
        writer.write_all(line.as_bytes()).await?;
        // Flush only when nothing else is queued: one syscall per burst, not per answer.
        if rx.is_empty() {
            writer.flush().await?;
        }
    }
    writer.flush().await
}
