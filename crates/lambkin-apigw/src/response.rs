//! A function's answer mapped back to HTTP as API Gateway maps it.
//!
//! Format 1.0: `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}` — anything else (not JSON,
//! no `statusCode`, a `body` that is not a string, a header value that is not a scalar; for a REST API, any
//! other key) is malformed (REST 502, HTTP 500). Both header maps are kept: a name in both gets the values of
//! each, an identical name/value pair once. A REST API decodes a base64 body only when the request's `Accept`
//! or the answer's `Content-Type` is one of its binary media types (else the client gets the base64 text, as
//! from API Gateway); an HTTP API always decodes it.
//!
//! Format 2.0: a JSON object with `statusCode` is read as above, plus `cookies` (each a `Set-Cookie`); a JSON
//! string is the body of a 200 as it is (without its quotes), any other JSON value (a number, an array, an
//! object without `statusCode`) the body of a 200 as the function wrote it; both with
//! `content-type: application/json`.
//!
//! An answer without a `Content-Type` gets `application/json`, as API Gateway gives it. Hop-by-hop and
//! framing headers the function set (`Content-Length`, `Transfer-Encoding`, `Connection`, …) are not passed
//! on as they are: API Gateway frames the answer itself and renames them `x-amzn-Remapped-<name>`.

use base64::Engine as _;
use http::header::{HeaderName, CONTENT_TYPE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use crate::errors::GatewayError;
use crate::request::{media_matches, media_type};
use crate::Response;

/// How an invoke ended, as the server tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function answered: its payload.
    Payload(Vec<u8>),
    /// The function failed (the invoke answered with `X-Amz-Function-Error`): its error payload.
    FunctionError(Vec<u8>),
    /// The invoke did not end within the integration's timeout ([`crate::FunctionCall::timeout_ms`]).
    Timeout,
    /// Lambda refused the invoke (throttled, no such function, …).
    InvokeFailed,
}

/// How to read a format 1.0 answer's base64 body.
pub(crate) enum Binary<'a> {
    /// An HTTP API: decode it.
    Always,
    /// A REST API: decode it when `Accept` or the answer's content type is one of these.
    RestTypes {
        types: &'a [String],
        accept: Option<&'a str>,
    },
}

type Mapped = Result<Response, GatewayError>;

const BAD: GatewayError = GatewayError::BadIntegrationResponse;

/// A scalar as a header value's text.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn status_of(v: &Value) -> Result<StatusCode, GatewayError> {
    let code = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .ok_or(BAD)?;
    u16::try_from(code)
        .ok()
        .filter(|c| (100..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or(BAD)
}

fn optional_object<'a>(
    o: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, GatewayError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(BAD),
    }
}

fn append(h: &mut HeaderMap, name: &str, value: &str) {
    // A name or value HTTP cannot carry is dropped, as a proxy would.
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        h.append(n, v);
    }
}

/// Headers of the function's answer that describe its connection or framing, which API Gateway does not pass
/// on as they are but renames `x-amzn-Remapped-<name>`.
const REMAPPED: &[&str] = &[
    "Connection",
    "Content-Length",
    "Host",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Proxy-Connection",
    "TE",
    "Trailer",
    "Transfer-Encoding",
    "Upgrade",
];

/// Renames the [`REMAPPED`] headers `x-amzn-Remapped-<name>`, keeping their values.
fn remap(h: &mut HeaderMap) {
    for name in REMAPPED {
        let values: Vec<HeaderValue> = h.get_all(*name).iter().cloned().collect();
        if values.is_empty() {
            continue;
        }
        h.remove(*name);
        if let Ok(n) = HeaderName::from_bytes(format!("x-amzn-Remapped-{name}").as_bytes()) {
            for v in values {
                h.append(n.clone(), v);
            }
        }
    }
}

