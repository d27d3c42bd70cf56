//! Events member for member, against shapes written from AWS's documentation of the proxy integrations'
//! input formats (REST "Input format of a Lambda function for proxy integration", HTTP "payload format
//! version" 1.0 and 2.0).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::config::PayloadFormat;
use crate::testutil::{api, request, route, TIME_MS};

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn null_identity(source_ip: &str, user_agent: Value) -> Value {
    json!({
        "accessKey": null,
        "accountId": null,
        "caller": null,
        "cognitoAuthenticationProvider": null,
        "cognitoAuthenticationType": null,
        "cognitoIdentityId": null,
        "cognitoIdentityPoolId": null,
        "principalOrgId": null,
        "sourceIp": source_ip,
        "user": null,
        "userAgent": user_agent,
        "userArn": null,
    })
}

#[test]
fn request_time_format() {
    assert_eq!(clf(TIME_MS), "09/Apr/2015:12:34:56 +0000");
    assert_eq!(clf(1_583_348_638_390), "04/Mar/2020:19:03:58 +0000");
    assert_eq!(clf(0), "01/Jan/1970:00:00:00 +0000");
}

#[test]
fn resource_ids_are_stable_and_short() {
    let a = resource_id("/items/{id}");
    assert_eq!(a, resource_id("/items/{id}"));
    assert_ne!(a, resource_id("/items"));
    assert_eq!(a.len(), 6);
    assert!(a
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
}

#[test]
fn rest_event() {
    let cfg = api(ApiKind::Rest);
    let r = route("GET", "/items/{id}", PayloadFormat::V1);
    let req = request(
        "GET",
        "/Prod/items/42?color=red&color=blue&size=L",
        &[
            ("host", "localhost:3000"),
            ("user-agent", "curl/8.0"),
            ("x-multi", "a"),
            ("x-multi", "b"),
        ],
        b"",
    );
    let pp = params(&[("id", "42")]);
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/items/42",
        req: &req,
    };
    let expected = json!({
        "resource": "/items/{id}",
        "path": "/items/42",
        "httpMethod": "GET",
        "headers": {
            "Host": "localhost:3000",
            "User-Agent": "curl/8.0",
            "X-Multi": "b",
            "X-Forwarded-For": "192.0.2.1",
            "X-Forwarded-Port": "3000",
            "X-Forwarded-Proto": "http",
        },
        "multiValueHeaders": {
            "Host": ["localhost:3000"],
            "User-Agent": ["curl/8.0"],
            "X-Multi": ["a", "b"],
            "X-Forwarded-For": ["192.0.2.1"],
            "X-Forwarded-Port": ["3000"],
            "X-Forwarded-Proto": ["http"],
        },
        "queryStringParameters": {"color": "blue", "size": "L"},
        "multiValueQueryStringParameters": {"color": ["red", "blue"], "size": ["L"]},
        "pathParameters": {"id": "42"},
        "stageVariables": {"env": "test"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "localhost:3000",
            "domainPrefix": "localhost",
            "extendedRequestId": "req-1",
            "httpMethod": "GET",
            "identity": null_identity("192.0.2.1", json!("curl/8.0")),
            "path": "/Prod/items/42",
            "protocol": "HTTP/1.1",
            "requestId": "req-1",
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": TIME_MS,
            "resourceId": resource_id("/items/{id}"),
            "resourcePath": "/items/{id}",
            "stage": "Prod",
        },
        "body": null,
        "isBase64Encoded": false,
    });
    assert_eq!(v1(&s), expected);
    assert_eq!(
        s.method_arn(),
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/items/42"
    );
}

