//! Lambda's invoke responses on the wire, shared by `lambkin rie` and `lambkin serve`: a buffered
//! `Invoke` answer (body, `X-Amz-Function-Error`, `X-Amz-Log-Result`), an `InvokeWithResponseStream` answer
//! (event-stream frames sent as chunks arrive), and the REST API's error shape.

pub mod body;
pub mod eventstream;

use base64::Engine;
use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Either;
use lambkin_wire::{InvokeHandle, InvokeSummary, ResponseFrame};
use tokio::sync::{mpsc, oneshot};

pub use body::{full, ChannelBody, FrontBody};

/// A response of the invoke front ends.
pub type FrontResponse = Response<FrontBody>;

/// An error in the Lambda REST API's shape.
pub fn aws_error(status: StatusCode, error_type: &str, message: &str) -> FrontResponse {
    let body = serde_json::json!({"Type": "User", "message": message}).to_string();
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(error_type) {
        h.insert("x-amzn-ErrorType", v);
    }
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("x-amzn-RequestId", v);
    }
    r
}

/// Decodes `X-Amz-Client-Context` (base64 of a JSON object) into compact JSON.
pub fn decode_client_context(raw: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .map_err(|_| "X-Amz-Client-Context must be base64-encoded".to_owned())?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| "X-Amz-Client-Context must be base64-encoded JSON".to_owned())?;
    Ok(v.to_string())
}

/// Sets `X-Amzn-RequestId` and `X-Amz-Executed-Version`.
pub fn put_common(r: &mut FrontResponse, request_id: &str, version: &str) {
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("X-Amzn-RequestId", v);
    }
    if let Ok(v) = HeaderValue::from_str(version) {
        h.insert("X-Amz-Executed-Version", v);
    }
}

/// Sets `Content-Type` (JSON when the runtime gave none).
pub fn content_type(r: &mut FrontResponse, ct: Option<&str>) {
    let v = ct
        .and_then(|c| HeaderValue::from_str(c).ok())
        .unwrap_or_else(|| HeaderValue::from_static("application/json"));
    r.headers_mut().insert(header::CONTENT_TYPE, v);
}

/// Answers `Invoke` (`RequestResponse`) from an invoke in flight: the response as soon as the runtime posts
/// it; with `tail`, after the invoke phase, with the log tail.
pub async fn request_response(handle: InvokeHandle, version: &str, tail: bool) -> FrontResponse {
    let InvokeHandle {
        request_id,
        mut frames,
        done,
    } = handle;
    let first = frames.recv().await;
    let mut r = match first {
        Some(ResponseFrame::Complete {
            content_type: ct,
            body,
        }) => {
            let mut r = Response::new(full(body));
            content_type(&mut r, ct.as_deref());
            r
        }
        Some(ResponseFrame::Error {
            body,
            content_type: ct,
            ..
        }) => {
            let mut r = Response::new(full(body));
            content_type(&mut r, ct.as_deref().or(Some("application/json")));
            r.headers_mut().insert(
                "X-Amz-Function-Error",
                HeaderValue::from_static("Unhandled"),
            );
            r
        }
        Some(ResponseFrame::StreamStart { content_type: ct }) if !tail => {
            // A streaming runtime behind a buffered invoke: pass chunks through as they come.
            let (tx, body) = ChannelBody::new(16);
            tokio::spawn(async move {
                while let Some(f) = frames.recv().await {
                    if let ResponseFrame::Chunk(b) = f {
                        if tx.send(b).await.is_err() {
                            break;
                        }
                    }
                }
            });
            let mut r = Response::new(Either::Right(body));
            content_type(&mut r, ct.as_deref());
            put_common(&mut r, &request_id, version);
            return r;
        }
        Some(ResponseFrame::StreamStart { content_type: ct }) => {
            let mut buf = Vec::new();
            while let Some(f) = frames.recv().await {
                if let ResponseFrame::Chunk(b) = f {
                    buf.extend_from_slice(&b);
                }
            }
            let mut r = Response::new(full(buf));
            content_type(&mut r, ct.as_deref());
            r
        }
        Some(ResponseFrame::Chunk(_)) | Some(ResponseFrame::StreamEnd { .. }) | None => {
            let body = serde_json::json!({
                "errorType": "Sandbox.Failure",
                "errorMessage": format!("RequestId: {request_id} Error: the runtime produced no response"),
            });
            let mut r = Response::new(full(body.to_string()));
            content_type(&mut r, None);
            r.headers_mut().insert(
                "X-Amz-Function-Error",
                HeaderValue::from_static("Unhandled"),
            );
            r
        }
    };
    put_common(&mut r, &request_id, version);
    if let Some(Ok(v)) = log_result(done, tail).await.map(HeaderValue::try_from) {
        r.headers_mut().insert("X-Amz-Log-Result", v);
    }
    r
}

/// With `tail`, the invoke's log tail in base64 once its invoke phase is over (`None` without one).
async fn log_result(done: oneshot::Receiver<InvokeSummary>, tail: bool) -> Option<String> {
    if !tail {
        return None;
    }
    let summary = done.await.ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(&summary.tail))
}

/// Answers `InvokeWithResponseStream`: event-stream `PayloadChunk`s as they arrive, then `InvokeComplete`.
pub async fn response_stream(handle: InvokeHandle, version: &str, tail: bool) -> FrontResponse {
    let (tx, body) = ChannelBody::new(16);
    tokio::spawn(event_stream(handle.frames, handle.done, tail, tx));
    let mut r = Response::new(Either::Right(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.amazon.eventstream"),
    );
    put_common(&mut r, &handle.request_id, version);
    r
}

/// The event-stream frames of an invoke's response into `tx`: `PayloadChunk`s as they arrive, then
/// `InvokeComplete` (with the error the runtime reported, and the log tail when asked for).
async fn event_stream(
    mut frames: mpsc::Receiver<ResponseFrame>,
    done: oneshot::Receiver<InvokeSummary>,
    tail: bool,
    tx: mpsc::Sender<Bytes>,
) {
    let mut error: Option<(String, String)> = None;
    while let Some(f) = frames.recv().await {
        let out = match f {
            ResponseFrame::Complete { body, .. } | ResponseFrame::Chunk(body) => {
                if body.is_empty() {
                    continue;
                }
                eventstream::payload_chunk(&body)
            }
            ResponseFrame::StreamStart { .. } => continue,
            ResponseFrame::StreamEnd { error: e } => {
                error = e.map(|(t, b)| (t, String::from_utf8_lossy(&b).into_owned()));
                continue;
            }
            ResponseFrame::Error {
                error_type, body, ..
            } => {
                let code = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| {
                        v.get("errorType")
                            .and_then(|t| t.as_str())
                            .map(str::to_owned)
                    })
                    .unwrap_or(error_type);
                error = Some((code, String::from_utf8_lossy(&body).into_owned()));
                continue;
            }
        };
        if tx.send(out).await.is_err() {
            return;
        }
    }
    let log = log_result(done, tail).await;
    let (code, details) = match &error {
        Some((c, d)) => (Some(c.as_str()), Some(d.as_str())),
        None => (None, None),
    };
    let _ = tx
        .send(eventstream::invoke_complete(code, details, log.as_deref()))
        .await;
}