/// `headers` and `multiValueHeaders` merged into one map: each name gets the values of both, a name/value
/// pair that is in both once.
fn headers_of(o: &Map<String, Value>, multi: bool) -> Result<HeaderMap, GatewayError> {
    let mut h = HeaderMap::new();
    let multi_map = if multi {
        optional_object(o, "multiValueHeaders")?
    } else {
        None
    };
    if let Some(m) = multi_map {
        for (name, values) in m {
            match values {
                Value::Array(vs) => {
                    for v in vs {
                        append(&mut h, name, &scalar(v).ok_or(BAD)?);
                    }
                }
                Value::Null => {}
                _ => return Err(BAD),
            }
        }
    }
    if let Some(m) = optional_object(o, "headers")? {
        for (name, v) in m {
            let text = match v {
                Value::Null => continue,
                v => scalar(v).ok_or(BAD)?,
            };
            let in_multi = multi_map.is_some()
                && HeaderName::from_bytes(name.as_bytes())
                    .is_ok_and(|n| h.get_all(n).iter().any(|v| v.as_bytes() == text.as_bytes()));
            if !in_multi {
                append(&mut h, name, &text);
            }
        }
    }
    Ok(h)
}

/// A structured answer (format 1.0, or 2.0 with `statusCode`).
fn structured(o: &Map<String, Value>, v2: bool, binary: &Binary<'_>) -> Mapped {
    let status = status_of(o.get("statusCode").ok_or(BAD)?)?;
    let mut headers = headers_of(o, !v2)?;
    if v2 {
        match o.get("cookies") {
            None | Some(Value::Null) => {}
            Some(Value::Array(cs)) => {
                for c in cs {
                    append(&mut headers, SET_COOKIE.as_str(), &scalar(c).ok_or(BAD)?);
                }
            }
            Some(_) => return Err(BAD),
        }
    }
    let body = match o.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(BAD),
    };
    let base64 = match o.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(BAD),
    };
    let decode = base64
        && match binary {
            Binary::Always => true,
            Binary::RestTypes { types, accept } => {
                let accepted = accept.is_some_and(|a| {
                    a.split(',')
                        .map(media_type)
                        .any(|m| !m.is_empty() && m != "*/*" && media_matches(types, &m))
                });
                let content = headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|ct| media_matches(types, &media_type(ct)));
                accepted || content
            }
        };
    let bytes = if decode {
        base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| BAD)?
    } else {
        body.into_bytes()
    };
    let mut r = http::Response::new(bytes);
    *r.status_mut() = status;
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    remap(&mut headers);
    *r.headers_mut() = headers;
    Ok(r)
}

