//! The events a route's function receives: payload format 1.0 (REST APIs' proxy event, and an HTTP API's
//! with `version: "1.0"`) and 2.0 (HTTP APIs'), member for member as AWS documents them.
//!
//! Both formats carry `X-Forwarded-For` (the source IP), `X-Forwarded-Port` (the `Host` header's port, or 80)
//! and `X-Forwarded-Proto` (`http`) when the request has none, as API Gateway and `sam local` add them.
//!
//! Format 1.0: header names title-cased per hyphen-separated part (`Content-Type`, `X-Amz-Date`), as `sam
//! local` gives them and as clients commonly send them to API Gateway (the server's HTTP library keeps names
//! in lower case only); `headers` and `queryStringParameters` hold the last value of a repeated name,
//! `multiValueHeaders`/`multiValueQueryStringParameters` all of them; empty maps are `null`; the body is base64
//! (`isBase64Encoded: true`) for a REST API's binary media types, for an HTTP API when it is not text.
//! Format 2.0: header names in lower case, repeated headers and parameters joined with commas, cookies out of
//! the headers into `cookies`; members with nothing to say are left out.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::config::{ApiConfig, ApiKind, RouteConfig};
use crate::request::{decode, event_body, Request};
use crate::route::DEFAULT_ROUTE;

/// `requestTime`'s format: `09/Apr/2015:12:34:56 +0000`.
const CLF: &[FormatItem<'static>] =
    format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");

/// What an event is made of besides the request.
pub(crate) struct Source<'a> {
    pub api: &'a ApiConfig,
    pub route: &'a RouteConfig,
    pub path_parameters: &'a BTreeMap<String, String>,
    /// The request's path without the stage prefix (raw).
    pub path: &'a str,
    pub req: &'a Request,
}

impl Source<'_> {
    /// `GET /items/{id}`, `ANY /{proxy+}` or `$default`.
    pub(crate) fn route_key(&self) -> String {
        if self.route.path == DEFAULT_ROUTE {
            DEFAULT_ROUTE.to_owned()
        } else {
            format!(
                "{} {}",
                self.route.method.to_ascii_uppercase(),
                self.route.path
            )
        }
    }

    /// The path with the stage in front, as `requestContext.path` shows it (not for `$default` stages).
    fn stage_path(&self) -> String {
        if self.api.stage_name == DEFAULT_ROUTE {
            self.path.to_owned()
        } else {
            format!("/{}{}", self.api.stage_name, self.path)
        }
    }

    /// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}{path}` — `…/{stage}/$default` for
    /// the `$default` route: the ARN an authorizer's policy is matched against. The path is the one routing
    /// matched, as routing compares it: its segments percent-decoded and without a trailing slash, so that
    /// `/adm%69n` and `/admin/` are `/admin` here too, or a policy denying `GET/admin` would not deny requests
    /// that reached `/admin`.
    pub(crate) fn method_arn(&self) -> String {
        let tail = if self.route.path == DEFAULT_ROUTE {
            DEFAULT_ROUTE.to_owned()
        } else {
            let matched = match self.path.strip_suffix('/') {
                Some(p) if !p.is_empty() => p,
                _ => self.path,
            };
            let path: Vec<String> = matched.split('/').map(decode).collect();
            format!("{}{}", self.req.method.as_str(), path.join("/"))
        };
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{}",
            self.api.region, self.api.account_id, self.api.api_id, self.api.stage_name, tail
        )
    }
}

/// Milliseconds since the epoch as `dd/MMM/yyyy:HH:mm:ss +0000`.
pub(crate) fn clf(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    t.format(CLF).unwrap_or_default()
}

fn map_or_null<V: Into<Value>>(m: Map<String, Value>, wrap: fn(Map<String, Value>) -> V) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        wrap(m).into()
    }
}

fn strings(m: &BTreeMap<String, String>) -> Map<String, Value> {
    m.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
}

