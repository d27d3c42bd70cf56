//! CORS as an API's settings ask: preflight `OPTIONS` requests answered by the gateway (when no route names
//! `OPTIONS` for the path), and `Access-Control-Allow-Origin` (with credentials and exposed headers) added to
//! every other answer, replacing what the function set.
//!
//! A REST API's CORS is SAM's mock `OPTIONS` integration: it answers with the configured headers as they are
//! (the configured origins), whatever the request's `Origin`. An HTTP API matches the origin, as API Gateway
//! does: it is allowed when the settings list `*` (answered as `*`, or the origin itself when credentials are
//! allowed, since browsers refuse `*` with credentials) or list it (answered as itself, with `Vary: Origin`);
//! a request whose origin is not allowed gets no CORS headers, and the browser then refuses the answer.

use http::header::{HeaderName, VARY};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::config::{ApiKind, Cors};
use crate::Response;

/// What `ANY` allows in a preflight answer.
const ANY_METHODS: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// The `Access-Control-Allow-Origin` value for a request from `origin` to an API of `kind`, if it gets one.
pub(crate) fn allowed_origin(cors: &Cors, kind: ApiKind, origin: Option<&str>) -> Option<String> {
    if kind == ApiKind::Rest {
        return (!cors.allow_origins.is_empty()).then(|| cors.allow_origins.join(","));
    }
    if cors.allow_origins.iter().any(|o| o == "*") {
        return match origin {
            Some(o) if cors.allow_credentials => Some(o.to_owned()),
            _ => Some("*".to_owned()),
        };
    }
    let origin = origin?;
    cors.allow_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
        .then(|| origin.to_owned())
}

fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

fn origin_headers(h: &mut HeaderMap, cors: &Cors, kind: ApiKind, allowed: &str) {
    set(h, "access-control-allow-origin", allowed);
    if cors.allow_credentials {
        set(h, "access-control-allow-credentials", "true");
    }
    // REST's value does not depend on the request.
    if kind == ApiKind::Http && allowed != "*" {
        h.append(VARY, HeaderValue::from_static("Origin"));
    }
}

/// The methods a preflight answer allows: the settings', or those of the path's routes and `OPTIONS`.
fn methods(cors: &Cors, path_methods: &[String]) -> String {
    if !cors.allow_methods.is_empty() {
        return cors.allow_methods.join(",");
    }
    let mut out: Vec<&str> = vec!["OPTIONS"];
    for m in path_methods {
        if m == "ANY" {
            out.extend_from_slice(ANY_METHODS);
        } else {
            out.push(m);
        }
    }
    out.sort_unstable();
    out.dedup();
    out.join(",")
}

/// The gateway's answer to a preflight request: 200 from a REST API (SAM's mock integration), 204 from an
/// HTTP API; the CORS headers always from a REST API, only for an allowed origin from an HTTP API.
pub(crate) fn preflight(
    cors: &Cors,
    kind: ApiKind,
    origin: Option<&str>,
    path_methods: &[String],
) -> Response {
    let mut r = http::Response::new(Vec::new());
    *r.status_mut() = match kind {
        ApiKind::Rest => StatusCode::OK,
        ApiKind::Http => StatusCode::NO_CONTENT,
    };
    let Some(allowed) = allowed_origin(cors, kind, origin) else {
        return r;
    };
    let h = r.headers_mut();
    origin_headers(h, cors, kind, &allowed);
    set(
        h,
        "access-control-allow-methods",
        &methods(cors, path_methods),
    );
    if !cors.allow_headers.is_empty() {
        set(
            h,
            "access-control-allow-headers",
            &cors.allow_headers.join(","),
        );
    }
    if let Some(age) = cors.max_age {
        set(h, "access-control-max-age", &age.to_string());
    }
    r
}