/// The keys of a format 1.0 answer: a REST API refuses any other.
const V1_KEYS: &[&str] = &[
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

/// A format 1.0 answer.
pub(crate) fn v1(payload: &[u8], binary: &Binary<'_>) -> Mapped {
    let v: Value = serde_json::from_slice(payload).map_err(|_| BAD)?;
    let o = v.as_object().ok_or(BAD)?;
    if matches!(binary, Binary::RestTypes { .. })
        && o.keys().any(|k| !V1_KEYS.contains(&k.as_str()))
    {
        return Err(BAD);
    }
    structured(o, false, binary)
}

/// A format 2.0 answer.
pub(crate) fn v2(payload: &[u8]) -> Mapped {
    let v: Value = serde_json::from_slice(payload).map_err(|_| BAD)?;
    if let Some(o) = v.as_object().filter(|o| o.contains_key("statusCode")) {
        return structured(o, true, &Binary::Always);
    }
    let body = match v {
        Value::String(s) => s.into_bytes(),
        _ => payload.to_vec(),
    };
    let mut r = http::Response::new(body);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v1_of(v: Value) -> Mapped {
        v1(v.to_string().as_bytes(), &Binary::Always)
    }

    fn header_values(r: &Response, name: &str) -> Vec<String> {
        r.headers()
            .get_all(name)
            .iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect()
    }

    #[test]
    fn v1_structured() {
        let r = v1_of(json!({
            "statusCode": 201,
            "headers": {"X-One": "1", "Content-Type": "text/plain", "X-Num": 5},
            "multiValueHeaders": {"x-many": ["a", "b"], "X-ONE": ["9"]},
            "body": "made",
            "isBase64Encoded": false,
        }))
        .expect("mapped");
        assert_eq!(r.status(), 201);
        assert_eq!(r.body(), b"made");
        // A name in both maps gets the values of both.
        assert_eq!(header_values(&r, "x-one"), vec!["9", "1"]);
        assert_eq!(header_values(&r, "x-many"), vec!["a", "b"]);
        assert_eq!(header_values(&r, "x-num"), vec!["5"]);
        assert_eq!(header_values(&r, "content-type"), vec!["text/plain"]);
    }

    #[test]
    fn v1_headers_and_multi_value_headers_are_merged() {
        let r = v1_of(json!({
            "statusCode": 200,
            "headers": {"Set-Cookie": "a=1", "X-Same": "v", "X-Only-Single": "s"},
            "multiValueHeaders": {"Set-Cookie": ["b=2", "c=3"], "x-same": ["v"], "X-Only-Multi": ["m"]},
        }))
        .expect("mapped");
        assert_eq!(header_values(&r, "set-cookie"), vec!["b=2", "c=3", "a=1"]);
        // An identical name/value pair once.
        assert_eq!(header_values(&r, "x-same"), vec!["v"]);
        assert_eq!(header_values(&r, "x-only-single"), vec!["s"]);
        assert_eq!(header_values(&r, "x-only-multi"), vec!["m"]);
    }

    #[test]
    fn framing_and_hop_by_hop_headers_are_remapped() {
        let r = v1_of(json!({
            "statusCode": 200,
            "headers": {
                "Content-Length": "999",
                "Transfer-Encoding": "chunked",
                "Connection": "close",
                "Keep-Alive": "timeout=5",
                "Upgrade": "websocket",
                "TE": "trailers",
                "Trailer": "X-Sum",
                "Host": "elsewhere",
                "X-Kept": "yes",
            },
            "multiValueHeaders": {"content-length": ["1", "2"]},
            "body": "hi",
        }))
        .expect("mapped");
        for name in [
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "upgrade",
            "te",
            "trailer",
            "host",
        ] {
            assert!(r.headers().get(name).is_none(), "{name}");
        }
        assert_eq!(
            header_values(&r, "x-amzn-Remapped-Content-Length"),
            vec!["1", "2", "999"]
        );
        assert_eq!(
            header_values(&r, "x-amzn-remapped-transfer-encoding"),
            vec!["chunked"]
        );
        assert_eq!(
            header_values(&r, "x-amzn-remapped-connection"),
            vec!["close"]
        );
        assert_eq!(header_values(&r, "x-amzn-remapped-host"), vec!["elsewhere"]);
        assert_eq!(header_values(&r, "x-kept"), vec!["yes"]);
        let r = v2(
            json!({"statusCode": 200, "headers": {"content-length": "5"}, "body": "abc"})
                .to_string()
                .as_bytes(),
        )
        .expect("mapped");
        assert!(r.headers().get("content-length").is_none());
        assert_eq!(
            header_values(&r, "x-amzn-remapped-content-length"),
            vec!["5"]
        );
    }

    #[test]
    fn v1_rest_refuses_other_keys() {
        let rest = Binary::RestTypes {
            types: &[],
            accept: None,
        };
        let extra = json!({"statusCode": 200, "body": "x", "cookies": ["a=1"]}).to_string();
        assert_eq!(v1(extra.as_bytes(), &rest).err(), Some(BAD));
        let extra = json!({"statusCode": 200, "message": "hi"}).to_string();
        assert_eq!(v1(extra.as_bytes(), &rest).err(), Some(BAD));
        let ok = json!({
            "statusCode": 200,
            "headers": {},
            "multiValueHeaders": {},
            "body": "x",
            "isBase64Encoded": false,
        })
        .to_string();
        assert_eq!(v1(ok.as_bytes(), &rest).expect("mapped").body(), b"x");
    }

    #[test]
    fn v1_minimal_and_string_status() {
        let r = v1_of(json!({"statusCode": "204"})).expect("mapped");
        assert_eq!(r.status(), 204);
        assert!(r.body().is_empty());
        assert_eq!(header_values(&r, "content-type"), vec!["application/json"]);
    }

    #[test]
    fn v1_malformed_is_502() {
        for bad in [
            json!({"body": "no status"}),
            json!({"statusCode": 200, "body": {"an": "object"}}),
            json!({"statusCode": 200, "body": 5}),
            json!({"statusCode": 99}),
            json!({"statusCode": 700}),
            json!({"statusCode": "ok"}),
            json!({"statusCode": 200, "headers": {"a": {"b": 1}}}),
            json!({"statusCode": 200, "headers": "x"}),
            json!({"statusCode": 200, "multiValueHeaders": {"a": "b"}}),
            json!({"statusCode": 200, "isBase64Encoded": "yes"}),
            json!({"statusCode": 200, "body": "!!", "isBase64Encoded": true}),
            json!("a string"),
            json!([1, 2]),
        ] {
            assert_eq!(v1_of(bad.clone()).err(), Some(BAD), "{bad}");
        }
        assert_eq!(v1(b"not json", &Binary::Always).err(), Some(BAD));
    }

    #[test]
    fn v1_rest_binary_decoding() {
        let types = vec!["image/png".to_owned()];
        let answer = json!({
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": "iVBORw==",
            "isBase64Encoded": true,
        })
        .to_string();
        // Accept names a binary type: decoded.
        let b = Binary::RestTypes {
            types: &types,
            accept: Some("image/png, */*;q=0.8"),
        };
        assert_eq!(
            v1(answer.as_bytes(), &b).expect("mapped").body(),
            &[0x89, b'P', b'N', b'G']
        );
        // Neither Accept nor Content-Type is binary: the base64 text.
        let b = Binary::RestTypes {
            types: &types,
            accept: Some("*/*"),
        };
        assert_eq!(
            v1(answer.as_bytes(), &b).expect("mapped").body(),
            b"iVBORw=="
        );
        // The answer's content type is binary: decoded.
        let png = json!({
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": "iVBORw==",
            "isBase64Encoded": true,
        })
        .to_string();
        let b = Binary::RestTypes {
            types: &types,
            accept: None,
        };
        assert_eq!(
            v1(png.as_bytes(), &b).expect("mapped").body(),
            &[0x89, b'P', b'N', b'G']
        );
    }

    #[test]
    fn v2_structured_with_cookies_and_base64() {
        let r = v2(json!({
            "statusCode": 200,
            "headers": {"content-type": "image/png", "x-a": "1,2"},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": "iVBORw==",
            "isBase64Encoded": true,
        })
        .to_string()
        .as_bytes())
        .expect("mapped");
        assert_eq!(r.body(), &[0x89, b'P', b'N', b'G']);
        assert_eq!(header_values(&r, "set-cookie"), vec!["a=1; Path=/", "b=2"]);
        assert_eq!(header_values(&r, "x-a"), vec!["1,2"]);
        assert_eq!(header_values(&r, "content-type"), vec!["image/png"]);
    }

    #[test]
    fn v2_anything_else_is_a_json_200() {
        for (payload, body) in [
            // A string is the body itself, without its quotes.
            (&b"\"Hello from Lambda!\""[..], "Hello from Lambda!"),
            (b"\"say \\\"hi\\\"\"", "say \"hi\""),
            (b"42", "42"),
            (b"[1, \"a\"]", "[1, \"a\"]"),
            (b"{\"message\": \"hi\"}", "{\"message\": \"hi\"}"),
            (b"null", "null"),
        ] {
            let r = v2(payload).expect("mapped");
            assert_eq!(r.status(), 200);
            assert_eq!(String::from_utf8_lossy(r.body()), body);
            assert_eq!(header_values(&r, "content-type"), vec!["application/json"]);
        }
        assert_eq!(v2(b"not json").err(), Some(BAD));
        assert_eq!(
            v2(json!({"statusCode": 200, "body": [1]})
                .to_string()
                .as_bytes())
            .err(),
            Some(BAD)
        );
    }
}
