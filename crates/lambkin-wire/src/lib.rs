//! The control channel between a host and `lambkin init` (PID 1 of an execution environment).
//!
//! The host creates a socketpair and hands one end to the init as an inherited descriptor
//! (`lambkin init --control-fd N`); the init marks it close-on-exec at once so it never reaches the runtime
//! or extensions. Both ends speak frames of `[u32 BE json length][u32 BE payload length][json][payload]`:
//! a small JSON header (the message) and raw bytes (event payloads, response chunks, log lines) that are
//! never re-encoded. This framing is hand-rolled on purpose: it is eight bytes of header, and it lets payloads
//! of several megabytes pass without base64 or copies through a serialiser.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest JSON header accepted (the configuration with a large environment is the biggest).
pub const MAX_HEADER: usize = 1 << 20;
/// Largest payload accepted in one frame (a 6 MiB event plus room).
pub const MAX_PAYLOAD: usize = 8 << 20;

/// The function as the init needs it (mirrors the init's configuration).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartConfig {
    /// Function name.
    pub function_name: String,
    /// Function version.
    pub function_version: String,
    /// Memory in MB.
    pub memory_mb: u32,
    /// Invoke timeout in milliseconds.
    pub timeout_ms: u64,
    /// Init phase timeout in milliseconds.
    pub init_timeout_ms: u64,
    /// Handler.
    pub handler: String,
    /// Region.
    pub region: String,
    /// Account id.
    pub account_id: String,
    /// Log group.
    pub log_group: String,
    /// Log stream.
    pub log_stream: String,
    /// `on-demand` or `provisioned-concurrency`.
    pub init_type: String,
    /// Runtime command.
    pub bootstrap: Vec<String>,
    /// Runtime working directory.
    pub cwd: String,
    /// External extensions directory.
    pub extensions_dir: String,
    /// Complete runtime environment.
    pub runtime_env: Vec<(String, String)>,
    /// Complete extension environment.
    pub extension_env: Vec<(String, String)>,
    /// Runtime API listen address (host:port).
    pub api_address: String,
    /// SHUTDOWN window in milliseconds.
    pub shutdown_window_ms: u64,
    /// Run the runtime and extensions as `sbx_user1051` (993:993) with no capabilities, `no_new_privs`,
    /// Lambda's limits and the seccomp filter.
    #[serde(default)]
    pub confine_children: bool,
    /// `LoggingConfig.LogFormat` `JSON`: the platform's log lines go out as JSON events at or above this
    /// `SystemLogLevel` (`DEBUG`, `INFO`, `WARN`) instead of START/END/REPORT text; `None` for `Text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_system_log_level: Option<String>,
}

/// Host → init.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum HostMessage {
    /// First message: what to run. The init answers `Ready` or `InitFailed` once init is over.
    Start {
        /// The configuration.
        config: Box<StartConfig>,
    },
    /// Run an invoke; the frame payload is the event.
    Invoke {
        /// Request id.
        request_id: String,
        /// Payload content type.
        content_type: Option<String>,
        /// Client context JSON (decoded).
        client_context: Option<String>,
        /// Cognito identity JSON.
        cognito_identity: Option<String>,
        /// Trace header.
        trace_id: Option<String>,
        /// Tenant id.
        tenant_id: Option<String>,
        /// Invoked ARN.
        invoked_function_arn: Option<String>,
    },
    /// SHUTDOWN (`spindown`, `timeout` or `failure`), then the init exits.
    Shutdown {
        /// Reason.
        reason: String,
    },
}

/// Init → host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum InitMessage {
    /// Init completed; the environment takes invokes.
    Ready {
        /// Where the Runtime API listens.
        runtime_api: String,
        /// Init duration.
        init_ms: f64,
    },
    /// Init failed; the first invoke retries it (suppressed init).
    InitFailed {
        /// Runtime API address.
        runtime_api: String,
    },
    /// A whole response; payload = body.
    Response {
        /// Request id.
        request_id: String,
        /// Content type.
        content_type: Option<String>,
    },
    /// A streamed response begins.
    StreamStart {
        /// Request id.
        request_id: String,
        /// Content type.
        content_type: Option<String>,
    },
    /// A chunk; payload = bytes.
    Chunk {
        /// Request id.
        request_id: String,
    },
    /// A streamed response ends; payload = error body if `error_type` is set.
    StreamEnd {
        /// Request id.
        request_id: String,
        /// Mid-stream error type.
        error_type: Option<String>,
    },
    /// A function or platform error; payload = error body.
    Error {
        /// Request id.
        request_id: String,
        /// Error type.
        error_type: String,
        /// Content type.
        content_type: Option<String>,
    },
    /// The invoke phase is over; payload = the log tail.
    Done {
        /// Request id.
        request_id: String,
        /// `success`, `error`, `failure`, `timeout`.
        status: String,
        /// Error type.
        error_type: Option<String>,
        /// Duration in ms.
        duration_ms: f64,
    },
    /// A log line; payload = the line.
    Log {
        /// `function`, `extension` or `platform`.
        source: String,
        /// Extension name for `extension`.
        name: Option<String>,
    },
    /// SHUTDOWN finished; the init exits next.
    Stopped,
}

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

    #[tokio::test]
    async fn frames_round_trip() {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        let msg = InitMessage::Chunk {
            request_id: "r".into(),
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
