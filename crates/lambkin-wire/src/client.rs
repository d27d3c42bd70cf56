//! The host end of the control channel: drives an init running in an environment, with the same
//! [`InvokeHandle`] an in-process init gives, so front ends do not care where the init runs.
//!
//! One reader task per channel owns the table of invokes in flight; it turns each message into a
//! [`ResponseFrame`] once ([`ResponseFrame::from_wire`]) and hands it to the caller. What the host does at the
//! moments of an invoke (rewrite a frame, note that the caller has its answer, take the environment back) runs
//! in that reader through [`InvokeHooks`]: no task or channel of its own per invoke.
//!
//! Calls to the environment's Lambda API (`InitMessage::ApiCall`) go to the host's [`ApiHandler`], each in a
//! task of its own (the reader never waits for one), and its answer goes back as `HostMessage::ApiAnswer`
//! between whatever else the host sends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::channel::{self, ChannelReader, ChannelWriter};
use crate::frame::{write_frame, FrameReader};
use crate::inside::{ApiAnswer, ApiCall, ApiFuture};
use crate::invoke::{InvokeHandle, InvokeRequest, InvokeSummary, ResponseFrame, ShutdownReason};
use crate::log::LogLine;
use crate::message::{HostMessage, InitMessage};
use crate::StartConfig;

/// Receives the environment's log lines, in order: every line that arrived together in one call.
pub type LogSink = Arc<dyn Fn(&[LogLine]) + Send + Sync>;

/// Answers the environment's Lambda API calls. Called in a task of the call's own, never in the reader.
pub type ApiHandler = Arc<dyn Fn(ApiCall) -> ApiFuture + Send + Sync>;

/// The writing half, shared by the client and the tasks that answer calls.
type Writer = Arc<tokio::sync::Mutex<ChannelWriter>>;

/// What a host does at the moments of one invoke. Called from the channel's reader, in order; each must be
/// quick and must not block.
pub trait InvokeHooks: Send + 'static {
    /// Rewrites a response frame before the caller sees it.
    fn frame(&mut self, frame: ResponseFrame) -> ResponseFrame {
        frame
    }
    /// The caller has its whole response; the environment is only finishing its invoke phase now. Called
    /// once, before [`InvokeHooks::finished`].
    fn answered(&mut self) {}
    /// The invoke phase is over (`None`: the environment went away first). The caller already has the summary.
    fn finished(self: Box<Self>, _summary: Option<&InvokeSummary>) {}
}

struct Pending {
    frames: Option<mpsc::Sender<ResponseFrame>>,
    done: oneshot::Sender<InvokeSummary>,
    hooks: Box<dyn InvokeHooks>,
    answered: bool,
}

impl Pending {
    /// The caller has everything: the hook runs before the caller's channel closes, so whatever the caller
    /// does next (another invoke) already sees the environment as finishing.
    fn answer(&mut self) {
        if !self.answered {
            self.answered = true;
            self.hooks.answered();
        }
        self.frames = None;
    }

    fn finish(mut self, summary: Option<InvokeSummary>) {
        self.answer();
        match summary {
            Some(s) => {
                let _ = self.done.send(s.clone());
                self.hooks.finished(Some(&s));
            }
            None => self.hooks.finished(None),
        }
    }
}

/// A started init in an environment.
pub struct InitClient {
    writer: Writer,
    register: mpsc::UnboundedSender<(String, Pending)>,
    stopped: Mutex<Option<oneshot::Receiver<()>>>,
    closed: Arc<AtomicBool>,
}

/// The outcome of `Start`.
#[derive(Debug, Clone)]
pub struct Started {
    /// Init completed (else the first invoke retries it).
    pub ready: bool,
    /// Init duration when it completed.
    pub init_ms: Option<f64>,
}

impl InitClient {
    /// Sends `Start` and waits for the init's answer.
    pub async fn start(
        stream: std::os::unix::net::UnixStream,
        config: StartConfig,
        logs: LogSink,
    ) -> Result<(Self, Started), String> {
        Self::start_with(stream, config, logs, None).await
    }

