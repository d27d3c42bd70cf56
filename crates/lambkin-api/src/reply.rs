//! What an operation answers (`Reply`), and how an answer or an `ApiError` becomes the HTTP response: JSON
//! with `x-amzn-RequestId`, or Lambda's error shape with `x-amzn-ErrorType` (and `Retry-After` on a 429).

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use lambkin_respond::{full, FrontResponse};

use crate::error::{ApiError, ApiResult};

/// What an operation answers.
pub enum Reply {
    /// JSON with a status.
    Json(StatusCode, serde_json::Value),
    /// An empty body with a status.
    Empty(StatusCode),
    /// A complete response (invokes).
    Raw(FrontResponse),
}

/// `v` as JSON with `status`.
pub(crate) fn json_reply<T: serde::Serialize>(status: StatusCode, v: &T) -> ApiResult<Reply> {
    serde_json::to_value(v)
        .map(|v| Reply::Json(status, v))
        .map_err(|e| ApiError::service(format!("cannot encode the answer: {e}")))
}

/// The error response.
pub(crate) fn error_response(e: &ApiError, request_id: &str) -> FrontResponse {
    let mut r = Response::new(full(e.body()));
    *r.status_mut() = e.status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert("x-amzn-ErrorType", HeaderValue::from_static(e.error_type));
    if e.status == StatusCode::TOO_MANY_REQUESTS {
        h.insert("Retry-After", HeaderValue::from_static("1"));
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-RequestId", v);
    }
    r
}

/// The response of an answer.
pub(crate) fn reply_response(reply: Reply, request_id: &str) -> FrontResponse {
    let mut r = match reply {
        Reply::Raw(r) => return r,
        Reply::Json(status, v) => {
            let mut r = Response::new(full(v.to_string()));
            *r.status_mut() = status;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Reply::Empty(status) => {
            let mut r = Response::new(full(Bytes::new()));
            *r.status_mut() = status;
            r
        }
    };
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-RequestId", v);
    }
    r
}