#[test]
fn rest_event_without_parameters_has_nulls() {
    let mut cfg = api(ApiKind::Rest);
    cfg.stage_variables.clear();
    let r = route("POST", "/", PayloadFormat::V1);
    let req = request(
        "POST",
        "/",
        &[("content-type", "application/json")],
        b"{\"a\":1}",
    );
    let pp = BTreeMap::new();
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/",
        req: &req,
    };
    let ev = v1(&s);
    for k in [
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
    ] {
        assert_eq!(ev[k], Value::Null, "{k}");
    }
    assert_eq!(ev["body"], json!("{\"a\":1}"));
    assert_eq!(ev["isBase64Encoded"], json!(false));
    assert_eq!(ev["requestContext"]["path"], json!("/Prod/"));
    assert_eq!(ev["requestContext"]["identity"]["userAgent"], Value::Null);
    assert_eq!(ev["requestContext"]["domainName"], json!("localhost"));
    assert!(ev.get("version").is_none());
}

#[test]
fn rest_binary_media_types() {
    let png = [0x89u8, b'P', b'N', b'G'];
    let r = route("POST", "/upload", PayloadFormat::V1);
    let pp = BTreeMap::new();
    for (types, b64) in [
        (vec!["image/png".to_owned()], true),
        (vec!["image/*".to_owned()], true),
        (vec!["*/*".to_owned()], true),
        (vec!["application/octet-stream".to_owned()], false),
        (vec![], false),
    ] {
        let mut cfg = api(ApiKind::Rest);
        cfg.binary_media_types = types.clone();
        let req = request("POST", "/upload", &[("content-type", "image/png")], &png);
        let s = Source {
            api: &cfg,
            route: &r,
            path_parameters: &pp,
            path: "/upload",
            req: &req,
        };
        let ev = v1(&s);
        assert_eq!(ev["isBase64Encoded"], json!(b64), "{types:?}");
        if b64 {
            assert_eq!(ev["body"], json!("iVBORw=="));
        } else {
            assert_eq!(ev["body"], json!(String::from_utf8_lossy(&png)));
        }
    }
}

#[test]
fn http_event_v2() {
    let cfg = api(ApiKind::Http);
    let r = route("POST", "/items/{id}", PayloadFormat::V2);
    let req = request(
        "POST",
        "/items/7?a=1&a=2&b=%20x",
        &[
            ("host", "api.example.com"),
            ("user-agent", "agent"),
            ("cookie", "s=1; t=2"),
            ("x-dup", "one"),
            ("X-Dup", "two"),
            ("content-type", "application/json"),
        ],
        b"{\"k\":1}",
    );
    let pp = params(&[("id", "7")]);
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/items/7",
        req: &req,
    };
    let expected = json!({
        "version": "2.0",
        "routeKey": "POST /items/{id}",
        "rawPath": "/items/7",
        "rawQueryString": "a=1&a=2&b=%20x",
        "cookies": ["s=1", "t=2"],
        "headers": {
            "host": "api.example.com",
            "user-agent": "agent",
            "x-dup": "one,two",
            "content-type": "application/json",
            "x-forwarded-for": "192.0.2.1",
            "x-forwarded-port": "80",
            "x-forwarded-proto": "http",
        },
        "queryStringParameters": {"a": "1,2", "b": " x"},
        "pathParameters": {"id": "7"},
        "stageVariables": {"env": "test"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": "POST",
                "path": "/items/7",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "agent",
            },
            "requestId": "req-1",
            "routeKey": "POST /items/{id}",
            "stage": "$default",
            "time": "09/Apr/2015:12:34:56 +0000",
            "timeEpoch": TIME_MS,
        },
        "body": "{\"k\":1}",
        "isBase64Encoded": false,
    });
    assert_eq!(v2(&s), expected);
    assert_eq!(
        s.method_arn(),
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/POST/items/7"
    );
}

