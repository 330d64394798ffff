//! Reads one message per line, with a size cap that costs no memory: a line over the cap is
//! skipped to its end and reported, and the next line is read as usual.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// One line, without its `\n` (or `\r\n`).
    Line(Vec<u8>),
    /// A line longer than the cap; its bytes were discarded.
    TooLarge(usize),
}

/// The next frame, or `None` at end of input. A last line without `\n` still counts.
pub async fn read_frame<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<Frame>> {
    let mut line = Vec::new();
    let mut seen = 0usize;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(match (seen, seen > max) {
                (0, _) => None,
                (_, true) => Some(Frame::TooLarge(seen)),
                (_, false) => Some(Frame::Line(trim_cr(line))),
            });
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(at) => (&buf[..at], Some(at + 1)),
            None => (buf, None),
        };
        seen += chunk.len();
        if seen <= max.saturating_add(1) {
            line.extend_from_slice(chunk);
        } else {
            line = Vec::new();
        }
        let consumed = done.unwrap_or(buf.len());
        reader.consume(consumed);
        if done.is_some() {
            // `\r` of a CRLF line end does not count against the cap.
            let size = if line.last() == Some(&b'\r') {
                seen - 1
            } else {
                seen
            };
            return Ok(Some(if size > max {
                Frame::TooLarge(seen)
            } else {
                Frame::Line(trim_cr(line))
            }));
        }
    }
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
                Frame::TooLarge(13),
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
        assert_eq!(frames(b"123456789\n", 8).await, vec![Frame::TooLarge(9)]);
    }
}
