//! What every invocation tells the observers: one [`Invocation`] record per finished invoke, made by the one
//! invoke path (`invoke::start_here`), handed to the metrics (`lambkin-metrics`); throttles and the async
//! queue's events counted here too. A leaf: it names no operation module.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::service::Service;

/// What invoked a function, as OpenTelemetry's `faas.trigger` names it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A synchronous `Invoke` or a function URL: an HTTP request waits for the answer.
    Http,
    /// An asynchronous event, or a message of a queue or stream (event source mappings).
    PubSub,
    /// Anything else (provisioned warm-ups, tools).
    #[default]
    Other,
}

impl Trigger {
    /// The trigger a `faas.trigger` value names (anything unknown is `Other`).
    pub(crate) fn parse(s: &str) -> Trigger {
        match s {
            "http" => Trigger::Http,
            "pubsub" => Trigger::PubSub,
            _ => Trigger::Other,
        }
    }

    /// The `faas.trigger` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Trigger::Http => "http",
            Trigger::PubSub => "pubsub",
            Trigger::Other => "other",
        }
    }
}

/// What is known of an invoke once an environment took it.
#[derive(Debug, Clone)]
pub(crate) struct Started {
    /// Request id.
    pub request_id: String,
    /// The ARN it was invoked with.
    pub function_arn: String,
    /// What invoked it.
    pub trigger: Trigger,
    /// The `X-Amzn-Trace-Id` handed to the function.
    pub trace: Option<String>,
    /// When the request arrived, or the async event was queued.
    pub received: SystemTime,
    /// When the engine was asked for an environment.
    pub started: SystemTime,
    /// When an environment took it.
    pub acquired: SystemTime,
    /// Invocations of the function running then, itself included.
    pub concurrency: u32,
    /// On an on-demand environment while the version has provisioned ones.
    pub spillover: bool,
    /// Its place in its trace, when traced (`traces.rs`).
    pub span: Option<lambkin_trace::InvocationTrace>,
    /// When the caller had its whole answer (the engine tells it when the invoke phase ends).
    pub responded: Option<SystemTime>,
}

/// One finished invocation: what was known when it started, and how it ended.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    /// What was known once an environment took it.
    pub call: Started,
    /// Region.
    pub region: String,
    /// Function name.
    pub function: String,
    /// The version that ran.
    pub version: String,
    /// When the invoke phase ended.
    pub finished: SystemTime,
    /// Init duration, ms: present when this invoke ran its environment's init phase first (a cold start).
    pub init_duration_ms: Option<f64>,
    /// Duration, ms.
    pub duration_ms: f64,
    /// Configured memory, MB.
    pub memory_mb: u32,
    /// Max Memory Used, MB.
    pub max_memory_used_mb: u64,
    /// Whether the function answered (not an error, crash or timeout).
    pub succeeded: bool,
    /// The error type, when it did not succeed.
    pub error_type: Option<String>,
}

impl Invocation {
    /// Whether this invoke ran its environment's init phase first.
    pub(crate) fn cold(&self) -> bool {
        self.init_duration_ms.is_some()
    }

    /// The qualifier the caller named (version or alias), if any.
    fn qualifier(&self) -> Option<String> {
        qualifier_of(&self.call.function_arn)
    }
}

/// `arn:aws:lambda:R:A:function:NAME[:QUALIFIER]` → the qualifier.
pub(crate) fn qualifier_of(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(8, ':');
    parts.nth(7).map(str::to_owned)
}

/// The observers of finished invocations, cheap to clone into what runs when an invoke phase ends.
#[derive(Clone)]
pub(crate) struct Observers {
    metrics: lambkin_metrics::Metrics,
    tracer: Option<lambkin_trace::Tracer>,
}

/// The service's observers.
pub(crate) fn observers(service: &Service) -> Observers {
    Observers {
        metrics: service.metrics.clone(),
        tracer: service.tracer.clone(),
    }
}

impl Observers {
    /// Hands a finished invocation to every observer.
    pub(crate) fn finished(&self, inv: &Invocation) {
        record_metrics(&self.metrics, inv);
        if let (Some(tracer), Some(spans)) = (&self.tracer, invocation_spans(inv)) {
            tracer.record(&spans);
        }
    }
}