/// Adds the CORS headers to an API of `kind`'s answer (an HTTP API's only for an allowed origin).
pub(crate) fn decorate(cors: &Cors, kind: ApiKind, origin: Option<&str>, r: &mut Response) {
    let Some(allowed) = allowed_origin(cors, kind, origin) else {
        return;
    };
    let h = r.headers_mut();
    origin_headers(h, cors, kind, &allowed);
    if !cors.expose_headers.is_empty() {
        set(
            h,
            "access-control-expose-headers",
            &cors.expose_headers.join(","),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors(origins: &[&str]) -> Cors {
        Cors {
            allow_origins: origins.iter().map(|s| (*s).to_owned()).collect(),
            allow_methods: vec![],
            allow_headers: vec!["Content-Type".into(), "X-Api-Key".into()],
            expose_headers: vec!["X-Request-Id".into()],
            max_age: Some(600),
            allow_credentials: false,
        }
    }

    fn header(r: &Response, name: &str) -> Option<String> {
        r.headers()
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
    }

    #[test]
    fn origin_matching() {
        let h = ApiKind::Http;
        let any = cors(&["*"]);
        assert_eq!(
            allowed_origin(&any, h, Some("https://a.example")),
            Some("*".into())
        );
        assert_eq!(allowed_origin(&any, h, None), Some("*".into()));
        let listed = cors(&["https://a.example", "http://localhost:8080"]);
        assert_eq!(
            allowed_origin(&listed, h, Some("https://a.example")),
            Some("https://a.example".into())
        );
        assert_eq!(allowed_origin(&listed, h, Some("https://b.example")), None);
        assert_eq!(allowed_origin(&listed, h, None), None);
        let creds = Cors {
            allow_credentials: true,
            ..cors(&["*"])
        };
        assert_eq!(
            allowed_origin(&creds, h, Some("https://b.example")),
            Some("https://b.example".into())
        );
    }

    #[test]
    fn rest_sends_the_configured_origin_whatever_the_request() {
        let r = ApiKind::Rest;
        let one = cors(&["https://a.example"]);
        for origin in [Some("https://a.example"), Some("https://b.example"), None] {
            assert_eq!(
                allowed_origin(&one, r, origin),
                Some("https://a.example".into()),
                "{origin:?}"
            );
        }
        let creds = Cors {
            allow_credentials: true,
            ..cors(&["*"])
        };
        assert_eq!(
            allowed_origin(&creds, r, Some("https://b.example")),
            Some("*".into())
        );
        assert_eq!(
            allowed_origin(&cors(&[]), r, Some("https://b.example")),
            None
        );
    }

    #[test]
    fn preflight_answers() {
        let c = Cors {
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_credentials: true,
            ..cors(&["https://a.example"])
        };
        let r = preflight(&c, ApiKind::Http, Some("https://a.example"), &[]);
        assert_eq!(r.status(), 204);
        assert!(r.body().is_empty());
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            header(&r, "access-control-allow-methods").as_deref(),
            Some("GET,POST")
        );
        assert_eq!(
            header(&r, "access-control-allow-headers").as_deref(),
            Some("Content-Type,X-Api-Key")
        );
        assert_eq!(header(&r, "access-control-max-age").as_deref(), Some("600"));
        assert_eq!(
            header(&r, "access-control-allow-credentials").as_deref(),
            Some("true")
        );
        assert_eq!(header(&r, "vary").as_deref(), Some("Origin"));
        // Not on a preflight answer.
        assert_eq!(header(&r, "access-control-expose-headers"), None);

        let r = preflight(&c, ApiKind::Http, Some("https://evil.example"), &[]);
        assert_eq!(r.status(), 204);
        assert_eq!(header(&r, "access-control-allow-origin"), None);
        assert_eq!(header(&r, "access-control-allow-methods"), None);

        // REST: the configured headers, whatever the origin.
        for origin in [Some("https://evil.example"), None] {
            let r = preflight(&c, ApiKind::Rest, origin, &[]);
            assert_eq!(r.status(), 200);
            assert_eq!(
                header(&r, "access-control-allow-origin").as_deref(),
                Some("https://a.example")
            );
            assert_eq!(
                header(&r, "access-control-allow-methods").as_deref(),
                Some("GET,POST")
            );
            assert_eq!(
                header(&r, "access-control-allow-headers").as_deref(),
                Some("Content-Type,X-Api-Key")
            );
            assert_eq!(header(&r, "access-control-max-age").as_deref(), Some("600"));
            assert_eq!(header(&r, "vary"), None);
        }
    }

    #[test]
    fn preflight_methods_from_the_path() {
        let c = cors(&["*"]);
        let r = preflight(&c, ApiKind::Rest, None, &["POST".into(), "GET".into()]);
        assert_eq!(
            header(&r, "access-control-allow-methods").as_deref(),
            Some("GET,OPTIONS,POST")
        );
        let r = preflight(&c, ApiKind::Rest, None, &["ANY".into()]);
        assert_eq!(
            header(&r, "access-control-allow-methods").as_deref(),
            Some("DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")
        );
        assert_eq!(header(&r, "vary"), None);
    }

    #[test]
    fn answers_get_origin_and_exposed_headers() {
        let c = cors(&["*"]);
        let mut r = http::Response::new(Vec::new());
        r.headers_mut().insert(
            "access-control-allow-origin",
            HeaderValue::from_static("https://function.example"),
        );
        decorate(&c, ApiKind::Http, Some("https://a.example"), &mut r);
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("*")
        );
        assert_eq!(
            header(&r, "access-control-expose-headers").as_deref(),
            Some("X-Request-Id")
        );
        let mut r = http::Response::new(Vec::new());
        decorate(
            &cors(&["https://a.example"]),
            ApiKind::Http,
            Some("https://b.example"),
            &mut r,
        );
        assert!(r.headers().is_empty());
        // REST: whatever the origin.
        let mut r = http::Response::new(Vec::new());
        decorate(
            &cors(&["https://a.example"]),
            ApiKind::Rest,
            Some("https://b.example"),
            &mut r,
        );
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            header(&r, "access-control-expose-headers").as_deref(),
            Some("X-Request-Id")
        );
    }
}
