//! The HTTP side: requests to `lambkin serve`'s REST API and its AWS-shaped errors.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// An answer from the server.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Answer {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (`null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// An error to show: what went wrong and, when obvious, what to do.
#[derive(Debug)]
pub struct CliError {
    /// The AWS error type (`ResourceNotFoundException`, …), when the server answered one.
    pub error_type: Option<String>,
    /// The message.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl CliError {
    /// An error with a message only.
    pub fn msg(message: impl Into<String>) -> Self {
        Self {
            error_type: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Parses an AWS error answer: `x-amzn-ErrorType` and `message`/`Message`.
    pub fn from_answer(a: &Answer) -> Self {
        let v = a.json();
        let error_type = a
            .header("x-amzn-ErrorType")
            .map(|t| t.split([':', '#']).next().unwrap_or(t).to_owned())
            .or_else(|| v.get("__type").and_then(|t| t.as_str()).map(str::to_owned));
        let message = v
            .get("message")
            .or_else(|| v.get("Message"))
            .and_then(|m| m.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP {}: {}", a.status, String::from_utf8_lossy(&a.body)));
        Self {
            error_type,
            message,
            hint: None,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error_type {
            Some(t) => write!(f, "{t}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// A client of one server.
pub struct Api {
    base: String,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

/// Everything but RFC 3986's unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one path segment (names and ARNs: `:` becomes `%3A`).
pub fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

impl Api {
    /// A client of the server at `endpoint` (`http://host:port`).
    pub fn new(endpoint: &str) -> Result<Self, CliError> {
        let base = endpoint.trim_end_matches('/').to_owned();
        if base.starts_with("https://") {
            return Err(CliError::msg(format!("{endpoint}: https is not supported"))
                .hint("lambkin serve speaks plain HTTP; use http://HOST:PORT"));
        }
        if !base.starts_with("http://") {
            return Err(CliError::msg(format!("{endpoint}: not an http:// URL"))
                .hint("e.g. --endpoint http://127.0.0.1:9000"));
        }
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        Ok(Self {
            base,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// Sends a request; any HTTP status is an `Answer`, only transport failures are errors.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Bytes,
        headers: &[(&str, String)],
    ) -> Result<Answer, CliError> {
        let mut req = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if !body.is_empty()
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| CliError::msg(format!("cannot build the request: {e}")))?;
        let resp = self.client.request(req).await.map_err(|e| {
            CliError::msg(format!("cannot reach {}: {e}", self.base)).hint(format!(
                "is `lambkin serve` running at {}? start it with: lambkin serve",
                self.base
            ))
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| CliError::msg(format!("reading the answer: {e}")))?
            .to_bytes();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Sends a request and turns an error status into an error.
    pub async fn ok(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Answer, CliError> {
        let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let a = self.call(method, path, body, &[]).await?;
        if a.status >= 300 {
            return Err(CliError::from_answer(&a));
        }
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_errors_are_parsed() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-amzn-ErrorType",
            http::HeaderValue::from_static("ResourceNotFoundException:http://internal"),
        );
        let a = Answer {
            status: 404,
            headers,
            body: Bytes::from_static(br#"{"Type":"User","Message":"Function not found: x"}"#),
        };
        let e = CliError::from_answer(&a);
        assert_eq!(e.error_type.as_deref(), Some("ResourceNotFoundException"));
        assert_eq!(e.message, "Function not found: x");
        let b = Answer {
            status: 409,
            headers: http::HeaderMap::new(),
            body: Bytes::from_static(
                br#"{"__type":"ResourceConflictException","message":"exists"}"#,
            ),
        };
        let e = CliError::from_answer(&b);
        assert_eq!(e.error_type.as_deref(), Some("ResourceConflictException"));
        assert_eq!(e.message, "exists");
    }

    #[test]
    fn names_and_arns_are_one_segment() {
        assert_eq!(
            segment("arn:aws:lambda:us-east-1:123456789012:function:f"),
            "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af"
        );
        assert_eq!(segment("plain_name"), "plain_name");
        assert_eq!(segment("f:$LATEST"), "f%3A%24LATEST");
    }
}
