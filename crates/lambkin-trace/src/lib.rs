//! OpenTelemetry traces of invocations, knowing nothing of the service that makes them:
//!
//! - [`TraceContext`]: a caller's W3C `traceparent`/`tracestate` or AWS `X-Amzn-Trace-Id`, parsed, or a new
//!   trace; formatted back as the `X-Amzn-Trace-Id` a function gets ([`InvocationTrace::function_header`], with
//!   `Parent=` the invocation span's id, chosen before the function runs);
//! - [`Tracer`]: an OTLP exporter (`opentelemetry-otlp`: HTTP with protobuf or JSON, or gRPC) configured by
//!   the standard `OTEL_*` variables, off unless they ask for it, batching on the tokio runtime;
//! - [`InvocationSpans`]: a finished invocation as plain data — ids, absolute times, attributes, phases —
//!   that [`Tracer::record`] turns into the SDK's `SpanData` itself. The SDK's tracer picks its own span ids
//!   and times; the invocation span's id has to be known before the invoke (the function's spans are its
//!   children), and its phases are known only after it, so the spans are made whole, as the exporter sees
//!   them, and handed to the SDK's batch processor.

mod context;
mod export;
mod spans;

pub use context::{new_span_id, InvocationTrace, TraceContext};
pub use export::{Tracer, DEFAULT_SERVICE_NAME};
pub use opentelemetry::trace::{SpanId, TraceId};
pub use opentelemetry::{KeyValue, Value};
pub use spans::{InvocationSpans, Kind, Phase};
