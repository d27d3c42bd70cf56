//! The life of an environment: eager init, invokes one at a time, suppressed re-init after failures, and the
//! SHUTDOWN procedure (spec §4.5, §7).
//!
//! [`Init::invoke`] returns at once with a handle; the caller reads response frames as soon as the runtime
//! produces them, while the invoke phase goes on until the runtime and every INVOKE-subscribed extension asked
//! for their next event. The next invoke waits for that.
//!
//! Why one file of ~1,000 lines: the init phase, an invoke, a suppressed re-init and the reset are one state
//! machine over the `Lifecycle` lock; every step's endings (runtime exit, extension exit, timeout, stop) and
//! their telemetry are written once, here, next to each other, and the lock's discipline is checked in one
//! place. Its parts that stand alone (reports, records, telemetry, supervision) are their own modules.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rustix::process::Signal;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Mutex};

use lambkin_wire::{InvokeHandle, InvokeRequest, InvokeStatus, InvokeSummary, ShutdownReason};

use crate::config::InitConfig;
use crate::core::{ActiveInvoke, Extension, InvokeEvent, ResponseFrame, Shared};
use crate::logs::{Forward, LogSink, Source};
use crate::model::{describe_exit, PlatformError};
use crate::report;
use crate::state::{ExtensionState, RuntimeState};
use crate::supervisor::{self, Role};
use crate::telemetry::{Event, Platform, Record, ReportFigures, Span, Telemetry};

/// An init that did not complete.
#[derive(Debug, Clone)]
struct InitFailure {
    error_type: String,
    cause: String,
    /// `/init/error` body and content type, when the runtime posted one.
    body: Option<(Bytes, String)>,
    timed_out: bool,
}

impl InitFailure {
    fn new(error_type: &str, cause: impl Into<String>) -> Self {
        Self {
            error_type: error_type.to_owned(),
            cause: cause.into(),
            body: None,
            timed_out: false,
        }
    }

    fn frame(&self, request_id: &str) -> ResponseFrame {
        match &self.body {
            Some((body, ct)) => ResponseFrame::Error {
                error_type: self.error_type.clone(),
                body: body.clone(),
                content_type: Some(ct.clone()),
            },
            None => ResponseFrame::Error {
                error_type: self.error_type.clone(),
                body: PlatformError::new(&self.error_type, Some(request_id), &self.cause)
                    .to_payload(),
                content_type: Some("application/json".into()),
            },
        }
    }
}

#[derive(Default)]
struct Lifecycle {
    initialized: bool,
    /// Init duration to report on the next invoke (first invoke after an eager init).
    unreported_init_ms: Option<f64>,
    /// Processes may still be running from a failed or interrupted generation.
    dirty: bool,
    peak_kb: u64,
    invokes: u64,
    shut_down: bool,
}

/// A running init: the API server plus the environment's processes.
#[derive(Clone)]
pub struct Init {
    shared: Arc<Shared>,
    lifecycle: Arc<Mutex<Lifecycle>>,
    addr: SocketAddr,
}

#[derive(Serialize)]
struct InvokeEventBody<'a> {
    #[serde(rename = "eventType")]
    event_type: &'static str,
    #[serde(rename = "deadlineMs")]
    deadline_ms: u64,
    #[serde(rename = "requestId")]
    request_id: &'a str,
    #[serde(rename = "invokedFunctionArn")]
    invoked_function_arn: &'a str,
    tracing: TracingBody<'a>,
}