    /// [`InitClient::start`], with `api` answering the environment's Lambda API calls (from the init phase
    /// on). Without one, a call is answered `501`; a host that has one sets `StartConfig::lambda_api`.
    pub async fn start_with(
        stream: std::os::unix::net::UnixStream,
        config: StartConfig,
        logs: LogSink,
        api: Option<ApiHandler>,
    ) -> Result<(Self, Started), String> {
        let (reader, writer) = channel::split(stream).map_err(|e| e.to_string())?;
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(writer));
        let mut reader = FrameReader::new(reader);
        write_frame(
            &mut *writer.lock().await,
            &HostMessage::Start {
                config: Box::new(config),
            },
            Bytes::new(),
        )
        .await
        .map_err(|e| format!("send Start: {e}"))?;
        let started = loop {
            let (msg, payload): (InitMessage, Bytes) = reader
                .next()
                .await
                .map_err(|e| format!("init did not start: {e}"))?;
            match msg {
                InitMessage::Ready { init_ms, .. } => {
                    break Started {
                        ready: true,
                        init_ms: Some(init_ms),
                    }
                }
                InitMessage::InitFailed { .. } => {
                    break Started {
                        ready: false,
                        init_ms: None,
                    }
                }
                InitMessage::Log { timestamp_ms, .. } => logs(&[LogLine {
                    timestamp_ms,
                    line: payload,
                }]),
                call @ InitMessage::ApiCall { .. } => answer_call(&api, &writer, call, payload),
                other => return Err(format!("unexpected message before Ready: {other:?}")),
            }
        };
        let (register, registrations) = mpsc::unbounded_channel();
        let (stopped_tx, stopped_rx) = oneshot::channel();
        let closed = Arc::new(AtomicBool::new(false));
        tokio::spawn(read_loop(
            reader,
            registrations,
            logs,
            stopped_tx,
            closed.clone(),
            (api, writer.clone()),
        ));
        Ok((
            Self {
                writer,
                register,
                stopped: Mutex::new(Some(stopped_rx)),
                closed,
            },
            started,
        ))
    }

    /// Starts an invoke in the environment; `hooks` run at its moments (see [`InvokeHooks`]).
    pub async fn invoke(
        &self,
        mut req: InvokeRequest,
        hooks: Box<dyn InvokeHooks>,
    ) -> InvokeHandle {
        let request_id = req.ensure_request_id();
        let (frames_tx, frames) = mpsc::channel(16);
        let (done_tx, done) = oneshot::channel();
        let pending = Pending {
            frames: Some(frames_tx),
            done: done_tx,
            hooks,
            answered: false,
        };
        // Registered before the request is written, so the reader knows it before any answer.
        match self.register.send((request_id.clone(), pending)) {
            Ok(()) => {
                let payload = std::mem::take(&mut req.payload);
                let msg = HostMessage::Invoke { request: req };
                // A failed write means the init is gone: the reader sees the channel close and ends this
                // invoke (no frames, no summary) with every other one.
                let _ = write_frame(&mut *self.writer.lock().await, &msg, payload).await;
            }
            Err(mpsc::error::SendError((_, pending))) => pending.finish(None),
        }
        InvokeHandle {
            request_id,
            frames,
            done,
        }
    }

    /// Whether the channel is gone (the init exited or the environment was destroyed).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// SHUTDOWN with a reason; returns when the init reports it stopped (at most 5 s).
    pub async fn shutdown(&self, reason: ShutdownReason) {
        let msg = HostMessage::Shutdown { reason };
        if write_frame(&mut *self.writer.lock().await, &msg, Bytes::new())
            .await
            .is_ok()
        {
            let rx = self
                .stopped
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            if let Some(rx) = rx {
                let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
            }
        }
    }
}

/// Answers an `InitMessage::ApiCall` (its payload the body) in a task of its own: the handler's answer (a `500`
/// if it panicked), fitted to the channel, goes back as `ApiAnswer`. Other messages are ignored.
fn answer_call(api: &Option<ApiHandler>, writer: &Writer, msg: InitMessage, payload: Bytes) {
    let InitMessage::ApiCall {
        call_id,
        method,
        target,
        headers,
    } = msg
    else {
        return;
    };
    let call = ApiCall {
        method,
        target,
        headers,
        body: payload,
    };
    let (api, writer) = (api.clone(), writer.clone());
    tokio::spawn(async move {
        let answer = match api {
            Some(api) => match tokio::spawn(async move { api(call).await }).await {
                Ok(answer) => answer.fitted(),
                // The panic hook reported the panic.
                Err(_) => {
                    ApiAnswer::error(500, "ServiceException", "The call failed in the service.")
                }
            },
            None => ApiAnswer::error(
                501,
                "ServiceException",
                "This environment has no Lambda API.",
            ),
        };
        let msg = HostMessage::ApiAnswer {
            call_id,
            status: answer.status,
            headers: answer.headers,
        };
        // A failed write means the init is gone: no one waits for the answer any more.
        let _ = write_frame(&mut *writer.lock().await, &msg, answer.body).await;
    });
}

