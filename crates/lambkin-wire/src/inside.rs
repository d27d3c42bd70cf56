//! The Lambda API inside an environment: the init listens on the environment's own loopback
//! (`AWS_ENDPOINT_URL_LAMBDA`) and forwards each HTTP request, as received, to the host as
//! `InitMessage::ApiCall`; the host answers `HostMessage::ApiAnswer`. These are the call and the answer as
//! plain data, what a host's handler takes and gives.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

/// The variable that points the AWS SDKs' Lambda clients at the environment's endpoint.
pub const ENDPOINT_VAR: &str = "AWS_ENDPOINT_URL_LAMBDA";

/// Largest request body the init forwards (a 6 MiB invoke payload plus room): larger ones are refused with
/// `413` in the init. Together with its header it fits a control frame ([`crate::MAX_PAYLOAD`]).
pub const MAX_CALL_BODY: usize = 7 << 20;

/// Largest answer body that crosses the channel: what does not fit a control frame becomes an error.
pub const MAX_ANSWER_BODY: usize = crate::MAX_PAYLOAD;

/// Most bytes of header names and values (and the target) a call or an answer may carry.
pub const MAX_HEADER_BYTES: usize = 64 << 10;

/// One HTTP request made to the environment's Lambda API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query as received (`/2015-03-31/functions/f/invocations?Qualifier=1`).
    pub target: String,
    /// End-to-end request headers, in order (hop-by-hop ones are dropped by the init).
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Bytes,
}

/// The HTTP answer to an [`ApiCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiAnswer {
    /// HTTP status.
    pub status: u16,
    /// Response headers (`Content-Length` and hop-by-hop ones are set by the init's server).
    pub headers: Vec<(String, String)>,
    /// The response body.
    pub body: Bytes,
}

impl ApiAnswer {
    /// An error in the Lambda REST API's shape: `{"Type", "message"}` with `x-amzn-ErrorType`.
    pub fn error(status: u16, error_type: &str, message: &str) -> Self {
        let kind = if status < 500 { "User" } else { "Service" };
        let body = serde_json::json!({"Type": kind, "message": message}).to_string();
        Self {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("x-amzn-ErrorType".into(), error_type.into()),
                ("x-amzn-RequestId".into(), crate::invoke::new_request_id()),
            ],
            body: Bytes::from(body),
        }
    }

    /// This answer if it can cross the control channel, else a `500` that says why.
    pub fn fitted(self) -> Self {
        if self.body.len() > MAX_ANSWER_BODY {
            return Self::error(
                500,
                "ServiceException",
                &format!(
                    "The response of {} bytes exceeds the {MAX_ANSWER_BODY} bytes a call from inside a function can receive.",
                    self.body.len()
                ),
            );
        }
        if header_bytes(&self.headers) > MAX_HEADER_BYTES {
            return Self::error(
                500,
                "ServiceException",
                "The response's headers are too large.",
            );
        }
        self
    }
}

/// Bytes of header names and values.
pub fn header_bytes(headers: &[(String, String)]) -> usize {
    headers.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// What a host's handler gives back for a call.
pub type ApiFuture = Pin<Box<dyn Future<Output = ApiAnswer> + Send>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_lambdas_shape_and_oversized_answers_become_errors() {
        let e = ApiAnswer::error(413, "RequestEntityTooLargeException", "too big");
        assert_eq!(e.status, 413);
        let body: serde_json::Value = serde_json::from_slice(&e.body).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"Type": "User", "message": "too big"})
        );
        assert!(e
            .headers
            .iter()
            .any(|(k, v)| k == "x-amzn-ErrorType" && v == "RequestEntityTooLargeException"));

        let small = ApiAnswer {
            status: 200,
            headers: vec![],
            body: Bytes::from_static(b"{}"),
        };
        assert_eq!(small.clone().fitted(), small);
        let big = ApiAnswer {
            body: Bytes::from(vec![b'x'; MAX_ANSWER_BODY + 1]),
            ..small
        }
        .fitted();
        assert_eq!(big.status, 500);
        assert!(big
            .headers
            .iter()
            .any(|(k, v)| k == "x-amzn-ErrorType" && v == "ServiceException"));
    }
}
