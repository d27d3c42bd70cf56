//! One invoke as both ends see it: the request, the response frames, how it ended, and the handle a caller
//! holds while it runs. The same types serve an init in this process and one behind the control channel.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

/// One invoke as the caller describes it. The payload travels as the frame's raw bytes, never in JSON.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct InvokeRequest {
    /// Request id; a UUID is made when absent.
    pub request_id: Option<String>,
    /// The event payload.
    #[serde(skip)]
    pub payload: Bytes,
    /// Payload content type (default `application/json`).
    pub content_type: Option<String>,
    /// Client context JSON, already base64-decoded.
    pub client_context: Option<String>,
    /// Cognito identity JSON.
    pub cognito_identity: Option<String>,
    /// `X-Amzn-Trace-Id`; a trace id is generated when absent.
    pub trace_id: Option<String>,
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// ARN the function was invoked with (qualified or not).
    pub invoked_function_arn: Option<String>,
}

/// A fresh request id, a UUID v4 whose random bits come from a thread-local generator seeded once (not a
/// `getrandom` system call per request).
pub fn new_request_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}

impl InvokeRequest {
    /// The request id, made ([`new_request_id`]) and kept in the request when the caller gave none.
    pub fn ensure_request_id(&mut self) -> String {
        self.request_id.get_or_insert_with(new_request_id).clone()
    }
}

/// One piece of an invoke's response, in order.
#[derive(Debug, Clone)]
pub enum ResponseFrame {
    /// A complete, buffered response from `/response`.
    Complete {
        /// The runtime's `Content-Type` (absent for the Rust client, meaning JSON).
        content_type: Option<String>,
        /// The payload.
        body: Bytes,
    },
    /// A streamed response starts (`Lambda-Runtime-Function-Response-Mode: streaming`).
    StreamStart {
        /// The runtime's `Content-Type`.
        content_type: Option<String>,
    },
    /// A chunk of a streamed response, sent as soon as it arrives.
    Chunk(Bytes),
    /// The end of a streamed response, with the mid-stream error if the runtime reported one.
    StreamEnd {
        /// `(error type, error body)` from trailers or in-body error lines.
        error: Option<(String, Bytes)>,
    },
    /// A function error (`/error`) or a platform failure (timeout, crash, init failure, size limit).
    Error {
        /// The error type (`errorType` for platform errors; normalised header value for `/error`).
        error_type: String,
        /// The payload the caller receives.
        body: Bytes,
        /// Content type of the payload.
        content_type: Option<String>,
    },
}

/// A [`ResponseFrame`] without its bytes: the JSON header of a response frame on the control channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResponseHead {
    /// [`ResponseFrame::Complete`]; payload = body.
    Complete {
        /// Content type.
        content_type: Option<String>,
    },
    /// [`ResponseFrame::StreamStart`].
    StreamStart {
        /// Content type.
        content_type: Option<String>,
    },
    /// [`ResponseFrame::Chunk`]; payload = the chunk.
    Chunk,
    /// [`ResponseFrame::StreamEnd`]; payload = the error body when `error_type` is set.
    StreamEnd {
        /// Mid-stream error type.
        error_type: Option<String>,
    },
    /// [`ResponseFrame::Error`]; payload = the error body.
    Error {
        /// Error type.
        error_type: String,
        /// Content type.
        content_type: Option<String>,
    },
}

impl ResponseFrame {
    /// Splits the frame into its header and raw bytes (the one conversion on the way out).
    pub fn into_wire(self) -> (ResponseHead, Bytes) {
        match self {
            Self::Complete { content_type, body } => {
                (ResponseHead::Complete { content_type }, body)
            }
            Self::StreamStart { content_type } => {
                (ResponseHead::StreamStart { content_type }, Bytes::new())
            }
            Self::Chunk(b) => (ResponseHead::Chunk, b),
            Self::StreamEnd { error } => match error {
                Some((t, b)) => (
                    ResponseHead::StreamEnd {
                        error_type: Some(t),
                    },
                    b,
                ),
                None => (ResponseHead::StreamEnd { error_type: None }, Bytes::new()),
            },
            Self::Error {
                error_type,
                body,
                content_type,
            } => (
                ResponseHead::Error {
                    error_type,
                    content_type,
                },
                body,
            ),
        }
    }

