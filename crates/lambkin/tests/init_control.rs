//! `lambkin init --control-fd N` driven over a real socketpair, with a real process as the runtime.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use bytes::Bytes;
use lambkin_wire::{write_frame, FrameReader, HostMessage, InitMessage, StartConfig};
use tokio::net::UnixStream;

/// A runtime in Python's standard library: answers each event with the list of its own open descriptors.
const RUNTIME: &str = r#"
import http.client, json, os, sys
api = os.environ["AWS_LAMBDA_RUNTIME_API"]
host, port = api.split(":")
c = http.client.HTTPConnection(host, int(port))
while True:
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    event = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    print("got", event.decode(), flush=True)
    log_fd = int(os.environ.get("_LAMBDA_TELEMETRY_LOG_FD", "-1"))
    fds = sorted(int(f) for f in os.listdir("/proc/self/fd") if int(f) != log_fd)
    body = json.dumps({"event": json.loads(event), "fds": fds, "env": sorted(os.environ)})
    c.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=body)
    c.getresponse().read()
"#;

fn start_config(script: &str) -> StartConfig {
    let env = vec![
        (
            "AWS_LAMBDA_RUNTIME_API".to_owned(),
            "127.0.0.1:0".to_owned(),
        ),
        ("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned()),
    ];
    StartConfig {
        function_name: "ctl".into(),
        function_version: "$LATEST".into(),
        memory_mb: 128,
        timeout: std::time::Duration::from_secs(10),
        init_timeout: std::time::Duration::from_secs(10),
        handler: "".into(),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        log_group: "/aws/lambda/ctl".into(),
        log_stream: "s".into(),
        init_type: lambkin_wire::InitType::OnDemand,
        bootstrap: vec!["python3".into(), "-c".into(), script.into()],
        cwd: "/".into(),
        extensions_dir: "/nonexistent".into(),
        runtime_env: env.clone(),
        extension_env: env,
        api_address: "127.0.0.1:0".into(),
        shutdown_window: std::time::Duration::from_secs(2),
        confine_children: false,
        json_system_log: None,
        lambda_api: false,
    }
}

#[tokio::test]
async fn init_serves_a_host_over_the_control_channel() {
    let (host, child_end) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    let child_fd: OwnedFd = child_end.into();
    let raw = child_fd.as_raw_fd();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambkin"));
    cmd.args(["init", "--control-fd", "3"]).stdin(Stdio::null());
    // SAFETY: runs between fork and exec; dup2 is async-signal-safe and only touches descriptors.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(raw, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn lambkin init");
    drop(child_fd);
    host.set_nonblocking(true).expect("nonblocking");
    let (reader, mut host) = UnixStream::from_std(host)
        .expect("tokio stream")
        .into_split();
    let mut reader = FrameReader::new(reader);

    let start = HostMessage::Start {
        config: Box::new(start_config(RUNTIME)),
    };
    write_frame(&mut host, &start, Bytes::new())
        .await
        .expect("send start");
    let (ready, _): (InitMessage, _) = reader.next().await.expect("ready");
    assert!(matches!(ready, InitMessage::Ready { .. }), "{ready:?}");

    let invoke = HostMessage::Invoke {
        request: lambkin_wire::InvokeRequest {
            request_id: Some("req-1".into()),
            ..Default::default()
        },
    };
    write_frame(&mut host, &invoke, Bytes::from_static(br#"{"n":1}"#))
        .await
        .expect("send invoke");
    let mut response = None;
    let mut logs = Vec::new();
    loop {
        let (msg, payload): (InitMessage, _) = reader.next().await.expect("frame");
        match msg {
            InitMessage::Response { request_id, .. } => {
                assert_eq!(request_id, "req-1");
                response = Some(payload);
            }
            InitMessage::Log { .. } => logs.push(String::from_utf8_lossy(&payload).into_owned()),
            InitMessage::Done {
                request_id, status, ..
            } => {
                assert_eq!(request_id, "req-1");
                assert_eq!(status, lambkin_wire::InvokeStatus::Success);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let body: serde_json::Value =
        serde_json::from_slice(&response.expect("a response")).expect("json");
    assert_eq!(body["event"], serde_json::json!({"n": 1}));
    // The control channel (and every other internal descriptor) stayed out of the runtime: besides stdio and
    // the framed log pipe named by _LAMBDA_TELEMETRY_LOG_FD it only has the HTTP socket it opened itself and
    // the directory listing /proc/self/fd.
    let fds: Vec<i64> = body["fds"]
        .as_array()
        .expect("fds")
        .iter()
        .filter_map(|v| v.as_i64())
        .collect();
    assert_eq!(&fds[..3], &[0, 1, 2]);
    assert!(
        body["env"]
            .as_array()
            .is_some_and(|e| e.iter().any(|v| v == "_LAMBDA_TELEMETRY_LOG_FD")),
        "the runtime gets a framed log descriptor: {body}"
    );
    assert!(
        fds.len() <= 5,
        "unexpected descriptors in the runtime: {fds:?}"
    );
    assert!(logs.iter().any(|l| l == r#"got {"n":1}"#), "{logs:?}");
    assert!(
        logs.iter().any(|l| l.starts_with("START RequestId: req-1")),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("REPORT RequestId: req-1")),
        "{logs:?}"
    );

    write_frame(
        &mut host,
        &HostMessage::Shutdown {
            reason: lambkin_wire::ShutdownReason::Spindown,
        },
        Bytes::new(),
    )
    .await
    .expect("send shutdown");
    loop {
        let (msg, _): (InitMessage, _) = reader.next().await.expect("frame");
        if msg == InitMessage::Stopped {
            break;
        }
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
}
