//! The one invoke path. Synchronous invokes (`ops/invoke.rs`), async deliveries (`queue.rs`), function URLs
//! (`urlserve.rs`) and provisioned concurrency (`ops/provisioned.rs`) all go through it:
//!
//! 1. [`resolve`]: the name and qualifier to a version (an alias's additional version drawn by its weight);
//! 2. [`ready_spec`] (or [`base_spec`], then [`ensure_runtime`] and [`with_runtime`] when the caller decides
//!    in between whether to run at all): the managed runtime installed, awaited if need be, and the
//!    `FunctionSpec` the engine runs;
//! 3. [`start`]: `Engine::invoke` with the request ([`Call`]);
//! 4. [`Running`]: the answer, read from the response frames in one place — as the REST API's response
//!    ([`Running::respond`]), as a buffered answer or a stream of chunks ([`Running::answer`]), or whole, after
//!    the end of the invoke phase ([`Running::collect`]).
//!
//! [`run`] is steps 1–3 in one call, with every refusal as a [`Refused`]. This is the only module that names
//! the host↔init contract, `lambkin_wire` (`InvokeRequest`, `InvokeHandle`, `ResponseFrame`, the reserved
//! variables).

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use lambkin_engine::{EngineError, FunctionSpec};
use lambkin_respond::FrontResponse;
use lambkin_wire::{InvokeHandle, InvokeRequest, ResponseFrame};

/// A fresh request id (a UUID v4, no system call).
pub(crate) use lambkin_wire::invoke::new_request_id;
use tokio::sync::mpsc;

mod forward;

pub(crate) use forward::serve as serve_forwarded;

use crate::error::{ApiError, ApiResult};
use crate::names::Arns;
use crate::resolve::Resolved;
use crate::service::Service;

/// Largest synchronous invoke payload (6 MiB).
pub const MAX_REQUEST: usize = 6 * 1024 * 1024;
/// Largest asynchronous invoke payload (1 MiB).
pub const MAX_ASYNC: usize = 1024 * 1024;

/// Whether an environment variable is reserved by the platform (a function's configuration cannot set it).
pub(crate) fn is_reserved_variable(name: &str) -> bool {
    lambkin_wire::env::is_reserved(name)
}

/// Why an invoke did not start.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The function, version or alias does not exist (Lambda's 404).
    NotFound(ApiError),
    /// The function exists, but not the incarnation the caller was for (deleted and created again).
    Replaced,
    /// The store failed while resolving.
    Unresolved(ApiError),
    /// The version's managed runtime could not be installed.
    Runtime {
        /// Why.
        error: ApiError,
        /// The version that would have run.
        version: String,
    },
    /// The version's code, a layer or its runtime's directory is missing.
    Spec(ApiError),
    /// The engine refused: throttled, no environment could start, shutting down.
    Engine(EngineError),
}

impl Refused {
    /// The refusal as the REST API answers it.
    pub(crate) fn into_api_error(self) -> ApiError {
        match self {
            Refused::NotFound(e)
            | Refused::Unresolved(e)
            | Refused::Runtime { error: e, .. }
            | Refused::Spec(e) => e,
            Refused::Replaced => ApiError::not_found("Function not found"),
            Refused::Engine(e) => engine_error(e),
        }
    }
}

/// An engine refusal as the API answers it.
fn engine_error(e: EngineError) -> ApiError {
    match e {
        EngineError::Throttled { reason } => ApiError::throttled(reason),
        EngineError::Start(msg) => ApiError::service(format!(
            "lambkin could not start an execution environment: {msg}"
        )),
        EngineError::ShuttingDown => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceException",
            "the server is shutting down",
        ),
    }
}

