//! The HTTP server of the Runtime, Extensions, Logs and Telemetry APIs (`AWS_LAMBDA_RUNTIME_API`).
//!
//! Routing is one table matched by hand: a dozen fixed paths, and the exact 404/405 answers of Go's router
//! (which real clients and tests observe) are easier to give without a framework in between.

// Handlers return their refusal as the finished HTTP response; it is built once per request, so its size on the
// stack does not matter.
#![allow(clippy::result_large_err)]

mod extensions;
mod runtime;
mod subscribe;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::core::{Core, Shared};
use crate::model::{go_json, ErrorBody};

/// A response of the in-sandbox APIs.
pub type ApiResponse = Response<Full<Bytes>>;

/// Serves the APIs on `listener` until the process ends.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("runtime API accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(route(&shared, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!("runtime API connection ended: {e}");
            }
        });
    }
}

async fn route(shared: &Arc<Shared>, req: Request<Incoming>) -> ApiResponse {
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method().clone();
    let allowed: &[Method] = match segments.as_slice() {
        ["2018-06-01", "ping"] => &[Method::GET],
        ["2018-06-01", "runtime", "invocation", "next"] => &[Method::GET],
        ["2018-06-01", "runtime", "invocation", id, "response"] if !id.is_empty() => {
            &[Method::POST]
        }
        ["2018-06-01", "runtime", "invocation", id, "error"] if !id.is_empty() => &[Method::POST],
        ["2018-06-01", "runtime", "init", "error"] => &[Method::POST],
        ["2020-01-01", "extension", "register"] => &[Method::POST],
        ["2020-01-01", "extension", "event", "next"] => &[Method::GET],
        ["2020-01-01", "extension", "init", "error"] => &[Method::POST],
        ["2020-01-01", "extension", "exit", "error"] => &[Method::POST],
        ["2020-08-15", "logs"] => &[Method::PUT],
        ["2022-07-01", "telemetry"] => &[Method::PUT],
        _ => return not_found(),
    };
    if !allowed.contains(&method) {
        return method_not_allowed(allowed);
    }
    let id = segments.get(3).map(|s| s.to_string()).unwrap_or_default();
    match segments.as_slice() {
        ["2018-06-01", "ping"] => text(StatusCode::OK, "pong"),
        ["2018-06-01", "runtime", "invocation", "next"] => runtime::next(shared).await,
        ["2018-06-01", "runtime", "invocation", _, "response"] => {
            runtime::response(shared, &id, req).await
        }
        ["2018-06-01", "runtime", "invocation", _, "error"] => {
            runtime::post_error(shared, &id, req).await
        }
        ["2018-06-01", "runtime", "init", "error"] => runtime::init_error(shared, req).await,
        ["2020-01-01", "extension", "register"] => extensions::register(shared, req).await,
        ["2020-01-01", "extension", "event", "next"] => extensions::next(shared, req).await,
        ["2020-01-01", "extension", "init", "error"] => {
            extensions::report_error(shared, req, false).await
        }
        ["2020-01-01", "extension", "exit", "error"] => {
            extensions::report_error(shared, req, true).await
        }
        ["2020-08-15", "logs"] => {
            subscribe::subscribe(shared, req, crate::telemetry::Api::Logs).await
        }
        ["2022-07-01", "telemetry"] => {
            subscribe::subscribe(shared, req, crate::telemetry::Api::Telemetry).await
        }
        _ => not_found(),
    }
}

/// Go's `404 page not found`.
pub fn not_found() -> ApiResponse {
    text(StatusCode::NOT_FOUND, "404 page not found\n")
}

fn method_not_allowed(allowed: &[Method]) -> ApiResponse {
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    if let Ok(v) = allow.parse() {
        r.headers_mut().insert(header::ALLOW, v);
    }
    r
}

fn text(status: StatusCode, body: &'static str) -> ApiResponse {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// A JSON response with Go's encoding.
pub fn json(status: StatusCode, body: Bytes) -> ApiResponse {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}

/// `{"errorMessage":..,"errorType":..}` with a status.
pub fn error(status: StatusCode, error_type: &str, message: &str) -> ApiResponse {
    json(
        status,
        go_json(&ErrorBody {
            message,
            error_type,
        }),
    )
}

/// Waits until `f` gives what generation `generation` of the environment delivers next; `500` when the
/// environment moves on to another generation first.
pub async fn next_in_generation<T>(
    shared: &Shared,
    generation: u64,
    mut f: impl FnMut(&mut Core) -> Option<T>,
) -> Result<T, ApiResponse> {
    shared
        .wait_for(|c| {
            if c.generation != generation {
                Some(None)
            } else {
                f(c).map(Some)
            }
        })
        .await
        .ok_or_else(|| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "Internal Server Error",
            )
        })
}

/// `202 {"status":"OK"}`.
pub fn accepted() -> ApiResponse {
    json(
        StatusCode::ACCEPTED,
        Bytes::from_static(b"{\"status\":\"OK\"}\n"),
    )
}

/// A request header as a string, when present and valid.
pub fn header_str<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}
