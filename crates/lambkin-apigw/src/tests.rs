//! The whole flow: requests routed, authorized, invoked and answered.

use serde_json::json;

use super::*;
use crate::testutil::{api, request, route};

fn step_response(s: Step) -> Response {
    match s {
        Step::Respond(r) => r,
        other => panic!("expected an answer, got {other:?}"),
    }
}

/// API Gateway's answer when no route of the API matches.
fn step_no_route(s: Step) -> Response {
    match s {
        Step::NoRoute(r) => r,
        other => panic!("expected no route, got {other:?}"),
    }
}

fn step_invoke(s: Step) -> FunctionCall {
    match s {
        Step::Invoke(c) => c,
        other => panic!("expected an invoke, got {other:?}"),
    }
}

fn step_authorize(s: Step) -> AuthorizerCall {
    match s {
        Step::Authorize(c) => c,
        other => panic!("expected an authorizer, got {other:?}"),
    }
}

fn body(r: &Response) -> Value {
    serde_json::from_slice(r.body()).expect("json body")
}

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_owned())
}

fn rest_api(routes: &[(&str, &str)]) -> Api {
    let mut cfg = api(ApiKind::Rest);
    cfg.routes = routes
        .iter()
        .map(|(m, p)| route(m, p, PayloadFormat::V1))
        .collect();
    Api::new(cfg).expect("api")
}

fn http_api(routes: &[(&str, &str, PayloadFormat)]) -> Api {
    let mut cfg = api(ApiKind::Http);
    cfg.routes = routes.iter().map(|(m, p, f)| route(m, p, *f)).collect();
    Api::new(cfg).expect("api")
}

#[test]
fn rest_no_route_is_missing_authentication_token() {
    let a = rest_api(&[("GET", "/items")]);
    let r = step_no_route(a.handle(&request("POST", "/items", &[], b"")));
    assert_eq!(r.status(), 403);
    assert_eq!(body(&r), json!({"message": "Missing Authentication Token"}));
    assert_eq!(
        header(&r, "x-amzn-errortype").as_deref(),
        Some("MissingAuthenticationTokenException")
    );
    assert_eq!(header(&r, "x-amzn-requestid").as_deref(), Some("req-1"));
}

#[test]
fn http_no_route_is_not_found_and_default_catches_all() {
    let a = http_api(&[("GET", "/items", PayloadFormat::V2)]);
    let r = step_no_route(a.handle(&request("GET", "/other", &[], b"")));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (404, json!({"message": "Not Found"}))
    );
    assert_eq!(header(&r, "apigw-requestid").as_deref(), Some("req-1"));

    let a = http_api(&[
        ("GET", "/items", PayloadFormat::V2),
        ("ANY", DEFAULT_ROUTE, PayloadFormat::V2),
    ]);
    let c = step_invoke(a.handle(&request("DELETE", "/other/path", &[], b"")));
    assert_eq!(c.function(), "fn ANY $default");
    assert_eq!(c.event()["routeKey"], json!("$default"));
    assert_eq!(c.event()["rawPath"], json!("/other/path"));
    let c = step_invoke(a.handle(&request("GET", "/items", &[], b"")));
    assert_eq!(c.function(), "fn GET /items");
    assert_eq!(c.route(), 0);
}

#[test]
fn rest_is_served_with_and_without_the_stage() {
    let a = rest_api(&[("GET", "/items/{id}"), ("ANY", "/{proxy+}")]);
    for uri in ["/items/9", "/Prod/items/9"] {
        let c = step_invoke(a.handle(&request("GET", uri, &[], b"")));
        assert_eq!(c.function(), "fn GET /items/{id}", "{uri}");
        assert_eq!(c.event()["path"], json!("/items/9"));
        assert_eq!(c.event()["requestContext"]["path"], json!("/Prod/items/9"));
        assert_eq!(c.event()["pathParameters"], json!({"id": "9"}));
    }
    // With the stage, the rest of the path is matched first.
    let c = step_invoke(a.handle(&request("POST", "/Prod/a/b", &[], b"")));
    assert_eq!(c.event()["pathParameters"], json!({"proxy": "a/b"}));
    // Not a stage prefix: matched as it is.
    let c = step_invoke(a.handle(&request("POST", "/Production/a", &[], b"")));
    assert_eq!(
        c.event()["pathParameters"],
        json!({"proxy": "Production/a"})
    );
    // `/Prod` alone is the root, which the greedy route does not match: then the path as it is.
    let c = step_invoke(a.handle(&request("GET", "/Prod", &[], b"")));
    assert_eq!(c.event()["pathParameters"], json!({"proxy": "Prod"}));
    let a = rest_api(&[("GET", "/")]);
    let c = step_invoke(a.handle(&request("GET", "/Prod", &[], b"")));
    assert_eq!(c.event()["path"], json!("/"));
    assert_eq!(c.event()["requestContext"]["path"], json!("/Prod/"));
}

