//! `lambkin local …`, shaped like `sam local` for people and scripts used to it: `local invoke LOGICAL_ID`
//! deploys the template (as `lambkin deploy --template`) and invokes one of its functions by its logical id,
//! printing its log to stderr and its answer to stdout; `local generate-event SERVICE EVENT` prints an event of
//! the common shapes Lambda receives.

use bytes::Bytes;
use http::Method;
use serde_json::{json, Value};

use super::invoke::{decode_log, payload};
use super::template::deploy_template;
use super::{function_path, print_json};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::{GenerateEventArgs, LocalInvokeArgs};

/// Runs `lambkin local invoke`.
pub async fn invoke(api: &Api, con: &mut Console, a: LocalInvokeArgs) -> Result<(), CliError> {
    let event = match (&a.event, &a.event_json) {
        (Some(file), _) if file == "-" => payload(Some("-"))?,
        (Some(file), _) => payload(Some(&format!("@{file}")))?,
        (None, Some(text)) => text.as_bytes().to_vec(),
        (None, None) => b"{}".to_vec(),
    };
    let deployed = deploy_template(api, con, &a.source).await?;
    let logical = match &a.function {
        Some(id) => id.clone(),
        None if deployed.plan.functions.len() == 1 => deployed.plan.functions[0].logical_id.clone(),
        None => {
            return Err(
                CliError::usage("the template has several functions: name one")
                    .hint(format!("one of: {}", logical_ids(&deployed.plan))),
            )
        }
    };
    let Some(f) = deployed
        .plan
        .functions
        .iter()
        .find(|f| f.logical_id == logical || f.name == logical)
    else {
        return Err(
            CliError::usage(format!("{logical} is not a function of the template"))
                .hint(format!("its functions: {}", logical_ids(&deployed.plan))),
        );
    };
    // The code just deployed: `$LATEST` (a durable function is invoked qualified by it).
    let path = format!("{}/invocations?Qualifier=%24LATEST", function_path(&f.name));
    let headers = [
        ("x-amz-invocation-type", "RequestResponse"),
        ("x-amz-log-type", "Tail"),
    ];
    let resp = api
        .request(Method::POST, &path, &headers, Bytes::from(event))
        .await?
        .ok()?;
    if let Some(log) = resp.header("X-Amz-Log-Result").and_then(decode_log) {
        con.eprint(&log);
        if !log.is_empty() && !log.ends_with('\n') {
            con.eprint("\n");
        }
    }
    con.write_out(&resp.body)?;
    if !resp.body.ends_with(b"\n") {
        con.write_out(b"\n")?;
    }
    con.flush()?;
    if let Some(err) = resp.header("X-Amz-Function-Error") {
        return Err(CliError::msg(format!("{logical}: function error ({err})")));
    }
    Ok(())
}

/// The template's functions' logical ids, for hints.
fn logical_ids(plan: &lambkin_sam::Plan) -> String {
    plan.functions
        .iter()
        .map(|f| f.logical_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `lambkin local generate-event`.
pub fn generate_event(con: &mut Console, a: &GenerateEventArgs) -> Result<(), CliError> {
    let event = match (a.service.as_str(), a.event.as_str()) {
        ("apigateway", "aws-proxy") => aws_proxy(a),
        ("apigateway", "http-api") => http_api(a),
        ("sqs", "receive-message") => sqs(a),
        (s, e) => {
            return Err(CliError::usage(format!("no event {s} {e}"))
                .hint("events: apigateway aws-proxy, apigateway http-api, sqs receive-message"))
        }
    };
    print_json(con, &event)
}

/// The request's query string parsed as API Gateway does: the last value of each name, and every value.
fn query(a: &GenerateEventArgs) -> (Value, Value, String) {
    let raw = a
        .path
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .to_owned();
    let mut single = serde_json::Map::new();
    let mut multi: serde_json::Map<String, Value> = serde_json::Map::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        single.insert(k.to_owned(), json!(v));
        match multi.get_mut(k).and_then(Value::as_array_mut) {
            Some(list) => list.push(json!(v)),
            None => {
                multi.insert(k.to_owned(), json!([v]));
            }
        }
    }
    let or_null = |m: serde_json::Map<String, Value>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m)
        }
    };
    (or_null(single), or_null(multi), raw)
}

fn path_only(a: &GenerateEventArgs) -> String {
    a.path.split('?').next().unwrap_or("/").to_owned()
}

const REQUEST_ID: &str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
const API_ID: &str = "1234567890";
const ACCOUNT: &str = "123456789012";