    /// Joins a header and its bytes (the one conversion on the way in).
    pub fn from_wire(head: ResponseHead, payload: Bytes) -> Self {
        match head {
            ResponseHead::Complete { content_type } => Self::Complete {
                content_type,
                body: payload,
            },
            ResponseHead::StreamStart { content_type } => Self::StreamStart { content_type },
            ResponseHead::Chunk => Self::Chunk(payload),
            ResponseHead::StreamEnd { error_type } => Self::StreamEnd {
                error: error_type.map(|t| (t, payload)),
            },
            ResponseHead::Error {
                error_type,
                content_type,
            } => Self::Error {
                error_type,
                body: payload,
                content_type,
            },
        }
    }

    /// Whether the caller has its whole response with this frame.
    pub fn is_last(&self) -> bool {
        matches!(
            self,
            Self::Complete { .. } | Self::Error { .. } | Self::StreamEnd { .. }
        )
    }
}

/// How an invoke ended (telemetry's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvokeStatus {
    /// The runtime answered with `/response`.
    Success,
    /// The function reported an error (`/error`).
    Error,
    /// The platform failed the invoke (crash, init failure, size limit).
    Failure,
    /// The invoke ran past its timeout.
    Timeout,
}

impl InvokeStatus {
    /// Lambda's spelling (`success`, `error`, `failure`, `timeout`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Error => "error",
            Self::Failure => "failure",
            Self::Timeout => "timeout",
        }
    }
}

impl std::fmt::Display for InvokeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an invoke ended.
#[derive(Debug, Clone)]
pub struct InvokeSummary {
    /// The outcome.
    pub status: InvokeStatus,
    /// Error type when not successful.
    pub error_type: Option<String>,
    /// Last 4 KB of this invoke's log, REPORT line included.
    pub tail: Vec<u8>,
    /// Invoke duration.
    pub duration_ms: f64,
    /// The init phase's duration when this invoke was its environment's first (a cold start; REPORT's
    /// `Init Duration`).
    pub init_duration_ms: Option<f64>,
    /// The environment's peak memory so far, MB (REPORT's `Max Memory Used`; 0 when unknown).
    pub max_memory_used_mb: u64,
}

/// What the caller holds while an invoke runs.
pub struct InvokeHandle {
    /// The request id.
    pub request_id: String,
    /// Response frames, in order; ends after the last one.
    pub frames: mpsc::Receiver<ResponseFrame>,
    /// Completes when the invoke phase is over.
    pub done: oneshot::Receiver<InvokeSummary>,
}

/// Why a SHUTDOWN happens (Lambda's wire values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShutdownReason {
    /// The environment is retired.
    Spindown,
    /// An invoke timed out.
    Timeout,
    /// A crash or failed init.
    Failure,
}

impl ShutdownReason {
    /// Lambda's spelling (`spindown`, `timeout`, `failure`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spindown => "spindown",
            Self::Timeout => "timeout",
            Self::Failure => "failure",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_the_wire() {
        let frames = [
            ResponseFrame::Complete {
                content_type: Some("text/plain".into()),
                body: "hi".into(),
            },
            ResponseFrame::StreamStart { content_type: None },
            ResponseFrame::Chunk("c".into()),
            ResponseFrame::StreamEnd {
                error: Some(("E".into(), "body".into())),
            },
            ResponseFrame::StreamEnd { error: None },
            ResponseFrame::Error {
                error_type: "Runtime.ExitError".into(),
                body: "{}".into(),
                content_type: None,
            },
        ];
        for f in frames {
            let before = format!("{f:?}");
            let (head, bytes) = f.into_wire();
            let json = serde_json::to_string(&head).expect("json");
            let head: ResponseHead = serde_json::from_str(&json).expect("parse");
            assert_eq!(
                format!("{:?}", ResponseFrame::from_wire(head, bytes)),
                before
            );
        }
    }

    #[test]
    fn enums_use_lambdas_spelling() {
        let status = serde_json::to_string(&InvokeStatus::Timeout).expect("json");
        let reason = serde_json::to_string(&ShutdownReason::Spindown).expect("json");
        assert_eq!([status, reason], ["\"timeout\"", "\"spindown\""]);
    }
}
