//! Serving function URLs (their configurations are operations: `ops/urls.rs`):
//! `http://<url-id>.lambda-url.<region>.localhost:<port>/…` (by `Host`) or
//! `http://<server>/lambkin/v1/urls/<url-id>/…` for clients that cannot set `Host`. A request becomes a
//! payload-format-2.0 event; the function's answer becomes the HTTP response, buffered or streamed
//! (`RESPONSE_STREAM`: the `lambda_http` prelude — JSON metadata, eight NUL bytes — then the body as it comes).
//! CORS settings are answered and applied here, as Lambda does, without invoking the function for preflights.

use std::net::SocketAddr;

use base64::Engine as _;
use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::{BodyExt, Either, Limited};
use hyper::body::Incoming;
use lambkin_engine::EngineError;
use lambkin_respond::{full, ChannelBody, FrontResponse};
use serde_json::{json, Value};

use crate::invoke::{self, Answer, Call, Chunks, Refused, Target};
use crate::model::{Cors, UrlConfig};
use crate::names::Arns;
use crate::service::Service;
use crate::{records, time_fmt};

/// The content type of a streamed HTTP response with a prelude (`lambda_http`).
const HTTP_STREAM: &str = "application/vnd.awslambda.http-integration-response";

/// The URL id a request is addressed to, and the path after it: by `Host`
/// (`<id>.lambda-url.<region>.localhost`) or by the path form (`/lambkin/v1/urls/<id>/…`).
pub fn addressed(host: Option<&str>, path: &str) -> Option<(String, String)> {
    if let Some(h) = host {
        let name = h.split(':').next().unwrap_or(h);
        let mut labels = name.split('.');
        if let (Some(id), Some("lambda-url")) = (labels.next(), labels.next()) {
            if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Some((id.to_ascii_lowercase(), path.to_owned()));
            }
        }
    }
    let rest = path.strip_prefix("/lambkin/v1/urls/")?;
    let (id, tail) = match rest.split_once('/') {
        Some((id, tail)) => (id, format!("/{tail}")),
        None => (rest, "/".to_owned()),
    };
    Some((id.to_owned(), tail))
}

