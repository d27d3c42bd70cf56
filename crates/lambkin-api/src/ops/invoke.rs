//! `Invoke` (`RequestResponse`, `Event`, `DryRun`), `InvokeWithResponseStream` and the legacy `InvokeAsync`,
//! through the one invoke path (`invoke.rs`); `Event` invokes are committed to the queue (`queue.rs`).

use http::{HeaderValue, StatusCode};
use lambkin_engine::FunctionSpec;

use crate::error::{ApiError, ApiResult};
use crate::invoke::{self, Call, Refused, MAX_ASYNC, MAX_REQUEST};
use crate::names;
use crate::operation::InvokeInput;
use crate::reply::Reply;
use crate::request::Ctx;

struct Prepared {
    /// Without the managed runtime's parts until the invoke runs.
    spec: FunctionSpec,
    /// The version's runtime.
    runtime: Option<String>,
    call: Call,
    /// The function name and qualifier as invoked (an async event resolves them again when delivered).
    name: String,
    qualifier: Option<String>,
    /// The incarnation of the function resolved.
    incarnation: String,
    /// A durable function's settings: its invokes start durable executions.
    durable: Option<crate::model::DurableConfig>,
}

fn prepare(ctx: &Ctx, input: &InvokeInput) -> ApiResult<Prepared> {
    let r = names::parse_function(&input.function, &ctx.service.config.account_id)?;
    let q = names::merge_qualifier(&r, input.qualifier.as_deref())?;
    let target = invoke::Target {
        arns: &ctx.arns,
        function: &r.name,
        qualifier: q.as_deref(),
        incarnation: None,
    };
    let res = invoke::resolve(&ctx.service, &target)?;
    let spec = invoke::base_spec(&ctx.service, &res, &ctx.arns)?;
    let runtime = res.version.config.runtime.clone();
    crate::runtimes::check_invocable(&ctx.service, runtime.as_deref())?;
    let incarnation = res.record.incarnation.clone();
    let durable = res.version.config.durable_config.clone();
    let client_context = match input.client_context.as_deref() {
        None => None,
        Some(raw) => Some(lambkin_respond::decode_client_context(raw).map_err(|_| {
            ApiError::invalid("Client context must be a valid Base64-encoded JSON object.")
        })?),
    };
    let invoked_function_arn = match &q {
        Some(q) => ctx.arns.qualified(&r.name, q),
        None => ctx.arns.function(&r.name),
    };
    let headers = input.trace_id.clone().unwrap_or_default();
    let trace = crate::traces::enter(
        &ctx.service,
        headers.traceparent.as_deref(),
        headers.tracestate.as_deref(),
        headers.amzn.as_deref(),
    );
    let call = Call {
        request_id: ctx.request_id.clone(),
        payload: input.payload.clone(),
        client_context,
        trace_id: crate::traces::function_header(trace.as_ref(), headers.amzn.as_deref()),
        tenant_id: input.tenant_id.clone(),
        invoked_function_arn,
        trigger: crate::observe::Trigger::Http,
        received: Some(std::time::SystemTime::now()),
        trace,
    };
    Ok(Prepared {
        spec,
        runtime,
        call,
        name: r.name,
        qualifier: q,
        incarnation,
        durable,
    })
}

