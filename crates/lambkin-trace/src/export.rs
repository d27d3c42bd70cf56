//! The OTLP exporter, configured by OpenTelemetry's standard variables, behind a batch processor on tokio.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::SpanProcessor;
use opentelemetry_sdk::Resource;

use crate::spans::InvocationSpans;

/// The service name when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names one.
pub const DEFAULT_SERVICE_NAME: &str = "lambkin";

/// How long [`Tracer::shutdown`] waits for the last spans to be sent.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(10);

/// What the variables ask for: whether to export, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Settings {
    /// No tracing.
    Off,
    /// Export over OTLP with this protocol.
    Otlp(Protocol),
    /// Asked for, but not something this build can do (the reason is logged, tracing stays off).
    Unsupported(String),
}

/// Reads the variables through `var` (unset and empty are the same): off unless an OTLP endpoint is named
/// (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or `OTEL_TRACES_EXPORTER=otlp`; off
/// with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The protocol is
/// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`; `grpc` too
/// (plain HTTP/2: `tonic` is built without TLS).
pub(crate) fn settings(var: impl Fn(&str) -> Option<String>) -> Settings {
    let var = |name: &str| {
        var(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Settings::Off;
    }
    let exporter = var("OTEL_TRACES_EXPORTER").map(|v| v.to_ascii_lowercase());
    let endpoint = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT"))
        .is_some();
    match exporter.as_deref() {
        Some("none") => return Settings::Off,
        None if !endpoint => return Settings::Off,
        None | Some("otlp") => {}
        Some(other) => {
            return Settings::Unsupported(format!(
                "OTEL_TRACES_EXPORTER={other}: lambkin exports traces over OTLP only (otlp or none)"
            ))
        }
    }
    let protocol = var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .or_else(|| var("OTEL_EXPORTER_OTLP_PROTOCOL"))
        .unwrap_or_else(|| "http/protobuf".into());
    match protocol.to_ascii_lowercase().as_str() {
        "http/protobuf" => Settings::Otlp(Protocol::HttpBinary),
        "http/json" => Settings::Otlp(Protocol::HttpJson),
        "grpc" => Settings::Otlp(Protocol::Grpc),
        other => Settings::Unsupported(format!(
            "OTEL_EXPORTER_OTLP_PROTOCOL={other}: expected http/protobuf, http/json or grpc"
        )),
    }
}

/// The resource every span is of: `service.name` (`OTEL_SERVICE_NAME`, else `service.name` of
/// `OTEL_RESOURCE_ATTRIBUTES`, else [`DEFAULT_SERVICE_NAME`]), the attributes of `OTEL_RESOURCE_ATTRIBUTES`,
/// the SDK's own, and `extra` (overridden by the variables).
fn resource(extra: Vec<KeyValue>) -> Resource {
    let named = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.trim().is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| {
            v.split(',').any(|kv| {
                kv.split_once('=')
                    .is_some_and(|(k, _)| k.trim() == "service.name")
            })
        });
    // The builder's detectors read the variables; what is given here comes first and they win over it.
    let mut b = Resource::builder_empty().with_attributes(extra);
    if !named {
        b = b.with_service_name(DEFAULT_SERVICE_NAME);
    }
    let detected = Resource::builder().build();
    b = b.with_attributes(
        detected
            .iter()
            .filter(|(k, _)| named || k.as_str() != "service.name")
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
    );
    b.build()
}

/// Exports invocations' spans over OTLP. Cloning is cheap; every clone feeds the same batch.
#[derive(Clone)]
pub struct Tracer {
    processor: Arc<BatchSpanProcessor<Tokio>>,
    scope: InstrumentationScope,
    endpoint_note: String,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer")
            .field("export", &self.endpoint_note)
            .finish()
    }
}