#[derive(Serialize)]
struct TracingBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct ShutdownEventBody {
    #[serde(rename = "eventType")]
    event_type: &'static str,
    #[serde(rename = "deadlineMs")]
    deadline_ms: u64,
    #[serde(rename = "shutdownReason")]
    reason: &'static str,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

enum Ending {
    Done,
    RuntimeExit(std::process::ExitStatus),
    ExtensionExit(String, std::process::ExitStatus, ExtensionState),
    Timeout,
    Stopping,
}

impl Init {
    /// Binds the Runtime API (before anything is spawned, so no runtime can race it), starts serving, and
    /// starts the init phase in the background. Invokes wait for it.
    pub async fn start(mut cfg: InitConfig, forward: Option<Forward>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(cfg.api_address.as_str()).await?;
        let addr = listener.local_addr()?;
        let api = addr.to_string();
        for (k, v) in cfg
            .start
            .runtime_env
            .iter_mut()
            .chain(cfg.start.extension_env.iter_mut())
        {
            if k == "AWS_LAMBDA_RUNTIME_API" {
                *v = api.clone();
            }
        }
        cfg.start.api_address = api;
        let telemetry = Telemetry::default();
        let logs = LogSink::new(cfg.echo_logs, telemetry.clone(), forward);
        let shared = Shared::new(Arc::new(cfg), telemetry, logs);
        tokio::spawn(crate::api::serve(listener, shared.clone()));
        let init = Self {
            shared,
            lifecycle: Arc::new(Mutex::new(Lifecycle::default())),
            addr,
        };
        let guard = init.lifecycle.clone().lock_owned().await;
        let me = init.clone();
        tokio::spawn(async move {
            let mut lc = guard;
            let deadline = Instant::now() + me.shared.cfg.init_timeout;
            match me.init_phase("init", deadline, None).await {
                Ok(d) => {
                    lc.initialized = true;
                    lc.unreported_init_ms = Some(d);
                }
                Err(f) => {
                    tracing::info!(
                        "init failed ({}): {}; the first invoke retries it",
                        f.error_type,
                        f.cause
                    );
                    lc.dirty = true;
                }
            }
        });
        Ok(init)
    }

    /// Waits for the init phase started by [`Init::start`]; returns its duration in ms when it succeeded.
    pub async fn wait_initialized(&self) -> Option<f64> {
        let lc = self.lifecycle.lock().await;
        if lc.initialized {
            Some(lc.unreported_init_ms.unwrap_or(0.0))
        } else {
            None
        }
    }