#[test]
fn http_event_v2_leaves_out_what_is_empty() {
    let mut cfg = api(ApiKind::Http);
    cfg.stage_variables.clear();
    let r = route("ANY", DEFAULT_ROUTE, PayloadFormat::V2);
    let req = request("GET", "/anything", &[], b"");
    let pp = BTreeMap::new();
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/anything",
        req: &req,
    };
    let ev = v2(&s);
    for k in [
        "cookies",
        "queryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ] {
        assert!(ev.get(k).is_none(), "{k}");
    }
    assert_eq!(ev["rawQueryString"], json!(""));
    assert_eq!(ev["routeKey"], json!("$default"));
    assert_eq!(ev["requestContext"]["routeKey"], json!("$default"));
    assert_eq!(ev["requestContext"]["http"]["userAgent"], json!(""));
    assert_eq!(
        ev["headers"],
        json!({"x-forwarded-for": "192.0.2.1", "x-forwarded-port": "80", "x-forwarded-proto": "http"})
    );
    assert_eq!(ev["isBase64Encoded"], json!(false));
    assert_eq!(
        s.method_arn(),
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/$default"
    );
}

#[test]
fn http_event_v2_base64_for_binary() {
    let cfg = api(ApiKind::Http);
    let r = route("PUT", "/blob", PayloadFormat::V2);
    let req = request(
        "PUT",
        "/blob",
        &[("content-type", "application/octet-stream")],
        &[0, 1, 2, 255],
    );
    let pp = BTreeMap::new();
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/blob",
        req: &req,
    };
    let ev = v2(&s);
    assert_eq!(ev["body"], json!("AAEC/w=="));
    assert_eq!(ev["isBase64Encoded"], json!(true));
}

#[test]
fn http_event_v1() {
    let mut cfg = api(ApiKind::Http);
    cfg.stage_name = "dev".into();
    let r = route("GET", "/users/{name}", PayloadFormat::V1);
    let req = request(
        "GET",
        "/dev/users/al%20ice?x=1&x=2",
        &[
            ("host", "h.example"),
            ("user-agent", "ua"),
            ("cookie", "c=1"),
        ],
        b"",
    );
    let pp = params(&[("name", "al ice")]);
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/users/al%20ice",
        req: &req,
    };
    let expected = json!({
        "version": "1.0",
        "resource": "/users/{name}",
        "path": "/users/al%20ice",
        "httpMethod": "GET",
        "headers": {
            "Host": "h.example",
            "User-Agent": "ua",
            "Cookie": "c=1",
            "X-Forwarded-For": "192.0.2.1",
            "X-Forwarded-Port": "80",
            "X-Forwarded-Proto": "http",
        },
        "multiValueHeaders": {
            "Host": ["h.example"],
            "User-Agent": ["ua"],
            "Cookie": ["c=1"],
            "X-Forwarded-For": ["192.0.2.1"],
            "X-Forwarded-Port": ["80"],
            "X-Forwarded-Proto": ["http"],
        },
        "queryStringParameters": {"x": "2"},
        "multiValueQueryStringParameters": {"x": ["1", "2"]},
        "pathParameters": {"name": "al ice"},
        "stageVariables": {"env": "test"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "h.example",
            "domainPrefix": "h",
            "extendedRequestId": "req-1",
            "httpMethod": "GET",
            "identity": null_identity("192.0.2.1", json!("ua")),
            "path": "/dev/users/al%20ice",
            "protocol": "HTTP/1.1",
            "requestId": "req-1",
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": TIME_MS,
            "resourceId": "GET /users/{name}",
            "resourcePath": "/users/{name}",
            "stage": "dev",
        },
        "body": null,
        "isBase64Encoded": false,
    });
    assert_eq!(v1(&s), expected);
}

#[test]
fn header_names_title_cased() {
    for (name, titled) in [
        ("content-type", "Content-Type"),
        ("x-amz-date", "X-Amz-Date"),
        ("authorization", "Authorization"),
        ("te", "Te"),
        ("x--odd-", "X--Odd-"),
        ("X-API-KEY", "X-Api-Key"),
    ] {
        assert_eq!(title_case(name), titled);
    }
}