/// Lambda's limit of a synchronous invoke's payload, for every way in (the HTTP front end also stops reading
/// there, before anything else).
pub(crate) fn check_size(payload: &[u8]) -> ApiResult<()> {
    if payload.len() > MAX_REQUEST {
        return Err(ApiError::too_large(format!(
            "Request must be smaller than {MAX_REQUEST} bytes for the InvokeFunction operation"
        )));
    }
    Ok(())
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
pub(crate) async fn invoke(ctx: &Ctx, input: &InvokeInput, streaming: bool) -> ApiResult<Reply> {
    let request_id = ctx.request_id.as_str();
    let invocation_type = input
        .invocation_type
        .as_deref()
        .unwrap_or("RequestResponse")
        .to_owned();
    let tail = input
        .log_type
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("Tail"));
    check_size(&input.payload)?;
    let p = prepare(ctx, input)?;
    if invocation_type == "Event" && p.call.payload.len() > MAX_ASYNC {
        return Err(ApiError::too_large(format!(
            "Request must be smaller than {MAX_ASYNC} bytes for the InvokeFunction operation"
        )));
    }
    check_json(&p.call.payload)?;
    let version = p.spec.version.clone();
    if let Some(config) = &p.durable {
        if invocation_type != "DryRun" {
            if streaming {
                return Err(ApiError::invalid(
                    "InvokeWithResponseStream is not supported for durable functions: use Invoke.",
                ));
            }
            let durable = super::durable::DurableInvoke {
                name: &p.name,
                qualifier: p.qualifier.as_deref(),
                version: &version,
                config,
                invocation_type: &invocation_type,
                execution_name: input.durable_execution_name.clone(),
                payload: &p.call.payload,
                trace_header: input.trace_id.as_ref().and_then(|t| t.amzn.clone()),
            };
            if matches!(invocation_type.as_str(), "Event" | "RequestResponse") {
                return super::durable::invoke(ctx, durable).await;
            }
        }
    }
    match (invocation_type.as_str(), streaming) {
        ("DryRun", _) => Ok(Reply::Empty(StatusCode::NO_CONTENT)),
        ("Event", false) => {
            enqueue(ctx, &p).await?;
            let mut r = http::Response::new(lambkin_respond::full(bytes::Bytes::new()));
            *r.status_mut() = StatusCode::ACCEPTED;
            lambkin_respond::put_common(&mut r, request_id, &version);
            // Lambda's 202 names no executed version: the event has not run yet (LocalStack snapshot
            // test_lambda.py test_invocation_type_event: only StatusCode and Payload).
            r.headers_mut().remove("X-Amz-Executed-Version");
            Ok(Reply::Raw(r))
        }
        ("RequestResponse", _) => {
            // A runtime still being installed is waited for here (Event invokes wait in the queue instead).
            invoke::ensure_runtime(&ctx.service, p.runtime.as_deref()).await?;
            let mut spec = p.spec;
            invoke::with_runtime(&ctx.service, p.runtime.as_deref(), &mut spec)?;
            let running = invoke::start(&ctx.service, &spec, p.call)
                .await
                .map_err(Refused::into_api_error)?;
            Ok(Reply::Raw(running.respond(streaming, tail).await))
        }
        (other, _) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            if streaming { "RequestResponse, DryRun" } else { "Event, RequestResponse, DryRun" }
        ))),
    }
}

/// `InvokeAsync` (deprecated, still used): `202 {"Status":202}`.
pub(crate) async fn invoke_async(ctx: &Ctx, input: &InvokeInput) -> ApiResult<Reply> {
    let request_id = ctx.request_id.as_str();
    if input.payload.len() > MAX_ASYNC {
        return Err(ApiError::too_large(format!(
            "Request must be smaller than {MAX_ASYNC} bytes for the InvokeFunction operation"
        )));
    }
    let p = prepare(ctx, input)?;
    check_json(&p.call.payload)?;
    enqueue(ctx, &p).await?;
    let mut r = http::Response::new(lambkin_respond::full(r#"{"Status":202}"#));
    *r.status_mut() = StatusCode::ACCEPTED;
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-RequestId", v);
    }
    Ok(Reply::Raw(r))
}

/// Commits an `Event` invoke to the durable queue (`queue.rs`); returns once it is on disk.
async fn enqueue(ctx: &Ctx, p: &Prepared) -> ApiResult<()> {
    let ev = crate::records::events::QueuedEvent {
        id: p.call.request_id.clone(),
        client_context: p.call.client_context.clone(),
        // Tracing on, the caller's context, continued by each delivery attempt's span.
        trace_id: crate::traces::queued(p.call.trace.as_ref(), p.call.trace_id.as_deref()),
        incarnation: Some(p.incarnation.clone()).filter(|i| !i.is_empty()),
        ..crate::records::events::QueuedEvent::new(
            &ctx.arns.region,
            &ctx.arns.account,
            &p.name,
            p.qualifier.as_deref(),
            &p.call.payload,
        )
    };
    crate::clusterqueue::enqueue(&ctx.service, ev)
        .await
        .map_err(|e| ApiError::service(format!("cannot queue the event: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_over_six_mib_is_too_large() {
        assert!(check_size(&vec![b' '; MAX_REQUEST]).is_ok());
        let e = check_size(&vec![b' '; MAX_REQUEST + 1]).expect_err("too large");
        assert_eq!(e.status, http::StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(e.error_type, "RequestTooLargeException");
        assert_eq!(
            e.message,
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
        );
    }
}
