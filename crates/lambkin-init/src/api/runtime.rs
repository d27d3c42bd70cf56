//! Runtime API handlers (`/2018-06-01/runtime/...`, spec §2 and §3).

use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use bytes::{Bytes, BytesMut};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use super::{accepted, error, header_str, next_in_generation, ApiResponse};
use crate::core::{Core, InitErrorReport, InvokeEvent, ResponseFrame, ResponseSink, Shared};
use crate::model::{normalize_error_type, PlatformError, MAX_PAYLOAD_SIZE};
use crate::state::{runtime_transition_error, RuntimeState};

const STREAM_ERROR_TYPE: &str = "Lambda-Runtime-Function-Error-Type";
const STREAM_ERROR_BODY: &str = "Lambda-Runtime-Function-Error-Body";
const ERROR_CAUSE_CONTENT_TYPE: &str = "application/vnd.aws.lambda.error.cause+json";

/// `GET /runtime/invocation/next`: parks until an invoke is dispatched; repeats the current event while running.
pub async fn next(shared: &Arc<Shared>) -> ApiResponse {
    enum Step {
        Render(Arc<InvokeEvent>),
        Wait(u64),
        Refuse(RuntimeState),
    }
    let step = shared.update(|c| match c.runtime {
        RuntimeState::Running => match &c.invoke {
            Some(inv) => Step::Render(inv.event.clone()),
            None => Step::Refuse(c.runtime),
        },
        RuntimeState::Started | RuntimeState::ResponseSent | RuntimeState::Ready => {
            if c.runtime == RuntimeState::Started {
                c.registration_closed = true;
            }
            c.runtime = RuntimeState::Ready;
            Step::Wait(c.generation)
        }
        other => Step::Refuse(other),
    });
    let event = match step {
        Step::Render(ev) => ev,
        Step::Refuse(from) => {
            return error(
                StatusCode::FORBIDDEN,
                "InvalidStateTransition",
                &runtime_transition_error(from, "Ready"),
            )
        }
        Step::Wait(generation) => {
            let running = |c: &mut Core| match c.runtime {
                RuntimeState::Running => c.invoke.as_ref().map(|i| i.event.clone()),
                _ => None,
            };
            match next_in_generation(shared, generation, running).await {
                Ok(ev) => ev,
                Err(r) => return r,
            }
        }
    };
    render_event(&event)
}

fn render_event(ev: &InvokeEvent) -> ApiResponse {
    let mut r = Response::new(Full::new(ev.payload.clone()));
    let h = r.headers_mut();
    let mut put = |name: &'static str, value: &str| {
        if !value.is_empty() {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        }
    };
    put("Lambda-Runtime-Aws-Request-Id", &ev.request_id);
    put("Lambda-Runtime-Deadline-Ms", &ev.deadline_ms.to_string());
    put(
        "Lambda-Runtime-Invoked-Function-Arn",
        &ev.invoked_function_arn,
    );
    put("Lambda-Runtime-Trace-Id", &ev.trace_id);
    put(
        "Lambda-Runtime-Client-Context",
        ev.client_context.as_deref().unwrap_or(""),
    );
    put(
        "Lambda-Runtime-Cognito-Identity",
        ev.cognito_identity.as_deref().unwrap_or(""),
    );
    put(
        "Lambda-Runtime-Aws-Tenant-Id",
        ev.tenant_id.as_deref().unwrap_or(""),
    );
    put("Content-Type", &ev.content_type);
    r
}

/// Whether `id` names the invoke the runtime is answering (RAPID checks this before any state).
fn is_current(c: &Core, id: &str) -> bool {
    matches!(
        c.runtime,
        RuntimeState::Running
            | RuntimeState::InvocationResponse
            | RuntimeState::InvocationErrorResponse
            | RuntimeState::ResponseSent
    ) && c.invoke.as_ref().is_some_and(|i| i.event.request_id == id)
}