#[test]
fn http_named_stage() {
    let mut cfg = api(ApiKind::Http);
    cfg.stage_name = "dev".into();
    cfg.routes = vec![route("GET", "/hello", PayloadFormat::V2)];
    let a = Api::new(cfg).expect("api");
    let c = step_invoke(a.handle(&request("GET", "/dev/hello", &[], b"")));
    assert_eq!(c.event()["rawPath"], json!("/dev/hello"));
    assert_eq!(c.event()["requestContext"]["stage"], json!("dev"));
    let c = step_invoke(a.handle(&request("GET", "/hello", &[], b"")));
    assert_eq!(c.event()["rawPath"], json!("/hello"));
}

#[test]
fn http_route_with_payload_1() {
    let a = http_api(&[("POST", "/legacy", PayloadFormat::V1)]);
    let c = step_invoke(a.handle(&request(
        "POST",
        "/legacy",
        &[("content-type", "text/plain")],
        b"hi",
    )));
    assert_eq!(c.event()["version"], json!("1.0"));
    assert_eq!(c.event()["body"], json!("hi"));
    // A 1.0 answer from an HTTP API: multiValueHeaders read, base64 always decoded.
    let r = a.respond(
        &c,
        Outcome::Payload(
            json!({"statusCode": 200, "multiValueHeaders": {"x-a": ["1", "2"]}, "body": "aGk=", "isBase64Encoded": true})
                .to_string()
                .into_bytes(),
        ),
    );
    assert_eq!(r.body(), b"hi");
    assert_eq!(r.headers().get_all("x-a").iter().count(), 2);
}

#[test]
fn answers_and_failures() {
    let a = rest_api(&[("GET", "/")]);
    let c = step_invoke(a.handle(&request("GET", "/", &[], b"")));
    assert_eq!(c.timeout_ms(), REST_DEFAULT_TIMEOUT_MS);
    let ok = json!({"statusCode": 418, "headers": {"x-teapot": "yes"}, "body": "short and stout"});
    let r = a.respond(&c, Outcome::Payload(ok.to_string().into_bytes()));
    assert_eq!(r.status(), 418);
    assert_eq!(r.body(), b"short and stout");
    assert_eq!(header(&r, "x-teapot").as_deref(), Some("yes"));
    assert_eq!(header(&r, "x-amzn-requestid").as_deref(), Some("req-1"));

    let r = a.respond(&c, Outcome::Payload(b"\"just a string\"".to_vec()));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (502, json!({"message": "Internal server error"}))
    );
    let err = json!({"errorMessage": "boom", "errorType": "Error"}).to_string();
    let r = a.respond(&c, Outcome::FunctionError(err.into_bytes()));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (502, json!({"message": "Internal server error"}))
    );
    let r = a.respond(&c, Outcome::Timeout);
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (504, json!({"message": "Endpoint request timed out"}))
    );
    let r = a.respond(&c, Outcome::InvokeFailed);
    assert_eq!(r.status(), 500);
    // A REST 1.0 answer with a key of another shape (here 2.0's `cookies`) is malformed.
    let extra = json!({"statusCode": 200, "body": "x", "cookies": ["a=1"]}).to_string();
    let r = a.respond(&c, Outcome::Payload(extra.into_bytes()));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (502, json!({"message": "Internal server error"}))
    );

    let mut cfg = api(ApiKind::Http);
    let mut rt = route("GET", "/", PayloadFormat::V2);
    rt.timeout_ms = Some(5000);
    cfg.routes = vec![rt];
    let a = Api::new(cfg).expect("api");
    let c = step_invoke(a.handle(&request("GET", "/", &[], b"")));
    assert_eq!(c.timeout_ms(), 5000);
    let r = a.respond(&c, Outcome::Payload(b"\"Hello from Lambda!\"".to_vec()));
    assert_eq!(r.status(), 200);
    assert_eq!(r.body(), b"Hello from Lambda!");
    assert_eq!(
        header(&r, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(header(&r, "apigw-requestid").as_deref(), Some("req-1"));
    let r = a.respond(&c, Outcome::Payload(b"[1,2]".to_vec()));
    assert_eq!(r.body(), b"[1,2]");

    // HTTP APIs' own failures.
    for outcome in [
        Outcome::Payload(b"not json".to_vec()),
        Outcome::Payload(json!({"statusCode": "x"}).to_string().into_bytes()),
        Outcome::FunctionError(b"{\"errorMessage\":\"boom\"}".to_vec()),
        Outcome::InvokeFailed,
    ] {
        let r = a.respond(&c, outcome.clone());
        assert_eq!(
            (r.status().as_u16(), body(&r)),
            (500, json!({"message": "Internal Server Error"})),
            "{outcome:?}"
        );
    }
    let r = a.respond(&c, Outcome::Timeout);
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (503, json!({"message": "Service Unavailable"}))
    );
    // The same for a route of payload 1.0.
    let a = http_api(&[("GET", "/", PayloadFormat::V1)]);
    let c = step_invoke(a.handle(&request("GET", "/", &[], b"")));
    let r = a.respond(&c, Outcome::Payload(b"\"str\"".to_vec()));
    assert_eq!(r.status(), 500);
    let r = a.respond(&c, Outcome::Timeout);
    assert_eq!(r.status(), 503);
}