fn source_event(kind: ApiKind, format: PayloadFormat, req: &Request) -> Value {
    let cfg = api(kind);
    let r = route("POST", "/x", format);
    let pp = BTreeMap::new();
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/x",
        req,
    };
    match format {
        PayloadFormat::V1 => v1(&s),
        PayloadFormat::V2 => v2(&s),
    }
}

#[test]
fn format_1_title_cases_header_names_and_format_2_does_not() {
    let req = request(
        "POST",
        "/x",
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer t"),
            ("x-amz-date", "20150409T123456Z"),
        ],
        b"{}",
    );
    for kind in [ApiKind::Rest, ApiKind::Http] {
        let ev = source_event(kind, PayloadFormat::V1, &req);
        assert_eq!(ev["headers"]["Content-Type"], json!("application/json"));
        assert_eq!(ev["headers"]["Authorization"], json!("Bearer t"));
        assert_eq!(ev["headers"]["X-Amz-Date"], json!("20150409T123456Z"));
        assert_eq!(
            ev["multiValueHeaders"]["Authorization"],
            json!(["Bearer t"])
        );
        assert!(ev["headers"].get("content-type").is_none());
        assert!(ev["multiValueHeaders"].get("authorization").is_none());
    }
    let ev = source_event(ApiKind::Http, PayloadFormat::V2, &req);
    assert_eq!(ev["headers"]["content-type"], json!("application/json"));
    assert_eq!(ev["headers"]["authorization"], json!("Bearer t"));
    assert!(ev["headers"].get("Content-Type").is_none());
}

#[test]
fn forwarded_headers_added_when_missing() {
    let req = request("GET", "/x", &[("host", "127.0.0.1:3000")], b"");
    let ev = source_event(ApiKind::Rest, PayloadFormat::V1, &req);
    assert_eq!(ev["headers"]["X-Forwarded-For"], json!("192.0.2.1"));
    assert_eq!(ev["headers"]["X-Forwarded-Port"], json!("3000"));
    assert_eq!(ev["headers"]["X-Forwarded-Proto"], json!("http"));
    let ev = source_event(ApiKind::Http, PayloadFormat::V2, &req);
    assert_eq!(ev["headers"]["x-forwarded-for"], json!("192.0.2.1"));
    assert_eq!(ev["headers"]["x-forwarded-port"], json!("3000"));
    assert_eq!(ev["headers"]["x-forwarded-proto"], json!("http"));
    // The client's own are kept as they are.
    let req = request(
        "GET",
        "/x",
        &[
            ("host", "localhost"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
        ],
        b"",
    );
    let ev = source_event(ApiKind::Rest, PayloadFormat::V1, &req);
    assert_eq!(ev["headers"]["X-Forwarded-For"], json!("203.0.113.9"));
    assert_eq!(
        ev["multiValueHeaders"]["X-Forwarded-For"],
        json!(["203.0.113.9"])
    );
    assert_eq!(ev["headers"]["X-Forwarded-Proto"], json!("https"));
    assert_eq!(ev["headers"]["X-Forwarded-Port"], json!("80"));
}

#[test]
fn method_arn_uses_the_decoded_path() {
    let cfg = api(ApiKind::Rest);
    let r = route("GET", "/admin/{id}", PayloadFormat::V1);
    let req = request("GET", "/adm%69n/a%2Fb", &[], b"");
    let pp = params(&[("id", "a/b")]);
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/adm%69n/a%2Fb",
        req: &req,
    };
    assert_eq!(
        s.method_arn(),
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/admin/a/b"
    );
    // Routing ignores a trailing slash: so does the ARN (but the root stays `/`).
    for (path, tail) in [("/adm%69n/x/", "GET/admin/x"), ("/", "GET/")] {
        let req = request("GET", path, &[], b"");
        let s = Source {
            api: &cfg,
            route: &r,
            path_parameters: &pp,
            path,
            req: &req,
        };
        assert_eq!(
            s.method_arn(),
            format!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/{tail}")
        );
    }
}
