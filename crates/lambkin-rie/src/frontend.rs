//! The invoke front end: `POST /2015-03-31/functions/{name}/invocations` and
//! `POST /2021-11-15/functions/{name}/response-streaming-invocations`, answered as Lambda answers them.

use std::convert::Infallible;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use lambkin_respond::{
    aws_error, decode_client_context, full, put_common, request_response, response_stream,
    FrontResponse,
};
use lambkin_wire::{InvokeHandle, InvokeRequest};
use tokio::net::TcpListener;

use crate::backend::Backend;

/// Largest invoke request payload Lambda accepts (6 MiB).
const MAX_REQUEST: usize = 6 * 1024 * 1024;

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

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
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
            put_common(&mut r, &id, init.function_version());
            r
        }
        ("RequestResponse", false) => {
            request_response(init.invoke(request).await, init.function_version(), tail).await
        }
        ("RequestResponse", true) => {
            response_stream(init.invoke(request).await, init.function_version(), tail).await
        }
        (other, _) => aws_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            &format!("1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"),
        ),
    }
}
