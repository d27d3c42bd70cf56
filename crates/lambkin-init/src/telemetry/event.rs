//! Telemetry and Logs API events and how each API renders them (spec §6.4).
//!
//! One event is rendered differently per API: the Telemetry API knows the `platform.init*` family, the Logs API
//! knows `platform.end` and `platform.fault`, and `platform.runtimeDone` exists on the Logs API only from schema
//! `2021-03-18`. Records are shaped so that the `lambda-extension` crate's strict parsers accept them.

use bytes::Bytes;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{Api, Category};

/// A span of a platform event (`responseLatency`, `responseDuration`, …).
#[derive(Debug, Clone)]
pub struct Span {
    /// Span name.
    pub name: &'static str,
    /// Start time.
    pub start: OffsetDateTime,
    /// Duration in milliseconds.
    pub duration_ms: f64,
}

/// Final figures of one invoke.
#[derive(Debug, Clone)]
pub struct ReportFigures {
    /// Request id.
    pub request_id: String,
    /// `success`, `error`, `failure` or `timeout`.
    pub status: &'static str,
    /// Error type when not successful.
    pub error_type: Option<String>,
    /// Invoke duration in ms.
    pub duration_ms: f64,
    /// Billed duration in ms.
    pub billed_ms: u64,
    /// Configured memory.
    pub memory_mb: u64,
    /// High-water mark of memory use.
    pub max_memory_mb: u64,
    /// Init duration, first invoke of an environment only.
    pub init_duration_ms: Option<f64>,
    /// Trace context value.
    pub trace: Option<String>,
    /// Spans (e.g. `extensionOverhead`).
    pub spans: Vec<Span>,
}

/// A `platform.*` event.
#[derive(Debug, Clone)]
pub enum Platform {
    /// Init phase starts.
    InitStart {
        /// `on-demand` / `provisioned-concurrency`.
        init_type: &'static str,
        /// `init` or `invoke` (suppressed init).
        phase: &'static str,
        /// Function name.
        function_name: String,
        /// Function version.
        function_version: String,
        /// Log stream name.
        instance_id: String,
        /// Memory in MB.
        instance_max_memory: u64,
        /// Function ARN.
        function_arn: String,
    },
    /// The runtime finished init (first `/next`) or failed.
    InitRuntimeDone {
        /// `on-demand` / `provisioned-concurrency`.
        init_type: &'static str,
        /// `init` or `invoke`.
        phase: &'static str,
        /// `success`, `error`, `failure`, `timeout`.
        status: &'static str,
        /// Error type on failure.
        error_type: Option<String>,
    },
    /// Init phase figures.
    InitReport {
        /// `on-demand` / `provisioned-concurrency`.
        init_type: &'static str,
        /// `init` or `invoke`.
        phase: &'static str,
        /// Duration in ms.
        duration_ms: f64,
        /// `success`, `error`, `failure`, `timeout`.
        status: &'static str,
        /// Error type on failure.
        error_type: Option<String>,
    },
    /// An invoke starts.
    Start {
        /// Request id.
        request_id: String,
        /// Function version.
        version: String,
        /// Trace header value.
        trace: Option<String>,
    },
    /// The runtime finished the invoke.
    RuntimeDone {
        /// Request id.
        request_id: String,
        /// Outcome.
        status: &'static str,
        /// Error type on failure.
        error_type: Option<String>,
        /// Dispatch to the runtime's next `/next`, in ms.
        duration_ms: f64,
        /// Response bytes.
        produced_bytes: u64,
        /// `responseLatency`, `responseDuration`.
        spans: Vec<Span>,
        /// Trace header value.
        trace: Option<String>,
    },
    /// Logs API: the invoke ended.
    End {
        /// Request id.
        request_id: String,
    },
    /// The invoke's report.
    Report(ReportFigures),
    /// Logs API: a platform fault line.
    Fault(String),
    /// An extension's state at the end of init.
    Extension {
        /// Extension name.
        name: String,
        /// State (`Ready`, `LaunchError`, …).
        state: String,
        /// Subscribed events.
        events: Vec<&'static str>,
        /// Error type, if failed.
        error_type: Option<String>,
    },
    /// A subscription was accepted (`platform.telemetrySubscription` / `platform.logsSubscription`).
    Subscription {
        /// Which API.
        api: Api,
        /// Extension name.
        name: String,
        /// Subscribed types.
        types: Vec<String>,
    },
    /// Records were dropped for a slow subscriber.
    LogsDropped {
        /// Why.
        reason: String,
        /// How many records.
        records: u64,
        /// How many bytes.
        bytes: u64,
    },
}

