//! An invocation's spans as plain data (absolute times, ids chosen beforehand), and their SDK form.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceState};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use crate::context::{new_span_id, InvocationTrace};

/// How an invocation was asked for, as OpenTelemetry's span kinds say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A caller waits for the answer (a synchronous invoke, a function URL).
    Server,
    /// The invocation handles a message (an async event, a batch from an event source).
    Consumer,
}

/// One phase of an invocation: a child span.
#[derive(Debug, Clone)]
pub struct Phase {
    /// Span name.
    pub name: Cow<'static, str>,
    /// When it began.
    pub start: SystemTime,
    /// When it ended (an end before the start is taken as the start).
    pub end: SystemTime,
    /// Its attributes.
    pub attributes: Vec<KeyValue>,
    /// Its own phases.
    pub children: Vec<Phase>,
}

impl Phase {
    /// A phase with no attributes and no children.
    pub fn new(name: impl Into<Cow<'static, str>>, start: SystemTime, end: SystemTime) -> Phase {
        Phase {
            name: name.into(),
            start,
            end,
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }
}

/// A finished invocation: its span and its phases, to be recorded by [`crate::Tracer::record`].
#[derive(Debug, Clone)]
pub struct InvocationSpans {
    /// Its trace, and the invocation span's id (the one the function was told).
    pub trace: InvocationTrace,
    /// Span name.
    pub name: String,
    /// Span kind.
    pub kind: Kind,
    /// When the invocation was asked for (an async event: when it was queued).
    pub start: SystemTime,
    /// When it ended.
    pub end: SystemTime,
    /// Its attributes.
    pub attributes: Vec<KeyValue>,
    /// `Some(description)`: the invocation failed (the span's status is `Error`).
    pub error: Option<String>,
    /// Its phases, the invocation span's children.
    pub children: Vec<Phase>,
}

impl InvocationSpans {
    /// The spans as the SDK exports them: the invocation span first, then its phases depth first, each child
    /// with a new span id. Empty when the trace is not sampled.
    pub fn span_data(&self, scope: &InstrumentationScope) -> Vec<SpanData> {
        let ctx = &self.trace.context;
        if !ctx.sampled {
            return Vec::new();
        }
        let trace_state = ctx
            .trace_state
            .as_deref()
            .and_then(|s| s.parse::<TraceState>().ok())
            .unwrap_or_default();
        let span_context = |span_id| {
            SpanContext::new(
                ctx.trace_id,
                span_id,
                TraceFlags::SAMPLED,
                false,
                trace_state.clone(),
            )
        };
        let mut out = vec![SpanData {
            span_context: span_context(self.trace.span_id),
            parent_span_id: ctx.parent_id.unwrap_or(SpanId::INVALID),
            parent_span_is_remote: ctx.parent_id.is_some(),
            span_kind: match self.kind {
                Kind::Server => SpanKind::Server,
                Kind::Consumer => SpanKind::Consumer,
            },
            name: Cow::Owned(self.name.clone()),
            start_time: self.start,
            end_time: self.end.max(self.start),
            attributes: self.attributes.clone(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: match &self.error {
                Some(d) => Status::error(d.clone()),
                None => Status::Unset,
            },
            instrumentation_scope: scope.clone(),
        }];
        let mut stack: Vec<(SpanId, &Phase)> = self
            .children
            .iter()
            .rev()
            .map(|p| (self.trace.span_id, p))
            .collect();
        while let Some((parent, phase)) = stack.pop() {
            let id = new_span_id();
            out.push(SpanData {
                span_context: span_context(id),
                parent_span_id: parent,
                parent_span_is_remote: false,
                span_kind: SpanKind::Internal,
                name: phase.name.clone(),
                start_time: phase.start,
                end_time: phase.end.max(phase.start),
                attributes: phase.attributes.clone(),
                dropped_attributes_count: 0,
                events: SpanEvents::default(),
                links: SpanLinks::default(),
                status: Status::Unset,
                instrumentation_scope: scope.clone(),
            });
            stack.extend(phase.children.iter().rev().map(|c| (id, c)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::context::TraceContext;

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms)
    }

    fn spans(ctx: TraceContext) -> InvocationSpans {
        let mut cold = Phase::new("cold start", at(1), at(5));
        cold.children = vec![
            Phase::new("environment", at(1), at(2)),
            Phase::new("init", at(2), at(5)),
        ];
        InvocationSpans {
            trace: InvocationTrace::new(ctx),
            name: "f".into(),
            kind: Kind::Server,
            start: at(0),
            end: at(9),
            attributes: vec![KeyValue::new("faas.coldstart", true)],
            error: Some("Unhandled".into()),
            children: vec![cold, Phase::new("invoke", at(5), at(3))],
        }
    }

    #[test]
    fn tree_with_chosen_ids_and_times() {
        let ctx = TraceContext::parse_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            Some("k=v"),
        )
        .unwrap();
        let s = spans(ctx.clone());
        let data = s.span_data(&InstrumentationScope::builder("t").build());
        let names: Vec<&str> = data.iter().map(|d| d.name.as_ref()).collect();
        assert_eq!(names, ["f", "cold start", "environment", "init", "invoke"]);
        let root = &data[0];
        assert_eq!(root.span_context.span_id(), s.trace.span_id);
        assert_eq!(root.span_context.trace_id(), ctx.trace_id);
        assert_eq!(root.parent_span_id, ctx.parent_id.unwrap());
        assert!(root.parent_span_is_remote);
        assert_eq!(root.span_kind, SpanKind::Server);
        assert_eq!(root.start_time, at(0));
        assert_eq!(root.status, Status::error("Unhandled"));
        assert_eq!(root.span_context.trace_state().header(), "k=v");
        // Children: the cold start's own children under it, the invoke under the invocation.
        assert_eq!(data[1].parent_span_id, s.trace.span_id);
        assert_eq!(data[2].parent_span_id, data[1].span_context.span_id());
        assert_eq!(data[3].parent_span_id, data[1].span_context.span_id());
        assert_eq!(data[4].parent_span_id, s.trace.span_id);
        assert!(data
            .iter()
            .all(|d| d.span_context.trace_id() == ctx.trace_id));
        assert!(data.iter().all(|d| d.span_context.is_sampled()));
        // An end before its start is clamped.
        assert_eq!(data[4].end_time, data[4].start_time);
        let mut ids: Vec<_> = data.iter().map(|d| d.span_context.span_id()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 5);
    }

    #[test]
    fn root_trace_has_no_parent_and_unsampled_records_nothing() {
        let s = spans(TraceContext::new_root());
        let data = s.span_data(&InstrumentationScope::builder("t").build());
        assert_eq!(data[0].parent_span_id, SpanId::INVALID);
        assert!(!data[0].parent_span_is_remote);
        let mut ctx = TraceContext::new_root();
        ctx.sampled = false;
        assert!(spans(ctx)
            .span_data(&InstrumentationScope::builder("t").build())
            .is_empty());
    }
}