fn plain(status: StatusCode, body: &str) -> FrontResponse {
    let mut r = Response::new(full(json!({"Message": body}).to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn origin_allowed(cors: &Cors, origin: &str) -> Option<String> {
    if cors.allow_origins.iter().any(|o| o == "*") {
        return Some(if cors.allow_credentials == Some(true) {
            origin.to_owned()
        } else {
            "*".to_owned()
        });
    }
    cors.allow_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
        .then(|| origin.to_owned())
}

fn add_cors(r: &mut FrontResponse, cors: Option<&Cors>, origin: Option<&str>) {
    let (Some(cors), Some(origin)) = (cors, origin) else {
        return;
    };
    let Some(allowed) = origin_allowed(cors, origin) else {
        return;
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&allowed) {
        h.insert("access-control-allow-origin", v);
    }
    if cors.allow_credentials == Some(true) {
        h.insert(
            "access-control-allow-credentials",
            HeaderValue::from_static("true"),
        );
    }
    if !cors.expose_headers.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&cors.expose_headers.join(",")) {
            h.insert("access-control-expose-headers", v);
        }
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return true;
    };
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("javascript")
        || ct.contains("x-www-form-urlencoded")
}

/// The payload-format-2.0 event of a request.
fn event(
    parts: &http::request::Parts,
    path: &str,
    body: &[u8],
    url_id: &str,
    account: &str,
    peer: SocketAddr,
    request_id: &str,
) -> Value {
    let mut headers = serde_json::Map::new();
    let mut cookies = Vec::new();
    for name in parts.headers.keys() {
        let values: Vec<&str> = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if name == header::COOKIE {
            for v in &values {
                cookies.extend(
                    v.split(';')
                        .map(|c| c.trim().to_owned())
                        .filter(|c| !c.is_empty()),
                );
            }
            continue;
        }
        headers.insert(name.as_str().to_owned(), json!(values.join(",")));
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(raw_query.as_bytes()) {
        let entry = query.entry(k.into_owned()).or_insert(json!(""));
        let joined = match entry.as_str() {
            Some("") | None => v.into_owned(),
            Some(prev) => format!("{prev},{v}"),
        };
        *entry = json!(joined);
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let text = is_text(content_type) && std::str::from_utf8(body).is_ok();
    let now = time::OffsetDateTime::now_utc();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let mut ev = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": if account.is_empty() { "anonymous" } else { account },
            "apiId": url_id,
            "domainName": host,
            "domainPrefix": url_id,
            "http": {
                "method": parts.method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": time_fmt::clf(now),
            "timeEpoch": (now.unix_timestamp_nanos() / 1_000_000) as i64,
        },
        "isBase64Encoded": !text,
    });
    if !cookies.is_empty() {
        ev["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        ev["queryStringParameters"] = Value::Object(query);
    }
    if !body.is_empty() {
        ev["body"] = if text {
            json!(String::from_utf8_lossy(body))
        } else {
            json!(base64::engine::general_purpose::STANDARD.encode(body))
        };
    }
    ev
}

/// Applies the function's structured answer (`statusCode`, `headers`, `cookies`, `body`, `isBase64Encoded`)
/// or infers one (200, JSON) from any other answer.
fn buffered_response(out: &[u8]) -> FrontResponse {
    let v: Value = match serde_json::from_slice(out) {
        Ok(v) => v,
        Err(_) => {
            let mut r = Response::new(full(Bytes::copy_from_slice(out)));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            return r;
        }
    };
    let structured = v.as_object().is_some_and(|o| o.contains_key("statusCode"));
    if !structured {
        let body = match &v {
            Value::String(s) => s.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        };
        let mut r = Response::new(full(body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return r;
    }
    let status = v["statusCode"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let body = match &v["body"] {
        Value::Null => Vec::new(),
        Value::String(s) if v["isBase64Encoded"].as_bool() == Some(true) => {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .unwrap_or_default()
        }
        Value::String(s) => s.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    apply_metadata(&mut r, &v);
    r
}

/// Headers and cookies of a structured answer or a stream prelude.
fn apply_metadata(r: &mut FrontResponse, v: &Value) {
    let h = r.headers_mut();
    if let Some(map) = v["headers"].as_object() {
        for (k, val) in map {
            let text = match val {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let (Ok(name), Ok(value)) = (
                http::header::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(&text),
            ) {
                h.insert(name, value);
            }
        }
    }
    if let Some(cookies) = v["cookies"].as_array() {
        for c in cookies.iter().filter_map(Value::as_str) {
            if let Ok(value) = HeaderValue::from_str(c) {
                h.append(header::SET_COOKIE, value);
            }
        }
    }
    if !h.contains_key(header::CONTENT_TYPE) {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
}

/// Serves one request to a function URL.
pub async fn serve(
    service: &Service,
    req: http::Request<Incoming>,
    url_id: &str,
    path: &str,
    peer: SocketAddr,
    request_id: &str,
) -> FrontResponse {
    // Only the configuration this id was made for, while it exists.
    let Ok(Some(c)) = records::urls::by_id(&service.store, url_id) else {
        return plain(StatusCode::NOT_FOUND, "Not Found");
    };
    let (parts, body) = req.into_parts();
    let origin = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // CORS preflight: answered here, the function is not invoked.
    if parts.method == http::Method::OPTIONS
        && parts.headers.contains_key("access-control-request-method")
    {
        if let (Some(cors), Some(o)) = (&c.cors, origin.as_deref()) {
            let mut r = Response::new(full(Bytes::new()));
            if let Some(allowed) = origin_allowed(cors, o) {
                let h = r.headers_mut();
                let set = |h: &mut http::HeaderMap, k: &'static str, v: String| {
                    if let Ok(v) = HeaderValue::from_str(&v) {
                        h.insert(k, v);
                    }
                };
                set(h, "access-control-allow-origin", allowed);
                if !cors.allow_methods.is_empty() {
                    set(
                        h,
                        "access-control-allow-methods",
                        cors.allow_methods.join(","),
                    );
                }
                if !cors.allow_headers.is_empty() {
                    set(
                        h,
                        "access-control-allow-headers",
                        cors.allow_headers.join(","),
                    );
                }
                if let Some(age) = cors.max_age {
                    set(h, "access-control-max-age", age.to_string());
                }
                if cors.allow_credentials == Some(true) {
                    set(h, "access-control-allow-credentials", "true".into());
                }
            }
            return r;
        }
    }
    if c.auth_type == "AWS_IAM" && !peer.ip().is_loopback() {
        let header_pairs = crate::request::header_pairs(&parts.headers);
        let raw_query = parts.uri.query().unwrap_or("").to_owned();
        let body_bytes = match Limited::new(body, invoke::MAX_REQUEST).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"),
        };
        if crate::auth::verify(
            &service.config.access_keys,
            parts.method.as_str(),
            parts.uri.path(),
            &raw_query,
            &header_pairs,
            &body_bytes,
        )
        .is_err()
        {
            return plain(StatusCode::FORBIDDEN, "Forbidden");
        }
        return invoke(
            service, &c, parts, path, body_bytes, peer, request_id, origin,
        )
        .await;
    }
    let body = match Limited::new(body, invoke::MAX_REQUEST).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"),
    };
    invoke(service, &c, parts, path, body, peer, request_id, origin).await
}

#[allow(clippy::too_many_arguments)]
async fn invoke(
    service: &Service,
    c: &UrlConfig,
    parts: http::request::Parts,
    path: &str,
    body: Bytes,
    peer: SocketAddr,
    request_id: &str,
    origin: Option<String>,
) -> FrontResponse {
    let arns = Arns {
        region: c.region.clone(),
        account: c.account.clone(),
    };
    let ev = event(&parts, path, &body, &c.id, "", peer, request_id);
    // Tracing on, the caller's trace headers are continued (off, a URL's invoke gets a new trace as before).
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let trace = crate::traces::enter(
        service,
        header("traceparent"),
        header("tracestate"),
        header("x-amzn-trace-id"),
    );
    let call = Call {
        request_id: request_id.to_owned(),
        payload: Bytes::from(ev.to_string()),
        invoked_function_arn: match &c.qualifier {
            Some(q) => arns.qualified(&c.function, q),
            None => arns.function(&c.function),
        },
        trigger: crate::observe::Trigger::Http,
        received: Some(std::time::SystemTime::now()),
        trace_id: trace
            .as_ref()
            .map(lambkin_trace::InvocationTrace::function_header),
        trace,
        ..Default::default()
    };
    let target = Target {
        arns: &arns,
        function: &c.function,
        qualifier: c.qualifier.as_deref(),
        incarnation: None,
    };
    let running = match invoke::run(service, target, call).await {
        Ok(r) => r,
        Err(Refused::NotFound(_) | Refused::Replaced | Refused::Unresolved(_)) => {
            return plain(StatusCode::NOT_FOUND, "Not Found")
        }
        Err(Refused::Engine(EngineError::Throttled { .. })) => {
            return plain(StatusCode::TOO_MANY_REQUESTS, "Rate Exceeded.")
        }
        Err(_) => return plain(StatusCode::BAD_GATEWAY, "Internal Server Error"),
    };
    let mut r = match running.answer().await {
        Answer::Buffered { body, error: None } => buffered_response(&body),
        Answer::Stream {
            content_type,
            chunks,
        } => {
            if c.invoke_mode == "RESPONSE_STREAM" {
                stream_response(chunks, content_type.as_deref()).await
            } else {
                let (buf, _) = chunks.collect().await;
                if content_type.as_deref() == Some(HTTP_STREAM) {
                    split_prelude_buffered(&buf)
                } else {
                    buffered_response(&buf)
                }
            }
        }
        Answer::Buffered { .. } | Answer::Nothing => {
            plain(StatusCode::BAD_GATEWAY, "Internal Server Error")
        }
    };
    add_cors(&mut r, c.cors.as_ref(), origin.as_deref());
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-RequestId", v);
    }
    r
}

/// A streamed answer that was collected whole (a `BUFFERED` URL in front of a streaming function).
fn split_prelude_buffered(buf: &[u8]) -> FrontResponse {
    match find_prelude_end(buf) {
        Some((meta, rest)) => {
            let v: Value = serde_json::from_slice(meta).unwrap_or(Value::Null);
            let mut r = Response::new(full(Bytes::copy_from_slice(rest)));
            *r.status_mut() = v["statusCode"]
                .as_u64()
                .and_then(|s| StatusCode::from_u16(s as u16).ok())
                .unwrap_or(StatusCode::OK);
            apply_metadata(&mut r, &v);
            r
        }
        None => buffered_response(buf),
    }
}

/// Splits `<json prelude><8 NUL bytes><body>`.
fn find_prelude_end(buf: &[u8]) -> Option<(&[u8], &[u8])> {
    buf.windows(8)
        .position(|w| w == [0u8; 8])
        .map(|i| (&buf[..i], &buf[i + 8..]))
}

/// `RESPONSE_STREAM`: status and headers from the prelude, then every chunk as it arrives.
async fn stream_response(mut chunks: Chunks, content_type: Option<&str>) -> FrontResponse {
    let mut pending = Vec::new();
    let mut meta: Option<Value> = None;
    if content_type == Some(HTTP_STREAM) {
        while let Some(b) = chunks.next().await {
            pending.extend_from_slice(&b);
            if let Some((m, rest)) = find_prelude_end(&pending) {
                meta = Some(serde_json::from_slice(m).unwrap_or(Value::Null));
                pending = rest.to_vec();
                break;
            }
        }
    }
    let (tx, body) = ChannelBody::new(16);
    let first = Bytes::from(pending);
    tokio::spawn(async move {
        if !first.is_empty() && tx.send(first).await.is_err() {
            return;
        }
        while let Some(b) = chunks.next().await {
            if tx.send(b).await.is_err() {
                return;
            }
        }
    });
    let mut r = Response::new(Either::Right(body));
    match meta {
        Some(v) => {
            *r.status_mut() = v["statusCode"]
                .as_u64()
                .and_then(|s| StatusCode::from_u16(s as u16).ok())
                .unwrap_or(StatusCode::OK);
            apply_metadata(&mut r, &v);
        }
        None => {
            let ct = content_type
                .filter(|c| *c != HTTP_STREAM)
                .and_then(|c| HeaderValue::from_str(c).ok())
                .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
            r.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addressing() {
        assert_eq!(
            addressed(Some("abc123.lambda-url.us-east-1.localhost:9000"), "/x"),
            Some(("abc123".into(), "/x".into()))
        );
        assert_eq!(
            addressed(Some("127.0.0.1:9000"), "/lambkin/v1/urls/abc/p/q"),
            Some(("abc".into(), "/p/q".into()))
        );
        assert_eq!(
            addressed(Some("127.0.0.1:9000"), "/lambkin/v1/urls/abc"),
            Some(("abc".into(), "/".into()))
        );
        assert_eq!(
            addressed(Some("127.0.0.1:9000"), "/2015-03-31/functions"),
            None
        );
    }

    #[test]
    fn answers_become_responses() {
        let r = buffered_response(br#"{"statusCode":201,"headers":{"x-a":"1"},"cookies":["a=b"],"body":"aGk=","isBase64Encoded":true}"#);
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["x-a"], "1");
        assert_eq!(r.headers()["set-cookie"], "a=b");
        let r = buffered_response(br#"{"hello":"world"}"#);
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(
            find_prelude_end(b"{\"statusCode\":200}\0\0\0\0\0\0\0\0body"),
            Some((&b"{\"statusCode\":200}"[..], &b"body"[..]))
        );
    }
}
