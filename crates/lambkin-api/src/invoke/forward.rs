//! In a cluster, where an invoke runs: each function has a *home* host, the live host its name ranks first
//! (`lambkin_cluster::rank`: rendezvous hashing over the hosts that heartbeat), so every host sends a function's invokes to the same
//! place and its warm environments (and provisioned ones) gather there. An invoke arriving anywhere else is
//! forwarded to the home host over a call (`lambkin_cluster::Calls`), and the response comes back frame by
//! frame as the home host's init sends it (buffered, streamed, URL and async invokes alike). When the home host
//! is full (throttled for memory or the account's limit) or unreachable, the next host in the ranking is
//! tried, and this host runs it when it comes first.
//!
//! The wire: the call is `invoke` (head: [`Request`], body: the event); the answer is `started` (head: the
//! version) or `refused` (head: [`Refusal`]), then `frame`s (head: `ResponseHead`, body: its bytes), then
//! `done` (head: [`Summary`], body: the log tail). If the home host stops heartbeating mid-invoke, the caller
//! gets Lambda's platform failure (`Sandbox.Failure`), never a hang.

use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use http::StatusCode;
use lambkin_cluster::{CallError, Cluster, Incoming, Part};
use lambkin_engine::{EngineError, FunctionSpec};
use lambkin_wire::{InvokeHandle, InvokeStatus, InvokeSummary, ResponseFrame, ResponseHead};
use tokio::sync::{mpsc, oneshot};

use super::{Call, Refused, Running};
use crate::error::ApiError;
use crate::names::Arns;
use crate::service::Service;

/// What a host asks another to run.
#[derive(serde::Serialize, serde::Deserialize)]
struct Request {
    region: String,
    account: String,
    function: String,
    /// The version resolved by the caller (an alias's weighted pick is made once, there).
    version: String,
    request_id: String,
    client_context: Option<String>,
    trace_id: Option<String>,
    tenant_id: Option<String>,
    invoked_function_arn: String,
    /// `faas.trigger`.
    #[serde(default)]
    trigger: String,
    /// When the request arrived or the event was queued, ms since the epoch.
    #[serde(default)]
    received_ms: Option<u64>,
    /// A traced invoke: what of its trace `trace_id` (the function's header) does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    traced: Option<Traced>,
}

/// The caller's side of a traced invoke's trace: its span (16 hex digits) and `tracestate`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Traced {
    caller: Option<String>,
    state: Option<String>,
}

/// A refusal on the wire: which [`Refused`] it was, and the API error it carries.
#[derive(serde::Serialize, serde::Deserialize)]
struct Refusal {
    variant: String,
    status: u16,
    error_type: String,
    message: String,
    #[serde(default)]
    version: String,
}

/// The end of the invoke phase on the wire (the tail travels as the body).
#[derive(serde::Serialize, serde::Deserialize)]
struct Summary {
    status: InvokeStatus,
    error_type: Option<String>,
    duration_ms: f64,
    #[serde(default)]
    init_duration_ms: Option<f64>,
    #[serde(default)]
    max_memory_used_mb: u64,
}

/// Why the invoke did not start on a host.
pub(crate) enum Remote {
    /// That host cannot take it (full, or not listening): try the next.
    Elsewhere,
    /// Refused for good (the caller gets this).
    Refused(Refused),
}

/// Live hosts, best first, for `function` (`<region>/<name>`).
pub(crate) fn ranking(cluster: &Cluster, function: &str) -> Vec<String> {
    cluster.hosts().ranking(function)
}

