//! Trace contexts as callers send them — W3C `traceparent`/`tracestate` or AWS's `X-Amzn-Trace-Id` — and as a
//! function gets them (`X-Amzn-Trace-Id` with `Parent=` set to the invocation's span).

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

/// The trace an invocation belongs to, as its caller handed it over (or a new one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// The trace (128 bits: an X-Ray `Root=1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx` is the same 32 hex digits).
    pub trace_id: TraceId,
    /// The caller's span, the parent of the invocation's span; `None` for a trace that starts here.
    pub parent_id: Option<SpanId>,
    /// Whether the trace is recorded (W3C's `sampled` flag, X-Ray's `Sampled=1`; undecided counts as sampled).
    pub sampled: bool,
    /// W3C `tracestate`, passed on as it came.
    pub trace_state: Option<String>,
}

impl TraceContext {
    /// A new trace, sampled, with no parent. Its first 32 bits are the current Unix time in seconds, as X-Ray's
    /// trace ids are, so that the id is a valid X-Ray `Root` too.
    pub fn new_root() -> TraceContext {
        let mut bytes = RandomIdGenerator::default().new_trace_id().to_bytes();
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        bytes[..4].copy_from_slice(&(secs as u32).to_be_bytes());
        TraceContext {
            trace_id: TraceId::from_bytes(bytes),
            parent_id: None,
            sampled: true,
            trace_state: None,
        }
    }

    /// The caller's context from its headers: a valid `traceparent` (with its `tracestate`) first, as
    /// OpenTelemetry's propagators read it; then `X-Amzn-Trace-Id`. `None` when neither is usable.
    pub fn from_headers(
        traceparent: Option<&str>,
        tracestate: Option<&str>,
        amzn_trace_id: Option<&str>,
    ) -> Option<TraceContext> {
        traceparent
            .and_then(|tp| TraceContext::parse_traceparent(tp, tracestate))
            .or_else(|| amzn_trace_id.and_then(TraceContext::parse_amzn))
    }

    /// A W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), with the `tracestate` that came with it.
    pub fn parse_traceparent(traceparent: &str, tracestate: Option<&str>) -> Option<TraceContext> {
        let mut parts = traceparent.trim().split('-');
        let version = parts.next()?;
        let trace = parts.next()?;
        let parent = parts.next()?;
        let flags = parts.next()?;
        // Version 00 has exactly four fields; a later version may add some after them.
        if !is_hex(version, 2) || version == "ff" || (version == "00" && parts.next().is_some()) {
            return None;
        }
        if !is_hex(flags, 2) {
            return None;
        }
        let trace_id = trace_id(trace)?;
        let parent_id = span_id(parent)?;
        let flags = u8::from_str_radix(flags, 16).ok()?;
        Some(TraceContext {
            trace_id,
            parent_id: Some(parent_id),
            sampled: flags & 1 == 1,
            trace_state: tracestate
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        })
    }

    /// An `X-Amzn-Trace-Id` (`Root=1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx;Parent=<16 hex>;Sampled=1`, fields in
    /// any order, others ignored). `Sampled=0` is not sampled; `1`, `?` or no `Sampled` are.
    pub fn parse_amzn(header: &str) -> Option<TraceContext> {
        let mut root = None;
        let mut parent = None;
        let mut sampled = true;
        for field in header.split(';') {
            let Some((key, value)) = field.split_once('=') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            if key.eq_ignore_ascii_case("Root") {
                root = Some(value);
            } else if key.eq_ignore_ascii_case("Parent") {
                parent = Some(span_id(value)?);
            } else if key.eq_ignore_ascii_case("Sampled") {
                sampled = value != "0";
            }
        }
        let root = root?;
        let rest = root.strip_prefix("1-")?;
        let (time, random) = rest.split_once('-')?;
        if time.len() != 8 || random.len() != 24 {
            return None;
        }
        Some(TraceContext {
            trace_id: trace_id(&format!("{time}{random}"))?,
            parent_id: parent,
            sampled,
            trace_state: None,
        })
    }

    /// This context as an `X-Amzn-Trace-Id` whose `Parent` is `parent` (none: no `Parent` field).
    pub fn amzn_header(&self, parent: Option<SpanId>) -> String {
        let hex = format!("{:032x}", self.trace_id);
        let mut h = format!("Root=1-{}-{}", &hex[..8], &hex[8..]);
        if let Some(p) = parent {
            h.push_str(&format!(";Parent={p:016x}"));
        }
        h.push_str(if self.sampled {
            ";Sampled=1"
        } else {
            ";Sampled=0"
        });
        h
    }