/// (last value, all values) maps of name/value pairs, in first-seen order of names.
fn single_and_multi(pairs: &[(String, Vec<String>)]) -> (Map<String, Value>, Map<String, Value>) {
    let mut single = Map::new();
    let mut multi = Map::new();
    for (name, values) in pairs {
        if let Some(last) = values.last() {
            single.insert(name.clone(), json!(last));
        }
        multi.insert(name.clone(), json!(values));
    }
    (single, multi)
}

fn grouped(pairs: Vec<(String, String)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| *n == k) {
            Some((_, vs)) => vs.push(v),
            None => out.push((k, vec![v])),
        }
    }
    out
}

/// `content-type` → `Content-Type`, `x-amz-date` → `X-Amz-Date`: each hyphen-separated part with its first
/// letter in upper case and the rest in lower case.
pub(crate) fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The request's headers (lower-case names, in the order they first appear) and the `x-forwarded-*` headers
/// API Gateway adds when the request has none: the source IP, the `Host` header's port (80 without one) and
/// `http`.
fn headers_with_forwarded(req: &Request) -> Vec<(String, Vec<String>)> {
    let mut out = req.header_values();
    let port = req
        .header(http::header::HOST.as_str())
        .and_then(|h| h.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok()))
        .unwrap_or(80);
    for (name, value) in [
        ("x-forwarded-for", req.source_ip.clone()),
        ("x-forwarded-port", port.to_string()),
        ("x-forwarded-proto", "http".to_owned()),
    ] {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_owned(), vec![value]));
        }
    }
    out
}

