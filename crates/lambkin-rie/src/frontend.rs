//! The invoke front end: `POST /2015-03-31/functions/{name}/invocations` and
//! `POST /2021-11-15/functions/{name}/response-streaming-invocations`, answered as Lambda answers them.

use std::convert::Infallible;

use base64::Engine;
use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Either, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use lambkin_init::{InvokeHandle, InvokeRequest, ResponseFrame};

use crate::backend::Backend;
use tokio::net::TcpListener;

use crate::body::{full, ChannelBody, FrontBody};
use crate::eventstream;

/// Largest invoke request payload Lambda accepts (6 MiB).
const MAX_REQUEST: usize = 6 * 1024 * 1024;

type FrontResponse = Response<FrontBody>;

/// Serves the invoke API until the task is aborted.
pub async fn serve(listener: TcpListener, init: Backend) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let init = init.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let init = init.clone();
                async move { Ok::<_, Infallible>(route(&init, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn route(init: &Backend, req: Request<Incoming>) -> FrontResponse {
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["2015-03-31", "functions", name, "invocations"] if !name.is_empty() => {
            invoke(init, req, false).await
        }
        ["2021-11-15", "functions", name, "response-streaming-invocations"] if !name.is_empty() => {
            invoke(init, req, true).await
        }
        _ => {
            let mut r = Response::new(full("404 page not found\n"));
            *r.status_mut() = StatusCode::NOT_FOUND;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
    }
}

/// An error in the Lambda REST API's shape.
fn aws_error(status: StatusCode, error_type: &str, message: &str) -> FrontResponse {
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

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Decodes `X-Amz-Client-Context` (base64 of a JSON object) into compact JSON.
fn decode_client_context(raw: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .map_err(|_| "X-Amz-Client-Context must be base64-encoded".to_owned())?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| "X-Amz-Client-Context must be base64-encoded JSON".to_owned())?;
    Ok(v.to_string())
}

async fn invoke(init: &Backend, req: Request<Incoming>, streaming: bool) -> FrontResponse {
    let invocation_type = header(&req, "X-Amz-Invocation-Type")
        .unwrap_or("RequestResponse")
        .to_owned();
    let tail = header(&req, "X-Amz-Log-Type").is_some_and(|v| v.eq_ignore_ascii_case("Tail"));
    let client_context = match header(&req, "X-Amz-Client-Context").map(decode_client_context) {
        None => None,
        Some(Ok(cc)) => Some(cc),
        Some(Err(msg)) => {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                &msg,
            )
        }
    };
    let trace_id = header(&req, "X-Amzn-Trace-Id").map(str::to_owned);
    let tenant_id = header(&req, "X-Amz-Tenant-Id").map(str::to_owned);
    let payload = match Limited::new(req.into_body(), MAX_REQUEST).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return aws_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestTooLargeException",
                &format!("Request must be smaller than {MAX_REQUEST} bytes for the InvokeFunction operation"),
            )
        }
        Err(e) => {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                &format!("could not read the request body: {e}"),
            )
        }
    };
    let request = InvokeRequest {
        payload,
        client_context,
        trace_id,
        tenant_id,
        ..Default::default()
    };
    match (invocation_type.as_str(), streaming) {
        ("DryRun", _) => {
            let mut r = Response::new(full(Bytes::new()));
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        ("Event", false) => {
            let handle = init.invoke(request).await;
            let id = handle.request_id.clone();
            tokio::spawn(async move {
                let InvokeHandle { mut frames, done, .. } = handle;
                while frames.recv().await.is_some() {}
                let _ = done.await;
            });
            let mut r = Response::new(full(Bytes::new()));
            *r.status_mut() = StatusCode::ACCEPTED;
            put_common(&mut r, &id, init);
            r
        }
        ("RequestResponse", false) => request_response(init, request, tail).await,
        ("RequestResponse", true) => response_stream(init, request, tail).await,
        (other, _) => aws_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            &format!("1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"),
        ),
    }
}

fn put_common(r: &mut FrontResponse, request_id: &str, init: &Backend) {
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("X-Amzn-RequestId", v);
    }
    if let Ok(v) = HeaderValue::from_str(init.function_version()) {
        h.insert("X-Amz-Executed-Version", v);
    }
}

fn content_type(r: &mut FrontResponse, ct: Option<&str>) {
    let v = ct
        .and_then(|c| HeaderValue::from_str(c).ok())
        .unwrap_or_else(|| HeaderValue::from_static("application/json"));
    r.headers_mut().insert(header::CONTENT_TYPE, v);
}

async fn request_response(init: &Backend, request: InvokeRequest, tail: bool) -> FrontResponse {
    let InvokeHandle {
        request_id,
        mut frames,
        done,
    } = init.invoke(request).await;
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
            put_common(&mut r, &request_id, init);
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
    put_common(&mut r, &request_id, init);
    if tail {
        if let Ok(summary) = done.await {
            let encoded = base64::engine::general_purpose::STANDARD.encode(&summary.tail);
            if let Ok(v) = HeaderValue::from_str(&encoded) {
                r.headers_mut().insert("X-Amz-Log-Result", v);
            }
        }
    }
    r
}

async fn response_stream(init: &Backend, request: InvokeRequest, tail: bool) -> FrontResponse {
    let InvokeHandle {
        request_id,
        mut frames,
        done,
    } = init.invoke(request).await;
    let (tx, body) = ChannelBody::new(16);
    tokio::spawn(async move {
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
        let log = if tail {
            done.await
                .ok()
                .map(|s| base64::engine::general_purpose::STANDARD.encode(&s.tail))
        } else {
            None
        };
        let (code, details) = match &error {
            Some((c, d)) => (Some(c.as_str()), Some(d.as_str())),
            None => (None, None),
        };
        let _ = tx
            .send(eventstream::invoke_complete(code, details, log.as_deref()))
            .await;
    });
    let mut r = Response::new(Either::Right(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.amazon.eventstream"),
    );
    put_common(&mut r, &request_id, init);
    r
}
