//! `lambkin init --control-fd N`: the init driven by a host over the control channel (`lambkin-wire`).
//!
//! The host sends `Start`, then `Invoke`s and finally `Shutdown`; the init answers with response frames, log
//! lines and `Done` per invoke. If the channel closes, the environment shuts down (`spindown`) and the init exits.
//! With `StartConfig::lambda_api`, the environment's Lambda API calls go to the host as `ApiCall`s and its
//! `ApiAnswer`s come back, at any time from the init phase on (`lambda_api.rs`).

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use lambkin_wire::{FrameBatch, FrameError, FrameReader, HostMessage, InitMessage, StartConfig};
use tokio::sync::mpsc;

use crate::lambda_api::{self, Calls};
use crate::logs::{Forward, Source};
use crate::{Init, InitConfig, InvokeHandle, ShutdownReason};
use lambkin_wire::ResponseHead;

type Outgoing = (InitMessage, Bytes);

/// How long log lines may wait for a message that matters (a response frame, `Done`) to travel with it.
const LOG_DELAY: Duration = Duration::from_millis(2);
/// Queued bytes that go out without waiting.
const BATCH_BYTES: usize = 64 << 10;

/// Lambda's function user, `sbx_user1051`.
pub const FUNCTION_UID: u32 = 993;
/// Lambda's open-files limit.
pub const FUNCTION_NOFILE: u64 = 1024;

fn config(start: StartConfig) -> Result<InitConfig, String> {
    let child_identity = if start.confine_children {
        Some(crate::config::ChildIdentity {
            uid: FUNCTION_UID,
            gid: FUNCTION_UID,
            nofile: FUNCTION_NOFILE,
            seccomp: Some(Arc::new(crate::seccomp::function_filter()?)),
        })
    } else {
        None
    };
    Ok(InitConfig {
        start,
        echo_logs: false,
        child_identity,
    })
}

/// Serves the host on the inherited descriptor until `Shutdown` or the channel closes.
pub async fn serve(fd: OwnedFd) -> Result<(), String> {
    // The channel must never reach the runtime or extensions.
    rustix::io::fcntl_setfd(fd.as_fd(), rustix::io::FdFlags::CLOEXEC)
        .map_err(|e| format!("cannot mark the control channel close-on-exec: {e}"))?;
    let std_stream = std::os::unix::net::UnixStream::from(fd);
    let (reader, writer) =
        lambkin_wire::channel::split(std_stream).map_err(|e| format!("control channel: {e}"))?;
    let mut reader = FrameReader::new(reader);

    let (out_tx, out_rx) = mpsc::unbounded_channel::<Outgoing>();
    let writer_task = tokio::spawn(write_loop(writer, out_rx));

    let mut start = match reader.next::<HostMessage>().await {
        Ok((HostMessage::Start { config: c }, _)) => config(*c)?,
        Ok((other, _)) => return Err(format!("expected Start first, got {other:?}")),
        Err(e) => return Err(e.to_string()),
    };
    // Bound before the environments of the runtime and extensions are final: they name its port.
    let calls = if start.lambda_api {
        let listener = lambda_api::bind()
            .await
            .map_err(|e| format!("cannot start the Lambda API: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot start the Lambda API: {e}"))?;
        lambda_api::advertise(&mut start.start, addr);
        let calls = Calls::new(out_tx.clone(), &start.start);
        tokio::spawn(lambda_api::serve(listener, calls.clone()));
        Some(calls)
    } else {
        None
    };
    let log_tx = out_tx.clone();
    let forward: Forward = Arc::new(move |source: &Source, line: &str| {
        let _ = log_tx.send((
            InitMessage::Log {
                source: source.clone(),
                timestamp_ms: lambkin_wire::log::now_ms(),
            },
            Bytes::copy_from_slice(line.as_bytes()),
        ));
    });
    let init = Init::start(start, Some(forward))
        .await
        .map_err(|e| format!("cannot start the Runtime API: {e}"))?;
    // The host hears `Ready` when the init phase is over; meanwhile the channel is read (the function may call
    // the Lambda API while it initialises). The host sends no invoke before `Ready`.
    let (waiting, ready_tx) = (init.clone(), out_tx.clone());
    tokio::spawn(async move {
        let runtime_api = waiting.runtime_api().to_string();
        let ready = match waiting.wait_initialized().await {
            Some(init_ms) => InitMessage::Ready {
                runtime_api,
                init_ms,
            },
            None => InitMessage::InitFailed { runtime_api },
        };
        let _ = ready_tx.send((ready, Bytes::new()));
    });

    let reason = loop {
        match reader.next::<HostMessage>().await {
            Ok((
                HostMessage::ApiAnswer {
                    call_id,
                    status,
                    headers,
                },
                body,
            )) => match &calls {
                Some(calls) => calls.answer(call_id, status, headers, body),
                None => tracing::warn!("ignoring an answer to a Lambda API call never made"),
            },
            Ok((HostMessage::Invoke { mut request }, payload)) => {
                request.payload = payload;
                let handle = init.invoke(request);
                tokio::spawn(relay(handle, out_tx.clone()));
            }
            Ok((HostMessage::Shutdown { reason }, _)) => break reason,
            Ok((HostMessage::Start { .. }, _)) => tracing::warn!("ignoring a second Start"),
            Err(FrameError::Closed) => break ShutdownReason::Spindown,
            Err(e) => {
                tracing::error!("{e}; shutting down");
                break ShutdownReason::Failure;
            }
        }
    };
    init.shutdown(reason).await;
    let _ = out_tx.send((InitMessage::Stopped, Bytes::new()));
    drop(out_tx);
    let _ = tokio::time::timeout(Duration::from_secs(2), writer_task).await;
    Ok(())
}

