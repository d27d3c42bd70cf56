//! The commands against a tiny in-test HTTP server that records every request and answers from a script.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use clap::{CommandFactory, Parser};
use http_body_util::{BodyExt, Full};
use lambkin_cli::{Command, Console, Endpoint, InvokeArgs, LayerCommand};
use serde_json::{json, Value};

/// A request the server saw.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    /// Path and query, as sent.
    target: String,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Recorded {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn is(&self, method: &str, target: &str) -> bool {
        self.method == method && self.target == target
    }
}

/// What the script answers.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
    }
}

fn not_found(what: &str) -> Reply {
    Reply {
        status: 404,
        headers: vec![
            ("x-amzn-ErrorType", "ResourceNotFoundException".into()),
            ("x-amzn-RequestId", "r-404".into()),
        ],
        body: json!({"Type": "User", "Message": format!("Function not found: {what}")}).to_string(),
    }
}

/// (method, target) of each request, in order.
fn calls(reqs: &[Recorded]) -> Vec<(&str, &str)> {
    reqs.iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect()
}

type Log = Arc<Mutex<Vec<Recorded>>>;

struct Server {
    url: String,
    log: Log,
}

impl Server {
    fn requests(&self) -> Vec<Recorded> {
        self.log.lock().expect("log").clone()
    }
}

/// Starts a server on 127.0.0.1:0; `script(request, earlier requests)` answers.
async fn serve<F>(script: F) -> Server
where
    F: Fn(&Recorded, &[Recorded]) -> Reply + Send + Sync + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let log: Log = Arc::default();
    let script = Arc::new(script);
    let server_log = log.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = server_log.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        let script = script.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let rec = Recorded {
                                method: parts.method.to_string(),
                                target: parts
                                    .uri
                                    .path_and_query()
                                    .map(|p| p.as_str().to_owned())
                                    .unwrap_or_default(),
                                headers: parts.headers,
                                body,
                            };
                            let r = {
                                let mut log = log.lock().expect("log");
                                let r = script(&rec, &log);
                                log.push(rec);
                                r
                            };
                            let mut resp = http::Response::builder().status(r.status);
                            for (k, v) in r.headers {
                                resp = resp.header(k, v);
                            }
                            resp.body(Full::new(Bytes::from(r.body)))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Server {
        url: format!("http://{addr}"),
        log,
    }
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buf").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("buf")).into_owned()
    }
}

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Command,
    #[command(flatten)]
    endpoint: Endpoint,
}

#[test]
fn command_line_surface() {
    Cli::command().debug_assert();
    let cli = Cli::try_parse_from(["lambkin", "layer", "ls", "--json"]).expect("layer ls");
    assert!(cli.endpoint.json);
    assert!(matches!(
        cli.cmd,
        Command::Layer {
            cmd: LayerCommand::Ls(_)
        }
    ));
    let cli = Cli::try_parse_from([
        "lambkin",
        "deploy",
        "f",
        "dir",
        "--env",
        "A=1",
        "--env",
        "B=2",
        "--layer",
        "x",
        "--publish",
    ])
    .expect("deploy");
    match cli.cmd {
        Command::Deploy(d) => {
            assert_eq!((d.env.len(), d.layers.len(), d.publish), (2, 1, true));
            assert_eq!(d.runtime, None);
        }
        other => panic!("{other:?}"),
    }
    let cli = Cli::try_parse_from(["lambkin", "invoke", "f", "-", "--async"]).expect("invoke");
    assert!(matches!(
        cli.cmd,
        Command::Invoke(InvokeArgs {
            asynchronous: true,
            ..
        })
    ));
    assert!(Cli::try_parse_from(["lambkin", "rm"]).is_err());
}

/// Runs `lambkin --endpoint URL ARGS…`; returns (exit code, stdout, stderr).
async fn lambkin(url: &str, args: &[&str]) -> (i32, String, String) {
    let mut argv = vec!["lambkin", "--endpoint", url];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).expect("valid arguments");
    let (out, err) = (Buf::default(), Buf::default());
    let mut console = Console::new(Box::new(out.clone()), Box::new(err.clone()));
    let code = lambkin_cli::run_with(&cli.endpoint, cli.cmd, &mut console).await;
    (code, out.text(), err.text())
}

