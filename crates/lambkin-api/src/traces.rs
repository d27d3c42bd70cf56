//! Invocations as OpenTelemetry traces (`lambkin-trace`), when the `OTEL_*` variables turn tracing on: where a
//! request enters, its caller's trace (`traceparent`/`tracestate` or `X-Amzn-Trace-Id`) is continued or a new
//! one started, and the invocation span's id chosen ([`enter`]); the function gets the trace as Lambda hands it
//! over ([`function_header`]: `X-Amzn-Trace-Id` with `Parent=` that span); a queued event keeps its caller's
//! ([`queued`]); when the invoke phase ends (the engine tells when the caller had its answer), `observe.rs`
//! makes the record its spans. With tracing off, nothing here changes a call. A leaf: it names no
//! operation module.

use lambkin_trace::{InvocationTrace, KeyValue, Tracer};

use crate::service::Service;

/// The tracer, built at `serve`'s start from the standard variables; `None` when tracing is off.
pub(crate) fn tracer_from_env(region: &str) -> Option<Tracer> {
    Tracer::from_env(vec![
        KeyValue::new("cloud.provider", CLOUD_PROVIDER),
        KeyValue::new("cloud.platform", CLOUD_PLATFORM),
        KeyValue::new("cloud.region", region.to_owned()),
    ])
}

/// `cloud.provider`: not AWS, though it speaks Lambda's API.
pub(crate) const CLOUD_PROVIDER: &str = "lambkin";
/// `cloud.platform`: what lambkin runs, in OpenTelemetry's name for it.
pub(crate) const CLOUD_PLATFORM: &str = "aws_lambda";

/// An invocation entering with its caller's trace headers: its place in the caller's trace (or a new trace),
/// with its own span id. `None` when tracing is off.
pub(crate) fn enter(
    service: &Service,
    traceparent: Option<&str>,
    tracestate: Option<&str>,
    amzn_trace_id: Option<&str>,
) -> Option<InvocationTrace> {
    service.tracer.as_ref()?;
    Some(InvocationTrace::enter(
        traceparent,
        tracestate,
        amzn_trace_id,
    ))
}

/// The `X-Amzn-Trace-Id` the function gets: with a trace, its header naming the invocation span as the
/// parent; without (tracing off), the caller's `X-Amzn-Trace-Id` as it came.
pub(crate) fn function_header(
    trace: Option<&InvocationTrace>,
    amzn_trace_id: Option<&str>,
) -> Option<String> {
    match trace {
        Some(t) => Some(t.function_header()),
        None => amzn_trace_id.map(str::to_owned),
    }
}

/// What a queued event keeps of its caller's trace: the caller's context as an `X-Amzn-Trace-Id` (each
/// delivery attempt is then a new invocation span under the caller's span), or, tracing off, the caller's
/// header as it came.
pub(crate) fn queued(
    trace: Option<&InvocationTrace>,
    amzn_trace_id: Option<&str>,
) -> Option<String> {
    match trace {
        Some(t) => Some(t.context.caller_header()),
        None => amzn_trace_id.map(str::to_owned),
    }
}