/// Sends what is queued for the host: every message queued at that moment in one write. Log lines alone wait
/// up to [`LOG_DELAY`] for a message that matters, so that an invoke's START line travels with its response
/// and END and REPORT with its `Done`; anything else goes out at once, with the lines queued before it.
async fn write_loop<W>(mut writer: W, mut out_rx: mpsc::UnboundedReceiver<Outgoing>)
where
    W: tokio::io::AsyncWriteExt + Unpin,
{
    let mut batch = FrameBatch::default();
    let mut due = tokio::time::Instant::now();
    loop {
        let first = if batch.is_empty() {
            out_rx.recv().await
        } else {
            match tokio::time::timeout_at(due, out_rx.recv()).await {
                Ok(m) => m,
                Err(_) => {
                    if batch.write_to(&mut writer).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
        };
        let Some(first) = first else { break };
        let held = !batch.is_empty();
        let (mut urgent, mut stop) = (false, false);
        let mut next = Some(first);
        while let Some((msg, payload)) = next.take() {
            urgent |= !matches!(msg, InitMessage::Log { .. });
            stop |= msg == InitMessage::Stopped;
            if let Err(e) = batch.push(&msg, payload) {
                tracing::error!("cannot encode a control message: {e}");
            }
            if batch.len() < BATCH_BYTES {
                next = out_rx.try_recv().ok();
            }
        }
        if urgent || batch.len() >= BATCH_BYTES {
            if batch.write_to(&mut writer).await.is_err() || stop {
                return;
            }
        } else if !held {
            due = tokio::time::Instant::now() + LOG_DELAY;
        }
    }
    let _ = batch.write_to(&mut writer).await;
}

/// Sends one invoke's frames and its end to the host, each converted once.
async fn relay(handle: InvokeHandle, out: mpsc::UnboundedSender<Outgoing>) {
    let InvokeHandle {
        request_id,
        mut frames,
        done,
    } = handle;
    while let Some(f) = frames.recv().await {
        let (head, payload): (ResponseHead, Bytes) = f.into_wire();
        let msg = InitMessage::Response {
            request_id: request_id.clone(),
            head,
        };
        if out.send((msg, payload)).is_err() {
            return;
        }
    }
    if let Ok(s) = done.await {
        let _ = out.send((
            InitMessage::Done {
                request_id,
                status: s.status,
                error_type: s.error_type,
                duration_ms: s.duration_ms,
                init_duration_ms: s.init_duration_ms,
                max_memory_used_mb: s.max_memory_used_mb,
            },
            Bytes::from(s.tail),
        ));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lambkin_wire::client::{ApiHandler, InitClient, InvokeHooks, LogSink};
    use lambkin_wire::{ApiAnswer, ApiCall, InvokeRequest};

    /// A start configuration that runs `bootstrap` as the runtime, on the host, unconfined.
    pub(crate) fn start_config(bootstrap: Vec<String>) -> StartConfig {
        let env = vec![
            (
                "AWS_LAMBDA_RUNTIME_API".to_owned(),
                "127.0.0.1:0".to_owned(),
            ),
            ("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned()),
        ];
        StartConfig {
            function_name: "f".into(),
            function_version: "$LATEST".into(),
            memory_mb: 128,
            timeout: Duration::from_secs(10),
            init_timeout: Duration::from_secs(10),
            handler: String::new(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            log_group: "/aws/lambda/f".into(),
            log_stream: "s".into(),
            init_type: lambkin_wire::InitType::OnDemand,
            bootstrap,
            cwd: "/".into(),
            extensions_dir: "/nonexistent".into(),
            runtime_env: env.clone(),
            extension_env: env,
            api_address: "127.0.0.1:0".into(),
            shutdown_window: Duration::from_secs(2),
            confine_children: false,
            json_system_log: None,
            lambda_api: false,
        }
    }

    /// A runtime in Python's standard library that calls the Lambda API at `AWS_ENDPOINT_URL_LAMBDA` while it
    /// initialises and while it handles an event, and answers with what it got.
    const CALLING_RUNTIME: &str = r#"
import http.client, json, os, urllib.request, urllib.error
endpoint = os.environ.get("AWS_ENDPOINT_URL_LAMBDA")
def call(path, body=None):
    req = urllib.request.Request(endpoint + path, data=body, method="POST" if body else "GET",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return [r.status, r.read().decode()]
    except urllib.error.HTTPError as e:
        return [e.code, e.read().decode()]
at_init = call("/2015-03-31/functions/f/configuration") if endpoint else None
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
while True:
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    event = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    during = call("/2015-03-31/functions/g/invocations?Qualifier=1", event) if endpoint else None
    body = json.dumps({"init": at_init, "invoke": during, "endpoint": endpoint})
    c.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=body)
    c.getresponse().read()
"#;

    struct NoHooks;
    impl InvokeHooks for NoHooks {}

    /// Serves an init in this process for `start`, driven by an `InitClient` with `api`; the response to one
    /// invoke with `event`, as JSON.
    async fn invoke_once(
        start: StartConfig,
        api: Option<ApiHandler>,
        event: &'static [u8],
    ) -> serde_json::Value {
        let (host, init) = std::os::unix::net::UnixStream::pair().expect("pair");
        let served = tokio::spawn(serve(OwnedFd::from(init)));
        let logs: LogSink = Arc::new(|_| {});
        let (client, started) = InitClient::start_with(host, start, logs, api)
            .await
            .expect("start");
        assert!(started.ready, "the init phase failed");
        let req = InvokeRequest {
            payload: Bytes::from_static(event),
            ..InvokeRequest::default()
        };
        let mut h = client.invoke(req, Box::new(NoHooks)).await;
        let body = match h.frames.recv().await {
            Some(lambkin_wire::ResponseFrame::Complete { body, .. }) => body,
            other => panic!("{other:?}"),
        };
        let _ = h.done.await;
        client.shutdown(ShutdownReason::Spindown).await;
        served.await.expect("task").expect("served");
        serde_json::from_slice(&body).expect("json")
    }

    fn python(script: &str) -> Vec<String> {
        vec!["python3".into(), "-c".into(), script.into()]
    }

    #[tokio::test]
    async fn the_environments_lambda_api_calls_reach_the_host_from_init_on() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        let api: ApiHandler = Arc::new(move |call: ApiCall| {
            record.lock().expect("lock").push(call.clone());
            Box::pin(async move {
                ApiAnswer {
                    status: if call.method == "GET" { 200 } else { 404 },
                    headers: vec![("Content-Type".into(), "application/json".into())],
                    body: Bytes::from(format!(
                        "{} {}",
                        call.target,
                        String::from_utf8_lossy(&call.body)
                    )),
                }
            })
        });
        let mut start = start_config(python(CALLING_RUNTIME));
        start.lambda_api = true;
        let got = invoke_once(start, Some(api), b"{\"n\":1}").await;
        let endpoint = got["endpoint"].as_str().expect("endpoint set");
        assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
        assert_eq!(
            got["init"],
            serde_json::json!([200, "/2015-03-31/functions/f/configuration "])
        );
        assert_eq!(
            got["invoke"],
            serde_json::json!([
                404,
                "/2015-03-31/functions/g/invocations?Qualifier=1 {\"n\":1}"
            ])
        );
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 2);
        assert!(seen[1]
            .headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json"));
    }

    #[tokio::test]
    async fn without_lambda_api_no_endpoint_is_set() {
        let got = invoke_once(start_config(python(CALLING_RUNTIME)), None, b"{}").await;
        assert_eq!(got["endpoint"], serde_json::Value::Null);
        assert_eq!(got["init"], serde_json::Value::Null);
    }
}