    /// The caller's context itself as an `X-Amzn-Trace-Id` (`Parent` = the caller's span): how a queued event
    /// keeps it until it runs (W3C's `tracestate` is not kept).
    pub fn caller_header(&self) -> String {
        self.amzn_header(self.parent_id)
    }

    /// This context as a W3C `traceparent` whose parent is `span`.
    pub fn traceparent(&self, span: SpanId) -> String {
        format!(
            "00-{:032x}-{span:016x}-{}",
            self.trace_id,
            if self.sampled { "01" } else { "00" }
        )
    }
}

/// An invocation's place in its trace: the caller's context and the invocation span's own id, chosen before the
/// function runs so that the function's header can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationTrace {
    /// The caller's context (or a new trace).
    pub context: TraceContext,
    /// The invocation span's id.
    pub span_id: SpanId,
}

impl InvocationTrace {
    /// An invocation in `context` with a new span id.
    pub fn new(context: TraceContext) -> InvocationTrace {
        InvocationTrace {
            context,
            span_id: new_span_id(),
        }
    }

    /// An invocation continuing its caller's trace from the caller's headers, or starting a new trace.
    pub fn enter(
        traceparent: Option<&str>,
        tracestate: Option<&str>,
        amzn_trace_id: Option<&str>,
    ) -> InvocationTrace {
        InvocationTrace::new(
            TraceContext::from_headers(traceparent, tracestate, amzn_trace_id)
                .unwrap_or_else(TraceContext::new_root),
        )
    }

    /// The invocation whose function header is `function_header` (its `Parent` is the invocation span) under the
    /// caller's span `caller` (16 hex digits), with the caller's `tracestate`: an invocation's trace handed to
    /// another host. `None` when the header or the caller's id is not one.
    pub fn from_function_header(
        function_header: &str,
        caller: Option<&str>,
        trace_state: Option<String>,
    ) -> Option<InvocationTrace> {
        let named = TraceContext::parse_amzn(function_header)?;
        let own = named.parent_id?;
        let parent_id = match caller {
            Some(c) => Some(span_id(c)?),
            None => None,
        };
        Some(InvocationTrace {
            context: TraceContext {
                parent_id,
                trace_state,
                ..named
            },
            span_id: own,
        })
    }

    /// The `X-Amzn-Trace-Id` the function gets (`_X_AMZN_TRACE_ID`, `Lambda-Runtime-Trace-Id`): the trace, with
    /// the invocation span as `Parent`, so that the function's own spans are its children.
    pub fn function_header(&self) -> String {
        self.context.amzn_header(Some(self.span_id))
    }
}