impl Tracer {
    /// The tracer the standard variables ask for, or `None` when tracing is off (the default) or cannot be
    /// had (the reason is logged). `resource` adds attributes to the resource (the variables win over them).
    /// Must be called within a tokio runtime: the batch processor runs on it.
    pub fn from_env(resource: Vec<KeyValue>) -> Option<Tracer> {
        let protocol = match settings(|name| std::env::var(name).ok()) {
            Settings::Off => return None,
            Settings::Unsupported(why) => {
                tracing::warn!("tracing is off: {why}");
                return None;
            }
            Settings::Otlp(p) => p,
        };
        let builder = opentelemetry_otlp::SpanExporter::builder();
        let built = match protocol {
            Protocol::Grpc => builder.with_tonic().build(),
            http => builder.with_http().with_protocol(http).build(),
        };
        let exporter = match built {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("tracing is off: the OTLP exporter cannot be built: {e}");
                return None;
            }
        };
        let mut processor = BatchSpanProcessor::builder(exporter, Tokio).build();
        processor.set_resource(&self::resource(resource));
        let endpoint_note = format!(
            "OTLP {} to {}",
            match protocol {
                Protocol::HttpJson => "http/json",
                Protocol::Grpc => "grpc",
                _ => "http/protobuf",
            },
            std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT"))
                .unwrap_or_else(|_| "the default endpoint".into())
        );
        tracing::info!("tracing invocations: {endpoint_note}");
        Some(Tracer {
            processor: Arc::new(processor),
            scope: InstrumentationScope::builder("lambkin")
                .with_version(env!("CARGO_PKG_VERSION"))
                .build(),
            endpoint_note,
        })
    }

    /// Queues an invocation's spans for export (nothing when its trace is not sampled). Never blocks: spans
    /// beyond the batch queue's room are dropped, as the SDK drops them.
    pub fn record(&self, spans: &InvocationSpans) {
        for span in spans.span_data(&self.scope) {
            self.processor.on_end(span);
        }
    }

    /// Sends what is queued and stops the exporter (waits at most 10 s).
    pub async fn shutdown(&self) {
        let processor = self.processor.clone();
        // The SDK's shutdown blocks its thread until the batch task on the runtime answers.
        let done = tokio::task::spawn_blocking(move || processor.shutdown());
        match tokio::time::timeout(SHUTDOWN_PATIENCE, done).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::warn!("tracing: the last spans were not all sent: {e}"),
            Ok(Err(e)) => tracing::warn!("tracing: shutdown failed: {e}"),
            Err(_) => tracing::warn!("tracing: the last spans were not sent within 10 s"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn with(vars: &[(&str, &str)]) -> Settings {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        settings(|name| vars.get(name).cloned())
    }

    #[test]
    fn off_by_default() {
        assert_eq!(with(&[]), Settings::Off);
        assert_eq!(with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "")]), Settings::Off);
        assert_eq!(with(&[("OTEL_SERVICE_NAME", "x")]), Settings::Off);
    }

    #[test]
    fn on_with_an_endpoint_or_the_otlp_exporter() {
        let http = Settings::Otlp(Protocol::HttpBinary);
        assert_eq!(
            with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]),
            http
        );
        assert_eq!(
            with(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://h/v1/traces")]),
            http
        );
        assert_eq!(with(&[("OTEL_TRACES_EXPORTER", "otlp")]), http);
        assert_eq!(
            with(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
            ]),
            Settings::Otlp(Protocol::HttpJson)
        );
        // The traces' own protocol wins.
        assert_eq!(
            with(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
            ]),
            http
        );
    }

    #[test]
    fn disabled_wins() {
        let ep = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h");
        assert_eq!(with(&[ep, ("OTEL_SDK_DISABLED", "true")]), Settings::Off);
        assert_eq!(with(&[ep, ("OTEL_SDK_DISABLED", "TRUE")]), Settings::Off);
        assert_eq!(with(&[ep, ("OTEL_TRACES_EXPORTER", "none")]), Settings::Off);
        assert_ne!(with(&[ep, ("OTEL_SDK_DISABLED", "false")]), Settings::Off);
    }

    #[test]
    fn unsupported_named() {
        let ep = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h");
        assert_eq!(
            with(&[ep, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]),
            Settings::Otlp(Protocol::Grpc)
        );
        for s in [
            with(&[ep, ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")]),
            with(&[ep, ("OTEL_TRACES_EXPORTER", "zipkin")]),
        ] {
            assert!(matches!(s, Settings::Unsupported(_)), "{s:?}");
        }
    }
}