/// Validates the id and moves `Running` to `to`, returning the response sink (if the platform has not answered
/// the caller already).
fn begin_answer(
    shared: &Shared,
    id: &str,
    to: RuntimeState,
) -> Result<Option<ResponseSink>, ApiResponse> {
    shared.update(|c| {
        if !is_current(c, id) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestID",
                "Invalid request ID",
            ));
        }
        if c.runtime != RuntimeState::Running {
            return Err(error(
                StatusCode::FORBIDDEN,
                "InvalidStateTransition",
                &runtime_transition_error(c.runtime, &to.to_string()),
            ));
        }
        c.runtime = to;
        let inv = c.invoke.as_mut().expect("is_current checked the invoke");
        inv.response_started = Some(Instant::now());
        Ok(inv.sink.take())
    })
}

/// Sends the answer's last frame to the caller and records how the invoke ended, which that frame tells: an
/// error, or a stream that ends with one, failed with its type.
async fn finish_answer(
    shared: &Shared,
    sink: &Option<ResponseSink>,
    last: ResponseFrame,
    produced: u64,
) {
    let failed = match &last {
        ResponseFrame::Error { error_type, .. }
        | ResponseFrame::StreamEnd {
            error: Some((error_type, _)),
        } => Some(error_type.clone()),
        _ => None,
    };
    send(sink, last).await;
    shared.update(|c| {
        if matches!(
            c.runtime,
            RuntimeState::InvocationResponse | RuntimeState::InvocationErrorResponse
        ) {
            c.runtime = RuntimeState::ResponseSent;
        }
        if let Some(inv) = c.invoke.as_mut() {
            inv.response_done = Some(Instant::now());
            inv.produced_bytes = produced;
            inv.outcome = Some((failed.is_none(), failed));
        }
    });
}

async fn send(sink: &Option<ResponseSink>, frame: ResponseFrame) {
    if let Some(s) = sink {
        // The caller may have gone away; the runtime's answer is still consumed.
        let _ = s.send(frame).await;
    }
}

/// The refusal of a body that did not end cleanly.
fn truncated_request() -> ApiResponse {
    error(
        StatusCode::BAD_REQUEST,
        "TruncatedHTTPRequest",
        "HTTP request detected as truncated",
    )
}

/// Reads a whole body, keeping at most `limit` bytes; returns the kept bytes, the full size, and whether the
/// body ended cleanly.
async fn read_limited(body: Incoming, limit: usize) -> (Bytes, usize, bool) {
    let mut body = body;
    let mut first: Option<Bytes> = None;
    let mut buf: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return (Bytes::new(), total, false);
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let kept_before = total.min(limit);
        total += data.len();
        if kept_before >= limit {
            continue;
        }
        let take = data.len().min(limit - kept_before);
        let data = data.slice(..take);
        match (&mut first, &mut buf) {
            (None, None) => first = Some(data),
            (Some(f), None) => {
                let mut b = BytesMut::with_capacity(f.len() + data.len());
                b.extend_from_slice(f);
                b.extend_from_slice(&data);
                first = None;
                buf = Some(b);
            }
            (_, Some(b)) => b.extend_from_slice(&data),
        }
    }
    let bytes = match (first, buf) {
        (_, Some(b)) => b.freeze(),
        (Some(f), None) => f,
        (None, None) => Bytes::new(),
    };
    (bytes, total, true)
}

/// `POST /runtime/invocation/{id}/response`.
pub async fn response(shared: &Arc<Shared>, id: &str, req: Request<Incoming>) -> ApiResponse {
    let mode = header_str(&req, "Lambda-Runtime-Function-Response-Mode").map(str::to_owned);
    let content_type = header_str(&req, "Content-Type").map(str::to_owned);
    let sink = match begin_answer(shared, id, RuntimeState::InvocationResponse) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match mode.as_deref() {
        None | Some("") => buffered_response(shared, sink, content_type, req.into_body()).await,
        Some("streaming") => streaming_response(shared, sink, content_type, req.into_body()).await,
        Some(_) => {
            send(
                &sink,
                ResponseFrame::Error {
                    error_type: "Runtime.InvalidResponseModeHeader".into(),
                    body: Bytes::new(),
                    content_type: None,
                },
            )
            .await;
            error(
                StatusCode::BAD_REQUEST,
                "InvalidFunctionResponseMode",
                "Invalid function response mode",
            )
        }
    }
}

