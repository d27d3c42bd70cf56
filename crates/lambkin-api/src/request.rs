//! A request as the routes layer reads it (method, query, headers, body, the region and account its ARNs
//! use), and the context every operation runs in ([`Ctx`]).

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::Method;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::names::Arns;
use crate::service::Service;

/// What every operation runs against besides its own members: the service and its request.
pub(crate) struct Ctx {
    /// The service behind the API.
    pub service: Arc<Service>,
    /// ARNs of the request's region and the server's account.
    pub arns: Arns,
    /// Scheme and host the client used (download URLs, function URLs' port).
    pub base_url: String,
    /// `x-amzn-RequestId` (also the invoke's request id).
    pub request_id: String,
    /// The caller's account: the served one (`arns.account`) unless its access key belongs to another.
    pub caller: String,
}

/// The first value of query parameter `name` among `pairs`.
pub(crate) fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Headers as (name, value) pairs, in order; values that are not text left out.
pub(crate) fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// A request, read.
pub struct ApiRequest {
    /// Method.
    pub method: Method,
    /// Query pairs, decoded.
    pub query: Vec<(String, String)>,
    /// Headers (names lowercase).
    pub headers: http::HeaderMap,
    /// Body.
    pub body: Bytes,
    /// The body as JSON, parsed once on first need (by the constraint check or the operation's input).
    json: OnceLock<ApiResult<serde_json::Value>>,
}

impl ApiRequest {
    /// A request, read.
    pub fn new(
        method: Method,
        query: Vec<(String, String)>,
        headers: http::HeaderMap,
        body: Bytes,
    ) -> Self {
        Self {
            method,
            query,
            headers,
            body,
            json: OnceLock::new(),
        }
    }

    /// The body as JSON (`{}` when empty), parsed once.
    pub fn value(&self) -> &ApiResult<serde_json::Value> {
        self.json.get_or_init(|| {
            let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
                b"{}"
            } else {
                &self.body
            };
            serde_json::from_slice(body).map_err(|e| {
                ApiError::bad_content(format!("Could not parse request body into json: {e}"))
            })
        })
    }

    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        query_value(&self.query, name)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the body was parsed as JSON (an invoke's event never is).
    #[cfg(test)]
    pub(crate) fn body_parsed(&self) -> bool {
        self.json.get().is_some()
    }

    /// The body as the operation's input (from the JSON parsed once, see [`ApiRequest::value`]).
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        let value = self.value().as_ref().map_err(Clone::clone)?;
        T::deserialize(value).map_err(|e| ApiError::invalid(format!("Invalid request: {e}")))
    }

    /// `MaxItems` (1–10,000, default `default`) and `Marker`.
    pub fn page(&self, default: usize) -> ApiResult<(usize, Option<String>)> {
        let max = match self.query("MaxItems") {
            None => default,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=10_000).contains(&n) => n,
                _ => {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value '{v}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000"
                    )))
                }
            },
        };
        Ok((max, self.query("Marker").map(str::to_owned)))
    }
}