fn config(state: &str, update: &str, timeout: u64) -> Value {
    json!({
        "FunctionName": "demo",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:demo",
        "Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 256, "Timeout": timeout,
        "CodeSize": 321, "CodeSha256": "c2hhMjU2", "Version": "$LATEST",
        "State": state, "LastUpdateStatus": update,
        "StateReason": if state == "Failed" { "bootstrap: not found" } else { "" },
        "LastModified": "2026-11-24T04:32:51.000+0000",
    })
}

fn function_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lkcli-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("bootstrap"), "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(
        dir.join("bootstrap"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    dir
}

const FN_PATH: &str = "/2015-03-31/functions/demo";

#[tokio::test]
async fn deploy_creates_then_polls_until_active() {
    let server = serve(|req, earlier| {
        let created = earlier.iter().any(|r| r.method == "POST");
        if req.is("GET", FN_PATH) {
            if !created {
                return not_found("demo");
            }
            let polls = earlier.iter().filter(|r| r.method == "GET").count() - 1;
            return match polls {
                0 => reply(200, json!({"Configuration": config("Pending", "", 3)})),
                _ => reply(
                    200,
                    json!({"Configuration": config("Active", "Successful", 3)}),
                ),
            };
        }
        if req.is("POST", "/2015-03-31/functions") {
            return reply(201, config("Pending", "", 3));
        }
        reply(500, Value::Null)
    })
    .await;
    let dir = function_dir("create");
    let path = dir.to_string_lossy().into_owned();
    let (code, out, err) = lambkin(
        &server.url,
        &[
            "deploy",
            "demo",
            &path,
            "--env",
            "GREETING=hi",
            "--memory",
            "256",
            "--layer",
            "arn:aws:lambda:us-east-1:123456789012:layer:notes:1",
            "--description",
            "d",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("arn:aws:lambda:us-east-1:123456789012:function:demo"),
        "{out}"
    );
    assert!(
        out.contains("Active") && out.contains("c2hhMjU2") && out.contains("321 bytes"),
        "{out}"
    );
    assert!(err.contains("created demo"), "{err}");

    let reqs = server.requests();
    let get = ("GET", FN_PATH);
    let create = ("POST", "/2015-03-31/functions");
    assert_eq!(calls(&reqs), [get, create, get, get]);
    let posted = &reqs[1];
    assert_eq!(posted.header("content-type"), Some("application/json"));
    assert!(posted
        .header("x-amz-date")
        .is_some_and(|d| d.len() == 16 && d.ends_with('Z')));
    let body = posted.json();
    let zip_b64 = body["Code"]["ZipFile"]
        .as_str()
        .expect("Code.ZipFile")
        .to_owned();
    let mut expected = json!({
        "FunctionName": "demo", "Runtime": "provided.al2023", "Handler": "bootstrap",
        "Role": "arn:aws:iam::123456789012:role/lambkin", "Code": {"ZipFile": zip_b64},
        "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:notes:1"],
        "Environment": {"Variables": {"GREETING": "hi"}}, "MemorySize": 256, "Description": "d",
        "Publish": false,
    });
    assert_eq!(body, expected);
    let zip = base64::engine::general_purpose::STANDARD
        .decode(&zip_b64)
        .expect("base64");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let boot = archive.by_name("bootstrap").expect("bootstrap in the zip");
    assert_eq!(boot.unix_mode().map(|m| m & 0o777), Some(0o755));
    drop(boot);

    // The same directory again gives the same bytes (and so the same CodeSha256).
    let again = serve(|req, _| {
        if req.method == "GET" {
            not_found("demo")
        } else {
            reply(400, Value::Null)
        }
    })
    .await;
    let _ = lambkin(&again.url, &["deploy", "demo", &path]).await;
    let second = again
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("a second CreateFunction");
    expected = second.json();
    assert_eq!(expected["Code"]["ZipFile"].as_str(), Some(zip_b64.as_str()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn deploy_updates_code_waits_then_configuration() {
    let server = serve(|req, earlier| {
        if req.method == "GET" {
            // InProgress on the first look after each change, then Successful.
            let since_change = earlier
                .iter()
                .rev()
                .take_while(|r| r.method == "GET")
                .count();
            let changed = earlier.iter().any(|r| r.method != "GET");
            let timeout = if earlier.iter().any(|r| r.target.ends_with("/configuration")) {
                9
            } else {
                3
            };
            let update = if changed && since_change == 0 {
                "InProgress"
            } else {
                "Successful"
            };
            return reply(
                200,
                json!({"Configuration": config("Active", update, timeout)}),
            );
        }
        reply(200, config("Active", "InProgress", 3))
    })
    .await;
    let dir = function_dir("update");
    let (code, out, err) = lambkin(
        &server.url,
        &[
            "deploy",
            "demo",
            &dir.to_string_lossy(),
            "--timeout",
            "9",
            "--json",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let printed: Value = serde_json::from_str(&out).expect("JSON configuration");
    assert_eq!(printed["Timeout"], 9);
    assert!(err.contains("updated demo"), "{err}");
    let reqs = server.requests();
    let get = ("GET", FN_PATH);
    let code = ("PUT", "/2015-03-31/functions/demo/code");
    let configuration = ("PUT", "/2015-03-31/functions/demo/configuration");
    assert_eq!(calls(&reqs), [get, code, get, get, configuration, get, get]);
    assert!(reqs[1].json()["ZipFile"].is_string());
    // Only the flags given: a redeploy does not reset the runtime or handler.
    assert_eq!(reqs[4].json(), json!({"Timeout": 9}));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn deploy_reports_a_failed_function() {
    let server = serve(|req, earlier| {
        if req.method == "GET" && earlier.is_empty() {
            not_found("demo")
        } else if req.method == "GET" {
            reply(200, json!({"Configuration": config("Failed", "", 3)}))
        } else {
            reply(201, config("Pending", "", 3))
        }
    })
    .await;
    let dir = function_dir("failed");
    let (code, _, err) = lambkin(&server.url, &["deploy", "demo", &dir.to_string_lossy()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("demo failed: bootstrap: not found"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn invoke_tail_prints_body_and_decoded_log() {
    let log = "START RequestId: r-1\nhello from the function\nEND RequestId: r-1\n";
    let server = serve(move |_, _| Reply {
        status: 200,
        headers: vec![
            ("X-Amz-Executed-Version", "$LATEST".into()),
            (
                "X-Amz-Log-Result",
                base64::engine::general_purpose::STANDARD.encode(log),
            ),
        ],
        body: r#"{"ok":true}"#.into(),
    })
    .await;
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:demo";
    let (code, out, err) = lambkin(
        &server.url,
        &[
            "invoke",
            arn,
            r#"{"a": 1}"#,
            "--qualifier",
            "live",
            "--tail",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, r#"{"ok":true}"#);
    assert_eq!(err, log);
    let reqs = server.requests();
    assert_eq!(
        reqs[0].target,
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ademo/invocations?Qualifier=live"
    );
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].header("x-amz-log-type"), Some("Tail"));
    assert_eq!(
        reqs[0].header("x-amz-invocation-type"),
        Some("RequestResponse")
    );
    assert_eq!(reqs[0].body.as_ref(), br#"{"a": 1}"#);
}

#[tokio::test]
async fn invoke_function_error_exits_1_after_printing_the_body() {
    let server = serve(|_, _| Reply {
        status: 200,
        headers: vec![("X-Amz-Function-Error", "Unhandled".into())],
        body: r#"{"errorMessage":"oops","errorType":"Error"}"#.into(),
    })
    .await;
    let (code, out, err) = lambkin(&server.url, &["invoke", "demo"]).await;
    assert_eq!(code, 1);
    assert!(out.contains("oops"));
    assert!(err.contains("error: function error (Unhandled)"), "{err}");
    assert_eq!(server.requests()[0].body.as_ref(), b"{}");
}

#[tokio::test]
async fn invoke_async_is_accepted() {
    let server = serve(|_, _| Reply {
        status: 202,
        headers: vec![("x-amzn-RequestId", "req-42".into())],
        body: String::new(),
    })
    .await;
    let (code, out, _) = lambkin(&server.url, &["invoke", "demo", "--async"]).await;
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "accepted (request id req-42)");
    assert_eq!(
        server.requests()[0].header("x-amz-invocation-type"),
        Some("Event")
    );
}

#[tokio::test]
async fn invoke_missing_function_says_deploy_first() {
    let server = serve(|_, _| not_found("ghost")).await;
    let (code, out, err) = lambkin(&server.url, &["invoke", "ghost:prod"]).await;
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with("error: ResourceNotFoundException: Function not found: ghost"),
        "{err}"
    );
    assert!(
        err.contains("hint: deploy it first: lambkin deploy ghost DIR"),
        "{err}"
    );
}

#[tokio::test]
async fn no_server_says_start_it() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let (code, _, err) = lambkin(&url, &["ls"]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("connection refused by {url}")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "is `lambkin serve` running at {url}? start it with: lambkin serve"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn https_is_a_usage_error() {
    let (code, _, err) = lambkin("https://127.0.0.1:9000", &["ls"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("https is not supported"), "{err}");
}

#[tokio::test]
async fn ls_follows_next_marker_and_aligns() {
    let server = serve(|req, _| {
        let f = |name: &str, mem: u64| {
            let mut c = config("Active", "Successful", 3);
            c["FunctionName"] = json!(name);
            c["MemorySize"] = json!(mem);
            c
        };
        match req.target.as_str() {
            "/2015-03-31/functions" => reply(
                200,
                json!({"Functions": [f("a", 128), f("a-much-longer-name", 1024)], "NextMarker": "m 1"}),
            ),
            "/2015-03-31/functions?Marker=m%201" => {
                reply(200, json!({"Functions": [f("c", 512)], "NextMarker": null}))
            }
            _ => reply(500, Value::Null),
        }
    })
    .await;
    let (code, out, err) = lambkin(&server.url, &["ls"]).await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "RUNTIME", "MEMORY", "TIMEOUT", "STATE", "LAST", "MODIFIED"]
    );
    let col = lines[0].find("RUNTIME").expect("RUNTIME");
    assert_eq!(col, "a-much-longer-name  ".len());
    for line in &lines[1..] {
        assert_eq!(line.find("provided.al2023"), Some(col), "{out}");
        assert!(line.ends_with("2026-11-24 04:32:51"), "{line}");
    }
    assert!(lines[2].starts_with("a-much-longer-name  provided.al2023  1024 MB"));
    let (code, out, _) = lambkin(&server.url, &["ls", "--json"]).await;
    assert_eq!(code, 0);
    let all: Value = serde_json::from_str(&out).expect("JSON array");
    let names: Vec<&str> = all
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["FunctionName"].as_str())
        .collect();
    assert_eq!(names, ["a", "a-much-longer-name", "c"]);
}

#[tokio::test]
async fn logs_prints_messages_or_json_lines() {
    let server = serve(|_, _| {
        reply(
            200,
            json!({"events": [
                {"timestamp": 1, "logStreamName": "2026/11/24/[$LATEST]abc", "message": "START RequestId: r\n"},
                {"timestamp": 2, "logStreamName": "2026/11/24/[$LATEST]abc", "message": "hello"},
            ], "nextCursor": "Y3Vy"}),
        )
    })
    .await;
    let (code, out, err) = lambkin(&server.url, &["logs", "demo"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "START RequestId: r\nhello\n");
    assert_eq!(
        server.requests()[0].target,
        "/lambkin/v1/functions/demo/logs?since=0&cursor=&limit=1000"
    );
    let (code, out, _) = lambkin(&server.url, &["logs", "demo", "--since", "10m", "--json"]).await;
    assert_eq!(code, 0);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["message"], "hello");
    let since: u64 = server.requests()[1]
        .target
        .split("since=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .and_then(|s| s.parse().ok())
        .expect("since");
    assert!(since > 1_700_000_000_000, "{since}");
}

#[tokio::test]
async fn rm_and_layer_publish() {
    let server = serve(|req, _| match req.method.as_str() {
        "DELETE" => reply(204, Value::Null),
        _ => reply(
            201,
            json!({"LayerVersionArn": "arn:aws:lambda:us-east-1:123456789012:layer:notes:1", "Version": 1}),
        ),
    })
    .await;
    let (code, _, err) = lambkin(&server.url, &["rm", "demo", "--qualifier", "1"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("deleted demo version 1"));
    let dir = function_dir("layer");
    let (code, out, err) = lambkin(
        &server.url,
        &[
            "layer",
            "publish",
            "notes",
            &dir.to_string_lossy(),
            "--compatible-runtime",
            "provided.al2023",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "arn:aws:lambda:us-east-1:123456789012:layer:notes:1"
    );
    let reqs = server.requests();
    assert!(reqs[0].is("DELETE", "/2015-03-31/functions/demo?Qualifier=1"));
    assert!(reqs[1].is("POST", "/2018-10-31/layers/notes/versions"));
    let body = reqs[1].json();
    assert!(body["Content"]["ZipFile"].is_string());
    assert_eq!(body["CompatibleRuntimes"], json!(["provided.al2023"]));
    let _ = std::fs::remove_dir_all(&dir);
}
