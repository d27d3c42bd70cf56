//! The check against Lambda's captured messages.

use bytes::Bytes;
use http::{HeaderMap, Method};

use super::*;

const ACCT: &str = "123456789012";

fn req(method: Method, query: &[(&str, &str)], headers: &[(&str, &str)], body: &str) -> ApiRequest {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.insert(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            v.parse().expect("value"),
        );
    }
    ApiRequest::new(
        method,
        query
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        h,
        Bytes::from(body.to_owned()),
    )
}

fn message_of(op: &str, path: &str, r: &ApiRequest) -> Option<(&'static str, String)> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    validate(op, &segs, r, ACCT, "us-east-1")
        .err()
        .map(|e| (e.error_type, e.message))
}

fn body_message(op: &str, path: &str, body: &str) -> String {
    message_of(op, path, &req(Method::POST, &[], &[], body))
        .map(|(_, m)| m)
        .unwrap_or_default()
}

const CREATE: &str = "/2015-03-31/functions";
const ROLE: &str = "arn:aws:iam::123456789012:role/lambda";

fn create_with(extra: &str) -> String {
    body_message(
        "CreateFunction",
        CREATE,
        &format!(r#"{{"FunctionName":"f","Role":"{ROLE}","Code":{{"ZipFile":"UEs="}}{extra}}}"#),
    )
}

#[test]
fn a_valid_request_passes() {
    assert_eq!(create_with(""), "");
    assert_eq!(create_with(r#","Timeout":900,"MemorySize":10240"#), "");
}

#[test]
fn role_pattern() {
    let m = body_message(
        "CreateFunction",
        CREATE,
        r#"{"FunctionName":"f","Role":"r1","Code":{}}"#,
    );
    assert_eq!(
        m,
        r"1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
    );
}

#[test]
fn ranges_with_lambdas_maximum() {
    assert_eq!(
        create_with(r#","Timeout":901"#),
        "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"
    );
    assert_eq!(
        create_with(r#","MemorySize":64"#),
        "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
    );
    assert_eq!(
        create_with(r#","EphemeralStorage":{"Size":100}"#),
        "1 validation error detected: Value '100' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512"
    );
}

#[test]
fn several_violations_in_model_order() {
    let m = body_message("CreateFunction", CREATE, r#"{"Description":"x"}"#);
    assert_eq!(
        m,
        "3 validation errors detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null; Value null at 'role' failed to satisfy constraint: Member must not be null; Value null at 'code' failed to satisfy constraint: Member must not be null"
    );
    let long = format!(
        "arn:aws:lambda:invalid-region:123456789012:function:my-function{}",
        "a".repeat(170)
    );
    let m = body_message(
        "CreateFunction",
        CREATE,
        &format!(r#"{{"FunctionName":"{long}","Role":"{ROLE}","Code":{{}}}}"#),
    );
    assert!(m.starts_with(&format!("2 validation errors detected: Value '{long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140; Value '{long}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:")), "{m}");
}

#[test]
fn lists_show_every_member_constraint() {
    assert_eq!(
        create_with(r#","Architectures":["X86_64"]"#),
        "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"
    );
    assert_eq!(
        create_with(r#","Architectures":["x86_64","arm64"]"#),
        "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"
    );
    assert_eq!(
        create_with(r#","Layers":["arn:aws:lambda:us-east-1:123456789012:layer:l"]"#),
        r"1 validation error detected: Value '[arn:aws:lambda:us-east-1:123456789012:layer:l]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]"
    );
    assert_eq!(
        create_with(r#","VpcConfig":{"SubnetIds":["bad"]}"#),
        "1 validation error detected: Value '[bad]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: subnet-[0-9a-z]*]"
    );
}

#[test]
fn maps_keys_and_values() {
    let m = body_message(
        "CreateAlias",
        "/2015-03-31/functions/f/aliases",
        r#"{"Name":"live","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":2.0}}}"#,
    );
    assert_eq!(m, "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]");
    let m = body_message(
        "CreateAlias",
        "/2015-03-31/functions/f/aliases",
        r#"{"Name":"live","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"$LATEST":0.5}}}"#,
    );
    assert_eq!(m, "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]");
    // Sensitive: the value is left out.
    assert_eq!(
        create_with(r#","Environment":{"Variables":{"my-var":"x"}}"#),
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    );
}

#[test]
fn path_query_and_header_members() {
    let get = |path: &str, query: &[(&str, &str)]| {
        message_of("GetFunction", path, &req(Method::GET, query, &[], "")).map(|(_, m)| m)
    };
    assert_eq!(
        get("/2015-03-31/functions/demo", &[("Qualifier", "live")]),
        None
    );
    assert_eq!(
        get("/2015-03-31/functions/demo", &[("Qualifier", &"a".repeat(129))]),
        Some(format!("1 validation error detected: Value '{}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128", "a".repeat(129)))
    );
    let m = get("/2015-03-31/functions/my-function!", &[]).unwrap_or_default();
    assert!(m.starts_with("1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?"), "{m}");
    let url = message_of(
        "GetFunctionUrlConfig",
        "/2021-10-31/functions/f/url",
        &req(Method::GET, &[("Qualifier", "1")], &[], ""),
    );
    assert_eq!(url, Some(("ValidationException", r"1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\d+$)^[0-9a-zA-Z-_]+$)".into())));
    let untag = message_of(
        "UntagResource",
        "/2017-03-31/tags/arn:aws:lambda:us-east-1:123456789012:function:f",
        &req(Method::DELETE, &[], &[], ""),
    );
    assert_eq!(untag.map(|(_, m)| m).as_deref(), Some("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"));
    let invoke = message_of(
        "Invoke",
        "/2015-03-31/functions/f/invocations",
        &req(
            Method::POST,
            &[],
            &[("x-amz-invocation-type", "Sync")],
            "not json {",
        ),
    );
    assert_eq!(invoke.map(|(_, m)| m).as_deref(), Some("1 validation error detected: Value 'Sync' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"));
}

#[test]
fn an_invoke_body_is_never_parsed() {
    let r = req(Method::POST, &[], &[], "not json {");
    let segs = ["2015-03-31", "functions", "f", "invocations"];
    assert!(validate("Invoke", &segs, &r, ACCT, "us-east-1").is_ok());
    assert!(!r.body_parsed(), "the event stays unparsed");
}

#[test]
fn enum_order_and_deferred_runtime() {
    let m = body_message(
        "CreateFunctionUrlConfig",
        "/2021-10-31/functions/f/url",
        r#"{"AuthType":"NONE","InvokeMode":"UNKNOWN"}"#,
    );
    assert_eq!(m, "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]");
    assert_eq!(
        create_with(r#","Runtime":"cobol""#),
        "",
        "runtimes are the catalog's to check"
    );
}

#[test]
fn every_pattern_compiles() {
    for op in model::OPERATIONS {
        for m in op.members {
            every_pattern(m.shape);
        }
    }
}

fn every_pattern(shape: &Shape) {
    match shape.kind {
        Kind::Str {
            pattern: Some(p), ..
        } => {
            let source = format!("^(?:{})$", p.text);
            assert!(fancy_regex::Regex::new(&source).is_ok(), "{}", p.text);
        }
        Kind::List { member, .. } => every_pattern(member),
        Kind::Map { key, value, .. } => {
            every_pattern(key);
            every_pattern(value);
        }
        Kind::Struct(members) => members.iter().for_each(|m| every_pattern(m.shape)),
        _ => {}
    }
}

#[test]
fn the_table_has_every_operation_sorted() {
    assert_eq!(model::OPERATIONS.len(), 91);
    assert!(model::OPERATIONS.windows(2).all(|w| w[0].name < w[1].name));
    assert!(operation("CreateFunction").is_some());
    assert!(operation("LambkinHealth").is_none());
    let dump = table_json();
    assert!(dump["rows"].as_array().is_some_and(|r| r.len() > 500));
}

#[test]
fn unrouted_requests_find_their_operation() {
    let segs =
        |p: &'static str| -> Vec<&'static str> { p.split('/').filter(|s| !s.is_empty()).collect() };
    assert_eq!(
        operation_for("PUT", &segs("/2024-08-31/functions/f/recursion-config")),
        Some("PutFunctionRecursionConfig")
    );
    assert_eq!(
        operation_for("GET", &segs("/2015-03-31/functions/f")),
        Some("GetFunction")
    );
    assert_eq!(
        operation_for("PATCH", &segs("/2015-03-31/functions/f")),
        None
    );
    let r = req(Method::PUT, &[], &[], r#"{"RecursiveLoop":"InvalidValue"}"#);
    let m = message_of(
        "PutFunctionRecursionConfig",
        "/2024-08-31/functions/f/recursion-config",
        &r,
    );
    assert_eq!(m.map(|(_, m)| m).as_deref(), Some("1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]"));
}