async fn buffered_response(
    shared: &Shared,
    sink: Option<ResponseSink>,
    content_type: Option<String>,
    body: Incoming,
) -> ApiResponse {
    let (bytes, total, clean) = read_limited(body, MAX_PAYLOAD_SIZE).await;
    if !clean {
        finish_answer(shared, &sink, truncated_error(), total as u64).await;
        return truncated_request();
    }
    if total > MAX_PAYLOAD_SIZE {
        let payload = PlatformError::raw(
            "Function.ResponseSizeTooLarge",
            format!(
                "Response payload size ({total} bytes) exceeded maximum allowed payload size ({MAX_PAYLOAD_SIZE} bytes)."
            ),
        );
        let too_large = ResponseFrame::Error {
            error_type: "Function.ResponseSizeTooLarge".into(),
            body: payload.to_payload(),
            content_type: Some("application/json".into()),
        };
        finish_answer(shared, &sink, too_large, total as u64).await;
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            &format!("Exceeded maximum allowed payload size ({MAX_PAYLOAD_SIZE} bytes)."),
        );
    }
    let complete = ResponseFrame::Complete {
        content_type,
        body: bytes,
    };
    finish_answer(shared, &sink, complete, total as u64).await;
    accepted()
}

fn truncated_error() -> ResponseFrame {
    ResponseFrame::Error {
        error_type: "Runtime.TruncatedResponse".into(),
        body: Bytes::from_static(
            br#"{"errorType":"Runtime.TruncatedResponse","errorMessage":"Error: HTTP request detected as truncated"}"#,
        ),
        content_type: Some("application/json".into()),
    }
}

/// Parses the error lines the Rust client writes into the body instead of trailers.
fn in_body_error(data: &[u8]) -> Option<(String, Bytes)> {
    let text = std::str::from_utf8(data).ok()?;
    if !text.starts_with(STREAM_ERROR_TYPE) {
        return None;
    }
    let mut error_type = None;
    let mut body = Bytes::new();
    for line in text.split("\r\n") {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case(STREAM_ERROR_TYPE) {
                error_type = Some(value.trim().to_owned());
            } else if name.eq_ignore_ascii_case(STREAM_ERROR_BODY) {
                body = decode_error_body(value.trim());
            }
        }
    }
    error_type.map(|t| (t, body))
}

fn decode_error_body(value: &str) -> Bytes {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .map(Bytes::from)
        .unwrap_or_else(|_| Bytes::from(value.to_owned()))
}

async fn streaming_response(
    shared: &Shared,
    sink: Option<ResponseSink>,
    content_type: Option<String>,
    mut body: Incoming,
) -> ApiResponse {
    send(&sink, ResponseFrame::StreamStart { content_type }).await;
    let mut produced = 0u64;
    let mut stream_error: Option<(String, Bytes)> = None;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(_) => {
                let truncated = ResponseFrame::StreamEnd {
                    error: Some(("Runtime.TruncatedResponse".into(), Bytes::new())),
                };
                finish_answer(shared, &sink, truncated, produced).await;
                return truncated_request();
            }
        };
        match frame.into_data() {
            Ok(data) => {
                if let Some(err) = in_body_error(&data) {
                    stream_error = Some(err);
                    continue;
                }
                produced += data.len() as u64;
                send(&sink, ResponseFrame::Chunk(data)).await;
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    let get = |n: &str| {
                        trailers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    if let Some(t) = get(STREAM_ERROR_TYPE) {
                        let body = get(STREAM_ERROR_BODY)
                            .map(|b| decode_error_body(&b))
                            .unwrap_or_default();
                        stream_error = Some((t, body));
                    }
                }
            }
        }
    }
    let end = ResponseFrame::StreamEnd {
        error: stream_error,
    };
    finish_answer(shared, &sink, end, produced).await;
    accepted()
}

