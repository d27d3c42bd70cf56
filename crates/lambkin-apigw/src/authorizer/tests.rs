//! Authorizer events and decisions, against shapes written from AWS's documentation of REST `TOKEN` and
//! `REQUEST` authorizers and HTTP APIs' Lambda authorizers (payload formats 1.0 and 2.0).

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::config::IdentitySources;
use crate::event::{self, Source};
use crate::testutil::{api, request, route};

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/items/42";

fn authorizer(request_type: AuthorizerType, format: PayloadFormat) -> AuthorizerConfig {
    AuthorizerConfig {
        name: "Auth".into(),
        function: "authorizer-fn".into(),
        request_type,
        payload_format: format,
        simple_responses: false,
        identity: IdentitySources::default(),
        ttl_seconds: 0,
    }
}

/// The request members of `GET /items/42?q=1` with an `Authorization` header, in `format` of an API of
/// `kind`.
fn members(kind: ApiKind, format: PayloadFormat, headers: &[(&str, &str)]) -> Map<String, Value> {
    let cfg = api(kind);
    let r = route("GET", "/items/{id}", format);
    let req = request("GET", "/items/42?q=1", headers, b"");
    let pp = BTreeMap::from([("id".to_owned(), "42".to_owned())]);
    let s = Source {
        api: &cfg,
        route: &r,
        path_parameters: &pp,
        path: "/items/42",
        req: &req,
    };
    match format {
        PayloadFormat::V1 => event::v1_request_members(&s),
        PayloadFormat::V2 => event::v2_request_members(&s),
    }
}

fn payload(v: Value) -> Outcome {
    Outcome::Payload(v.to_string().into_bytes())
}

fn policy(effect: &str, resource: Value) -> Value {
    json!({
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": {"tier": "gold", "n": 3, "ok": true},
    })
}