/// One event of either API.
#[derive(Debug, Clone)]
pub enum Record {
    /// A line the runtime printed.
    Function(String),
    /// A line an extension printed.
    Extension(String),
    /// A platform event.
    Platform(Platform),
}

/// `SystemLogLevel` as the contract spells it.
pub use lambkin_wire::SystemLogLevel as SystemLevel;

impl Platform {
    /// The level a JSON-format function log files this event under (lambkin's reading of Lambda's: the events
    /// that stand for the text format's INIT_START/START/REPORT lines are INFO, failures WARN, the rest DEBUG).
    pub fn system_level(&self) -> SystemLevel {
        match self {
            Platform::InitReport { status, .. } if *status != "success" => SystemLevel::Warn,
            Platform::Report(r) if r.status != "success" => SystemLevel::Warn,
            Platform::LogsDropped { .. } | Platform::Fault(_) => SystemLevel::Warn,
            Platform::InitStart { .. }
            | Platform::InitReport { .. }
            | Platform::Start { .. }
            | Platform::Report(_) => SystemLevel::Info,
            _ => SystemLevel::Debug,
        }
    }
}

/// An event and when it happened.
#[derive(Debug, Clone)]
pub struct Event {
    /// Wall-clock time.
    pub time: OffsetDateTime,
    /// What happened.
    pub record: Record,
}