    /// The address of the Runtime API.
    pub fn runtime_api(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration.
    pub fn config(&self) -> &InitConfig {
        &self.shared.cfg
    }

    /// Starts an invoke; it runs after any invoke ahead of it.
    pub fn invoke(&self, mut req: InvokeRequest) -> InvokeHandle {
        let request_id = req.ensure_request_id();
        let (frames_tx, frames) = mpsc::channel(16);
        let (done_tx, done) = oneshot::channel();
        let me = self.clone();
        let id = request_id.clone();
        tokio::spawn(async move {
            let summary = me.run_invoke(id, req, frames_tx).await;
            let _ = done_tx.send(summary);
        });
        InvokeHandle {
            request_id,
            frames,
            done,
        }
    }

    /// Shuts the environment down (SHUTDOWN to extensions), after any running invoke.
    pub async fn shutdown(&self, reason: ShutdownReason) {
        // A running invoke or init gives up at once instead of holding the environment until its deadline.
        self.shared.update(|c| c.stopping = true);
        let mut lc = self.lifecycle.lock().await;
        if lc.shut_down {
            return;
        }
        self.reset(reason).await;
        lc.initialized = false;
        lc.shut_down = true;
        self.shared.logs.flush_stdout().await;
    }

    /// Emits a platform event to subscribers; in the JSON log format it is also the function log's line (at or
    /// above `SystemLogLevel`), rendered as the Telemetry API renders it.
    fn emit(&self, p: Platform) {
        let event = Event::now(Record::Platform(p));
        self.json_line(&event);
        self.shared.telemetry.emit(event);
    }

    /// In the JSON log format: the platform event as the function log's line, at or above `SystemLogLevel`.
    fn json_line(&self, event: &Event) {
        if let (Some(level), Record::Platform(p)) = (self.shared.cfg.json_system_log, &event.record)
        {
            if p.system_level() >= level {
                if let Some(json) = event.render(crate::telemetry::Api::Telemetry, true) {
                    self.shared
                        .logs
                        .line(Source::Platform, &String::from_utf8_lossy(&json));
                }
            }
        }
    }

    /// A platform line of the Text log format (START, END, REPORT, INIT_REPORT); the JSON format has the events.
    fn text_line(&self, line: &str) {
        if self.shared.cfg.json_system_log.is_none() {
            self.shared.logs.line(Source::Platform, line);
        }
    }

    async fn init_phase(
        &self,
        phase: &'static str,
        deadline: Instant,
        request_id: Option<&str>,
    ) -> Result<f64, InitFailure> {
        let cfg = self.shared.cfg.clone();
        let started = Instant::now();
        let init_type = cfg.init_type.as_str();
        self.shared.telemetry.open();
        self.emit(Platform::InitStart {
            init_type,
            phase,
            function_name: cfg.function_name.clone(),
            function_version: cfg.function_version.clone(),
            instance_id: cfg.log_stream.clone(),
            instance_max_memory: u64::from(cfg.memory_mb),
            function_arn: cfg.function_arn(),
        });
        let result = match tokio::time::timeout_at(deadline.into(), self.init_steps()).await {
            Ok(r) => r,
            Err(_) => Err(InitFailure {
                timed_out: true,
                ..InitFailure::new(
                    "Sandbox.Timedout",
                    format!(
                        "Task timed out after {:.2} seconds",
                        cfg.timeout.as_secs_f64()
                    ),
                )
            }),
        };
        self.shared.telemetry.close();
        let duration = ms(started.elapsed());
        let (status, error_type) = match &result {
            Ok(()) => ("success", None),
            Err(f) if f.timed_out => ("timeout", Some("Runtime.Unknown".to_owned())),
            Err(f) => ("error", Some(f.error_type.clone())),
        };
        self.emit(Platform::InitRuntimeDone {
            init_type,
            phase,
            status,
            error_type: error_type.clone(),
        });
        let exts: Vec<_> = self.shared.read(|c| {
            c.extensions
                .iter()
                .map(|e| {
                    let mut events = Vec::new();
                    if e.invoke {
                        events.push("INVOKE");
                    }
                    if e.shutdown {
                        events.push("SHUTDOWN");
                    }
                    (
                        e.name.clone(),
                        e.state.to_string(),
                        events,
                        e.reported_error.clone(),
                    )
                })
                .collect()
        });
        for (name, state, events, err) in exts {
            self.emit(Platform::Extension {
                name,
                state,
                events,
                error_type: err,
            });
        }
        self.emit(Platform::InitReport {
            init_type,
            phase,
            duration_ms: duration,
            status,
            error_type,
        });
        if let Err(f) = &result {
            let id = request_id
                .map(|i| format!("RequestId: {i} "))
                .unwrap_or_default();
            self.text_line(&format!(
                "INIT_REPORT {id}Init Duration: {duration:.2} ms\tPhase: {phase}\tStatus: {status}\tError Type: {}",
                f.error_type
            ));
        }
        result.map(|()| duration)
    }

    async fn init_steps(&self) -> Result<(), InitFailure> {
        let cfg = self.shared.cfg.clone();
        // 1. External extensions, sorted by name; the runtime starts only once all of them registered.
        let names = discover_extensions(&cfg.extensions_dir);
        for (i, name) in names.iter().enumerate() {
            if i >= crate::model::MAX_EXTENSIONS {
                return Err(InitFailure::new(
                    "Extension.LaunchError",
                    format!(
                        "TooManyExtensions: {name} exceeds the limit of {}",
                        crate::model::MAX_EXTENSIONS
                    ),
                ));
            }
            let path = cfg.extensions_dir.join(name);
            let argv = vec![path.to_string_lossy().into_owned()];
            let id = uuid::Uuid::new_v4().to_string();
            self.shared.update(|c| {
                c.extensions.push(Extension {
                    id,
                    name: name.clone(),
                    external: true,
                    state: ExtensionState::Started,
                    invoke: false,
                    shutdown: false,
                    pending: None,
                    pid: None,
                    exit: None,
                    reported_error: None,
                })
            });
            match supervisor::spawn(
                &self.shared,
                &argv,
                &cfg.extension_env,
                std::path::Path::new("/"),
                Role::Extension(name.clone()),
            ) {
                Ok(pid) => self.shared.update(|c| {
                    if let Some(e) = c
                        .extensions
                        .iter_mut()
                        .find(|e| &e.name == name && e.external)
                    {
                        e.pid = Some(pid);
                    }
                }),
                Err(e) => {
                    self.shared.update(|c| {
                        if let Some(x) = c.extensions.iter_mut().find(|x| &x.name == name) {
                            x.state = ExtensionState::LaunchError;
                        }
                    });
                    let kind = if e.kind() == std::io::ErrorKind::PermissionDenied {
                        "PermissionDenied"
                    } else {
                        "UnknownError"
                    };
                    return Err(InitFailure::new(
                        "Extension.LaunchError",
                        format!("{kind}: cannot start extension {name}: {e}"),
                    ));
                }
            }
        }
        self.shared
            .wait_for(|c| {
                if c.stopping {
                    return Some(Err(stopping()));
                }
                if let Some(f) = extension_failure(&c.extensions) {
                    return Some(Err(f));
                }
                c.extensions
                    .iter()
                    .all(|e| e.state != ExtensionState::Started)
                    .then_some(Ok(()))
            })
            .await?;
        // 2. The runtime.
        if cfg.bootstrap.is_empty() {
            return Err(InitFailure::new(
                "Runtime.InvalidEntrypoint",
                "no bootstrap: none of /var/task/bootstrap, /opt/bootstrap, /var/runtime/bootstrap exists",
            ));
        }
        if !cfg.cwd.is_dir() {
            return Err(InitFailure::new(
                "Runtime.InvalidWorkingDir",
                format!("working directory {} does not exist", cfg.cwd.display()),
            ));
        }
        match supervisor::spawn(
            &self.shared,
            &cfg.bootstrap,
            &cfg.runtime_env,
            &cfg.cwd,
            Role::Runtime,
        ) {
            Ok(pid) => self.shared.update(|c| c.runtime_pid = Some(pid)),
            Err(e) => {
                return Err(InitFailure::new(
                    "Runtime.InvalidEntrypoint",
                    format!("cannot start {}: {e}", cfg.bootstrap[0]),
                ))
            }
        }
        // 3. Runtime ready (first /next), then every registered extension ready.
        self.shared
            .wait_for(|c| {
                if c.stopping {
                    return Some(Err(stopping()));
                }
                if let Some(status) = c.runtime_exit {
                    let cause = runtime_exit_cause(status);
                    let mut f = InitFailure::new("Runtime.ExitError", cause);
                    if let Some(r) = &c.init_error {
                        f.error_type = r.error_type.clone();
                        f.body = Some((r.body.clone(), r.content_type.clone()));
                    }
                    return Some(Err(f));
                }
                if let Some(f) = extension_failure(&c.extensions) {
                    return Some(Err(f));
                }
                (c.runtime == RuntimeState::Ready
                    && c.extensions
                        .iter()
                        .all(|e| e.state == ExtensionState::Ready))
                .then_some(Ok(()))
            })
            .await
    }

    async fn run_invoke(
        &self,
        request_id: String,
        req: InvokeRequest,
        sink: mpsc::Sender<ResponseFrame>,
    ) -> InvokeSummary {
        let mut lc = self.lifecycle.lock().await;
        let cfg = self.shared.cfg.clone();
        let arrival = Instant::now();
        let deadline = arrival + cfg.timeout;
        self.shared.logs.begin_tail();
        if lc.shut_down {
            let f = InitFailure::new("Sandbox.Failure", "the execution environment was shut down");
            let _ = sink.send(f.frame(&request_id)).await;
            return self.summary(InvokeStatus::Failure, Some(f.error_type), arrival);
        }
        // Something died while idle: the environment must initialise again.
        if lc.initialized && !self.healthy() {
            lc.initialized = false;
            lc.dirty = true;
        }
        let mut init_ms = lc.unreported_init_ms.take();
        if !lc.initialized {
            if lc.dirty {
                self.reset(ShutdownReason::Failure).await;
                lc.dirty = false;
            }
            init_ms = None;
            match self.init_phase("invoke", deadline, Some(&request_id)).await {
                Ok(_) => lc.initialized = true,
                Err(f) => {
                    self.text_line(&report::start_line(&request_id, &cfg.function_version));
                    self.json_line(&Event::now(Record::Platform(Platform::Start {
                        request_id: request_id.clone(),
                        version: cfg.function_version.clone(),
                        trace: None,
                    })));
                    let _ = sink.send(f.frame(&request_id)).await;
                    drop(sink);
                    let status = if f.timed_out {
                        InvokeStatus::Timeout
                    } else {
                        InvokeStatus::Error
                    };
                    let reason = if f.timed_out {
                        ShutdownReason::Timeout
                    } else {
                        ShutdownReason::Failure
                    };
                    let summary = self
                        .finish(
                            &mut lc,
                            &request_id,
                            None,
                            arrival,
                            status,
                            Some(f.error_type.clone()),
                            None,
                            vec![],
                        )
                        .await;
                    self.reset(reason).await;
                    lc.initialized = false;
                    return summary;
                }
            }
        }

        // Dispatch to the runtime and the INVOKE-subscribed extensions at once.
        let trace = req.trace_id.clone().unwrap_or_else(report::new_trace_id);
        let remaining = deadline.saturating_duration_since(Instant::now());
        let deadline_ms = lambkin_wire::log::now_ms() + remaining.as_millis() as u64;
        let arn = req
            .invoked_function_arn
            .clone()
            .unwrap_or_else(|| cfg.function_arn());
        let ext_body = Bytes::from(
            serde_json::to_vec(&InvokeEventBody {
                event_type: "INVOKE",
                deadline_ms,
                request_id: &request_id,
                invoked_function_arn: &arn,
                tracing: TracingBody {
                    kind: "X-Amzn-Trace-Id",
                    value: &trace,
                },
            })
            .unwrap_or_default(),
        );
        let event = Arc::new(InvokeEvent {
            request_id: request_id.clone(),
            deadline_ms,
            invoked_function_arn: arn,
            trace_id: trace.clone(),
            client_context: req.client_context.clone(),
            cognito_identity: req.cognito_identity.clone(),
            tenant_id: req.tenant_id.clone(),
            content_type: req
                .content_type
                .clone()
                .unwrap_or_else(|| "application/json".into()),
            payload: req.payload.clone(),
        });
        self.text_line(&report::start_line(&request_id, &cfg.function_version));
        self.emit(Platform::Start {
            request_id: request_id.clone(),
            version: cfg.function_version.clone(),
            trace: Some(trace.clone()),
        });
        let dispatched = Instant::now();
        let dispatched_wall = time::OffsetDateTime::now_utc();
        self.shared.update(|c| {
            c.runtime = RuntimeState::Running;
            c.invoke = Some(ActiveInvoke {
                event,
                sink: Some(sink),
                response_started: None,
                response_done: None,
                produced_bytes: 0,
                outcome: None,
            });
            for e in c.extensions.iter_mut().filter(|e| e.invoke) {
                e.pending = Some((ext_body.clone(), false));
            }
        });

        let wait = self.shared.wait_for(|c| {
            if c.stopping {
                return Some(Ending::Stopping);
            }
            if let Some(status) = c.runtime_exit {
                return Some(Ending::RuntimeExit(status));
            }
            if let Some(e) = c.extensions.iter().find(|e| e.exit.is_some()) {
                return Some(Ending::ExtensionExit(e.name.clone(), e.exit?, e.state));
            }
            let runtime_done = c.runtime == RuntimeState::Ready;
            let extensions_done = c
                .extensions
                .iter()
                .filter(|e| e.invoke)
                .all(|e| e.state == ExtensionState::Ready && e.pending.is_none());
            (runtime_done && extensions_done).then_some(Ending::Done)
        });
        let ending = tokio::time::timeout_at(deadline.into(), wait)
            .await
            .unwrap_or(Ending::Timeout);

        let invoke = self.shared.update(|c| c.invoke.take());
        let unanswered_sink = invoke.as_ref().and_then(|i| i.sink.clone());
        // A platform failure: (status, error type, cause, reset reason).
        let failure = match &ending {
            Ending::Done => None,
            Ending::RuntimeExit(st) => {
                let cause = runtime_exit_cause(*st);
                self.shared.logs.line(
                    Source::Platform,
                    &format!("RequestId: {request_id} Error: {cause}\nRuntime.ExitError"),
                );
                self.emit(Platform::Fault(format!(
                    "RequestId: {request_id} Error: {cause}"
                )));
                Some((
                    InvokeStatus::Error,
                    "Runtime.ExitError",
                    cause,
                    Some(ShutdownReason::Failure),
                ))
            }
            Ending::ExtensionExit(name, st, state) => Some((
                InvokeStatus::Error,
                extension_error_type(*state),
                format!("{name} {}", describe_exit(*st)),
                Some(ShutdownReason::Failure),
            )),
            Ending::Stopping => Some((
                InvokeStatus::Failure,
                "Sandbox.Failure",
                "the execution environment is shutting down".to_owned(),
                None,
            )),
            Ending::Timeout => {
                let cause = format!(
                    "Task timed out after {:.2} seconds",
                    cfg.timeout.as_secs_f64()
                );
                let stamp = crate::telemetry::event::rfc3339_ms(time::OffsetDateTime::now_utc());
                self.shared
                    .logs
                    .line(Source::Platform, &format!("{stamp} {request_id} {cause}"));
                Some((
                    InvokeStatus::Timeout,
                    "Sandbox.Timedout",
                    cause,
                    Some(ShutdownReason::Timeout),
                ))
            }
        };
        let (status, error_type, reset) = match failure {
            None => match invoke.as_ref().and_then(|i| i.outcome.clone()) {
                Some((true, _)) | None => (InvokeStatus::Success, None, None),
                Some((false, t)) => (InvokeStatus::Error, t, None),
            },
            Some((status, error_type, cause, reset)) => {
                // The caller gets the platform's error only if the runtime had not answered yet.
                if let Some(s) = &unanswered_sink {
                    let _ = s
                        .send(ResponseFrame::Error {
                            error_type: error_type.into(),
                            body: PlatformError::new(error_type, Some(&request_id), &cause)
                                .to_payload(),
                            content_type: Some("application/json".into()),
                        })
                        .await;
                }
                (status, Some(error_type.to_owned()), reset)
            }
        };
        drop(unanswered_sink);
        let mut spans = Vec::new();
        if let Some(i) = &invoke {
            if let Some(rs) = i.response_started {
                spans.push(Span {
                    name: "responseLatency",
                    start: dispatched_wall,
                    duration_ms: ms(rs - dispatched),
                });
                if let Some(rd) = i.response_done {
                    spans.push(Span {
                        name: "responseDuration",
                        start: dispatched_wall + (rs - dispatched),
                        duration_ms: ms(rd - rs),
                    });
                }
            }
        }
        self.emit(Platform::RuntimeDone {
            request_id: request_id.clone(),
            status: status.as_str(),
            error_type: error_type.clone(),
            duration_ms: ms(dispatched.elapsed()),
            produced_bytes: invoke.as_ref().map(|i| i.produced_bytes).unwrap_or(0),
            spans: spans.clone(),
            trace: Some(trace.clone()),
        });
        let summary = self
            .finish(
                &mut lc,
                &request_id,
                init_ms,
                dispatched,
                status,
                error_type,
                Some(trace),
                vec![],
            )
            .await;
        if let Some(reason) = reset {
            self.reset(reason).await;
            lc.initialized = false;
        }
        summary
    }

    /// Drains output, then writes END and REPORT (and their platform events).
    #[allow(clippy::too_many_arguments)]
    async fn finish(
        &self,
        lc: &mut Lifecycle,
        request_id: &str,
        init_ms: Option<f64>,
        since: Instant,
        status: InvokeStatus,
        error_type: Option<String>,
        trace: Option<String>,
        spans: Vec<Span>,
    ) -> InvokeSummary {
        let cfg = &self.shared.cfg;
        self.shared.logs.drain().await;
        let duration = ms(since.elapsed());
        let billed = report::billed_ms(duration);
        let roots = self.shared.read(|c| {
            c.runtime_pid
                .into_iter()
                .chain(c.extensions.iter().filter_map(|e| e.pid))
                .collect::<Vec<_>>()
        });
        // The direct processes are read every invoke (one small /proc read each); the whole tree, which costs a
        // directory walk per thread, on the first invoke, every 32nd, and after long invokes, where children
        // are likely.
        lc.invokes += 1;
        let walk_tree = lc.invokes % 32 == 1 || duration > 50.0;
        let now_kb = if let Some(bytes) = report::cgroup_peak_bytes() {
            bytes / 1024
        } else if walk_tree {
            report::tree_peak_kb(&roots)
        } else {
            report::peak_kb(&roots)
        };
        lc.peak_kb = lc.peak_kb.max(now_kb);
        let max_mb = lc.peak_kb.div_ceil(1024);
        self.emit(Platform::End {
            request_id: request_id.to_owned(),
        });
        self.text_line(&report::end_line(request_id));
        self.text_line(&report::report_line(
            request_id,
            duration,
            billed,
            u64::from(cfg.memory_mb),
            max_mb,
            init_ms,
        ));
        self.emit(Platform::Report(ReportFigures {
            request_id: request_id.to_owned(),
            status: status.as_str(),
            error_type: error_type.clone(),
            duration_ms: duration,
            billed_ms: billed,
            memory_mb: u64::from(cfg.memory_mb),
            max_memory_mb: max_mb,
            init_duration_ms: init_ms,
            trace,
            spans,
        }));
        InvokeSummary {
            status,
            error_type,
            tail: self.shared.logs.tail(),
            duration_ms: duration,
            init_duration_ms: init_ms,
            max_memory_used_mb: max_mb,
        }
    }

    fn summary(
        &self,
        status: InvokeStatus,
        error_type: Option<String>,
        since: Instant,
    ) -> InvokeSummary {
        InvokeSummary {
            status,
            error_type,
            tail: self.shared.logs.tail(),
            duration_ms: ms(since.elapsed()),
            init_duration_ms: None,
            max_memory_used_mb: 0,
        }
    }

    fn healthy(&self) -> bool {
        self.shared.read(|c| {
            c.runtime_exit.is_none()
                && c.runtime == RuntimeState::Ready
                && c.extensions.iter().all(|e| e.exit.is_none())
        })
    }

    /// Stops every process of the environment as RAPID's shutdown does (§7.4) and clears the state so that the
    /// next invoke initialises again.
    async fn reset(&self, reason: ShutdownReason) {
        let window = self.shared.cfg.shutdown_window;
        let started = Instant::now();
        let deadline = started + window;
        let (runtime_pid, any_extension) = self
            .shared
            .read(|c| (c.runtime_pid, !c.extensions.is_empty()));
        let runtime_gone =
            |s: &Shared| s.read(|c| c.runtime_exit.is_some() || c.runtime_pid.is_none());
        if let Some(pid) = runtime_pid {
            if !runtime_gone(&self.shared) {
                if any_extension {
                    supervisor::signal_group(pid, Signal::TERM);
                    let grace = started + window.mul_f64(0.3);
                    let _ = tokio::time::timeout_at(
                        grace.into(),
                        self.shared.wait_for(|c| c.runtime_exit.map(|_| ())),
                    )
                    .await;
                }
                supervisor::signal_group(pid, Signal::KILL);
            } else {
                // Reap stragglers of the group (children of a runtime that already exited).
                supervisor::signal_group(pid, Signal::KILL);
            }
        }
        if any_extension {
            // Let subscribers have what was emitted so far before they are told to stop.
            self.shared
                .telemetry
                .flush(
                    deadline
                        .saturating_duration_since(Instant::now())
                        .min(Duration::from_millis(500)),
                )
                .await;
            let body = Bytes::from(
                serde_json::to_vec(&ShutdownEventBody {
                    event_type: "SHUTDOWN",
                    deadline_ms: lambkin_wire::log::now_ms()
                        + deadline
                            .saturating_duration_since(Instant::now())
                            .as_millis() as u64,
                    reason: reason.as_str(),
                })
                .unwrap_or_default(),
            );
            let to_kill = self.shared.update(|c| {
                let mut kill = Vec::new();
                for e in c
                    .extensions
                    .iter_mut()
                    .filter(|e| e.external && e.exit.is_none())
                {
                    if e.shutdown && e.state != ExtensionState::Started {
                        e.pending = Some((body.clone(), true));
                    } else if let Some(pid) = e.pid {
                        kill.push(pid);
                    }
                }
                kill
            });
            for pid in to_kill {
                supervisor::signal_group(pid, Signal::KILL);
            }
            let _ = tokio::time::timeout_at(
                deadline.into(),
                self.shared.wait_for(|c| {
                    c.extensions
                        .iter()
                        .filter(|e| e.external && e.pid.is_some())
                        .all(|e| e.exit.is_some())
                        .then_some(())
                }),
            )
            .await;
            let survivors = self.shared.update(|c| {
                let mut pids = Vec::new();
                for e in c.extensions.iter_mut().filter(|e| e.external) {
                    match (e.exit, e.pid) {
                        (Some(st), _) => {
                            e.state = if st.success() {
                                ExtensionState::Exited
                            } else {
                                ExtensionState::ShutdownFailed
                            }
                        }
                        (None, Some(pid)) => {
                            e.state = ExtensionState::ShutdownFailed;
                            pids.push(pid);
                        }
                        (None, None) => {}
                    }
                }
                pids
            });
            for pid in survivors {
                supervisor::signal_group(pid, Signal::KILL);
            }
        }
        // Wait (bounded) until every process was reaped so no output or exit of this generation leaks into
        // the next one.
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.shared.wait_for(|c| {
                let runtime = c.runtime_pid.is_none() || c.runtime_exit.is_some();
                let exts = c
                    .extensions
                    .iter()
                    .all(|e| e.pid.is_none() || e.exit.is_some());
                (runtime && exts).then_some(())
            }),
        )
        .await;
        self.shared.logs.drain().await;
        self.shared.telemetry.clear();
        self.shared.update(|c| {
            c.clear_for_reinit();
        });
    }
}

/// RAPID's words for a runtime that exited: exit status 0 gave no reason, anything else is an error.
fn runtime_exit_cause(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(0) => "Runtime exited without providing a reason".to_owned(),
        _ => format!("Runtime exited with error: {}", describe_exit(status)),
    }
}