/// A stable six-character id for a REST resource (`resourceId`).
fn resource_id(path: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    // FNV-1a: stable across runs and builds.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (0..6)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}

fn domain_prefix(host: &str) -> String {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    name.split('.').next().unwrap_or(name).to_owned()
}

/// `requestContext` of format 1.0 (without `authorizer`).
pub(crate) fn request_context_v1(s: &Source<'_>) -> Value {
    let req = s.req;
    let host = req.host();
    let rest = s.api.kind == ApiKind::Rest;
    let (resource_id, resource_path) = if rest {
        (json!(resource_id(&s.route.path)), json!(s.route.path))
    } else {
        (json!(s.route_key()), json!(s.route.path))
    };
    json!({
        "accountId": s.api.account_id,
        "apiId": s.api.api_id,
        "domainName": host,
        "domainPrefix": domain_prefix(&host),
        "extendedRequestId": req.request_id,
        "httpMethod": req.method.as_str(),
        "identity": {
            "accessKey": null,
            "accountId": null,
            "caller": null,
            "cognitoAuthenticationProvider": null,
            "cognitoAuthenticationType": null,
            "cognitoIdentityId": null,
            "cognitoIdentityPoolId": null,
            "principalOrgId": null,
            "sourceIp": req.source_ip,
            "user": null,
            "userAgent": req.header("user-agent"),
            "userArn": null,
        },
        "path": s.stage_path(),
        "protocol": req.protocol,
        "requestId": req.request_id,
        "requestTime": clf(req.time_ms),
        "requestTimeEpoch": req.time_ms,
        "resourceId": resource_id,
        "resourcePath": resource_path,
        "stage": s.api.stage_name,
    })
}

/// The members of format 1.0 an authorizer's `REQUEST` event shares with the integration's: everything but
/// the body.
pub(crate) fn v1_request_members(s: &Source<'_>) -> Map<String, Value> {
    let req = s.req;
    let titled: Vec<(String, Vec<String>)> = headers_with_forwarded(req)
        .into_iter()
        .map(|(name, values)| (title_case(&name), values))
        .collect();
    let (headers, multi_headers) = single_and_multi(&titled);
    let (query, multi_query) = single_and_multi(&grouped(req.query_pairs()));
    let mut ev = Map::new();
    if s.api.kind == ApiKind::Http {
        ev.insert("version".into(), json!("1.0"));
    }
    ev.insert("resource".into(), json!(s.route.path));
    ev.insert("path".into(), json!(s.path));
    ev.insert("httpMethod".into(), json!(req.method.as_str()));
    ev.insert("headers".into(), Value::Object(headers));
    ev.insert("multiValueHeaders".into(), Value::Object(multi_headers));
    ev.insert(
        "queryStringParameters".into(),
        map_or_null(query, Value::Object),
    );
    ev.insert(
        "multiValueQueryStringParameters".into(),
        map_or_null(multi_query, Value::Object),
    );
    ev.insert(
        "pathParameters".into(),
        map_or_null(strings(s.path_parameters), Value::Object),
    );
    ev.insert(
        "stageVariables".into(),
        map_or_null(strings(&s.api.stage_variables), Value::Object),
    );
    ev.insert("requestContext".into(), request_context_v1(s));
    ev
}

/// The payload format 1.0 event.
pub(crate) fn v1(s: &Source<'_>) -> Value {
    let mut ev = v1_request_members(s);
    let binary = (s.api.kind == ApiKind::Rest).then_some(s.api.binary_media_types.as_slice());
    let (body, b64) = event_body(s.req, binary);
    ev.insert("body".into(), body.map_or(Value::Null, Value::String));
    ev.insert("isBase64Encoded".into(), json!(b64));
    Value::Object(ev)
}

/// `requestContext` of format 2.0 (without `authorizer`).
pub(crate) fn request_context_v2(s: &Source<'_>) -> Value {
    let req = s.req;
    let host = req.host();
    json!({
        "accountId": s.api.account_id,
        "apiId": s.api.api_id,
        "domainName": host,
        "domainPrefix": domain_prefix(&host),
        "http": {
            "method": req.method.as_str(),
            "path": req.path,
            "protocol": req.protocol,
            "sourceIp": req.source_ip,
            "userAgent": req.header("user-agent").unwrap_or_default(),
        },
        "requestId": req.request_id,
        "routeKey": s.route_key(),
        "stage": s.api.stage_name,
        "time": clf(req.time_ms),
        "timeEpoch": req.time_ms,
    })
}

/// The members of format 2.0 an authorizer's event shares with the integration's: everything but the body.
pub(crate) fn v2_request_members(s: &Source<'_>) -> Map<String, Value> {
    let req = s.req;
    let mut headers = Map::new();
    for (name, values) in headers_with_forwarded(req) {
        if name == http::header::COOKIE.as_str() {
            continue;
        }
        headers.insert(name, json!(values.join(",")));
    }
    let mut query = Map::new();
    for (k, vs) in grouped(req.query_pairs()) {
        query.insert(k, json!(vs.join(",")));
    }
    let mut ev = Map::new();
    ev.insert("version".into(), json!("2.0"));
    ev.insert("routeKey".into(), json!(s.route_key()));
    ev.insert("rawPath".into(), json!(req.path));
    ev.insert(
        "rawQueryString".into(),
        json!(req.query.as_deref().unwrap_or("")),
    );
    let cookies = req.cookies();
    if !cookies.is_empty() {
        ev.insert("cookies".into(), json!(cookies));
    }
    ev.insert("headers".into(), Value::Object(headers));
    if !query.is_empty() {
        ev.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !s.path_parameters.is_empty() {
        ev.insert(
            "pathParameters".into(),
            Value::Object(strings(s.path_parameters)),
        );
    }
    if !s.api.stage_variables.is_empty() {
        ev.insert(
            "stageVariables".into(),
            Value::Object(strings(&s.api.stage_variables)),
        );
    }
    ev.insert("requestContext".into(), request_context_v2(s));
    ev
}

/// The payload format 2.0 event.
pub(crate) fn v2(s: &Source<'_>) -> Value {
    let mut ev = v2_request_members(s);
    let (body, b64) = event_body(s.req, None);
    if let Some(b) = body {
        ev.insert("body".into(), json!(b));
    }
    ev.insert("isBase64Encoded".into(), json!(b64));
    Value::Object(ev)
}

#[cfg(test)]
mod tests;