/// `POST /runtime/invocation/{id}/error`.
pub async fn post_error(shared: &Arc<Shared>, id: &str, req: Request<Incoming>) -> ApiResponse {
    let error_type = normalize_error_type(header_str(&req, "Lambda-Runtime-Function-Error-Type"));
    let content_type = header_str(&req, "Content-Type").map(str::to_owned);
    let sink = match begin_answer(shared, id, RuntimeState::InvocationErrorResponse) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (body, total, _) = read_limited(req.into_body(), MAX_PAYLOAD_SIZE).await;
    let (body, content_type) = if content_type.as_deref() == Some(ERROR_CAUSE_CONTENT_TYPE) {
        error_cause_payload(&body)
    } else {
        (body, content_type)
    };
    let function_error = ResponseFrame::Error {
        error_type,
        body,
        content_type,
    };
    finish_answer(shared, &sink, function_error, total as u64).await;
    accepted()
}

/// Re-serialises an `application/vnd.aws.lambda.error.cause+json` body without its `errorCause` (§2.3).
fn error_cause_payload(body: &[u8]) -> (Bytes, Option<String>) {
    #[derive(serde::Deserialize)]
    struct Cause {
        #[serde(rename = "errorMessage", default)]
        message: String,
        #[serde(rename = "errorType", default)]
        error_type: String,
        #[serde(rename = "stackTrace", default)]
        stack: Vec<String>,
    }
    match serde_json::from_slice::<Cause>(body) {
        Ok(c) => {
            let mut v = serde_json::json!({"errorMessage": c.message, "errorType": c.error_type});
            if !c.stack.is_empty() {
                v["stackTrace"] = serde_json::json!(c.stack);
            }
            (Bytes::from(v.to_string()), Some("application/json".into()))
        }
        Err(_) => (
            Bytes::from_static(b"\"Invalid error body\""),
            Some("application/octet-stream".into()),
        ),
    }
}

/// `POST /runtime/init/error`.
pub async fn init_error(shared: &Arc<Shared>, req: Request<Incoming>) -> ApiResponse {
    let error_type = normalize_error_type(header_str(&req, "Lambda-Runtime-Function-Error-Type"));
    let (body, _, _) = read_limited(req.into_body(), MAX_PAYLOAD_SIZE).await;
    let content_type = if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        "application/json"
    } else {
        "application/octet-stream"
    };
    let refused = shared.update(|c| {
        if c.runtime != RuntimeState::Started {
            return Some(c.runtime);
        }
        c.runtime = RuntimeState::InitError;
        c.init_error = Some(InitErrorReport {
            error_type,
            body,
            content_type: content_type.to_owned(),
        });
        None
    });
    match refused {
        Some(from) => error(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            &runtime_transition_error(from, "InitError"),
        ),
        None => accepted(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rust_in_body_error() {
        let line = b"Lambda-Runtime-Function-Error-Type: Runtime.StreamError\r\nLambda-Runtime-Function-Error-Body: Ym9vbQ==\r\n";
        let (t, b) = in_body_error(line).expect("error lines");
        assert_eq!(t, "Runtime.StreamError");
        assert_eq!(&b[..], b"boom");
        assert!(in_body_error(b"chunk-1").is_none());
    }

    #[test]
    fn error_cause_is_reserialised() {
        let (b, ct) = error_cause_payload(
            br#"{"errorMessage":"m","errorType":"T","stackTrace":[],"errorCause":{}}"#,
        );
        assert_eq!(&b[..], br#"{"errorMessage":"m","errorType":"T"}"#);
        assert_eq!(ct.as_deref(), Some("application/json"));
        let (b, _) = error_cause_payload(b"nope");
        assert_eq!(&b[..], b"\"Invalid error body\"");
    }
}
