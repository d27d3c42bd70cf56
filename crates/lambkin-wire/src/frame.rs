//! Framing of the control channel: `[u32 BE json length][u32 BE payload length][json][payload]`.
//!
//! A small JSON header (the message) and raw bytes (event payloads, response chunks, log lines) that are never
//! re-encoded. This framing is hand-rolled on purpose: it is eight bytes of header, and it lets payloads of
//! several megabytes pass without base64 or copies through a serialiser.

use bytes::Bytes;
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

/// Writes one frame.
pub async fn write_frame<W, M>(w: &mut W, msg: &M, payload: &[u8]) -> std::io::Result<()>
where
    W: AsyncWriteExt + Unpin,
    M: Serialize,
{
    let json = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
    let mut head = [0u8; 8];
    head[..4].copy_from_slice(&(json.len() as u32).to_be_bytes());
    head[4..].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    w.write_all(&head).await?;
    w.write_all(&json).await?;
    w.write_all(payload).await?;
    w.flush().await
}

/// Reads one frame.
pub async fn read_frame<R, M>(r: &mut R) -> Result<(M, Bytes), FrameError>
where
    R: AsyncReadExt + Unpin,
    M: for<'de> Deserialize<'de>,
{
    let mut head = [0u8; 8];
    match r.read_exact(&mut head).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(FrameError::Io(e)),
    }
    let json_len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let payload_len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
    if json_len > MAX_HEADER {
        return Err(FrameError::TooLarge(json_len));
    }
    if payload_len > MAX_PAYLOAD {
        return Err(FrameError::TooLarge(payload_len));
    }
    let mut json = vec![0u8; json_len];
    r.read_exact(&mut json).await.map_err(FrameError::Io)?;
    let mut payload = vec![0u8; payload_len];
    r.read_exact(&mut payload).await.map_err(FrameError::Io)?;
    let msg = serde_json::from_slice(&json).map_err(FrameError::Json)?;
    Ok((msg, Bytes::from(payload)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LogSource;
    use crate::message::InitMessage;

    #[tokio::test]
    async fn frames_round_trip() {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        let msg = InitMessage::Log {
            source: LogSource::Extension("x".into()),
        };
        write_frame(&mut a, &msg, b"chunk").await.expect("write");
        let (got, payload): (InitMessage, Bytes) = read_frame(&mut b).await.expect("read");
        assert_eq!(got, msg);
        assert_eq!(&payload[..], b"chunk");
        drop(a);
        assert!(matches!(
            read_frame::<_, InitMessage>(&mut b).await,
            Err(FrameError::Closed)
        ));
    }

    #[tokio::test]
    async fn oversized_frames_are_refused() {
        let (mut a, mut b) = tokio::io::duplex(64);
        tokio::spawn(async move {
            let _ = a.write_all(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).await;
        });
        assert!(matches!(
            read_frame::<_, InitMessage>(&mut b).await,
            Err(FrameError::TooLarge(_))
        ));
    }
}
