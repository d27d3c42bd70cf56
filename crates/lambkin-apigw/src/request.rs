//! The request as the server received it, and the views of it the events are made of: headers as pairs,
//! the query string's parameters, cookies, the body as text or base64.

use base64::Engine as _;
use http::header;
use percent_encoding::percent_decode_str;

/// A request to an API, with what API Gateway knows of it besides the HTTP message.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: http::Method,
    /// The path as received (percent-encoded), stage prefix and all.
    pub path: String,
    /// The query string as received, without `?`.
    pub query: Option<String>,
    /// The headers. (`http` keeps names in lower case; format 1.0 events title-case them.)
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
    /// The client's address (`sourceIp`).
    pub source_ip: String,
    /// `HTTP/1.1`, …
    pub protocol: String,
    /// The request's id (`requestContext.requestId`), chosen by the server.
    pub request_id: String,
    /// When the request arrived, in milliseconds since the epoch.
    pub time_ms: i64,
}

impl Request {
    /// A request from an `http` request and what the server knows of it.
    pub fn from_http(
        req: http::Request<Vec<u8>>,
        source_ip: impl Into<String>,
        request_id: impl Into<String>,
        time_ms: i64,
    ) -> Self {
        let (parts, body) = req.into_parts();
        let protocol = match parts.version {
            http::Version::HTTP_09 => "HTTP/0.9",
            http::Version::HTTP_10 => "HTTP/1.0",
            http::Version::HTTP_2 => "HTTP/2.0",
            http::Version::HTTP_3 => "HTTP/3.0",
            _ => "HTTP/1.1",
        };
        Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body,
            source_ip: source_ip.into(),
            protocol: protocol.to_owned(),
            request_id: request_id.into(),
            time_ms,
        }
    }

    /// One header's value (the last, if repeated).
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(name)
            .iter()
            .next_back()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }

    /// Every header as (lower-case name, values), in the order the names first appear.
    pub(crate) fn header_values(&self) -> Vec<(String, Vec<String>)> {
        self.headers
            .keys()
            .map(|name| {
                let values = self
                    .headers
                    .get_all(name)
                    .iter()
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .collect();
                (name.as_str().to_owned(), values)
            })
            .collect()
    }

    /// The query string's parameters in order, percent-decoded (`+` stays `+`); `?a` is `a` = "".
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        let Some(q) = self.query.as_deref() else {
            return Vec::new();
        };
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    /// The cookies of every `Cookie` header, one string each (`name=value`).
    pub(crate) fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .flat_map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The media type of the body, lower case, without parameters.
    pub(crate) fn content_type(&self) -> Option<String> {
        self.header(header::CONTENT_TYPE.as_str())
            .map(|ct| media_type(&ct))
    }

    /// `Host`, or `localhost`.
    pub(crate) fn host(&self) -> String {
        self.header(header::HOST.as_str())
            .unwrap_or_else(|| "localhost".to_owned())
    }
}

/// Percent-decoded, invalid UTF-8 replaced.
pub(crate) fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `text/plain; charset=utf-8` → `text/plain`.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether `media` is one of `patterns` (`type/subtype`, `type/*`, `*/*`).
pub(crate) fn media_matches(patterns: &[String], media: &str) -> bool {
    let (ty, _) = media.split_once('/').unwrap_or((media, ""));
    patterns.iter().any(|p| {
        let p = p.trim().to_ascii_lowercase();
        p == "*/*" || p == media || p.strip_suffix("/*").is_some_and(|t| t == ty)
    })
}

/// An HTTP API's text types: other bodies reach the function in base64.
fn is_text(media: &str) -> bool {
    media.starts_with("text/")
        || media.contains("json")
        || media.contains("xml")
        || media.contains("javascript")
        || media.contains("yaml")
        || media == "application/x-www-form-urlencoded"
}

/// The body as an event carries it: `(body, isBase64Encoded)`, `None` for an empty body.
///
/// A REST API base64-encodes a body whose content type is one of its binary media types and passes any other
/// as text; an HTTP API base64-encodes any body that is not text (a text type, or no content type, and valid
/// UTF-8).
pub(crate) fn event_body(
    req: &Request,
    rest_binary_types: Option<&[String]>,
) -> (Option<String>, bool) {
    if req.body.is_empty() {
        return (None, false);
    }
    let media = req.content_type();
    let binary = match rest_binary_types {
        Some(types) => media.as_deref().is_some_and(|m| media_matches(types, m)),
        None => !(media.as_deref().is_none_or(is_text) && std::str::from_utf8(&req.body).is_ok()),
    };
    if binary {
        (
            Some(base64::engine::general_purpose::STANDARD.encode(&req.body)),
            true,
        )
    } else {
        (Some(String::from_utf8_lossy(&req.body).into_owned()), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
        let mut b = http::Request::builder().method("POST").uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        Request::from_http(b.body(body.to_vec()).expect("request"), "10.0.0.1", "id", 0)
    }

    #[test]
    fn query_pairs_are_decoded_in_order() {
        let r = req("/p?a=1&b=x%20y&a=2&flag&c=a+b&&d=%E2%9C%93", &[], b"");
        assert_eq!(
            r.query_pairs(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("a".into(), "2".into()),
                ("flag".into(), "".into()),
                ("c".into(), "a+b".into()),
                ("d".into(), "✓".into()),
            ]
        );
        assert!(req("/p", &[], b"").query_pairs().is_empty());
    }

    #[test]
    fn cookies_from_every_cookie_header() {
        let r = req("/", &[("cookie", "a=1; b=2"), ("Cookie", "c=3")], b"");
        assert_eq!(r.cookies(), vec!["a=1", "b=2", "c=3"]);
    }

    #[test]
    fn media_type_matching() {
        let types = vec!["image/png".to_owned(), "application/*".to_owned()];
        assert!(media_matches(&types, "image/png"));
        assert!(media_matches(&types, "application/octet-stream"));
        assert!(!media_matches(&types, "image/jpeg"));
        assert!(media_matches(&["*/*".to_owned()], "text/plain"));
        assert_eq!(media_type("Text/HTML; charset=UTF-8"), "text/html");
    }

    #[test]
    fn bodies_as_events_carry_them() {
        let png = [0x89u8, b'P', b'N', b'G'];
        let binary = vec!["image/png".to_owned()];
        // REST: base64 only for binary media types.
        let r = req("/", &[("content-type", "image/png")], &png);
        assert_eq!(
            event_body(&r, Some(&binary)),
            (Some("iVBORw==".into()), true)
        );
        let r = req("/", &[("content-type", "application/json")], b"{\"a\":1}");
        assert_eq!(
            event_body(&r, Some(&binary)),
            (Some("{\"a\":1}".into()), false)
        );
        // HTTP: base64 for anything not text.
        let r = req("/", &[("content-type", "application/octet-stream")], b"abc");
        assert_eq!(event_body(&r, None), (Some("YWJj".into()), true));
        let r = req("/", &[("content-type", "text/plain; charset=utf-8")], b"hi");
        assert_eq!(event_body(&r, None), (Some("hi".into()), false));
        let r = req("/", &[], b"hi");
        assert_eq!(event_body(&r, None), (Some("hi".into()), false));
        let r = req("/", &[("content-type", "text/plain")], &png);
        assert_eq!(event_body(&r, None), (Some("iVBORw==".into()), true));
        assert_eq!(event_body(&req("/", &[], b""), None), (None, false));
    }
}