/// A traced invocation as its span and phases: `queue` (an async event, from its queueing to its start), `cold
/// start` (its `environment` acquisition and `init` phase), `invoke` (until the runtime's response) and
/// `extensions` (from the response to the end of the invoke phase), with OpenTelemetry's FaaS attributes.
/// `None` when it was not traced.
fn invocation_spans(inv: &Invocation) -> Option<lambkin_trace::InvocationSpans> {
    use lambkin_trace::{KeyValue, Phase};
    let call = &inv.call;
    let trace = call.span.clone()?;
    let mut children = Vec::new();
    if call.trigger == Trigger::PubSub && call.received < call.started {
        children.push(Phase::new("queue", call.received, call.started));
    }
    if inv.cold() {
        let init = Duration::from_secs_f64(inv.init_duration_ms.unwrap_or(0.0).max(0.0) / 1000.0);
        let init_start = call
            .acquired
            .checked_sub(init)
            .unwrap_or(call.started)
            .max(call.started);
        let mut cold = Phase::new("cold start", call.started, call.acquired);
        cold.children = vec![
            Phase::new("environment", call.started, init_start),
            Phase::new("init", init_start, call.acquired),
        ];
        children.push(cold);
    }
    let responded = call.responded.unwrap_or(inv.finished).min(inv.finished);
    children.push(Phase::new("invoke", call.acquired, responded));
    if call.responded.is_some() {
        children.push(Phase::new("extensions", responded, inv.finished));
    }
    let mut attributes = vec![
        KeyValue::new("faas.invocation_id", call.request_id.clone()),
        KeyValue::new("faas.trigger", call.trigger.as_str()),
        KeyValue::new("faas.coldstart", inv.cold()),
        KeyValue::new("faas.name", inv.function.clone()),
        KeyValue::new("faas.version", inv.version.clone()),
        KeyValue::new("faas.max_memory", i64::from(inv.memory_mb) * 1024 * 1024),
        KeyValue::new("cloud.provider", crate::traces::CLOUD_PROVIDER),
        KeyValue::new("cloud.platform", crate::traces::CLOUD_PLATFORM),
        KeyValue::new("cloud.region", inv.region.clone()),
        KeyValue::new("cloud.resource_id", call.function_arn.clone()),
        KeyValue::new("aws.lambda.invoked_arn", call.function_arn.clone()),
        KeyValue::new("lambkin.duration_ms", inv.duration_ms),
        KeyValue::new(
            "lambkin.max_memory_used_mb",
            i64::try_from(inv.max_memory_used_mb).unwrap_or(i64::MAX),
        ),
    ];
    if let Some(account) = call.function_arn.split(':').nth(4) {
        attributes.push(KeyValue::new("cloud.account.id", account.to_owned()));
    }
    if let Some(ms) = inv.init_duration_ms {
        attributes.push(KeyValue::new("lambkin.init_duration_ms", ms));
    }
    if let Some(header) = &call.trace {
        // What the function got (`_X_AMZN_TRACE_ID`): the key to its own X-Ray-style spans and log lines.
        attributes.push(KeyValue::new("lambkin.trace_header", header.clone()));
    }
    let error = (!inv.succeeded).then(|| {
        inv.error_type
            .clone()
            .unwrap_or_else(|| "Unhandled".to_owned())
    });
    if let Some(e) = &error {
        attributes.push(KeyValue::new("error.type", e.clone()));
    }
    Some(lambkin_trace::InvocationSpans {
        trace,
        name: inv.function.clone(),
        kind: match call.trigger {
            Trigger::PubSub => lambkin_trace::Kind::Consumer,
            _ => lambkin_trace::Kind::Server,
        },
        start: call.received.min(call.started),
        end: inv.finished.max(call.received),
        attributes,
        error,
        children,
    })
}

fn record_metrics(metrics: &lambkin_metrics::Metrics, inv: &Invocation) {
    let outcome = if inv.succeeded {
        lambkin_metrics::Outcome::Success
    } else {
        lambkin_metrics::Outcome::Error
    };
    let qualifier = inv.qualifier();
    metrics.record(&lambkin_metrics::Invocation {
        region: &inv.region,
        function: &inv.function,
        qualifier: qualifier.as_deref(),
        version: &inv.version,
        request_id: &inv.call.request_id,
        trigger: inv.call.trigger.as_str(),
        started: inv.call.started,
        outcome,
        error_type: inv.error_type.as_deref(),
        duration_ms: inv.duration_ms,
        init_duration_ms: inv.init_duration_ms,
        memory_mb: inv.memory_mb,
        max_memory_used_mb: inv.max_memory_used_mb,
        concurrency: inv.call.concurrency,
        spillover: inv.call.spillover,
    });
}