#[test]
fn function_framing_headers_are_remapped() {
    let a = rest_api(&[("GET", "/")]);
    let c = step_invoke(a.handle(&request("GET", "/", &[], b"")));
    let answer = json!({
        "statusCode": 200,
        "headers": {"Content-Length": "1000", "Transfer-Encoding": "chunked", "Connection": "upgrade"},
        "multiValueHeaders": {"Content-Length": ["3"]},
        "body": "abc",
    });
    let r = a.respond(&c, Outcome::Payload(answer.to_string().into_bytes()));
    assert_eq!(r.body(), b"abc");
    assert_eq!(r.headers().get_all("content-length").iter().count(), 0);
    assert!(r.headers().get("transfer-encoding").is_none());
    assert!(r.headers().get("connection").is_none());
    assert_eq!(
        r.headers()
            .get_all("x-amzn-remapped-content-length")
            .iter()
            .count(),
        2
    );
}

#[test]
fn format_1_events_title_case_headers_and_add_forwarded() {
    let a = rest_api(&[("POST", "/items")]);
    let c = step_invoke(a.handle(&request(
        "POST",
        "/items",
        &[
            ("host", "localhost:3000"),
            ("content-type", "application/json"),
            ("authorization", "Bearer x"),
        ],
        b"{}",
    )));
    let h = &c.event()["headers"];
    assert_eq!(h["Content-Type"], json!("application/json"));
    assert_eq!(h["Authorization"], json!("Bearer x"));
    assert_eq!(h["X-Forwarded-For"], json!("192.0.2.1"));
    assert_eq!(h["X-Forwarded-Port"], json!("3000"));
    assert_eq!(h["X-Forwarded-Proto"], json!("http"));
    assert_eq!(
        c.event()["multiValueHeaders"]["Content-Type"],
        json!(["application/json"])
    );
    let a = http_api(&[
        ("POST", "/v1", PayloadFormat::V1),
        ("POST", "/v2", PayloadFormat::V2),
    ]);
    let hdrs = [("content-type", "text/plain")];
    let c = step_invoke(a.handle(&request("POST", "/v1", &hdrs, b"x")));
    assert_eq!(c.event()["headers"]["Content-Type"], json!("text/plain"));
    let c = step_invoke(a.handle(&request("POST", "/v2", &hdrs, b"x")));
    assert_eq!(c.event()["headers"]["content-type"], json!("text/plain"));
    assert_eq!(c.event()["headers"]["x-forwarded-proto"], json!("http"));
}

#[test]
fn percent_encoded_path_cannot_dodge_a_deny() {
    let auth = token_authorizer();
    let mut cfg = api(ApiKind::Rest);
    let mut r = route("GET", "/admin", PayloadFormat::V1);
    r.authorizer = Some(auth.name.clone());
    cfg.routes = vec![r];
    cfg.authorizers = vec![auth];
    let a = Api::new(cfg).expect("api");
    let policy = json!({
        "principalId": "mallory",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:*:*:abcdef1234/*/*/*"},
            {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "arn:aws:execute-api:*:*:abcdef1234/*/GET/admin"}
        ]},
    })
    .to_string()
    .into_bytes();
    for uri in ["/admin", "/adm%69n", "/Prod/adm%69n", "/%61dmin/"] {
        let call = step_authorize(a.handle(&request("GET", uri, &[("authorization", "t")], b"")));
        assert_eq!(
            call.method_arn(),
            "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/admin",
            "{uri}"
        );
        assert_eq!(call.event()["methodArn"], json!(call.method_arn()), "{uri}");
        let r = step_response(a.authorized(call, Outcome::Payload(policy.clone())));
        assert_eq!(r.status(), 403, "{uri}");
    }
}