/// Runs the invoke on `host` and returns it in flight, or says why not.
pub(crate) async fn start(
    cluster: &Cluster,
    host: &str,
    spec: &FunctionSpec,
    call: &Call,
) -> Result<Running, Remote> {
    let request = Request {
        region: spec.region.clone(),
        account: spec.account_id.clone(),
        function: spec.function_name.clone(),
        version: spec.version.clone(),
        request_id: call.request_id.clone(),
        client_context: call.client_context.clone(),
        trace_id: call.trace_id.clone(),
        tenant_id: call.tenant_id.clone(),
        invoked_function_arn: call.invoked_function_arn.clone(),
        trigger: call.trigger.as_str().to_owned(),
        received_ms: call.received.map(crate::time_fmt::unix_ms),
        traced: call.trace.as_ref().map(|t| Traced {
            caller: t.context.parent_id.map(|p| format!("{p:016x}")),
            state: t.context.trace_state.clone(),
        }),
    };
    let head = serde_json::to_string(&request).map_err(|e| lost(host, &e.to_string()))?;
    let part = Part {
        kind: "invoke".into(),
        head: Some(head),
        body: call.payload.clone(),
    };
    let mut answer = match cluster.calls().call(host, part).await {
        Ok(a) => a,
        Err(CallError::NoResponders) => return Err(Remote::Elsewhere),
        Err(e) => return Err(lost(host, &e.to_string())),
    };
    let first = match answer.next().await {
        Ok(p) => p,
        Err(CallError::NoResponders) => return Err(Remote::Elsewhere),
        Err(e) => return Err(lost(host, &e.to_string())),
    };
    match first.kind.as_str() {
        "started" => {}
        "refused" => {
            let r: Refusal = serde_json::from_str(first.head.as_deref().unwrap_or("{}"))
                .map_err(|e| lost(host, &e.to_string()))?;
            return Err(refused(r));
        }
        other => return Err(lost(host, &format!("unexpected answer {other:?}"))),
    }
    let version = first.head.unwrap_or_else(|| spec.version.clone());
    let (frames_tx, frames) = mpsc::channel(64);
    let (done_tx, done) = oneshot::channel();
    let (host, request_id) = (host.to_owned(), call.request_id.clone());
    tokio::spawn(async move {
        let mut answered = false;
        let mut streaming = false;
        loop {
            match answer.next().await {
                Ok(p) if p.kind == "frame" => {
                    let Some(head) = p
                        .head
                        .as_deref()
                        .and_then(|h| serde_json::from_str::<ResponseHead>(h).ok())
                    else {
                        continue;
                    };
                    let frame = ResponseFrame::from_wire(head, p.body);
                    match &frame {
                        ResponseFrame::StreamStart { .. } => streaming = true,
                        ResponseFrame::Complete { .. }
                        | ResponseFrame::Error { .. }
                        | ResponseFrame::StreamEnd { .. } => answered = true,
                        ResponseFrame::Chunk(_) => {}
                    }
                    let _ = frames_tx.send(frame).await;
                }
                Ok(p) if p.kind == "done" => {
                    let s: Option<Summary> =
                        p.head.as_deref().and_then(|h| serde_json::from_str(h).ok());
                    let _ = done_tx.send(InvokeSummary {
                        status: s.as_ref().map_or(InvokeStatus::Failure, |s| s.status),
                        error_type: s.as_ref().and_then(|s| s.error_type.clone()),
                        tail: p.body.to_vec(),
                        duration_ms: s.as_ref().map_or(0.0, |s| s.duration_ms),
                        init_duration_ms: s.as_ref().and_then(|s| s.init_duration_ms),
                        max_memory_used_mb: s.map_or(0, |s| s.max_memory_used_mb),
                    });
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("cluster: invoke {request_id} on {host} lost: {e}");
                    let body = Bytes::from(
                        serde_json::json!({
                            "errorType": "Sandbox.Failure",
                            "errorMessage": format!("RequestId: {request_id} Error: the host running the invoke ({host}) stopped: {e}"),
                        })
                        .to_string(),
                    );
                    if !answered {
                        let frame = if streaming {
                            ResponseFrame::StreamEnd {
                                error: Some(("Sandbox.Failure".into(), body)),
                            }
                        } else {
                            ResponseFrame::Error {
                                error_type: "Sandbox.Failure".into(),
                                body,
                                content_type: Some("application/json".into()),
                            }
                        };
                        let _ = frames_tx.send(frame).await;
                    }
                    let _ = done_tx.send(InvokeSummary {
                        status: InvokeStatus::Failure,
                        error_type: Some("Sandbox.Failure".into()),
                        tail: Vec::new(),
                        duration_ms: 0.0,
                        init_duration_ms: None,
                        max_memory_used_mb: 0,
                    });
                    return;
                }
            }
        }
    });
    Ok(Running {
        handle: InvokeHandle {
            request_id: call.request_id.clone(),
            frames,
            done,
        },
        version,
    })
}

/// The home host lost the call before it started: Lambda's service error (it may or may not have run).
fn lost(host: &str, why: &str) -> Remote {
    Remote::Refused(Refused::Engine(EngineError::Start(format!(
        "the invoke was handed to host {host}, which did not take it: {why}"
    ))))
}

/// Serves invokes other hosts hand to this one, forever.
pub(crate) async fn serve(service: Arc<Service>, cluster: Arc<Cluster>) {
    let calls = cluster.calls().clone();
    calls
        .serve(move |incoming| {
            let service = service.clone();
            async move { run(&service, incoming).await }
        })
        .await;
}

