//! The HTTP side: HTTP/1.1 requests to `lambkin serve`'s REST API and its AWS-shaped errors.

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::error::CliError;

/// An answer from the server, whatever its status.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Response {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON (`null` when it is empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The response itself when 2xx, otherwise the AWS error it carries.
    pub fn ok(self) -> Result<Self, ApiError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(ApiError::from_response(&self))
        }
    }
}

/// An AWS error answer: `x-amzn-ErrorType` header plus a JSON body with `message` or `Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The error code (`ResourceNotFoundException`, …), or the status as text when the server gave none.
    pub code: String,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// Parses an error answer the way botocore does: the code from the `x-amzn-ErrorType` header (anything
    /// after `:` or `#` dropped), else the body's `code`/`Code`, else `__type`, else the status; the message
    /// from `message` or `Message`.
    pub fn from_response(r: &Response) -> Self {
        let body = r.json();
        let field = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| body.get(*n).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let code = r
            .header("x-amzn-ErrorType")
            .map(|t| t.split([':', '#']).next().unwrap_or(t).trim().to_owned())
            .filter(|t| !t.is_empty())
            .or_else(|| field(&["code", "Code"]))
            .or_else(|| {
                // `__type` may be `namespace#Code`.
                field(&["__type"]).map(|t| t.rsplit('#').next().unwrap_or(&t).to_owned())
            })
            .unwrap_or_else(|| r.status.to_string());
        let message = field(&["message", "Message"]).unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&r.body);
            let text = text.trim();
            if text.is_empty() {
                format!("HTTP {}", r.status)
            } else {
                format!("HTTP {}: {}", r.status, truncate(text, 300))
            }
        });
        Self {
            status: r.status,
            code,
            message,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// `s` cut to `max` characters, with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Everything but RFC 3986's unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one path segment or query value (names and ARNs: `:` becomes `%3A`, `$` `%24`).
pub fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// `X-Amz-Date`'s value for now (`20261124T043251Z`).
pub fn amz_date() -> String {
    time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default()
}

/// A client of one `lambkin serve`.
pub struct Api {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    /// A client of the server at `endpoint` (`http://host:port`); anything else is a usage error.
    pub fn new(endpoint: &str) -> Result<Self, CliError> {
        let base = endpoint.trim().trim_end_matches('/').to_owned();
        let scheme = |p: &str| {
            base.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        };
        if scheme("https://") {
            return Err(CliError::usage(format!("{endpoint}: https is not supported")).hint(
                "lambkin serve speaks plain HTTP; use http://HOST:PORT (put TLS in front of the server, not here)",
            ));
        }
        if !scheme("http://") {
            return Err(CliError::usage(format!("{endpoint}: not an http:// URL"))
                .hint("e.g. --endpoint http://127.0.0.1:9000"));
        }
        let authority = base[7..].split('/').next().unwrap_or("");
        if authority.is_empty() || authority.parse::<http::uri::Authority>().is_err() {
            return Err(
                CliError::usage(format!("{endpoint}: no valid host:port in the URL"))
                    .hint("e.g. --endpoint http://127.0.0.1:9000"),
            );
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Ok(Self {
            base,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// The server's URL, as given.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends a request; any HTTP status is a `Response`, only transport failures are errors.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Response, CliError> {
        let date = amz_date();
        let mut req = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("x-amz-date", date.as_str())
            .header(
                "user-agent",
                concat!("lambkin-cli/", env!("CARGO_PKG_VERSION")),
            );
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| CliError::msg(format!("cannot build a request for {path}: {e}")))?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| CliError::msg(format!("reading the answer from {}: {e}", self.base)))?
            .to_bytes();
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Response, CliError> {
        self.request(Method::GET, path, &[], Bytes::new()).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Response, CliError> {
        self.send_json(Method::POST, path, body).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Result<Response, CliError> {
        self.send_json(Method::PUT, path, body).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Result<Response, CliError> {
        self.request(Method::DELETE, path, &[], Bytes::new()).await
    }

    async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: &Value,
    ) -> Result<Response, CliError> {
        let body = Bytes::from(body.to_string());
        self.request(method, path, &[("content-type", "application/json")], body)
            .await
    }

    fn transport_error(&self, e: &hyper_util::client::legacy::Error) -> CliError {
        let mut causes = vec![e.to_string()];
        let mut refused = false;
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
            }
            let text = s.to_string();
            if !causes.iter().any(|c| c.contains(&text)) {
                causes.push(text);
            }
            source = s.source();
        }
        let hint = format!(
            "is `lambkin serve` running at {}? start it with: lambkin serve (or point --endpoint / LAMBKIN_ENDPOINT at it)",
            self.base
        );
        if refused {
            CliError::msg(format!("connection refused by {}", self.base)).hint(hint)
        } else {
            CliError::msg(format!("cannot reach {}: {}", self.base, causes.join(": "))).hint(hint)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, error_type: Option<&'static str>, body: &'static str) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(t) = error_type {
            headers.insert("x-amzn-ErrorType", http::HeaderValue::from_static(t));
        }
        Response {
            status,
            headers,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn header_code_and_either_message_case() {
        for (status, error_type, body, code, message) in [
            (
                404,
                "ResourceNotFoundException:http://internal.amazon.com/",
                r#"{"Type":"User","Message":"Function not found: x"}"#,
                "ResourceNotFoundException",
                "Function not found: x",
            ),
            (
                409,
                "ResourceConflictException",
                r#"{"Type":"User","message":"Function already exist: f"}"#,
                "ResourceConflictException",
                "Function already exist: f",
            ),
        ] {
            let e = ApiError::from_response(&answer(status, Some(error_type), body));
            assert_eq!(
                (e.code.as_str(), e.message.as_str(), e.status),
                (code, message, status)
            );
        }
    }

    #[test]
    fn body_codes_then_status() {
        let e = ApiError::from_response(&answer(
            409,
            None,
            r#"{"__type":"com.amazon#ResourceConflictException","message":"exists"}"#,
        ));
        assert_eq!(e.code, "ResourceConflictException");
        let e = ApiError::from_response(&answer(400, None, r#"{"Code":"Bad","message":"m"}"#));
        assert_eq!(e.code, "Bad");
        // The `Type` field is not the code.
        let e = ApiError::from_response(&answer(404, None, r#"{"Type":"User"}"#));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("404", "HTTP 404: {\"Type\":\"User\"}")
        );
        let e = ApiError::from_response(&answer(502, None, ""));
        assert_eq!((e.code.as_str(), e.message.as_str()), ("502", "HTTP 502"));
    }

    #[test]
    fn ok_passes_2xx_only() {
        assert!(answer(204, None, "").ok().is_ok());
        let e = answer(
            429,
            Some("TooManyRequestsException"),
            r#"{"message":"slow down"}"#,
        )
        .ok()
        .err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("TooManyRequestsException: slow down")
        );
    }

    #[test]
    fn names_and_arns_are_one_segment() {
        assert_eq!(
            segment("arn:aws:lambda:us-east-1:123456789012:function:f"),
            "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af"
        );
        assert_eq!(segment("plain_name-1.x~"), "plain_name-1.x~");
        assert_eq!(segment("f:$LATEST"), "f%3A%24LATEST");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("é"), "%C3%A9");
    }

    #[test]
    fn endpoints() {
        assert!(Api::new("http://127.0.0.1:9000").is_ok());
        assert!(Api::new("HTTP://localhost:9000/").is_ok());
        let e = Api::new("https://example.com").err();
        assert_eq!(e.as_ref().map(|e| e.exit_code), Some(2));
        assert!(e.is_some_and(|e| e.message.contains("https is not supported")));
        assert!(Api::new("127.0.0.1:9000").is_err());
        assert!(Api::new("http://").is_err());
        assert!(Api::new("ht").is_err());
    }

    #[test]
    fn amz_date_shape() {
        let d = amz_date();
        assert_eq!(d.len(), 16, "{d}");
        assert_eq!((&d[8..9], &d[15..]), ("T", "Z"));
    }
}