#[test]
fn rest_binary_answers_follow_accept() {
    let mut cfg = api(ApiKind::Rest);
    cfg.binary_media_types = vec!["image/png".into()];
    cfg.routes = vec![route("GET", "/logo", PayloadFormat::V1)];
    let a = Api::new(cfg).expect("api");
    let answer = json!({
        "statusCode": 200,
        "headers": {"content-type": "application/octet-stream"},
        "body": "iVBORw==",
        "isBase64Encoded": true,
    })
    .to_string()
    .into_bytes();
    let c = step_invoke(a.handle(&request("GET", "/logo", &[("accept", "image/png")], b"")));
    let r = a.respond(&c, Outcome::Payload(answer.clone()));
    assert_eq!(r.body(), &[0x89, b'P', b'N', b'G']);
    let c = step_invoke(a.handle(&request("GET", "/logo", &[("accept", "text/html")], b"")));
    let r = a.respond(&c, Outcome::Payload(answer));
    assert_eq!(r.body(), b"iVBORw==");
}

fn cors_settings() -> Cors {
    Cors {
        allow_origins: vec!["https://app.example".into()],
        allow_methods: vec![],
        allow_headers: vec!["Content-Type".into()],
        expose_headers: vec!["X-Trace".into()],
        max_age: Some(300),
        allow_credentials: true,
    }
}

#[test]
fn cors_preflight_and_answers() {
    let mut cfg = api(ApiKind::Rest);
    cfg.cors = Some(cors_settings());
    cfg.routes = vec![
        route("GET", "/items", PayloadFormat::V1),
        route("POST", "/items", PayloadFormat::V1),
        route("OPTIONS", "/custom", PayloadFormat::V1),
    ];
    let a = Api::new(cfg).expect("api");
    let origin = ("origin", "https://app.example");
    let preflight = [origin, ("access-control-request-method", "POST")];
    let r = step_response(a.handle(&request("OPTIONS", "/items", &preflight, b"")));
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some("https://app.example")
    );
    assert_eq!(
        header(&r, "access-control-allow-methods").as_deref(),
        Some("GET,OPTIONS,POST")
    );
    assert_eq!(
        header(&r, "access-control-allow-headers").as_deref(),
        Some("Content-Type")
    );
    assert_eq!(header(&r, "access-control-max-age").as_deref(), Some("300"));
    assert_eq!(
        header(&r, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    // With the stage prefix too.
    let r = step_response(a.handle(&request("OPTIONS", "/Prod/items", &preflight, b"")));
    assert_eq!(
        header(&r, "access-control-allow-methods").as_deref(),
        Some("GET,OPTIONS,POST")
    );
    // A route of its own for OPTIONS: the function answers.
    let c = step_invoke(a.handle(&request("OPTIONS", "/custom", &preflight, b"")));
    assert_eq!(c.function(), "fn OPTIONS /custom");
    // No resource there: REST has no OPTIONS method to answer with.
    let r = step_no_route(a.handle(&request("OPTIONS", "/nothing", &preflight, b"")));
    assert_eq!(r.status(), 403);

    // An answer gets the origin and the exposed headers.
    let c = step_invoke(a.handle(&request("GET", "/items", &[origin], b"")));
    let r = a.respond(
        &c,
        Outcome::Payload(json!({"statusCode": 200}).to_string().into_bytes()),
    );
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some("https://app.example")
    );
    assert_eq!(
        header(&r, "access-control-expose-headers").as_deref(),
        Some("X-Trace")
    );
    // REST sends the configured headers whatever the origin (SAM's mock integration): another origin, or
    // none, gets them too.
    for headers in [&[("origin", "https://x.example")][..], &[]] {
        let c = step_invoke(a.handle(&request("GET", "/items", headers, b"")));
        let r = a.respond(
            &c,
            Outcome::Payload(json!({"statusCode": 200}).to_string().into_bytes()),
        );
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("https://app.example"),
            "{headers:?}"
        );
        let other = [
            ("origin", "https://x.example"),
            ("access-control-request-method", "POST"),
        ];
        let r = step_response(a.handle(&request("OPTIONS", "/items", &other, b"")));
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("https://app.example")
        );
        assert_eq!(
            header(&r, "access-control-allow-methods").as_deref(),
            Some("GET,OPTIONS,POST")
        );
    }

    // An HTTP API matches the origin: another origin gets none.
    let mut cfg = api(ApiKind::Http);
    cfg.cors = Some(cors_settings());
    cfg.routes = vec![route("GET", "/items", PayloadFormat::V2)];
    let a = Api::new(cfg).expect("api");
    let c = step_invoke(a.handle(&request(
        "GET",
        "/items",
        &[("origin", "https://x.example")],
        b"",
    )));
    let r = a.respond(
        &c,
        Outcome::Payload(json!({"statusCode": 200}).to_string().into_bytes()),
    );
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    let c = step_invoke(a.handle(&request("GET", "/items", &[origin], b"")));
    let r = a.respond(
        &c,
        Outcome::Payload(json!({"statusCode": 200}).to_string().into_bytes()),
    );
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some("https://app.example")
    );
}