/// A REST API's proxy integration event (payload format 1.0).
fn aws_proxy(a: &GenerateEventArgs) -> Value {
    let (single, multi, _) = query(a);
    let path = path_only(a);
    let method = a.method.to_ascii_uppercase();
    json!({
        "body": a.body,
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "isBase64Encoded": false,
        "queryStringParameters": single,
        "multiValueQueryStringParameters": multi,
        "pathParameters": {"proxy": path.trim_start_matches('/')},
        "stageVariables": null,
        "headers": {
            "Accept": "*/*",
            "Host": format!("{API_ID}.execute-api.us-east-1.amazonaws.com"),
            "User-Agent": "Custom User Agent String",
            "X-Forwarded-Proto": "https",
        },
        "multiValueHeaders": {
            "Accept": ["*/*"],
            "Host": [format!("{API_ID}.execute-api.us-east-1.amazonaws.com")],
            "User-Agent": ["Custom User Agent String"],
            "X-Forwarded-Proto": ["https"],
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "resourceId": "123456",
            "stage": a.stage,
            "requestId": REQUEST_ID,
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": 1428582896000u64,
            "identity": {
                "cognitoIdentityPoolId": null, "accountId": null, "cognitoIdentityId": null, "caller": null,
                "accessKey": null, "sourceIp": "127.0.0.1", "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null, "userArn": null,
                "userAgent": "Custom User Agent String", "user": null,
            },
            "path": format!("/{}{}", a.stage, path),
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "apiId": API_ID,
            "protocol": "HTTP/1.1",
        },
    })
}

/// An HTTP API's event (payload format 2.0).
fn http_api(a: &GenerateEventArgs) -> Value {
    // Format 2.0 joins a repeated parameter's values with commas (1.0's single-value map keeps the last).
    let (_, multi, raw) = query(a);
    let single = match multi {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, vs)| {
                    let vs: Vec<&str> = vs
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    (k, json!(vs.join(",")))
                })
                .collect(),
        ),
        other => other,
    };
    let path = path_only(a);
    let method = a.method.to_ascii_uppercase();
    let route = format!("{method} {path}");
    let mut v = json!({
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": raw,
        "headers": {
            "accept": "*/*",
            "content-length": a.body.len().to_string(),
            "host": format!("{API_ID}.execute-api.us-east-1.amazonaws.com"),
            "user-agent": "Custom User Agent String",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": format!("{API_ID}.execute-api.us-east-1.amazonaws.com"),
            "domainPrefix": API_ID,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "Custom User Agent String"},
            "requestId": REQUEST_ID,
            "routeKey": route,
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1584039838000u64,
        },
        "body": a.body,
        "isBase64Encoded": false,
    });
    if !single.is_null() {
        v["queryStringParameters"] = single;
    }
    v
}

/// An SQS batch of one message.
fn sqs(a: &GenerateEventArgs) -> Value {
    let digest = md5_hex(a.body.as_bytes());
    json!({"Records": [{
        "messageId": "19dd0b57-b21e-4ac1-bd88-01bbb068cb78",
        "receiptHandle": "MessageReceiptHandle",
        "body": a.body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1523232000000",
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": "1523232000001",
        },
        "messageAttributes": {},
        "md5OfBody": digest,
        "eventSource": "aws:sqs",
        "eventSourceARN": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{}", a.queue_name),
        "awsRegion": "us-east-1",
    }]})
}

/// `md5OfBody`: the MD5 of the body in hex, as SQS gives it.
fn md5_hex(data: &[u8]) -> String {
    use md5::Digest as _;
    hex_of(&md5::Md5::digest(data))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(service: &str, event: &str, path: &str) -> GenerateEventArgs {
        GenerateEventArgs {
            service: service.into(),
            event: event.into(),
            body: "{\"a\":1}".into(),
            path: path.into(),
            method: "post".into(),
            stage: "prod".into(),
            queue_name: "jobs".into(),
        }
    }

    #[test]
    fn md5_of_the_body() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn api_events_carry_the_request() {
        let v1 = aws_proxy(&args("apigateway", "aws-proxy", "/orders/7?x=1&x=2&y=3"));
        assert_eq!(v1["httpMethod"], json!("POST"));
        assert_eq!(v1["path"], json!("/orders/7"));
        assert_eq!(v1["queryStringParameters"], json!({"x": "2", "y": "3"}));
        assert_eq!(
            v1["multiValueQueryStringParameters"]["x"],
            json!(["1", "2"])
        );
        assert_eq!(v1["requestContext"]["stage"], json!("prod"));
        let v2 = http_api(&args("apigateway", "http-api", "/orders/7?x=1"));
        assert_eq!(v2["version"], json!("2.0"));
        assert_eq!(v2["routeKey"], json!("POST /orders/7"));
        assert_eq!(v2["rawQueryString"], json!("x=1"));
        assert_eq!(v2["requestContext"]["http"]["method"], json!("POST"));
        let joined = http_api(&args("apigateway", "http-api", "/orders/7?x=1&x=2&y=3"));
        assert_eq!(
            joined["queryStringParameters"],
            json!({"x": "1,2", "y": "3"})
        );
        let q = sqs(&args("sqs", "receive-message", "/"));
        assert_eq!(q["Records"][0]["body"], json!("{\"a\":1}"));
        assert_eq!(
            q["Records"][0]["eventSourceARN"],
            json!("arn:aws:sqs:us-east-1:123456789012:jobs")
        );
    }
}
