//! Framing of the control channel: `[u32 BE json length][u32 BE payload length][json][payload]`.
//!
//! A small JSON header (the message) and raw bytes (event payloads, response chunks, log lines) that are never
//! re-encoded. This framing is hand-rolled on purpose: it is eight bytes of header, and it lets payloads of
//! several megabytes pass without base64 or copies through a serialiser.
//!
//! A writer batches every frame it has at hand into one write ([`FrameBatch`]); a reader takes every frame that
//! arrived in one read ([`FrameReader`]): per message, no extra system call on either side.

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest JSON header accepted (the configuration with a large environment is the biggest).
pub const MAX_HEADER: usize = 1 << 20;
/// Largest payload accepted in one frame (a 6 MiB event plus room).
pub const MAX_PAYLOAD: usize = 8 << 20;

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the channel.
    Closed,
    /// I/O failure.
    Io(std::io::Error),
    /// A length over the limits.
    TooLarge(usize),
    /// The header is not a valid message.
    Json(serde_json::Error),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Closed => f.write_str("control channel closed"),
            Self::Io(e) => write!(f, "control channel I/O error: {e}"),
            Self::TooLarge(n) => write!(f, "control frame of {n} bytes exceeds the limit"),
            Self::Json(e) => write!(f, "invalid control message: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Payloads up to this size are copied behind their header so that a frame is one write; larger ones are
/// written from where they are (a second write, no copy).
const INLINE_PAYLOAD: usize = 16 << 10;

/// What a reader asks of the socket at least per read: several frames arrive in one `recv`.
const READ_CHUNK: usize = 16 << 10;

/// Appends the frame head (lengths and JSON header) of a message whose payload is `payload_len` bytes.
fn encode_head<M: Serialize>(
    out: &mut Vec<u8>,
    msg: &M,
    payload_len: usize,
) -> std::io::Result<()> {
    let at = out.len();
    out.extend_from_slice(&[0u8; 8]);
    serde_json::to_writer(&mut *out, msg).map_err(std::io::Error::other)?;
    let json_len = out.len() - at - 8;
    out[at..at + 4].copy_from_slice(&(json_len as u32).to_be_bytes());
    out[at + 4..at + 8].copy_from_slice(&(payload_len as u32).to_be_bytes());
    Ok(())
}

/// Writes one frame: one write unless the payload is large (then written from where it is, not copied).
pub async fn write_frame<W, M>(w: &mut W, msg: &M, payload: Bytes) -> std::io::Result<()>
where
    W: AsyncWriteExt + Unpin,
    M: Serialize,
{
    let mut batch = FrameBatch::default();
    batch.push(msg, payload)?;
    batch.write_to(w).await
}

/// Frames queued to go out together: every message of the batch in as few writes as possible (one, unless a
/// payload is large), in order.
#[derive(Default)]
pub struct FrameBatch {
    /// Written in order; small frames share the last buffer.
    segments: Vec<Bytes>,
    current: Vec<u8>,
}

impl FrameBatch {
    /// Queues one frame.
    pub fn push<M: Serialize>(&mut self, msg: &M, payload: Bytes) -> std::io::Result<()> {
        encode_head(&mut self.current, msg, payload.len())?;
        if payload.len() <= INLINE_PAYLOAD {
            self.current.extend_from_slice(&payload);
        } else {
            self.segments
                .push(Bytes::from(std::mem::take(&mut self.current)));
            self.segments.push(payload);
        }
        Ok(())
    }

    /// Bytes queued.
    pub fn len(&self) -> usize {
        self.current.len() + self.segments.iter().map(Bytes::len).sum::<usize>()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes everything queued and empties the batch.
    pub async fn write_to<W: AsyncWriteExt + Unpin>(&mut self, w: &mut W) -> std::io::Result<()> {
        for s in self.segments.drain(..) {
            w.write_all(&s).await?;
        }
        if !self.current.is_empty() {
            w.write_all(&self.current).await?;
            self.current.clear();
        }
        w.flush().await
    }
}

/// The two lengths of a frame head, checked against the limits.
fn lengths(head: &[u8]) -> Result<(usize, usize), FrameError> {
    let json_len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let payload_len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
    if json_len > MAX_HEADER {
        return Err(FrameError::TooLarge(json_len));
    }
    if payload_len > MAX_PAYLOAD {
        return Err(FrameError::TooLarge(payload_len));
    }
    Ok((json_len, payload_len))
}

/// A buffered reader of frames: one `recv` takes every frame the peer has sent so far, and payloads are
/// handed out without a copy.
pub struct FrameReader<R> {
    inner: R,
    buf: BytesMut,
}

impl<R: AsyncReadExt + Unpin> FrameReader<R> {
    /// Reads frames from `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: BytesMut::with_capacity(READ_CHUNK),
        }
    }

    /// The next frame if it is already buffered, without reading.
    pub fn buffered<M>(&mut self) -> Result<Option<(M, Bytes)>, FrameError>
    where
        M: for<'de> Deserialize<'de>,
    {
        if self.buf.len() < 8 {
            return Ok(None);
        }
        let (json_len, payload_len) = lengths(&self.buf[..8])?;
        let total = 8 + json_len + payload_len;
        if self.buf.len() < total {
            self.buf.reserve(total - self.buf.len());
            return Ok(None);
        }
        let mut frame = self.buf.split_to(total);
        let payload = frame.split_off(8 + json_len).freeze();
        let msg = serde_json::from_slice(&frame[8..]).map_err(FrameError::Json)?;
        Ok(Some((msg, payload)))
    }

    /// Reads whatever the peer has sent (at least one byte).
    pub async fn fill(&mut self) -> Result<(), FrameError> {
        if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
            self.buf.reserve(READ_CHUNK);
        }
        match self.inner.read_buf(&mut self.buf).await {
            Ok(0) if self.buf.is_empty() => Err(FrameError::Closed),
            Ok(0) => Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into())),
            Ok(_) => Ok(()),
            Err(e) => Err(FrameError::Io(e)),
        }
    }

    /// The next frame, reading as needed.
    pub async fn next<M>(&mut self) -> Result<(M, Bytes), FrameError>
    where
        M: for<'de> Deserialize<'de>,
    {
        loop {
            if let Some(frame) = self.buffered()? {
                return Ok(frame);
            }
            self.fill().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LogSource;
    use crate::message::InitMessage;

    #[tokio::test]
    async fn frames_round_trip() {
        let (mut a, b) = tokio::io::duplex(1 << 16);
        let msg = InitMessage::Log {
            source: LogSource::Extension("x".into()),
            timestamp_ms: 1,
        };
        write_frame(&mut a, &msg, Bytes::from_static(b"chunk"))
            .await
            .expect("write");
        let mut b = FrameReader::new(b);
        let (got, payload): (InitMessage, Bytes) = b.next().await.expect("read");
        assert_eq!(got, msg);
        assert_eq!(&payload[..], b"chunk");
        drop(a);
        assert!(matches!(
            b.next::<InitMessage>().await,
            Err(FrameError::Closed)
        ));
    }

    #[tokio::test]
    async fn oversized_frames_are_refused() {
        let (mut a, b) = tokio::io::duplex(64);
        tokio::spawn(async move {
            let _ = a.write_all(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).await;
        });
        assert!(matches!(
            FrameReader::new(b).next::<InitMessage>().await,
            Err(FrameError::TooLarge(_))
        ));
    }

    #[tokio::test]
    async fn a_batch_is_read_back_in_order_from_any_split() {
        let log = |n: usize| InitMessage::Log {
            source: LogSource::Extension(format!("e{n}")),
            timestamp_ms: n as u64,
        };
        let big = Bytes::from(vec![7u8; INLINE_PAYLOAD + 5]);
        let mut batch = FrameBatch::default();
        batch.push(&log(0), Bytes::from_static(b"a")).expect("push");
        batch.push(&log(1), big.clone()).expect("push");
        batch.push(&log(2), Bytes::new()).expect("push");
        let mut wire = Vec::new();
        batch.write_to(&mut wire).await.expect("write");
        assert!(batch.is_empty());
        // Whole, and trickled a few bytes at a time.
        for step in [wire.len(), 3] {
            let (mut a, b) = tokio::io::duplex(1 << 20);
            let mut r = FrameReader::new(b);
            let chunks: Vec<Vec<u8>> = wire.chunks(step).map(<[u8]>::to_vec).collect();
            tokio::spawn(async move {
                for c in chunks {
                    a.write_all(&c).await.expect("send");
                }
            });
            for (n, payload) in [Bytes::from_static(b"a"), big.clone(), Bytes::new()]
                .into_iter()
                .enumerate()
            {
                let (msg, got): (InitMessage, Bytes) = r.next().await.expect("frame");
                assert_eq!(msg, log(n));
                assert_eq!(got, payload);
            }
            assert!(matches!(
                r.next::<InitMessage>().await,
                Err(FrameError::Closed)
            ));
        }
    }
}