fn stopping() -> InitFailure {
    InitFailure::new(
        "Sandbox.Failure",
        "the execution environment is shutting down",
    )
}

fn extension_failure(exts: &[Extension]) -> Option<InitFailure> {
    for e in exts {
        // An error the extension reported itself wins over its exit (the first fatal error is the one).
        let reported = match e.state {
            ExtensionState::InitError => Some("Extension.InitError"),
            ExtensionState::ExitError => Some("Extension.ExitError"),
            _ => None,
        };
        if let Some(error_type) = reported {
            let what = e.reported_error.as_deref().unwrap_or("an error");
            return Some(InitFailure::new(
                error_type,
                format!("{} reported {what}", e.name),
            ));
        }
        if let Some(st) = e.exit {
            let cause = match st.code() {
                Some(0) => format!("{} exit code 0", e.name),
                _ => format!("{} {}", e.name, describe_exit(st)),
            };
            return Some(InitFailure::new("Extension.Crash", cause));
        }
    }
    None
}

/// The error type of an extension that stopped during an invoke: what it reported, else a crash.
fn extension_error_type(state: ExtensionState) -> &'static str {
    match state {
        ExtensionState::ExitError => "Extension.ExitError",
        ExtensionState::InitError => "Extension.InitError",
        _ => "Extension.Crash",
    }
}

/// Files (not directories) in the extensions directory, sorted by name.
pub fn discover_extensions(dir: &PathBuf) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| {
            std::fs::metadata(e.path())
                .map(|m| !m.is_dir())
                .unwrap_or(false)
        })
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}