/// Step 1: `name[:qualifier]` to the version that runs (an alias with `RoutingConfig` sends each invoke to its
/// additional version with that version's weight).
pub(crate) fn resolve(service: &Service, target: &Target<'_>) -> ApiResult<Resolved> {
    // Unqualified, an invoke is of `$LATEST`: Lambda's not-found names it (`…:function:NAME:$LATEST`).
    let qualifier = Some(target.qualifier.unwrap_or("$LATEST"));
    let res = crate::resolve::resolve(service, target.arns, target.function, qualifier)?;
    crate::resolve::weighted(service, target.arns, res)
}

/// Step 2, whole: the version's managed runtime installed (waited for while it is being built), then its spec.
pub(crate) async fn ready_spec(
    service: &Service,
    res: &Resolved,
    arns: &Arns,
) -> Result<FunctionSpec, Refused> {
    let runtime = res.version.config.runtime.as_deref();
    ensure_runtime(service, runtime)
        .await
        .map_err(|error| Refused::Runtime {
            error,
            version: res.version.config.version.clone(),
        })?;
    fetch_code(service, res).await;
    let mut spec = base_spec(service, res, arns).map_err(Refused::Spec)?;
    with_runtime(service, runtime, &mut spec).map_err(Refused::Spec)?;
    Ok(spec)
}

/// In a cluster, the version's code and layers another host stored are fetched and unpacked here first, off
/// the async threads (once per host; [`base_spec`] then finds them).
async fn fetch_code(service: &Service, res: &Resolved) {
    if res.version.image.is_some() {
        // An image this host lacks (another host pulled it, or its layers were removed) is pulled by digest.
        crate::images::ensure_local(service, &res.version).await;
        return;
    }
    if service.cluster.is_none() {
        return;
    }
    let mut zips: Vec<String> = vec![res.version.code_hex.clone()];
    zips.extend(res.version.layers.iter().map(|l| l.sha256_hex.clone()));
    let store = service.store.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for hex in zips {
            let _ = store.unpacked_dir(&hex);
        }
    })
    .await;
}

/// Waits until a managed runtime's directory is built (building it if needed); `provided*` runtimes and
/// installed ones return at once.
pub(crate) async fn ensure_runtime(service: &Service, runtime: Option<&str>) -> ApiResult<()> {
    crate::runtimes::ensure(service, runtime).await
}

/// Fills the spec's managed-runtime parts (the runtime must be installed: [`ensure_runtime`]).
pub(crate) fn with_runtime(
    service: &Service,
    runtime: Option<&str>,
    spec: &mut FunctionSpec,
) -> ApiResult<()> {
    crate::runtimes::apply(service, runtime, spec)
}

