//! Fixtures shared by the unit tests.

use std::collections::BTreeMap;

use crate::config::{ApiConfig, ApiKind, PayloadFormat, RouteConfig};
use crate::request::Request;

/// 2015-04-09T12:34:56Z.
pub(crate) const TIME_MS: i64 = 1_428_582_896_000;

pub(crate) fn route(method: &str, path: &str, format: PayloadFormat) -> RouteConfig {
    RouteConfig {
        method: method.to_owned(),
        path: path.to_owned(),
        function: format!("fn {method} {path}"),
        payload_format: format,
        authorizer: None,
        timeout_ms: None,
    }
}

/// An API with a stage variable and no routes.
pub(crate) fn api(kind: ApiKind) -> ApiConfig {
    ApiConfig {
        kind,
        api_id: "abcdef1234".into(),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        stage_name: match kind {
            ApiKind::Rest => "Prod".into(),
            ApiKind::Http => "$default".into(),
        },
        stage_variables: BTreeMap::from([("env".to_owned(), "test".to_owned())]),
        cors: None,
        binary_media_types: vec![],
        routes: vec![],
        authorizers: vec![],
    }
}

/// A request from 192.0.2.1 with id `req-1` at [`TIME_MS`].
pub(crate) fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
    let mut b = http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    Request::from_http(
        b.body(body.to_vec()).expect("request"),
        "192.0.2.1",
        "req-1",
        TIME_MS,
    )
}
