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
    /// The answer to an `InitMessage::ApiCall`; payload = the response body.
    ApiAnswer {
        /// The call's id.
        call_id: u64,
        /// HTTP status.
        status: u16,
        /// Response headers.
        #[serde(default)]
        headers: Vec<(String, String)>,
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
    /// A request to the environment's Lambda API (`AWS_ENDPOINT_URL_LAMBDA`, served only when
    /// `StartConfig::lambda_api` asked for it), forwarded as received; payload = the request body. The host
    /// answers `HostMessage::ApiAnswer` with the same `call_id`, in any order.
    ApiCall {
        /// Chosen by the init, unique in the environment's life.
        call_id: u64,
        /// HTTP method.
        method: String,
        /// Path and query as received.
        target: String,
        /// End-to-end request headers.
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{write_frame, FrameReader};
    use bytes::Bytes;

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

    #[tokio::test]
    async fn api_calls_and_answers_round_trip_with_their_bodies() {
        let call = InitMessage::ApiCall {
            call_id: 7,
            method: "POST".into(),
            target: "/2015-03-31/functions/f/invocations?Qualifier=1".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
        };
        let answer = HostMessage::ApiAnswer {
            call_id: 7,
            status: 200,
            headers: vec![("X-Amz-Executed-Version".into(), "1".into())],
        };
        let (mut a, b) = tokio::io::duplex(1 << 16);
        write_frame(&mut a, &call, Bytes::from_static(b"{\"x\":1}"))
            .await
            .expect("write");
        write_frame(&mut a, &answer, Bytes::from_static(b"ok"))
            .await
            .expect("write");
        let mut r = FrameReader::new(b);
        let (got, body): (InitMessage, Bytes) = r.next().await.expect("call");
        assert_eq!(got, call);
        assert_eq!(&body[..], b"{\"x\":1}");
        let (got, body): (HostMessage, Bytes) = r.next().await.expect("answer");
        match got {
            HostMessage::ApiAnswer {
                call_id,
                status,
                headers,
            } => {
                assert_eq!((call_id, status), (7, 200));
                assert_eq!(headers, vec![("X-Amz-Executed-Version".into(), "1".into())]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(&body[..], b"ok");
    }

    #[test]
    fn headers_may_be_absent() {
        let call: InitMessage =
            serde_json::from_str(r#"{"type":"ApiCall","call_id":1,"method":"GET","target":"/"}"#)
                .expect("parse");
        assert!(matches!(call, InitMessage::ApiCall { headers, .. } if headers.is_empty()));
        let answer: HostMessage =
            serde_json::from_str(r#"{"type":"ApiAnswer","call_id":1,"status":204}"#)
                .expect("parse");
        assert!(matches!(answer, HostMessage::ApiAnswer { status: 204, .. }));
    }

    #[test]
    fn a_start_without_lambda_api_parses_as_off() {
        let mut config = serde_json::to_value(crate::client::tests::config()).expect("json");
        config.as_object_mut().expect("object").remove("lambda_api");
        let start: StartConfig = serde_json::from_value(config).expect("parse");
        assert!(!start.lambda_api);
    }
}