async fn run(service: &Service, incoming: Incoming) {
    let request: Request = match incoming
        .part
        .head
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
    {
        Ok(Some(r)) => r,
        _ => {
            tracing::warn!("cluster: an unreadable invoke call is ignored");
            return;
        }
    };
    let arns = Arns {
        region: request.region.clone(),
        account: request.account.clone(),
    };
    let trace = match (&request.traced, &request.trace_id) {
        (Some(t), Some(header)) => lambkin_trace::InvocationTrace::from_function_header(
            header,
            t.caller.as_deref(),
            t.state.clone(),
        ),
        _ => None,
    };
    let call = Call {
        request_id: request.request_id,
        payload: incoming.part.body.clone(),
        client_context: request.client_context,
        trace_id: request.trace_id,
        tenant_id: request.tenant_id,
        invoked_function_arn: request.invoked_function_arn,
        trigger: crate::observe::Trigger::parse(&request.trigger),
        received: request.received_ms.map(crate::time_fmt::from_unix_ms),
        trace,
    };
    let started = async {
        let res =
            crate::resolve::resolve(service, &arns, &request.function, Some(&request.version))
                .map_err(|e| {
                    if e.status == StatusCode::NOT_FOUND {
                        Refused::NotFound(e)
                    } else {
                        Refused::Unresolved(e)
                    }
                })?;
        let spec = super::ready_spec(service, &res, &arns).await?;
        super::start_here(service, &spec, call).await
    };
    let running = match started.await {
        Ok(r) => r,
        Err(r) => {
            let head = serde_json::to_string(&refusal(r)).unwrap_or_default();
            let _ = incoming
                .send(Part {
                    kind: "refused".into(),
                    head: Some(head),
                    body: Bytes::new(),
                })
                .await;
            return;
        }
    };
    let Running { handle, version } = running;
    let InvokeHandle {
        mut frames, done, ..
    } = handle;
    let _ = incoming
        .send(Part {
            kind: "started".into(),
            head: Some(version),
            body: Bytes::new(),
        })
        .await;
    while let Some(frame) = frames.recv().await {
        let (head, body) = frame.into_wire();
        let head = serde_json::to_string(&head).unwrap_or_default();
        if incoming
            .send(Part {
                kind: "frame".into(),
                head: Some(head),
                body,
            })
            .await
            .is_err()
        {
            break;
        }
    }
    let (head, tail) = match done.await {
        Ok(s) => (
            Summary {
                status: s.status,
                error_type: s.error_type,
                duration_ms: s.duration_ms,
                init_duration_ms: s.init_duration_ms,
                max_memory_used_mb: s.max_memory_used_mb,
            },
            s.tail,
        ),
        Err(_) => (
            Summary {
                status: InvokeStatus::Failure,
                error_type: None,
                duration_ms: 0.0,
                init_duration_ms: None,
                max_memory_used_mb: 0,
            },
            Vec::new(),
        ),
    };
    let _ = incoming
        .send(Part {
            kind: "done".into(),
            head: serde_json::to_string(&head).ok(),
            body: tail.into(),
        })
        .await;
}

fn refusal(r: Refused) -> Refusal {
    let (variant, version) = match &r {
        Refused::NotFound(_) => ("not_found", String::new()),
        Refused::Replaced => ("replaced", String::new()),
        Refused::Unresolved(_) => ("unresolved", String::new()),
        Refused::Runtime { version, .. } => ("runtime", version.clone()),
        Refused::Spec(_) => ("spec", String::new()),
        Refused::Engine(EngineError::Throttled { .. }) => ("throttled", String::new()),
        Refused::Engine(EngineError::Start(_)) => ("start", String::new()),
        Refused::Engine(EngineError::ShuttingDown) => ("shutting_down", String::new()),
    };
    let reason = match &r {
        Refused::Engine(EngineError::Throttled { reason }) => Some((*reason).to_owned()),
        _ => None,
    };
    let e = r.into_api_error();
    Refusal {
        variant: variant.into(),
        status: e.status.as_u16(),
        error_type: e.error_type.to_owned(),
        message: reason.unwrap_or(e.message),
        version,
    }
}

/// The refusal again; a host full for other reasons than the function's own limit sends the invoke elsewhere.
fn refused(r: Refusal) -> Remote {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let e = ApiError::new(status, intern(&r.error_type), r.message.clone());
    Remote::Refused(match r.variant.as_str() {
        "not_found" => Refused::NotFound(e),
        "replaced" => Refused::Replaced,
        "unresolved" => Refused::Unresolved(e),
        "runtime" => Refused::Runtime {
            error: e,
            version: r.version,
        },
        "spec" => Refused::Spec(e),
        "throttled" if r.message == "ReservedFunctionConcurrentInvocationLimitExceeded" => {
            Refused::Engine(EngineError::Throttled {
                reason: intern(&r.message),
            })
        }
        "throttled" | "shutting_down" => return Remote::Elsewhere,
        _ => Refused::Engine(EngineError::Start(r.message)),
    })
}

/// The one `'static` copy of an error type or reason received from another host (a handful of names).
fn intern(s: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.iter().find(|n| **n == s) {
        return n;
    }
    let n: &'static str = Box::leak(s.to_owned().into_boxed_str());
    names.push(n);
    n
}