/// Counts a throttled invoke of `spec`.
pub(crate) fn throttled(
    service: &Service,
    spec: &lambkin_engine::FunctionSpec,
    function_arn: &str,
) {
    let qualifier = qualifier_of(function_arn);
    service.metrics.throttled(&lambkin_metrics::Throttle {
        region: &spec.region,
        function: &spec.function_name,
        qualifier: qualifier.as_deref(),
        version: &spec.version,
        at: SystemTime::now(),
    });
}

/// Counts a record a destination, or an event a dead-letter target, did not take (each failed attempt, as
/// Lambda's `DestinationDeliveryFailures` and `DeadLetterErrors` count them).
pub(crate) fn delivery_failed(service: &Service, region: &str, function: &str, dead_letter: bool) {
    service.queue.count_delivery_failure();
    if dead_letter {
        service.metrics.dead_letter_error(region, function);
    } else {
        service.metrics.destination_failure(region, function);
    }
}

/// Writes the metrics' history to disk every few seconds, off the async threads, until the process ends.
pub(crate) fn start_flushing(service: &Arc<Service>) {
    let metrics = service.metrics.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let m = metrics.clone();
            let _ = tokio::task::spawn_blocking(move || m.flush()).await;
        }
    });
}

/// How often the metrics' history is written: a restart loses at most this much of the plots.
const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// `GET /metrics`: every family as OpenMetrics text, for Prometheus. On loopback anyone may read it; elsewhere
/// only with HTTP Basic auth by an access key and its secret (Prometheus' `basic_auth`).
pub(crate) fn metrics_endpoint<B>(
    service: &Service,
    req: &http::Request<B>,
    local: std::net::SocketAddr,
) -> lambkin_respond::FrontResponse {
    use http::{header, HeaderValue, Method, Response, StatusCode};
    if !crate::auth::page_allowed(&service.config, &local, req.headers()) {
        let mut r = lambkin_respond::aws_error(
            StatusCode::UNAUTHORIZED,
            "UnrecognizedClientException",
            "The metrics need HTTP Basic auth with an access key id and its secret key.",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"lambkin\""),
        );
        return r;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = lambkin_respond::aws_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowedException",
            "The metrics are read with GET.",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let text = scrape(service);
    let mut r = Response::new(lambkin_respond::body::full(
        if req.method() == Method::HEAD {
            String::new()
        } else {
            text
        },
    ));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(lambkin_metrics::CONTENT_TYPE),
    );
    r
}

/// Each version's provisioned environments: (region, function, `function:version`, busy, ready).
fn provisioned_usage(service: &Service) -> Vec<(String, String, String, u64, u64)> {
    let mut out = Vec::new();
    for ((function, version), ready) in service.engine.provisioned_ready() {
        let busy = service
            .engine
            .environments(&function)
            .iter()
            .filter(|e| {
                e.provisioned
                    && e.version == version
                    && e.status == lambkin_engine::EnvironmentStatus::Busy
            })
            .count() as u64;
        out.push((
            service.config.region.clone(),
            function.clone(),
            format!("{function}:{version}"),
            busy,
            u64::from(ready),
        ));
    }
    out
}

/// The platform's gauges, read now, then every family as OpenMetrics text.
fn scrape(service: &Service) -> String {
    let stats = service.engine.stats();
    let busy = service.engine.busy_total();
    let mut concurrency = Vec::new();
    for (function, n) in service.engine.busy_by_function() {
        concurrency.push((service.config.region.clone(), function, u64::from(n)));
    }
    service.metrics.set_platform(&lambkin_metrics::Platform {
        environments: vec![
            ("busy", u64::from(busy)),
            ("idle", stats.idle as u64),
            (
                "other",
                (stats.environments as u64).saturating_sub(u64::from(busy) + stats.idle as u64),
            ),
        ],
        memory_budget_bytes: service.engine.config().memory_budget_mb * 1024 * 1024,
        memory_reserved_bytes: stats.memory_mb * 1024 * 1024,
        async_queue_depth: service.queue.schedule.waiting() as u64,
        concurrency,
        provisioned: provisioned_usage(service),
    });
    service.metrics.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_of_arns() {
        assert_eq!(
            qualifier_of("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            Some("live".into())
        );
        assert_eq!(
            qualifier_of("arn:aws:lambda:us-east-1:123456789012:function:f"),
            None
        );
    }
}
