//! The messages of the control channel. The host creates a socketpair and hands one end to the init as an
//! inherited descriptor (`lambkin-init --control-fd N`); the init marks it close-on-exec at once so it never
//! reaches the runtime or extensions. Every field is typed: enums on the wire, never strings to re-parse.

use serde::{Deserialize, Serialize};

use crate::config::StartConfig;
use crate::invoke::{InvokeRequest, InvokeStatus, ResponseHead, ShutdownReason};
use crate::log::LogSource;

/// Host → init.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum HostMessage {
    /// First message: what to run. The init answers `Ready` or `InitFailed` once init is over.
    Start {
        /// The configuration.
        config: Box<StartConfig>,
    },
    /// Run an invoke; the frame payload is the event (`request.payload` is not in the header).
    Invoke {
        /// The request (its `request_id` is always set by the host).
        request: InvokeRequest,
    },
    /// SHUTDOWN, then the init exits.
    Shutdown {
        /// Reason.
        reason: ShutdownReason,
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
    /// One response frame of an invoke; payload = the frame's bytes.
    Response {
        /// Request id.
        request_id: String,
        /// The frame without its bytes.
        head: ResponseHead,
    },
    /// The invoke phase is over; payload = the log tail.
    Done {
        /// Request id.
        request_id: String,
        /// How it ended.
        status: InvokeStatus,
        /// Error type.
        error_type: Option<String>,
        /// Duration in ms.
        duration_ms: f64,
        /// Init Duration in ms, on an environment's first invoke.
        #[serde(default)]
        init_duration_ms: Option<f64>,
        /// Max Memory Used in MB.
        #[serde(default)]
        max_memory_used_mb: u64,
    },
    /// A log line; payload = the line.
    Log {
        /// Who wrote it.
        source: LogSource,
        /// When the init took it, in ms since the Unix epoch (lines may wait a moment to travel with the
        /// next frame: their time is this one, not their arrival's).
        timestamp_ms: u64,
    },
    /// SHUTDOWN finished; the init exits next.
    Stopped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_sources_are_tagged() {
        let m = InitMessage::Log {
            source: LogSource::Extension("ext".into()),
            timestamp_ms: 7,
        };
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(
            json,
            r#"{"type":"Log","source":{"source":"extension","name":"ext"},"timestamp_ms":7}"#
        );
        let back: InitMessage = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, m);
    }
}
