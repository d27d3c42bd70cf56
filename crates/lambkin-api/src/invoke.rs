//! `Invoke` (`RequestResponse`, `Event`, `DryRun`), `InvokeWithResponseStream` and the legacy
//! `InvokeAsync`, over the engine.

use std::time::Duration;

use http::{HeaderValue, StatusCode};
use lambkin_engine::{EngineError, FunctionSpec, Invocation};
use lambkin_init::{InvokeHandle, InvokeRequest};

use crate::error::{ApiError, ApiResult};
use crate::names;
use crate::reply::Reply;
use crate::request::ApiRequest;
use crate::resolve::{self, Resolved};
use crate::Service;

/// Largest synchronous invoke payload (6 MiB).
pub const MAX_REQUEST: usize = 6 * 1024 * 1024;
/// Largest asynchronous invoke payload (1 MiB).
pub const MAX_ASYNC: usize = 1024 * 1024;

/// Builds what the engine needs to run a resolved version (its managed runtime must be installed: see
/// `runtimes::ensure`).
pub(crate) fn spec_for(
    service: &Service,
    res: &Resolved,
    arns: &names::Arns,
) -> ApiResult<FunctionSpec> {
    let mut spec = base_spec(service, res, arns)?;
    crate::runtimes::apply(service, res.version.config.runtime.as_deref(), &mut spec)?;
    Ok(spec)
}

/// The spec without its managed runtime's parts (enough to queue or check an invoke).
fn base_spec(service: &Service, res: &Resolved, arns: &names::Arns) -> ApiResult<FunctionSpec> {
    let v = &res.version;
    let c = &v.config;
    let code_dir = service.store.unpacked_dir(&v.code_hex).ok_or_else(|| {
        ApiError::service(format!(
            "the code of {} ({}) is missing from the store",
            c.function_name, c.code_sha256
        ))
    })?;
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
    let spec = FunctionSpec {
        function_name: c.function_name.clone(),
        version: c.version.clone(),
        revision: c.revision_id.clone(),
        code_dir,
        layers,
        runtime_dir: None,
        execution_env: None,
        handler: c.handler.clone().unwrap_or_default(),
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
        log_group: c
            .logging_config
            .log_group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{}", c.function_name)),
        reserved_concurrency: res.record.reserved_concurrency,
        log_format: if json_logs { "JSON" } else { "Text" }.into(),
        log_level: json_logs.then(|| {
            c.logging_config
                .application_log_level
                .clone()
                .unwrap_or_else(|| "INFO".into())
        }),
        system_log_level: json_logs.then(|| {
            c.logging_config
                .system_log_level
                .clone()
                .unwrap_or_else(|| "INFO".into())
        }),
        language: None,
        host_binds: Vec::new(),
    };
    Ok(spec)
}

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

fn handle(inv: Invocation) -> InvokeHandle {
    InvokeHandle {
        request_id: inv.request_id,
        frames: inv.frames,
        done: inv.done,
    }
}

struct Prepared {
    /// Without the managed runtime's parts until the invoke runs (`run`).
    spec: FunctionSpec,
    /// The version's runtime.
    runtime: Option<String>,
    request: InvokeRequest,
    /// The function name and qualifier as invoked (an async event resolves them again when delivered).
    name: String,
    qualifier: Option<String>,
    /// The incarnation of the function resolved.
    incarnation: String,
}

fn prepare(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    request_id: &str,
) -> ApiResult<Prepared> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?;
    let res = resolve::resolve(service, &req.arns, &r.name, q.as_deref())?;
    let res = resolve::weighted(service, &req.arns, res)?;
    let spec = base_spec(service, &res, &req.arns)?;
    let runtime = res.version.config.runtime.clone();
    let incarnation = res.record.incarnation.clone();
    let client_context = match req.header("X-Amz-Client-Context") {
        None => None,
        Some(raw) => Some(lambkin_respond::decode_client_context(raw).map_err(|_| {
            ApiError::invalid("Client context must be a valid Base64-encoded JSON object.")
        })?),
    };
    let invoked_function_arn = match &q {
        Some(q) => req.arns.qualified(&r.name, q),
        None => req.arns.function(&r.name),
    };
    let request = InvokeRequest {
        request_id: Some(request_id.to_owned()),
        payload: req.body.clone(),
        content_type: None,
        client_context,
        cognito_identity: None,
        trace_id: req.header("X-Amzn-Trace-Id").map(str::to_owned),
        tenant_id: req.header("X-Amz-Tenant-Id").map(str::to_owned),
        invoked_function_arn: Some(invoked_function_arn),
    };
    Ok(Prepared {
        spec,
        runtime,
        request,
        name: r.name,
        qualifier: q,
        incarnation,
    })
}