/// RFC 3339 with milliseconds in UTC, as Lambda writes `time` (`2006-01-02T15:04:05.000Z`).
pub fn rfc3339_ms(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

fn trace_context(trace: &Option<String>) -> Option<Value> {
    trace
        .as_ref()
        .map(|v| json!({"type": "X-Amzn-Trace-Id", "value": v}))
}

fn spans(spans: &[Span]) -> Value {
    Value::Array(
        spans
            .iter()
            .map(|s| json!({"name": s.name, "start": rfc3339_ms(s.start), "durationMs": round3(s.duration_ms)}))
            .collect(),
    )
}

/// Durations go out with microsecond precision, as RAPID truncates them.
pub fn round3(ms: f64) -> f64 {
    (ms * 1000.0).floor() / 1000.0
}

fn put_opt(v: &mut Value, key: &str, value: Option<Value>) {
    if let (Some(x), Value::Object(m)) = (value, v) {
        m.insert(key.to_owned(), x);
    }
}

impl Event {
    /// Creates an event stamped now.
    pub fn now(record: Record) -> Self {
        Self {
            time: OffsetDateTime::now_utc(),
            record,
        }
    }

    /// The subscription category (`platform`, `function`, `extension`).
    pub fn category(&self) -> Category {
        match self.record {
            Record::Function(_) => Category::Function,
            Record::Extension(_) => Category::Extension,
            Record::Platform(_) => Category::Platform,
        }
    }

    /// Renders the event for one API and schema; `None` when that API has no such event.
    pub fn render(&self, api: Api, logs_schema_runtime_done: bool) -> Option<Bytes> {
        let (kind, record) = match &self.record {
            Record::Function(line) => ("function", Value::String(line.clone())),
            Record::Extension(line) => ("extension", Value::String(line.clone())),
            Record::Platform(p) => self.render_platform(p, api, logs_schema_runtime_done)?,
        };
        let v = json!({"time": rfc3339_ms(self.time), "type": kind, "record": record});
        serde_json::to_vec(&v).ok().map(Bytes::from)
    }

    fn render_platform(
        &self,
        p: &Platform,
        api: Api,
        runtime_done: bool,
    ) -> Option<(&'static str, Value)> {
        let tel = api == Api::Telemetry;
        Some(match p {
            Platform::InitStart {
                init_type,
                phase,
                function_name,
                function_version,
                instance_id,
                instance_max_memory,
                function_arn,
            } if tel => (
                "platform.initStart",
                json!({
                    "initializationType": init_type,
                    "phase": phase,
                    "runtimeVersion": "lambkin",
                    "runtimeVersionArn": "arn:aws:lambda:::runtime:lambkin",
                    "functionName": function_name,
                    "functionVersion": function_version,
                    "functionArn": function_arn,
                    "instanceId": instance_id,
                    "instanceMaxMemory": instance_max_memory,
                }),
            ),
            Platform::InitRuntimeDone {
                init_type,
                phase,
                status,
                error_type,
            } if tel => {
                let mut v = json!({"initializationType": init_type, "phase": phase, "status": status, "spans": []});
                put_opt(&mut v, "errorType", error_type.clone().map(Value::String));
                ("platform.initRuntimeDone", v)
            }
            Platform::InitReport {
                init_type,
                phase,
                duration_ms,
                status,
                error_type,
            } if tel => {
                let mut v = json!({
                    "initializationType": init_type,
                    "phase": phase,
                    "status": status,
                    "metrics": {"durationMs": round3(*duration_ms)},
                    "spans": [],
                });
                put_opt(&mut v, "errorType", error_type.clone().map(Value::String));
                ("platform.initReport", v)
            }
            Platform::Start {
                request_id,
                version,
                trace,
            } => {
                let mut v = json!({"requestId": request_id, "version": version});
                if tel {
                    put_opt(&mut v, "tracing", trace_context(trace));
                }
                ("platform.start", v)
            }
            Platform::RuntimeDone {
                request_id,
                status,
                error_type,
                duration_ms,
                produced_bytes,
                spans: s,
                trace,
            } if tel || runtime_done => {
                let mut v = json!({"requestId": request_id, "status": status});
                put_opt(&mut v, "errorType", error_type.clone().map(Value::String));
                if tel {
                    put_opt(
                        &mut v,
                        "metrics",
                        Some(
                            json!({"durationMs": round3(*duration_ms), "producedBytes": produced_bytes}),
                        ),
                    );
                    put_opt(&mut v, "spans", Some(spans(s)));
                    put_opt(&mut v, "tracing", trace_context(trace));
                }
                ("platform.runtimeDone", v)
            }
            Platform::End { request_id } if !tel => {
                ("platform.end", json!({"requestId": request_id}))
            }
            Platform::Report(r) => {
                let mut metrics = json!({
                    "durationMs": round3(r.duration_ms),
                    "billedDurationMs": r.billed_ms,
                    "memorySizeMB": r.memory_mb,
                    "maxMemoryUsedMB": r.max_memory_mb,
                });
                put_opt(
                    &mut metrics,
                    "initDurationMs",
                    r.init_duration_ms.map(|d| json!(round3(d))),
                );
                let mut v = json!({"requestId": r.request_id, "metrics": metrics});
                if tel {
                    put_opt(&mut v, "status", Some(json!(r.status)));
                    put_opt(&mut v, "errorType", r.error_type.clone().map(Value::String));
                    put_opt(&mut v, "spans", Some(spans(&r.spans)));
                    put_opt(&mut v, "tracing", trace_context(&r.trace));
                }
                ("platform.report", v)
            }
            Platform::Fault(text) if !tel => ("platform.fault", Value::String(text.clone())),
            Platform::Extension {
                name,
                state,
                events,
                error_type,
            } => {
                let mut v = json!({"name": name, "state": state, "events": events});
                put_opt(&mut v, "errorType", error_type.clone().map(Value::String));
                ("platform.extension", v)
            }
            Platform::Subscription {
                api: sub_api,
                name,
                types,
            } if *sub_api == api => {
                let kind = if tel {
                    "platform.telemetrySubscription"
                } else {
                    "platform.logsSubscription"
                };
                (
                    kind,
                    json!({"name": name, "state": "Subscribed", "types": types}),
                )
            }
            Platform::LogsDropped {
                reason,
                records,
                bytes,
            } => (
                "platform.logsDropped",
                json!({"reason": reason, "droppedRecords": records, "droppedBytes": bytes}),
            ),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format_has_milliseconds() {
        let t =
            OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).expect("valid");
        assert_eq!(rfc3339_ms(t), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn apis_render_their_own_events() {
        let e = Event::now(Record::Platform(Platform::End {
            request_id: "r".into(),
        }));
        assert!(e.render(Api::Telemetry, true).is_none());
        assert!(e.render(Api::Logs, false).is_some());
        let rd = Event::now(Record::Platform(Platform::RuntimeDone {
            request_id: "r".into(),
            status: "success",
            error_type: None,
            duration_ms: 1.0,
            produced_bytes: 2,
            spans: vec![],
            trace: None,
        }));
        assert!(rd.render(Api::Logs, false).is_none());
        assert!(rd.render(Api::Logs, true).is_some());
    }

    #[test]
    fn report_metrics_are_integers() {
        let e = Event::now(Record::Platform(Platform::Report(ReportFigures {
            request_id: "r".into(),
            status: "success",
            error_type: None,
            duration_ms: 1.23456,
            billed_ms: 2,
            memory_mb: 128,
            max_memory_mb: 20,
            init_duration_ms: Some(3.5),
            trace: None,
            spans: vec![],
        })));
        let v: Value = serde_json::from_slice(&e.render(Api::Telemetry, true).expect("rendered"))
            .expect("json");
        assert_eq!(v["record"]["metrics"]["billedDurationMs"], json!(2));
        assert_eq!(v["record"]["metrics"]["durationMs"], json!(1.234));
        assert_eq!(v["record"]["metrics"]["initDurationMs"], json!(3.5));
    }
}