#[test]
fn http_cors_preflight_anywhere() {
    let mut cfg = api(ApiKind::Http);
    cfg.cors = Some(Cors {
        allow_origins: vec!["*".into()],
        allow_methods: vec!["GET".into(), "PUT".into()],
        allow_credentials: false,
        ..cors_settings()
    });
    cfg.routes = vec![route("ANY", "/{proxy+}", PayloadFormat::V2)];
    let a = Api::new(cfg).expect("api");
    let r = step_response(a.handle(&request(
        "OPTIONS",
        "/a/b",
        &[("origin", "https://z.example")],
        b"",
    )));
    assert_eq!(r.status(), 204);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(
        header(&r, "access-control-allow-methods").as_deref(),
        Some("GET,PUT")
    );
    let r = step_no_route(a.handle(&request("OPTIONS", "/", &[], b"")));
    assert_eq!(r.status(), 204);
    // Without CORS settings, OPTIONS is an ordinary method.
    let a = http_api(&[("ANY", "/{proxy+}", PayloadFormat::V2)]);
    step_invoke(a.handle(&request("OPTIONS", "/a", &[], b"")));
}

fn with_authorizer(kind: ApiKind, auth: AuthorizerConfig, format: PayloadFormat) -> Api {
    let mut cfg = api(kind);
    let mut r = route("GET", "/secret/{id}", format);
    r.authorizer = Some(auth.name.clone());
    cfg.routes = vec![r, route("GET", "/open", format)];
    cfg.authorizers = vec![auth];
    Api::new(cfg).expect("api")
}

fn token_authorizer() -> AuthorizerConfig {
    AuthorizerConfig {
        name: "Tok".into(),
        function: "auth-fn".into(),
        request_type: AuthorizerType::Token,
        payload_format: PayloadFormat::V1,
        simple_responses: false,
        identity: IdentitySources::default(),
        ttl_seconds: 300,
    }
}