/// Lambda takes JSON events only (an empty body is passed on as it is).
fn check_json(payload: &[u8]) -> ApiResult<()> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(payload)
        .map(|_| ())
        .map_err(|e| {
            ApiError::bad_content(format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            ))
        })
}

/// `Invoke` and `InvokeWithResponseStream`.
pub async fn invoke(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    streaming: bool,
    request_id: &str,
) -> ApiResult<Reply> {
    let invocation_type = req
        .header("X-Amz-Invocation-Type")
        .unwrap_or("RequestResponse")
        .to_owned();
    let tail = req
        .header("X-Amz-Log-Type")
        .is_some_and(|v| v.eq_ignore_ascii_case("Tail"));
    let p = prepare(service, req, raw, request_id)?;
    if invocation_type == "Event" && p.request.payload.len() > MAX_ASYNC {
        return Err(ApiError::too_large(format!(
            "Request must be smaller than {MAX_ASYNC} bytes for the InvokeFunction operation"
        )));
    }
    check_json(&p.request.payload)?;
    let version = p.spec.version.clone();
    match (invocation_type.as_str(), streaming) {
        ("DryRun", _) => Ok(Reply::Empty(StatusCode::NO_CONTENT)),
        ("Event", false) => {
            enqueue(service, req, &p).await?;
            let mut r = http::Response::new(lambkin_respond::full(bytes::Bytes::new()));
            *r.status_mut() = StatusCode::ACCEPTED;
            lambkin_respond::put_common(&mut r, request_id, &version);
            Ok(Reply::Raw(r))
        }
        ("RequestResponse", _) => {
            // A runtime still being installed is waited for here (Event invokes wait in the queue instead).
            crate::runtimes::ensure(service, p.runtime.as_deref()).await?;
            let mut spec = p.spec;
            crate::runtimes::apply(service, p.runtime.as_deref(), &mut spec)?;
            let inv = service
                .engine
                .invoke(&spec, p.request)
                .await
                .map_err(engine_error)?;
            let r = if streaming {
                lambkin_respond::response_stream(handle(inv), &version, tail).await
            } else {
                lambkin_respond::request_response(handle(inv), &version, tail).await
            };
            Ok(Reply::Raw(r))
        }
        (other, _) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            if streaming { "RequestResponse, DryRun" } else { "Event, RequestResponse, DryRun" }
        ))),
    }
}

/// `InvokeAsync` (deprecated, still used): `202 {"Status":202}`.
pub async fn invoke_async(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    request_id: &str,
) -> ApiResult<Reply> {
    if req.body.len() > MAX_ASYNC {
        return Err(ApiError::too_large(format!(
            "Request must be smaller than {MAX_ASYNC} bytes for the InvokeFunction operation"
        )));
    }
    let p = prepare(service, req, raw, request_id)?;
    check_json(&p.request.payload)?;
    enqueue(service, req, &p).await?;
    let mut r = http::Response::new(lambkin_respond::full(r#"{"Status":202}"#));
    *r.status_mut() = StatusCode::ACCEPTED;
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-RequestId", v);
    }
    Ok(Reply::Raw(r))
}

/// Commits an `Event` invoke to the durable queue (`queue.rs`); returns once it is on disk.
async fn enqueue(service: &Service, req: &ApiRequest, p: &Prepared) -> ApiResult<()> {
    let now = crate::time_fmt::now_ms();
    let ev = crate::records::events::QueuedEvent {
        id: p.request.request_id.clone().unwrap_or_default(),
        region: req.arns.region.clone(),
        account: req.arns.account.clone(),
        function: p.name.clone(),
        qualifier: p.qualifier.clone(),
        payload: {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(&p.request.payload)
        },
        client_context: p.request.client_context.clone(),
        trace_id: p.request.trace_id.clone(),
        enqueued_ms: now,
        due_ms: now,
        attempts: 0,
        deferrals: 0,
        incarnation: Some(p.incarnation.clone()).filter(|i| !i.is_empty()),
    };
    service
        .queue
        .enqueue(ev)
        .await
        .map_err(|e| ApiError::service(format!("cannot queue the event: {e}")))
}