/// A new random span id (never the invalid all-zero one).
pub fn new_span_id() -> SpanId {
    let generator = RandomIdGenerator::default();
    loop {
        let id = generator.new_span_id();
        if id != SpanId::INVALID {
            return id;
        }
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// 32 lowercase hex digits, not all zero.
fn trace_id(s: &str) -> Option<TraceId> {
    let s = s.to_ascii_lowercase();
    if !is_hex(&s, 32) {
        return None;
    }
    let id = TraceId::from_hex(&s).ok()?;
    (id != TraceId::INVALID).then_some(id)
}

/// 16 lowercase hex digits, not all zero.
fn span_id(s: &str) -> Option<SpanId> {
    let s = s.to_ascii_lowercase();
    if !is_hex(&s, 16) {
        return None;
    }
    let id = SpanId::from_hex(&s).ok()?;
    (id != SpanId::INVALID).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn traceparent_parsed() {
        let c = TraceContext::parse_traceparent(TP, Some("congo=t61rcWkgMzE")).unwrap();
        assert_eq!(
            format!("{:032x}", c.trace_id),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(format!("{:016x}", c.parent_id.unwrap()), "00f067aa0ba902b7");
        assert!(c.sampled);
        assert_eq!(c.trace_state.as_deref(), Some("congo=t61rcWkgMzE"));
        let unsampled = TraceContext::parse_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            None,
        )
        .unwrap();
        assert!(!unsampled.sampled);
    }

    #[test]
    fn bad_traceparents_refused() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01zz",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceContext::parse_traceparent(bad, None), None, "{bad}");
        }
        // A later version may carry more fields.
        assert!(TraceContext::parse_traceparent(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more",
            None
        )
        .is_some());
    }

    #[test]
    fn amzn_parsed_and_formatted() {
        let h = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        let c = TraceContext::parse_amzn(h).unwrap();
        assert_eq!(
            format!("{:032x}", c.trace_id),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(format!("{:016x}", c.parent_id.unwrap()), "53995c3f42cd8ad8");
        assert!(c.sampled);
        assert_eq!(c.caller_header(), h);
        let span = SpanId::from_hex("00f067aa0ba902b7").unwrap();
        assert_eq!(
            c.amzn_header(Some(span)),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=00f067aa0ba902b7;Sampled=1"
        );
        assert_eq!(
            c.traceparent(span),
            "00-5759e988bd862e3fe1be46a994272793-00f067aa0ba902b7-01"
        );
        // Fields in any order, spaces, an undecided or absent `Sampled`, no parent.
        let c = TraceContext::parse_amzn(
            "Sampled=?; Root=1-5759e988-bd862e3fe1be46a994272793;Self=1-x-y",
        )
        .unwrap();
        assert!(c.sampled);
        assert_eq!(c.parent_id, None);
        assert_eq!(
            c.caller_header(),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
        );
        let c =
            TraceContext::parse_amzn("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0").unwrap();
        assert!(!c.sampled);
    }

    #[test]
    fn bad_amzn_refused() {
        for bad in [
            "",
            "Parent=53995c3f42cd8ad8",
            "Root=2-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759e98-bd862e3fe1be46a9942727930",
            "Root=1-5759e988-bd862e3fe1be46a99427279",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz",
            "Root=1-00000000-000000000000000000000000",
        ] {
            assert_eq!(TraceContext::parse_amzn(bad), None, "{bad}");
        }
    }

    #[test]
    fn traceparent_preferred_over_amzn() {
        let c = TraceContext::from_headers(
            Some(TP),
            None,
            Some("Root=1-5759e988-bd862e3fe1be46a994272793"),
        )
        .unwrap();
        assert_eq!(
            format!("{:032x}", c.trace_id),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        // A broken traceparent falls back to X-Amzn-Trace-Id.
        let c = TraceContext::from_headers(
            Some("garbage"),
            None,
            Some("Root=1-5759e988-bd862e3fe1be46a994272793"),
        )
        .unwrap();
        assert_eq!(
            format!("{:032x}", c.trace_id),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(TraceContext::from_headers(None, None, None), None);
    }

    #[test]
    fn new_root_is_an_xray_id() {
        let c = TraceContext::new_root();
        assert!(c.sampled && c.parent_id.is_none());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let secs = u64::from(u32::from_be_bytes(
            c.trace_id.to_bytes()[..4].try_into().unwrap(),
        ));
        assert!(now.abs_diff(secs) < 60 * 60, "{secs} vs {now}");
        // Round trip through the function's header.
        let inv = InvocationTrace::new(c.clone());
        let back = TraceContext::parse_amzn(&inv.function_header()).unwrap();
        assert_eq!(back.trace_id, c.trace_id);
        assert_eq!(back.parent_id, Some(inv.span_id));
    }

    #[test]
    fn handed_to_another_host() {
        let inv = InvocationTrace::enter(Some(TP), Some("k=v"), None);
        let caller = inv.context.parent_id.map(|p| format!("{p:016x}"));
        let back = InvocationTrace::from_function_header(
            &inv.function_header(),
            caller.as_deref(),
            inv.context.trace_state.clone(),
        );
        assert_eq!(back, Some(inv));
        let root = InvocationTrace::new(TraceContext::new_root());
        assert_eq!(
            InvocationTrace::from_function_header(&root.function_header(), None, None),
            Some(root)
        );
        assert_eq!(
            InvocationTrace::from_function_header(
                "Root=1-5759e988-bd862e3fe1be46a994272793",
                None,
                None
            ),
            None
        );
    }

    #[test]
    fn enter_continues_or_starts() {
        let inv = InvocationTrace::enter(Some(TP), None, None);
        assert_eq!(
            format!("{:032x}", inv.context.trace_id),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_ne!(inv.span_id, inv.context.parent_id.unwrap());
        let fresh = InvocationTrace::enter(None, None, Some("nonsense"));
        assert!(fresh.context.parent_id.is_none());
        assert_ne!(fresh.span_id, SpanId::INVALID);
    }
}