#[test]
fn rest_token_authorizer_flow() {
    let a = with_authorizer(ApiKind::Rest, token_authorizer(), PayloadFormat::V1);
    // Open routes go straight to the function.
    step_invoke(a.handle(&request("GET", "/open", &[], b"")));
    // No token: 401 without invoking the authorizer.
    let r = step_response(a.handle(&request("GET", "/secret/1", &[], b"")));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (401, json!({"message": "Unauthorized"}))
    );

    let call = step_authorize(a.handle(&request(
        "GET",
        "/secret/1",
        &[("authorization", "t0k")],
        b"",
    )));
    assert_eq!(call.function(), "auth-fn");
    let arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/secret/1";
    assert_eq!(call.method_arn(), arn);
    assert_eq!(
        serde_json::from_slice::<Value>(&call.payload()).expect("json"),
        json!({"type": "TOKEN", "authorizationToken": "t0k", "methodArn": arn})
    );
    assert_eq!(call.cache_key(), Some("Tok\u{1f}t0k"));
    assert_eq!(call.ttl_seconds(), 300);

    let allow = json!({
        "principalId": "alice",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:*:*:abcdef1234/*/GET/secret/*"}
        ]},
        "context": {"role": "admin"},
    })
    .to_string()
    .into_bytes();
    let c = step_invoke(a.authorized(call.clone(), Outcome::Payload(allow)));
    assert_eq!(c.function(), "fn GET /secret/{id}");
    assert_eq!(
        c.event()["requestContext"]["authorizer"],
        json!({"principalId": "alice", "role": "admin"})
    );
    assert_eq!(c.event()["pathParameters"], json!({"id": "1"}));

    let deny = json!({
        "principalId": "alice",
        "policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]},
    })
    .to_string()
    .into_bytes();
    let r = step_response(a.authorized(call.clone(), Outcome::Payload(deny)));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (
            403,
            json!({"message": "User is not authorized to access this resource"})
        )
    );
    let r = step_response(a.authorized(call, Outcome::Timeout));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (500, json!({"message": null}))
    );
    assert_eq!(
        header(&r, "x-amzn-errortype").as_deref(),
        Some("AuthorizerConfigurationException")
    );
}

#[test]
fn http_simple_authorizer_flow() {
    let auth = AuthorizerConfig {
        name: "Simple".into(),
        function: "auth-fn".into(),
        request_type: AuthorizerType::Request,
        payload_format: PayloadFormat::V2,
        simple_responses: true,
        identity: IdentitySources {
            headers: vec!["Authorization".into()],
            ..Default::default()
        },
        ttl_seconds: 0,
    };
    let a = with_authorizer(ApiKind::Http, auth, PayloadFormat::V2);
    let r = step_response(a.handle(&request("GET", "/secret/2", &[], b"")));
    assert_eq!(r.status(), 401);
    let call =
        step_authorize(a.handle(&request("GET", "/secret/2", &[("authorization", "k")], b"")));
    assert_eq!(call.event()["type"], json!("REQUEST"));
    assert_eq!(call.event()["identitySource"], json!(["k"]));
    assert_eq!(
        call.event()["routeArn"],
        json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/GET/secret/2")
    );
    assert_eq!(call.cache_key(), None);
    let yes = json!({"isAuthorized": true, "context": {"user": "bob"}})
        .to_string()
        .into_bytes();
    let c = step_invoke(a.authorized(call.clone(), Outcome::Payload(yes)));
    assert_eq!(
        c.event()["requestContext"]["authorizer"],
        json!({"lambda": {"user": "bob"}})
    );
    let no = json!({"isAuthorized": false}).to_string().into_bytes();
    let r = step_response(a.authorized(call, Outcome::Payload(no)));
    assert_eq!(
        (r.status().as_u16(), body(&r)),
        (403, json!({"message": "Forbidden"}))
    );
}

#[test]
fn http_v1_authorizer_feeds_a_v1_route() {
    let auth = AuthorizerConfig {
        name: "Old".into(),
        function: "auth-fn".into(),
        request_type: AuthorizerType::Request,
        payload_format: PayloadFormat::V1,
        simple_responses: false,
        identity: IdentitySources {
            query_strings: vec!["key".into()],
            ..Default::default()
        },
        ttl_seconds: 0,
    };
    let a = with_authorizer(ApiKind::Http, auth, PayloadFormat::V1);
    let call = step_authorize(a.handle(&request("GET", "/secret/3?key=abc", &[], b"")));
    assert_eq!(call.event()["version"], json!("1.0"));
    assert_eq!(call.event()["identitySource"], json!("abc"));
    let allow = json!({
        "principalId": "p",
        "policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]},
        "context": {"k": "v"},
    })
    .to_string()
    .into_bytes();
    let c = step_invoke(a.authorized(call, Outcome::Payload(allow)));
    assert_eq!(
        c.event()["requestContext"]["authorizer"],
        json!({"principalId": "p", "k": "v"})
    );
}

#[test]
fn bad_configurations() {
    let mut cfg = api(ApiKind::Rest);
    let mut r = route("GET", "/x", PayloadFormat::V1);
    r.authorizer = Some("Nope".into());
    cfg.routes = vec![r];
    let e = Api::new(cfg).expect_err("unknown authorizer");
    assert!(e.to_string().contains("Nope"), "{e}");

    let mut cfg = api(ApiKind::Http);
    cfg.authorizers = vec![token_authorizer()];
    assert!(Api::new(cfg).is_err());

    let mut cfg = api(ApiKind::Rest);
    cfg.routes = vec![route("GET", "/{a+}/b", PayloadFormat::V1)];
    assert!(Api::new(cfg).is_err());
}
