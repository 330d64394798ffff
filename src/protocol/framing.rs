//! Reads one message per line, with a size cap that costs no memory: a line over the cap is
//! skipped to its end and reported, and the next line is read as usual.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// One line, without its `\n` (or `\r\n`).
    Line(Vec<u8>),
    /// A line longer than the cap: its size, and its first bytes (so the request's id can
    /// still be found and put on the error); the rest was discarded.
    TooLarge { size: usize, head: Vec<u8> },
}

/// Reads frames; what it has read of an unfinished line is kept here, so a read may be
/// abandoned (a timeout, a shutdown) and resumed without losing bytes.
#[derive(Debug, Default)]
pub struct Frames {
    line: Vec<u8>,
    size: usize,
    /// When the first byte of the unfinished line came.
    started: Option<tokio::time::Instant>,
}

impl Frames {
    /// When the unfinished line began, if a line has begun.
    pub fn partial_since(&self) -> Option<tokio::time::Instant> {
        self.started
    }

    /// The next frame, or `None` at end of input. A last line without `\n` still counts.
    /// Cancel-safe: dropping the future loses nothing.
    pub async fn next<R: AsyncBufRead + Unpin>(
        &mut self,
        reader: &mut R,
        max: usize,
    ) -> std::io::Result<Option<Frame>> {
        loop {
            let buf = reader.fill_buf().await?;
            let (chunk, ended) = match buf.iter().position(|&b| b == b'\n') {
                Some(at) => (&buf[..at], true),
                None => (buf, buf.is_empty()),
            };
            if !buf.is_empty() && self.started.is_none() {
                self.started = Some(tokio::time::Instant::now());
            }
            self.size += chunk.len();
            // Never hold more than the cap (or the head kept for the error) in memory.
            let room = max
                .saturating_add(1)
                .max(HEAD)
                .saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let consumed = if ended && !buf.is_empty() {
                chunk.len() + 1
            } else {
                chunk.len()
            };
            let at_eof = buf.is_empty();
            reader.consume(consumed);
            if !ended {
                continue;
            }
            let size = std::mem::take(&mut self.size);
            let line = std::mem::take(&mut self.line);
            self.started = None;
            if at_eof && size == 0 {
                return Ok(None);
            }
            // The `\r` of a CRLF line end does not count against the cap.
            let crlf = line.len() == size && line.last() == Some(&b'\r');
            let payload = if crlf { size - 1 } else { size };
            return Ok(Some(if payload > max {
                too_large(size, line)
            } else {
                Frame::Line(trim_cr(line))
            }));
        }
    }
}

/// The next frame, or `None` at end of input (a reader with no unfinished line).
#[cfg(test)]
async fn read_frame<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<Frame>> {
    Frames::default().next(reader, max).await
}

/// How much of an oversized line is kept to look for its id.
const HEAD: usize = 4096;

fn too_large(size: usize, mut line: Vec<u8>) -> Frame {
    line.truncate(HEAD);
    Frame::TooLarge { size, head: line }
}

fn trim_cr(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8], max: usize) -> Vec<Frame> {
        let mut reader = tokio::io::BufReader::with_capacity(4, input);
        let mut out = Vec::new();
        while let Some(frame) = read_frame(&mut reader, max).await.unwrap() {
            out.push(frame);
        }
        out
    }

    #[tokio::test]
    async fn splits_lines_and_skips_oversized_ones() {
        let got = frames(b"{\"a\":1}\r\n0123456789abc\nok\nlast", 8).await;
        assert_eq!(
            got,
            vec![
                Frame::Line(b"{\"a\":1}".to_vec()),
                Frame::TooLarge {
                    size: 13,
                    head: b"0123456789abc".to_vec()
                },
                Frame::Line(b"ok".to_vec()),
                Frame::Line(b"last".to_vec()),
            ]
        );
    }

    #[tokio::test]
    async fn a_line_at_the_cap_is_kept() {
        assert_eq!(
            frames(b"12345678\n", 8).await,
            vec![Frame::Line(b"12345678".to_vec())]
        );
        assert_eq!(
            frames(b"123456789\n", 8).await,
            vec![Frame::TooLarge {
                size: 9,
                head: b"123456789".to_vec()
            }]
        );
    }
}