/// The spec without its managed runtime's parts (enough to queue or check an invoke).
pub(crate) fn base_spec(service: &Service, res: &Resolved, arns: &Arns) -> ApiResult<FunctionSpec> {
    let v = &res.version;
    let c = &v.config;
    crate::images::check_invocable(v)?;
    let image = v.image.as_ref().map(|_| crate::images::run(service, v));
    let code_dir = match image {
        Some(_) => Default::default(),
        None => service.store.unpacked_dir(&v.code_hex).ok_or_else(|| {
            ApiError::service(format!(
                "the code of {} ({}) is missing from the store",
                c.function_name, c.code_sha256
            ))
        })?,
    };
    let layers = v
        .layers
        .iter()
        .map(|l| {
            service.store.unpacked_dir(&l.sha256_hex).ok_or_else(|| {
                ApiError::service(format!("layer {} is missing from the store", l.arn))
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let json_logs = c.logging_config.log_format.as_deref() == Some("JSON");
    let shared_dirs = crate::efs::shared_dirs(&service.config.efs, &c.file_system_configs)
        .map_err(|arn| {
            ApiError::new(
                http::StatusCode::FORBIDDEN,
                "EFSMountFailureException",
                format!(
                    "The function couldn't mount the Amazon EFS file system with access point {arn}: this lambkin server maps no directory to it (start it with --efs {arn}=DIR)."
                ),
            )
        })?;
    let spec = FunctionSpec {
        function_name: c.function_name.clone(),
        version: c.version.clone(),
        revision: c.revision_id.clone(),
        code_dir,
        layers,
        runtime_dir: None,
        execution_env: None,
        handler: match &image {
            Some(_) => crate::images::handler(v),
            None => c.handler.clone().unwrap_or_default(),
        },
        memory_mb: c.memory_size,
        timeout: Duration::from_secs(u64::from(c.timeout)),
        ephemeral_mb: c.ephemeral_storage.size,
        environment: c
            .environment
            .as_ref()
            .map(|e| {
                e.variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        region: arns.region.clone(),
        account_id: arns.account.clone(),
        log_group: c.log_group(),
        reserved_concurrency: res.record.reserved_concurrency,
        log_format: if json_logs { "JSON" } else { "Text" }.into(),
        log_level: json_logs.then(|| {
            c.logging_config
                .application_log_level
                .clone()
                .unwrap_or_else(|| "INFO".into())
        }),
        // Validated at CreateFunction/UpdateFunctionConfiguration; Lambda's default is INFO.
        system_log_level: json_logs.then(|| {
            c.logging_config
                .system_log_level
                .as_deref()
                .and_then(lambkin_wire::SystemLogLevel::parse)
                .unwrap_or(lambkin_wire::SystemLogLevel::Info)
        }),
        language: None,
        host_binds: Vec::new(),
        shared_dirs,
        image,
        start: None,
    };
    Ok(spec)
}

/// The request of an invoke.
#[derive(Debug, Default, Clone)]
pub(crate) struct Call {
    /// Request id (the caller's `x-amzn-RequestId`, or the async event's id).
    pub request_id: String,
    /// The event.
    pub payload: Bytes,
    /// Client context JSON, already base64-decoded.
    pub client_context: Option<String>,
    /// `X-Amzn-Trace-Id`.
    pub trace_id: Option<String>,
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// The ARN the function was invoked with (qualified or not).
    pub invoked_function_arn: String,
    /// What invoked it.
    pub trigger: crate::observe::Trigger,
    /// When the request arrived or the event was queued (`None`: now).
    pub received: Option<std::time::SystemTime>,
    /// Its place in its trace when tracing is on (`traces.rs`); `trace_id` is then its function header.
    pub trace: Option<lambkin_trace::InvocationTrace>,
}

/// Step 3: starts the invoke on an environment of `spec` — in a cluster, on the function's home host
/// (`forward.rs`), here when this host ranks first or the ones before it cannot take it.
pub(crate) async fn start(
    service: &Service,
    spec: &FunctionSpec,
    call: Call,
) -> Result<Running, Refused> {
    if let Some(cluster) = &service.cluster {
        let function = format!("{}/{}", spec.region, spec.function_name);
        for host in forward::ranking(cluster, &function) {
            if host == cluster.host_id() {
                break;
            }
            match forward::start(cluster, &host, spec, &call).await {
                Ok(running) => return Ok(running),
                Err(forward::Remote::Refused(r)) => return Err(r),
                Err(forward::Remote::Elsewhere) => {}
            }
        }
    }
    start_here(service, spec, call).await
}

/// In a cluster, the host a function's invokes (and provisioned environments) go to: the live host it ranks
/// first. `None` on one host.
pub(crate) fn home(service: &Service, region: &str, function: &str) -> Option<String> {
    let cluster = service.cluster.as_ref()?;
    forward::ranking(cluster, &format!("{region}/{function}"))
        .into_iter()
        .next()
}

/// Step 3 on this host. When the invoke phase ends, its figures go to the observers (`observe.rs`).
pub(crate) async fn start_here(
    service: &Service,
    spec: &FunctionSpec,
    call: Call,
) -> Result<Running, Refused> {
    let started = std::time::SystemTime::now();
    let function_arn = call.invoked_function_arn.clone();
    let mut observed = crate::observe::Started {
        request_id: call.request_id.clone(),
        function_arn: call.invoked_function_arn.clone(),
        trigger: call.trigger,
        trace: call.trace_id.clone(),
        received: call.received.unwrap_or(started),
        started,
        acquired: started,
        concurrency: 0,
        spillover: false,
        span: call.trace,
        responded: None,
    };
    let request = InvokeRequest {
        request_id: Some(call.request_id),
        payload: call.payload,
        content_type: None,
        client_context: call.client_context,
        cognito_identity: None,
        trace_id: call.trace_id,
        tenant_id: call.tenant_id,
        invoked_function_arn: Some(call.invoked_function_arn),
    };
    let slot = match cluster_slot(service, spec).await {
        Ok(slot) => slot,
        Err(refused) => {
            crate::observe::throttled(service, spec, &function_arn);
            return Err(refused);
        }
    };
    // The observers get the invoke's figures when its invoke phase ends, from the engine's hook (no task waits
    // for it); in a cluster, the reserved-concurrency slot is the environment's until then too, as the local
    // count is.
    let observers = crate::observe::observers(service);
    let figures = Figures::of(spec);
    let engine = service.engine.clone();
    let slots = match (&service.cluster, &slot) {
        (Some(cluster), Some(_)) => Some(cluster.slots().clone()),
        _ => None,
    };
    // The slot goes with the environment once one is taken; if none is, it is given back here.
    let mut held = slot;
    let inv = service
        .engine
        .invoke_then(spec, request, |taken| {
            observed.acquired = std::time::SystemTime::now();
            observed.concurrency = engine.busy(&figures.function);
            // On-demand while the version has provisioned environments: Lambda's spillover.
            observed.spillover =
                !taken.provisioned && engine.provisioned(&figures.function, &figures.version).1 > 0;
            let slot = held.take();
            Some(Box::new(move |ended: lambkin_engine::Ended<'_>| {
                if let (Some(slots), Some(slot)) = (slots, slot) {
                    tokio::spawn(async move { slots.release(slot).await });
                }
                observed.responded = ended.answered;
                observers.finished(&figures.invocation(observed, ended.summary));
            }))
        })
        .await;
    let inv = match inv {
        Ok(inv) => inv,
        Err(e) => {
            if let (Some(cluster), Some(slot)) = (&service.cluster, held) {
                cluster.slots().release(slot).await;
            }
            if matches!(e, EngineError::Throttled { .. }) {
                crate::observe::throttled(service, spec, &function_arn);
            }
            return Err(Refused::Engine(e));
        }
    };
    Ok(Running {
        handle: InvokeHandle {
            request_id: inv.request_id,
            frames: inv.frames,
            done: inv.done,
        },
        version: spec.version.clone(),
    })
}

/// What the observers need of a spec, taken before the invoke runs.
struct Figures {
    region: String,
    function: String,
    version: String,
    memory_mb: u32,
}

impl Figures {
    fn of(spec: &FunctionSpec) -> Figures {
        Figures {
            region: spec.region.clone(),
            function: spec.function_name.clone(),
            version: spec.version.clone(),
            memory_mb: spec.memory_mb,
        }
    }

    /// The record of an invoke that ended with `summary` (`None`: its environment vanished).
    fn invocation(
        self,
        call: crate::observe::Started,
        summary: Option<&lambkin_wire::InvokeSummary>,
    ) -> crate::observe::Invocation {
        let finished = std::time::SystemTime::now();
        let elapsed_ms = finished
            .duration_since(call.acquired)
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0;
        crate::observe::Invocation {
            call,
            region: self.region,
            function: self.function,
            version: self.version,
            finished,
            init_duration_ms: summary.and_then(|x| x.init_duration_ms),
            duration_ms: summary.map_or(elapsed_ms, |x| x.duration_ms),
            memory_mb: self.memory_mb,
            max_memory_used_mb: summary.map_or(0, |x| x.max_memory_used_mb),
            succeeded: summary.is_some_and(|x| x.status == lambkin_wire::InvokeStatus::Success),
            error_type: match summary {
                Some(x) => x.error_type.clone(),
                None => Some("Sandbox.Failure".to_owned()),
            },
        }
    }
}

/// How long an invoke waits for a reserved-concurrency slot that is about to be given back.
const SLOT_PATIENCE: Duration = Duration::from_millis(300);

/// In a cluster, a function with reserved concurrency takes one of its cluster-wide slots first; with none
/// free the whole cluster runs as many as it may, and the invoke is throttled as Lambda throttles it. (When
/// NATS cannot answer, the host's own count still applies.)
async fn cluster_slot(
    service: &Service,
    spec: &FunctionSpec,
) -> Result<Option<lambkin_cluster::Slot>, Refused> {
    let (Some(cluster), Some(limit)) = (&service.cluster, spec.reserved_concurrency) else {
        return Ok(None);
    };
    let function = format!("{}/{}", spec.region, spec.function_name);
    // A slot given back by an invoke that just answered (its invoke phase ends a moment later) is waited for
    // briefly, as the engine waits for an environment that is finishing: back-to-back invokes are not throttled.
    let patience = tokio::time::Instant::now() + SLOT_PATIENCE;
    let taken = loop {
        match cluster.slots().acquire(&function, limit).await {
            Ok(None) if tokio::time::Instant::now() < patience => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            other => break other,
        }
    };
    match taken {
        Ok(Some(slot)) => Ok(Some(slot)),
        Ok(None) => Err(Refused::Engine(EngineError::Throttled {
            reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
        })),
        Err(e) => {
            tracing::warn!("cluster: concurrency slots of {function} unavailable ({e}); counted on this host only");
            Ok(None)
        }
    }
}

/// What [`run`] invokes.
pub(crate) struct Target<'a> {
    /// Region and account.
    pub arns: &'a Arns,
    /// Function name.
    pub function: &'a str,
    /// Version or alias.
    pub qualifier: Option<&'a str>,
    /// The incarnation of the function the invoke is for (an async event's); another one is [`Refused::Replaced`].
    pub incarnation: Option<&'a str>,
}

/// Steps 1–3: resolve, ready the spec, start.
pub(crate) async fn run(
    service: &Service,
    target: Target<'_>,
    call: Call,
) -> Result<Running, Refused> {
    let res = resolve(service, &target).map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            Refused::NotFound(e)
        } else {
            Refused::Unresolved(e)
        }
    })?;
    if target
        .incarnation
        .is_some_and(|i| i != res.record.incarnation)
    {
        return Err(Refused::Replaced);
    }
    let spec = ready_spec(service, &res, target.arns).await?;
    start(service, &spec, call).await
}

/// An invoke in flight: its response frames and the end of its invoke phase.
pub(crate) struct Running {
    handle: InvokeHandle,
    version: String,
}

/// The first part of an answer.
pub(crate) enum Answer {
    /// A buffered answer: the response, or a function error (`/error`) or platform failure with its type.
    Buffered {
        /// The payload.
        body: Bytes,
        /// The error type, for an error.
        error: Option<String>,
    },
    /// A streamed answer.
    Stream {
        /// The runtime's `Content-Type`.
        content_type: Option<String>,
        /// Its chunks as they come.
        chunks: Chunks,
    },
    /// No answer at all.
    Nothing,
}

/// The chunks of a streamed answer.
pub(crate) struct Chunks {
    frames: mpsc::Receiver<ResponseFrame>,
    pending: Option<Bytes>,
    error: Option<(String, Bytes)>,
    ended: bool,
}

impl Chunks {
    fn new(frames: mpsc::Receiver<ResponseFrame>, pending: Option<Bytes>) -> Self {
        Self {
            frames,
            pending,
            error: None,
            ended: false,
        }
    }

    /// The next chunk; `None` at the end of the stream (a mid-stream error is kept for [`Chunks::collect`]).
    pub(crate) async fn next(&mut self) -> Option<Bytes> {
        if let Some(b) = self.pending.take() {
            return Some(b);
        }
        while !self.ended {
            match self.frames.recv().await {
                Some(ResponseFrame::Chunk(b)) | Some(ResponseFrame::Complete { body: b, .. }) => {
                    return Some(b)
                }
                Some(ResponseFrame::StreamStart { .. }) => {}
                Some(ResponseFrame::StreamEnd { error }) => {
                    self.error = error;
                    self.ended = true;
                }
                Some(ResponseFrame::Error {
                    error_type, body, ..
                }) => {
                    self.error = Some((error_type, body));
                    self.ended = true;
                }
                None => self.ended = true,
            }
        }
        None
    }

    /// Every chunk, together.
    pub(crate) async fn collect(mut self) -> (Vec<u8>, Option<(String, Bytes)>) {
        let mut body = Vec::new();
        while let Some(b) = self.next().await {
            body.extend_from_slice(&b);
        }
        (body, self.error)
    }
}

/// A whole answer ([`Running::collect`]).
pub(crate) struct Collected {
    /// The response, or the error's payload.
    pub body: Bytes,
    /// Whether it is an error (a function error, a platform failure, a mid-stream error).
    pub failed: bool,
}

/// Reads the first frame: a buffered answer, or the start of a stream.
async fn first(mut frames: mpsc::Receiver<ResponseFrame>) -> Answer {
    match frames.recv().await {
        Some(ResponseFrame::Complete { body, .. }) => Answer::Buffered { body, error: None },
        Some(ResponseFrame::Error {
            error_type, body, ..
        }) => Answer::Buffered {
            body,
            error: Some(error_type),
        },
        Some(ResponseFrame::StreamStart { content_type }) => Answer::Stream {
            content_type,
            chunks: Chunks::new(frames, None),
        },
        // Not sent by the init (a stream starts with `StreamStart`), read as a stream all the same.
        Some(ResponseFrame::Chunk(b)) => Answer::Stream {
            content_type: None,
            chunks: Chunks::new(frames, Some(b)),
        },
        Some(ResponseFrame::StreamEnd {
            error: Some((t, b)),
        }) => Answer::Buffered {
            body: b,
            error: Some(t),
        },
        Some(ResponseFrame::StreamEnd { error: None }) | None => Answer::Nothing,
    }
}

impl Running {
    /// The version that runs.
    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    /// Step 4, for the REST API: `Invoke`'s answer (`X-Amz-Function-Error`, `X-Amz-Log-Result` with `tail`),
    /// or `InvokeWithResponseStream`'s event stream.
    pub(crate) async fn respond(self, streaming: bool, tail: bool) -> FrontResponse {
        if streaming {
            lambkin_respond::response_stream(self.handle, &self.version, tail).await
        } else {
            lambkin_respond::request_response(self.handle, &self.version, tail).await
        }
    }

    /// Step 4, as it comes: a buffered answer, or a stream of chunks.
    pub(crate) async fn answer(self) -> Answer {
        first(self.handle.frames).await
    }

    /// Step 4, whole: the answer, then the end of the invoke phase (the environment is back in the pool or
    /// retired).
    pub(crate) async fn collect(self) -> Collected {
        let InvokeHandle { frames, done, .. } = self.handle;
        let (body, failed) = match first(frames).await {
            Answer::Buffered { body, error } => (body, error.is_some()),
            Answer::Stream { chunks, .. } => match chunks.collect().await {
                (_, Some((_, error_body))) => (error_body, true),
                (body, None) => (Bytes::from(body), false),
            },
            Answer::Nothing => (Bytes::new(), false),
        };
        let _ = done.await;
        Collected { body, failed }
    }
}