async fn read_loop(
    mut reader: FrameReader<ChannelReader>,
    mut registrations: mpsc::UnboundedReceiver<(String, Pending)>,
    logs: LogSink,
    stopped: oneshot::Sender<()>,
    closed: Arc<AtomicBool>,
    (api, writer): (Option<ApiHandler>, Writer),
) {
    let mut pending: HashMap<String, Pending> = HashMap::new();
    // Log lines of consecutive `Log` messages, handed over together: before any other message (a line that
    // came before a frame is kept before the caller gets the frame) and before waiting for more input.
    let mut lines: Vec<LogLine> = Vec::new();
    loop {
        let next = match reader.buffered::<InitMessage>() {
            Ok(Some(frame)) => Ok(frame),
            Ok(None) => {
                if !lines.is_empty() {
                    logs(&lines);
                    lines.clear();
                }
                match reader.fill().await {
                    Ok(()) => continue,
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        let Ok((msg, payload)) = next else {
            break;
        };
        if let InitMessage::Log { timestamp_ms, .. } = msg {
            lines.push(LogLine {
                timestamp_ms,
                line: payload,
            });
            continue;
        }
        if !lines.is_empty() {
            logs(&lines);
            lines.clear();
        }
        while let Ok((id, p)) = registrations.try_recv() {
            pending.insert(id, p);
        }
        match msg {
            InitMessage::Log { .. } => {}
            InitMessage::Stopped => break,
            InitMessage::Ready { .. } | InitMessage::InitFailed { .. } => {}
            call @ InitMessage::ApiCall { .. } => answer_call(&api, &writer, call, payload),
            InitMessage::Response { request_id, head } => {
                let Some(p) = pending.get_mut(&request_id) else {
                    continue;
                };
                let frame = p.hooks.frame(ResponseFrame::from_wire(head, payload));
                let last = frame.is_last();
                if let Some(tx) = &p.frames {
                    if tx.send(frame).await.is_err() {
                        p.frames = None;
                    }
                }
                if last {
                    p.answer();
                }
            }
            InitMessage::Done {
                request_id,
                status,
                error_type,
                duration_ms,
                init_duration_ms,
                max_memory_used_mb,
            } => {
                if let Some(p) = pending.remove(&request_id) {
                    p.finish(Some(InvokeSummary {
                        status,
                        error_type,
                        tail: payload.to_vec(),
                        duration_ms,
                        init_duration_ms,
                        max_memory_used_mb,
                    }));
                }
            }
        }
    }
    if !lines.is_empty() {
        logs(&lines);
    }
    // The environment is gone: every open invoke ends, including ones registered but not yet seen.
    closed.store(true, Ordering::SeqCst);
    registrations.close();
    while let Ok((id, p)) = registrations.try_recv() {
        pending.insert(id, p);
    }
    for (_, p) in pending.drain() {
        p.finish(None);
    }
    let _ = stopped.send(());
}

/// Lambda's answer when the OOM killer ended the runtime during an invoke: the init saw only an exit
/// (`Runtime.ExitError`); when the environment's OOM kills went up meanwhile (`oom_killed`, asked only for
/// such a frame), it is `Runtime.OutOfMemory`. Any other frame passes unchanged.
pub fn out_of_memory(
    frame: ResponseFrame,
    request_id: &str,
    oom_killed: impl FnOnce() -> bool,
) -> ResponseFrame {
    match frame {
        ResponseFrame::Error { ref error_type, .. }
            if error_type == "Runtime.ExitError" && oom_killed() =>
        {
            let body = serde_json::json!({
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: signal: killed"),
            });
            ResponseFrame::Error {
                error_type: "Runtime.OutOfMemory".into(),
                body: body.to_string().into(),
                content_type: Some("application/json".into()),
            }
        }
        other => other,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn exit_error() -> ResponseFrame {
        ResponseFrame::Error {
            error_type: "Runtime.ExitError".into(),
            body: "{}".into(),
            content_type: None,
        }
    }

    #[test]
    fn only_an_exit_with_an_oom_kill_is_out_of_memory() {
        match out_of_memory(exit_error(), "r1", || true) {
            ResponseFrame::Error {
                error_type, body, ..
            } => {
                assert_eq!(error_type, "Runtime.OutOfMemory");
                assert!(String::from_utf8_lossy(&body).contains("RequestId: r1 Error:"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            out_of_memory(exit_error(), "r1", || false),
            ResponseFrame::Error { error_type, .. } if error_type == "Runtime.ExitError"
        ));
        // Other frames never ask about the OOM killer.
        let chunk = ResponseFrame::Chunk("x".into());
        assert!(matches!(
            out_of_memory(chunk, "r1", || panic!("asked")),
            ResponseFrame::Chunk(_)
        ));
    }

    /// Records the moments of an invoke.
    struct Recorder(Arc<Mutex<Vec<String>>>);

    impl InvokeHooks for Recorder {
        fn answered(&mut self) {
            self.0.lock().expect("lock").push("answered".into());
        }
        fn finished(self: Box<Self>, summary: Option<&InvokeSummary>) {
            self.0
                .lock()
                .expect("lock")
                .push(format!("finished {:?}", summary.map(|s| s.status)));
        }
    }

    /// A fake init on the other end of a socketpair: answers `Start`, then each invoke with one frame and
    /// `Done`; `exit_after` invokes it closes the channel.
    async fn fake_init(stream: std::os::unix::net::UnixStream, exit_after: usize) {
        stream.set_nonblocking(true).expect("nonblocking");
        let stream = tokio::net::UnixStream::from_std(stream).expect("tokio");
        let (r, mut w) = stream.into_split();
        let mut r = FrameReader::new(r);
        let _: (HostMessage, Bytes) = r.next().await.expect("start");
        let ready = InitMessage::Ready {
            runtime_api: "x".into(),
            init_ms: 1.0,
        };
        write_frame(&mut w, &ready, Bytes::new())
            .await
            .expect("ready");
        for _ in 0..exit_after {
            let (msg, payload): (HostMessage, Bytes) = r.next().await.expect("invoke");
            let HostMessage::Invoke { request } = msg else {
                panic!("{msg:?}")
            };
            answer(&mut w, request.request_id.expect("id"), payload).await;
        }
    }

    /// A fake init's whole answer to invoke `id`, then its `Done` (init duration 12.5 ms, 64 MB used, the log
    /// tail `tail`).
    async fn answer(w: &mut tokio::net::unix::OwnedWriteHalf, id: String, payload: Bytes) {
        let (head, body) = ResponseFrame::Complete {
            content_type: None,
            body: payload,
        }
        .into_wire();
        let frame = InitMessage::Response {
            request_id: id.clone(),
            head,
        };
        write_frame(w, &frame, body).await.expect("frame");
        let done = InitMessage::Done {
            request_id: id,
            status: crate::InvokeStatus::Success,
            error_type: None,
            duration_ms: 1.0,
            init_duration_ms: Some(12.5),
            max_memory_used_mb: 64,
        };
        write_frame(w, &done, Bytes::from_static(b"tail"))
            .await
            .expect("done");
    }

    pub(crate) fn config() -> StartConfig {
        StartConfig {
            function_name: "f".into(),
            function_version: "$LATEST".into(),
            memory_mb: 128,
            timeout: Duration::from_secs(3),
            init_timeout: Duration::from_secs(10),
            handler: "h".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            log_group: "g".into(),
            log_stream: "s".into(),
            init_type: crate::InitType::OnDemand,
            bootstrap: Vec::new(),
            cwd: "/".into(),
            extensions_dir: "/opt/extensions".into(),
            runtime_env: Vec::new(),
            extension_env: Vec::new(),
            api_address: "127.0.0.1:0".into(),
            shutdown_window: Duration::from_secs(2),
            confine_children: false,
            json_system_log: None,
            lambda_api: false,
        }
    }

    /// A fake init that calls the Lambda API during its init phase and during an invoke, whose response is
    /// the second answer's status and body.
    async fn calling_init(stream: std::os::unix::net::UnixStream) {
        stream.set_nonblocking(true).expect("nonblocking");
        let stream = tokio::net::UnixStream::from_std(stream).expect("tokio");
        let (r, mut w) = stream.into_split();
        let mut r = FrameReader::new(r);
        let _: (HostMessage, Bytes) = r.next().await.expect("start");
        let call = |call_id: u64, method: &str| InitMessage::ApiCall {
            call_id,
            method: method.into(),
            target: format!("/2015-03-31/functions/f{call_id}"),
            headers: vec![("Content-Type".into(), "application/json".into())],
        };
        write_frame(&mut w, &call(1, "GET"), Bytes::new())
            .await
            .expect("call");
        match r.next::<HostMessage>().await.expect("answer") {
            (HostMessage::ApiAnswer { call_id: 1, .. }, _) => {}
            other => panic!("{other:?}"),
        }
        let ready = InitMessage::Ready {
            runtime_api: "x".into(),
            init_ms: 1.0,
        };
        write_frame(&mut w, &ready, Bytes::new())
            .await
            .expect("ready");
        let (HostMessage::Invoke { request }, _) = r.next::<HostMessage>().await.expect("invoke")
        else {
            panic!("not an invoke")
        };
        write_frame(&mut w, &call(2, "POST"), Bytes::from_static(b"body"))
            .await
            .expect("call");
        let (
            HostMessage::ApiAnswer {
                call_id, status, ..
            },
            body,
        ) = r.next::<HostMessage>().await.expect("answer")
        else {
            panic!("not an answer")
        };
        assert_eq!(call_id, 2);
        let reply = format!("{status} {}", String::from_utf8_lossy(&body));
        answer(&mut w, request.request_id.expect("id"), Bytes::from(reply)).await;
    }

    /// Runs [`calling_init`] under a client with `api`; the invoke's response.
    async fn call_through(api: Option<ApiHandler>) -> String {
        let (host, init) = std::os::unix::net::UnixStream::pair().expect("pair");
        tokio::spawn(calling_init(init));
        let logs: LogSink = Arc::new(|_| {});
        let (client, started) = InitClient::start_with(host, config(), logs, api)
            .await
            .expect("start");
        assert!(started.ready);
        let mut h = client
            .invoke(InvokeRequest::default(), Box::new(Recorder(Arc::default())))
            .await;
        match h.frames.recv().await {
            Some(ResponseFrame::Complete { body, .. }) => String::from_utf8_lossy(&body).into(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn api_calls_are_answered_in_the_init_phase_and_during_an_invoke() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let api: ApiHandler = Arc::new(move |call: ApiCall| {
            record.lock().expect("lock").push(call.clone());
            Box::pin(async move {
                ApiAnswer {
                    status: 201,
                    headers: Vec::new(),
                    body: Bytes::from(format!(
                        "{} {} {}",
                        call.method,
                        call.target,
                        String::from_utf8_lossy(&call.body)
                    )),
                }
            })
        });
        assert_eq!(
            call_through(Some(api)).await,
            "201 POST /2015-03-31/functions/f2 body"
        );
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].method, "GET");
        assert_eq!(
            seen[1].headers,
            vec![("Content-Type".to_string(), "application/json".to_string())]
        );
        // Without a handler every call is answered at once, in Lambda's error shape.
        let answer = call_through(None).await;
        assert!(answer.starts_with("501 {"), "{answer}");
        assert!(answer.contains("\"Type\":\"Service\""), "{answer}");
    }

    #[tokio::test]
    async fn hooks_run_in_order_and_every_invoke_ends_when_the_init_goes() {
        let (host, init) = std::os::unix::net::UnixStream::pair().expect("pair");
        tokio::spawn(fake_init(init, 1));
        let logs: LogSink = Arc::new(|_| {});
        let (client, started) = InitClient::start(host, config(), logs)
            .await
            .expect("start");
        assert!(started.ready);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let req = InvokeRequest {
            payload: "hello".into(),
            ..InvokeRequest::default()
        };
        let mut h = client.invoke(req, Box::new(Recorder(seen.clone()))).await;
        match h.frames.recv().await {
            Some(ResponseFrame::Complete { body, .. }) => assert_eq!(&body[..], b"hello"),
            other => panic!("{other:?}"),
        }
        let summary = (&mut h.done).await.expect("summary");
        assert_eq!(summary.tail, b"tail");
        assert_eq!(summary.init_duration_ms, Some(12.5));
        assert_eq!(summary.max_memory_used_mb, 64);
        // The fake init is gone now: the next invoke ends with no frames and its hooks still run.
        let mut h2 = client
            .invoke(InvokeRequest::default(), Box::new(Recorder(seen.clone())))
            .await;
        assert!(h2.frames.recv().await.is_none());
        assert!(h2.done.await.is_err());
        assert!(client.is_closed());
        assert_eq!(
            *seen.lock().expect("lock"),
            vec![
                "answered".to_string(),
                "finished Some(Success)".into(),
                "answered".into(),
                "finished None".into()
            ]
        );
    }
}