#[test]
fn wildcards() {
    assert!(wildcard_match("*", ""));
    assert!(wildcard_match("*", ARN));
    assert!(wildcard_match(
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/GET/*",
        ARN
    ));
    assert!(wildcard_match(
        "arn:aws:execute-api:*:*:abcdef1234/Prod/*",
        ARN
    ));
    assert!(wildcard_match("a?c", "abc"));
    assert!(!wildcard_match("a?c", "ac"));
    assert!(!wildcard_match(
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/POST/*",
        ARN
    ));
    assert!(!wildcard_match("abc", "abcd"));
    assert!(wildcard_match("a*b*c", "aXXbYYc"));
    assert!(!wildcard_match("a*b*c", "aXXbYY"));
}

#[test]
fn token_event_and_identity() {
    let mut a = authorizer(AuthorizerType::Token, PayloadFormat::V1);
    let m = members(
        ApiKind::Rest,
        PayloadFormat::V1,
        &[("authorization", "Bearer abc")],
    );
    let p = prepare(&a, None, ApiKind::Rest, ARN, m.clone()).expect("prepared");
    assert_eq!(
        p.event,
        json!({"type": "TOKEN", "authorizationToken": "Bearer abc", "methodArn": ARN})
    );
    assert_eq!(p.cache_key, None);

    // Missing or empty token: 401 without an invoke.
    let none = members(ApiKind::Rest, PayloadFormat::V1, &[]);
    assert_eq!(
        prepare(&a, None, ApiKind::Rest, ARN, none).err(),
        Some(GatewayError::Unauthorized)
    );
    let empty = members(ApiKind::Rest, PayloadFormat::V1, &[("authorization", "")]);
    assert_eq!(
        prepare(&a, None, ApiKind::Rest, ARN, empty).err(),
        Some(GatewayError::Unauthorized)
    );

    // Another header; a validation expression that must match the whole token; a cache key with a TTL.
    a.identity.token_header = Some("X-Token".into());
    a.identity.validation_expression = Some("tok-[0-9]+".into());
    a.ttl_seconds = 300;
    let re = validator(&a).expect("regex");
    let ok = members(ApiKind::Rest, PayloadFormat::V1, &[("x-token", "tok-12")]);
    let p = prepare(&a, re.as_ref(), ApiKind::Rest, ARN, ok).expect("prepared");
    assert_eq!(p.event["authorizationToken"], json!("tok-12"));
    assert_eq!(p.cache_key.as_deref(), Some("Auth\u{1f}tok-12"));
    let bad = members(ApiKind::Rest, PayloadFormat::V1, &[("x-token", "tok-12x")]);
    assert_eq!(
        prepare(&a, re.as_ref(), ApiKind::Rest, ARN, bad).err(),
        Some(GatewayError::Unauthorized)
    );
    a.identity.validation_expression = Some("(".into());
    assert!(validator(&a).is_err());
}

#[test]
fn rest_request_event() {
    let mut a = authorizer(AuthorizerType::Request, PayloadFormat::V1);
    a.identity.headers = vec!["Authorization".into()];
    a.identity.query_strings = vec!["q".into()];
    a.identity.stage_variables = vec!["env".into()];
    a.identity.context = vec!["identity.sourceIp".into()];
    a.ttl_seconds = 60;
    let m = members(
        ApiKind::Rest,
        PayloadFormat::V1,
        &[("authorization", "secret")],
    );
    let p = prepare(&a, None, ApiKind::Rest, ARN, m.clone()).expect("prepared");
    let mut expected = m.clone();
    expected.insert("type".into(), json!("REQUEST"));
    expected.insert("methodArn".into(), json!(ARN));
    assert_eq!(p.event, Value::Object(expected));
    assert!(p.event.get("body").is_none());
    // Format 1.0 title-cases header names.
    assert_eq!(p.event["headers"]["Authorization"], json!("secret"));
    assert_eq!(
        p.event["multiValueQueryStringParameters"],
        json!({"q": ["1"]})
    );
    assert_eq!(
        p.cache_key.as_deref(),
        Some("Auth\u{1f}secret\u{1f}1\u{1f}test\u{1f}192.0.2.1")
    );
    // Any source missing: 401.
    let m = members(ApiKind::Rest, PayloadFormat::V1, &[]);
    assert_eq!(
        prepare(&a, None, ApiKind::Rest, ARN, m).err(),
        Some(GatewayError::Unauthorized)
    );
    a.identity.headers.clear();
    a.identity.query_strings = vec!["missing".into()];
    let m = members(ApiKind::Rest, PayloadFormat::V1, &[]);
    assert_eq!(
        prepare(&a, None, ApiKind::Rest, ARN, m).err(),
        Some(GatewayError::Unauthorized)
    );
    // No identity sources: invoked every time, never cached.
    let a = authorizer(AuthorizerType::Request, PayloadFormat::V1);
    let m = members(ApiKind::Rest, PayloadFormat::V1, &[]);
    assert_eq!(
        prepare(&a, None, ApiKind::Rest, ARN, m)
            .expect("prepared")
            .cache_key,
        None
    );
}

#[test]
fn http_request_events() {
    let mut a = authorizer(AuthorizerType::Request, PayloadFormat::V2);
    a.identity.headers = vec!["authorization".into()];
    a.identity.query_strings = vec!["q".into()];
    let m = members(
        ApiKind::Http,
        PayloadFormat::V2,
        &[("Authorization", "user1")],
    );
    let p = prepare(&a, None, ApiKind::Http, ARN, m.clone()).expect("prepared");
    let mut expected = m;
    expected.insert("type".into(), json!("REQUEST"));
    expected.insert("routeArn".into(), json!(ARN));
    expected.insert("identitySource".into(), json!(["user1", "1"]));
    assert_eq!(p.event, Value::Object(expected));
    assert_eq!(p.event["version"], json!("2.0"));
    assert_eq!(p.event["routeKey"], json!("GET /items/{id}"));
    assert!(p.event.get("methodArn").is_none());

    let mut a = authorizer(AuthorizerType::Request, PayloadFormat::V1);
    a.identity.headers = vec!["authorization".into()];
    a.identity.query_strings = vec!["q".into()];
    let m = members(
        ApiKind::Http,
        PayloadFormat::V1,
        &[("Authorization", "user1")],
    );
    let p = prepare(&a, None, ApiKind::Http, ARN, m.clone()).expect("prepared");
    let mut expected = m;
    expected.insert("type".into(), json!("REQUEST"));
    expected.insert("methodArn".into(), json!(ARN));
    expected.insert("identitySource".into(), json!("user1,1"));
    expected.insert("authorizationToken".into(), json!("user1,1"));
    assert_eq!(p.event, Value::Object(expected));
    assert_eq!(p.event["version"], json!("1.0"));

    let m = members(ApiKind::Http, PayloadFormat::V1, &[]);
    assert_eq!(
        prepare(&a, None, ApiKind::Http, ARN, m).err(),
        Some(GatewayError::Unauthorized)
    );
}

#[test]
fn policy_allow_and_context() {
    let a = authorizer(AuthorizerType::Token, PayloadFormat::V1);
    let g = decide(
        &a,
        ApiKind::Rest,
        ARN,
        &payload(policy("Allow", json!(ARN))),
    )
    .expect("allowed");
    assert_eq!(g.principal_id, Some(json!("user-1")));
    assert_eq!(
        event_authorizer(&g, PayloadFormat::V1),
        json!({"principalId": "user-1", "tier": "gold", "n": 3, "ok": true})
    );
    assert_eq!(
        event_authorizer(&g, PayloadFormat::V2),
        json!({"lambda": {"tier": "gold", "n": 3, "ok": true}})
    );
    // Wildcards, a list of resources, a statement object, action wildcards.
    for resource in [
        json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*"),
        json!(["arn:aws:execute-api:us-east-1:123456789012:other/*", "*"]),
        json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/GET/items/*"),
    ] {
        let ans = policy("Allow", resource.clone());
        assert!(
            decide(&a, ApiKind::Rest, ARN, &payload(ans)).is_ok(),
            "{resource}"
        );
    }
    let ans = json!({
        "principalId": "u",
        "policyDocument": {"Statement": {"Action": ["execute-api:*"], "Effect": "Allow", "Resource": "*"}},
    });
    let g = decide(&a, ApiKind::Rest, ARN, &payload(ans)).expect("allowed");
    assert!(g.context.is_empty());
    assert_eq!(
        event_authorizer(&g, PayloadFormat::V1),
        json!({"principalId": "u"})
    );
}

#[test]
fn policy_denials() {
    let a = authorizer(AuthorizerType::Token, PayloadFormat::V1);
    let denied = |ans: Value| decide(&a, ApiKind::Rest, ARN, &payload(ans)).err();
    assert_eq!(
        denied(policy("Deny", json!(ARN))),
        Some(GatewayError::Denied)
    );
    // No statement allows this ARN: denied.
    let other = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/Prod/POST/*";
    assert_eq!(
        denied(policy("Allow", json!(other))),
        Some(GatewayError::Denied)
    );
    // Deny wins over Allow.
    let both = json!({
        "principalId": "u",
        "policyDocument": {"Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "arn:aws:execute-api:*:*:*/*/GET/items/*"},
        ]},
    });
    assert_eq!(denied(both), Some(GatewayError::Denied));
    // Another action does not allow invoking.
    let ans = json!({
        "principalId": "u",
        "policyDocument": {"Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}]},
    });
    assert_eq!(denied(ans), Some(GatewayError::Denied));
}

#[test]
fn authorizer_failures() {
    let a = authorizer(AuthorizerType::Token, PayloadFormat::V1);
    let outcome = |o: Outcome| decide(&a, ApiKind::Rest, ARN, &o).err();
    let unauthorized = json!({"errorMessage": "Unauthorized", "errorType": "Error"});
    assert_eq!(
        outcome(Outcome::FunctionError(
            unauthorized.to_string().into_bytes()
        )),
        Some(GatewayError::Unauthorized)
    );
    let other = json!({"errorMessage": "boom", "errorType": "Error"});
    assert_eq!(
        outcome(Outcome::FunctionError(other.to_string().into_bytes())),
        Some(GatewayError::AuthorizerFailed)
    );
    assert_eq!(
        outcome(Outcome::Timeout),
        Some(GatewayError::AuthorizerFailed)
    );
    assert_eq!(
        outcome(Outcome::InvokeFailed),
        Some(GatewayError::AuthorizerFailed)
    );
    for bad in [
        json!({"principalId": "u"}),
        json!("allow"),
        json!({"principalId": "u", "policyDocument": {"Statement": "x"}}),
        json!({"policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Maybe", "Resource": "*"}]}}),
        json!({"policyDocument": {"Statement": []}, "context": "x"}),
        // A REST API's context holds scalars only.
        json!({"policyDocument": {"Statement": []}, "context": {"nested": {"a": 1}}}),
    ] {
        assert_eq!(
            outcome(payload(bad.clone())),
            Some(GatewayError::AuthorizerFailed),
            "{bad}"
        );
    }
    assert_eq!(
        outcome(Outcome::Payload(b"not json".to_vec())),
        Some(GatewayError::AuthorizerFailed)
    );
}

#[test]
fn simple_responses() {
    let mut a = authorizer(AuthorizerType::Request, PayloadFormat::V2);
    a.simple_responses = true;
    let ans = json!({"isAuthorized": true, "context": {"user": {"id": 7}, "admin": false}});
    let g = decide(&a, ApiKind::Http, ARN, &payload(ans)).expect("allowed");
    assert_eq!(
        event_authorizer(&g, PayloadFormat::V2),
        json!({"lambda": {"user": {"id": 7}, "admin": false}})
    );
    assert_eq!(
        decide(
            &a,
            ApiKind::Http,
            ARN,
            &payload(json!({"isAuthorized": false}))
        )
        .err(),
        Some(GatewayError::Denied)
    );
    assert_eq!(
        decide(
            &a,
            ApiKind::Http,
            ARN,
            &payload(json!({"isAuthorized": "yes"}))
        )
        .err(),
        Some(GatewayError::AuthorizerFailed)
    );
    // Without simple responses, an HTTP API reads a policy (matched against the route ARN).
    a.simple_responses = false;
    assert_eq!(
        decide(
            &a,
            ApiKind::Http,
            ARN,
            &payload(json!({"isAuthorized": true}))
        )
        .err(),
        Some(GatewayError::AuthorizerFailed)
    );
    assert!(decide(
        &a,
        ApiKind::Http,
        ARN,
        &payload(policy("Allow", json!("*")))
    )
    .is_ok());
}
