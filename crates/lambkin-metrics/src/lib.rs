//! Lambda's CloudWatch metrics for lambkin, in two forms:
//!
//! - Prometheus / OpenMetrics families ([`Metrics::encode`], served at `GET /metrics`): Lambda's per-function
//!   metrics with CloudWatch's dimensions as labels (`function_name`, `resource`, `executed_version`, plus
//!   `region`), lambkin's own (cold starts, init duration, memory used) and the platform's (environments,
//!   memory, async queue, runtime builds, store latency). Names follow Prometheus conventions: base units
//!   (seconds, bytes), `_total` counters.
//! - A one-minute history per function ([`Metrics::history`], [`Metrics::recent`]) for the console's plots, kept
//!   at least a day in a small SQLite file so it survives restarts ([`Metrics::flush`]).
//!
//! The crate knows nothing of the service: callers hand it plain figures ([`Invocation`], [`Platform`]).

mod history;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use history::{bucket_of, Disk, History};
pub use history::{MinutePoint, RecentInvocation, KEEP_MINUTES};

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// CloudWatch's dimensions of a Lambda metric, as labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FnLabels {
    region: String,
    function_name: String,
    /// The name as invoked: `NAME`, or `NAME:QUALIFIER` for a version or alias.
    resource: String,
    executed_version: String,
}

/// A function without a version (metrics counted before one is known, or of the function as a whole).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NameLabels {
    region: String,
    function_name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DroppedLabels {
    region: String,
    function_name: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    runtime: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProvisionedLabels {
    region: String,
    function_name: String,
    resource: String,
}

type Ratio = Gauge<f64, AtomicU64>;

fn duration_buckets() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        300.0, 900.0,
    ])
}

fn age_buckets() -> Histogram {
    Histogram::new([
        0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0,
    ])
}

fn memory_buckets() -> Histogram {
    // 16 MiB to 16 GiB, doubling.
    Histogram::new((0..11).map(|i| f64::from(16u32 << 20) * f64::from(1u32 << i)))
}

fn store_buckets() -> Histogram {
    Histogram::new([
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
    ])
}

/// Every family, registered once.
struct Families {
    invocations: Family<FnLabels, Counter>,
    errors: Family<FnLabels, Counter>,
    throttles: Family<FnLabels, Counter>,
    duration: Family<FnLabels, Histogram, fn() -> Histogram>,
    cold_starts: Family<FnLabels, Counter>,
    init_duration: Family<FnLabels, Histogram, fn() -> Histogram>,
    max_memory: Family<FnLabels, Histogram, fn() -> Histogram>,
    concurrent: Family<NameLabels, Gauge>,
    provisioned_concurrent: Family<ProvisionedLabels, Gauge>,
    provisioned_utilization: Family<ProvisionedLabels, Ratio>,
    provisioned_spillover: Family<FnLabels, Counter>,
    async_received: Family<NameLabels, Counter>,
    async_age: Family<NameLabels, Histogram, fn() -> Histogram>,
    async_dropped: Family<DroppedLabels, Counter>,
    dead_letter_errors: Family<NameLabels, Counter>,
    destination_failures: Family<NameLabels, Counter>,
    environments: Family<StateLabels, Gauge>,
    memory_budget: Gauge,
    memory_reserved: Gauge,
    async_queue_depth: Gauge,
    runtime_builds: Family<BuildLabels, Counter>,
    store_latency: Family<OpLabels, Histogram, fn() -> Histogram>,
}

impl Families {
    fn register(r: &mut Registry) -> Families {
        let f = Families {
            invocations: Family::default(),
            errors: Family::default(),
            throttles: Family::default(),
            duration: Family::new_with_constructor(duration_buckets),
            cold_starts: Family::default(),
            init_duration: Family::new_with_constructor(duration_buckets),
            max_memory: Family::new_with_constructor(memory_buckets),
            concurrent: Family::default(),
            provisioned_concurrent: Family::default(),
            provisioned_utilization: Family::default(),
            provisioned_spillover: Family::default(),
            async_received: Family::default(),
            async_age: Family::new_with_constructor(age_buckets),
            async_dropped: Family::default(),
            dead_letter_errors: Family::default(),
            destination_failures: Family::default(),
            environments: Family::default(),
            memory_budget: Gauge::default(),
            memory_reserved: Gauge::default(),
            async_queue_depth: Gauge::default(),
            runtime_builds: Family::default(),
            store_latency: Family::new_with_constructor(store_buckets),
        };
        r.register(
            "lambda_invocations",
            "Invocations of the function's code, successful or not (Lambda's Invocations; throttles not counted)",
            f.invocations.clone(),
        );
        r.register(
            "lambda_errors",
            "Invocations that ended in a function error: an error answer, a crash, a timeout (Lambda's Errors)",
            f.errors.clone(),
        );
        r.register(
            "lambda_throttles",
            "Invoke requests refused for concurrency (Lambda's Throttles)",
            f.throttles.clone(),
        );
        r.register_with_unit(
            "lambda_duration",
            "Time the function's code ran per invocation (Lambda's Duration)",
            Unit::Seconds,
            f.duration.clone(),
        );
        r.register(
            "lambda_cold_starts",
            "Invocations that ran an environment's init phase first",
            f.cold_starts.clone(),
        );
        r.register_with_unit(
            "lambda_init_duration",
            "Init phase duration of cold starts (REPORT's Init Duration)",
            Unit::Seconds,
            f.init_duration.clone(),
        );
        r.register_with_unit(
            "lambda_max_memory_used",
            "The environment's peak memory at the end of each invocation (REPORT's Max Memory Used)",
            Unit::Bytes,
            f.max_memory.clone(),
        );
        r.register(
            "lambda_concurrent_executions",
            "Invocations running now (Lambda's ConcurrentExecutions)",
            f.concurrent.clone(),
        );
        r.register(
            "lambda_provisioned_concurrent_executions",
            "Invocations running now on provisioned environments (Lambda's ProvisionedConcurrentExecutions)",
            f.provisioned_concurrent.clone(),
        );
        r.register(
            "lambda_provisioned_concurrency_utilization",
            "Provisioned environments busy / ready (Lambda's ProvisionedConcurrencyUtilization)",
            f.provisioned_utilization.clone(),
        );
        r.register(
            "lambda_provisioned_concurrency_spillover_invocations",
            "Invocations of a version or alias with provisioned concurrency that ran on an on-demand environment (Lambda's ProvisionedConcurrencySpilloverInvocations)",
            f.provisioned_spillover.clone(),
        );
        r.register(
            "lambda_async_events_received",
            "Events queued for asynchronous invocation (Lambda's AsyncEventsReceived)",
            f.async_received.clone(),
        );
        r.register_with_unit(
            "lambda_async_event_age",
            "Time from queueing an event to invoking the function with it (Lambda's AsyncEventAge)",
            Unit::Seconds,
            f.async_age.clone(),
        );
        r.register(
            "lambda_async_events_dropped",
            "Events dropped without a successful invocation, by reason (Lambda's AsyncEventsDropped)",
            f.async_dropped.clone(),
        );
        r.register(
            "lambda_dead_letter_errors",
            "Events that could not be sent to the dead-letter queue (Lambda's DeadLetterErrors)",
            f.dead_letter_errors.clone(),
        );
        r.register(
            "lambda_destination_delivery_failures",
            "Records that could not be sent to a destination (Lambda's DestinationDeliveryFailures)",
            f.destination_failures.clone(),
        );
        r.register(
            "lambkin_environments",
            "Execution environments on this host, by state",
            f.environments.clone(),
        );
        r.register_with_unit(
            "lambkin_memory_budget",
            "Memory the engine may give environments",
            Unit::Bytes,
            f.memory_budget.clone(),
        );
        r.register_with_unit(
            "lambkin_memory_reserved",
            "Memory the live environments take (their configured sizes)",
            Unit::Bytes,
            f.memory_reserved.clone(),
        );
        r.register(
            "lambkin_async_queue_depth",
            "Asynchronous events waiting on this host",
            f.async_queue_depth.clone(),
        );
        r.register(
            "lambkin_runtime_builds",
            "Managed runtime builds, by runtime and result",
            f.runtime_builds.clone(),
        );
        r.register_with_unit(
            "lambkin_store_operation_duration",
            "Latency of the store's metadata reads and writes",
            Unit::Seconds,
            f.store_latency.clone(),
        );
        f
    }
}

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The function answered.
    Success,
    /// A function error: an error answer, a crash, a timeout, a failed init.
    Error,
}

/// One finished invocation, as the metrics need it.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// Region.
    pub region: &'a str,
    /// Function name.
    pub function: &'a str,
    /// The qualifier it was invoked with (version or alias), if any.
    pub qualifier: Option<&'a str>,
    /// The version that ran.
    pub version: &'a str,
    /// Request id.
    pub request_id: &'a str,
    /// `http`, `pubsub`, `datasource` or `other` (OpenTelemetry's `faas.trigger`).
    pub trigger: &'a str,
    /// When it started.
    pub started: SystemTime,
    /// How it ended.
    pub outcome: Outcome,
    /// The error's type, for [`Outcome::Error`].
    pub error_type: Option<&'a str>,
    /// Duration, ms.
    pub duration_ms: f64,
    /// Init duration, ms, on a cold start.
    pub init_duration_ms: Option<f64>,
    /// Configured memory, MB.
    pub memory_mb: u32,
    /// Max Memory Used, MB (0: unknown).
    pub max_memory_used_mb: u64,
    /// Invocations of the function running when this one started, itself included.
    pub concurrency: u32,
    /// Whether the version or alias has provisioned concurrency but this ran on an on-demand environment.
    pub spillover: bool,
}

/// A throttled invoke request.
#[derive(Debug, Clone)]
pub struct Throttle<'a> {
    /// Region.
    pub region: &'a str,
    /// Function name.
    pub function: &'a str,
    /// The qualifier it was invoked with, if any.
    pub qualifier: Option<&'a str>,
    /// The version it would have run.
    pub version: &'a str,
    /// When.
    pub at: SystemTime,
}

/// The platform's figures, read when metrics are scraped.
#[derive(Debug, Clone, Default)]
pub struct Platform {
    /// Environments by state (`busy`, `idle`, …).
    pub environments: Vec<(&'static str, u64)>,
    /// The engine's memory budget, bytes.
    pub memory_budget_bytes: u64,
    /// Memory the live environments take, bytes.
    pub memory_reserved_bytes: u64,
    /// Asynchronous events waiting on this host.
    pub async_queue_depth: u64,
    /// Invocations running now, by (region, function).
    pub concurrency: Vec<(String, String, u64)>,
    /// Provisioned environments by (region, function, resource): (busy, ready).
    pub provisioned: Vec<(String, String, String, u64, u64)>,
}

/// Metrics of one `serve` process: cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    families: Families,
    history: Mutex<History>,
    disk: Mutex<Option<Disk>>,
    /// Label sets of the gauges set at the last scrape, so that one gone idle reads 0 rather than vanishing.
    concurrent_seen: Mutex<HashSet<NameLabels>>,
    provisioned_seen: Mutex<HashSet<ProvisionedLabels>>,
}

fn unix_minute(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 60)
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn resource(function: &str, qualifier: Option<&str>) -> String {
    match qualifier {
        Some(q) => format!("{function}:{q}"),
        None => function.to_owned(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Metrics {
    /// Metrics whose history is kept in `file` (read back now, written by [`Metrics::flush`]); with `None`, or
    /// when the file cannot be opened (logged), in memory only.
    pub fn open(file: Option<&Path>) -> Metrics {
        let oldest = unix_minute(SystemTime::now()).saturating_sub(KEEP_MINUTES);
        let (disk, history) = match file.map(Disk::open) {
            Some(Ok(disk)) => match disk.load(oldest) {
                Ok(h) => (Some(disk), h),
                Err(e) => {
                    tracing::warn!("metrics history: cannot read it back ({e}); starting empty");
                    (Some(disk), History::default())
                }
            },
            Some(Err(e)) => {
                tracing::warn!("metrics history: cannot open its file ({e}); kept in memory only");
                (None, History::default())
            }
            None => (None, History::default()),
        };
        let mut registry = Registry::default();
        let families = Families::register(&mut registry);
        Metrics {
            inner: Arc::new(Inner {
                registry,
                families,
                history: Mutex::new(history),
                disk: Mutex::new(disk),
                concurrent_seen: Mutex::new(HashSet::new()),
                provisioned_seen: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Counts a finished invocation.
    pub fn record(&self, inv: &Invocation<'_>) {
        let f = &self.inner.families;
        let labels = FnLabels {
            region: inv.region.to_owned(),
            function_name: inv.function.to_owned(),
            resource: resource(inv.function, inv.qualifier),
            executed_version: inv.version.to_owned(),
        };
        if inv.outcome == Outcome::Error {
            f.errors.get_or_create(&labels).inc();
        }
        f.duration
            .get_or_create(&labels)
            .observe(inv.duration_ms / 1000.0);
        if let Some(init) = inv.init_duration_ms {
            f.cold_starts.get_or_create(&labels).inc();
            f.init_duration
                .get_or_create(&labels)
                .observe(init / 1000.0);
        }
        if inv.max_memory_used_mb > 0 {
            f.max_memory
                .get_or_create(&labels)
                .observe((inv.max_memory_used_mb as f64) * 1024.0 * 1024.0);
        }
        if inv.spillover {
            f.provisioned_spillover.get_or_create(&labels).inc();
        }
        // Last: a reader that sees an invocation counted sees every other figure of it.
        f.invocations.get_or_create(&labels).inc();

        let key = (inv.region.to_owned(), inv.function.to_owned());
        let mut h = lock(&self.inner.history);
        let m = h.minute(&key, unix_minute(inv.started));
        m.invocations += 1;
        if inv.outcome == Outcome::Error {
            m.errors += 1;
        }
        *m.durations.entry(bucket_of(inv.duration_ms)).or_default() += 1;
        if let Some(init) = inv.init_duration_ms {
            m.cold_starts += 1;
            m.init_sum_ms += init;
            m.init_count += 1;
        }
        m.concurrency_max = m.concurrency_max.max(u64::from(inv.concurrency));
        m.max_memory_used_mb = m.max_memory_used_mb.max(inv.max_memory_used_mb);
        h.push_recent(
            &key,
            RecentInvocation {
                request_id: inv.request_id.to_owned(),
                timestamp_ms: unix_ms(inv.started),
                version: inv.version.to_owned(),
                duration_ms: (inv.duration_ms * 100.0).round() / 100.0,
                billed_duration_ms: inv.duration_ms.max(1.0).ceil() as u64,
                memory_size_mb: inv.memory_mb,
                max_memory_used_mb: inv.max_memory_used_mb,
                init_duration_ms: inv.init_duration_ms.map(|v| (v * 100.0).round() / 100.0),
                error_type: inv.error_type.map(str::to_owned),
                trigger: inv.trigger.to_owned(),
            },
        );
    }

    /// Counts a throttled invoke request.
    pub fn throttled(&self, t: &Throttle<'_>) {
        let labels = FnLabels {
            region: t.region.to_owned(),
            function_name: t.function.to_owned(),
            resource: resource(t.function, t.qualifier),
            executed_version: t.version.to_owned(),
        };
        self.inner.families.throttles.get_or_create(&labels).inc();
        let key = (t.region.to_owned(), t.function.to_owned());
        lock(&self.inner.history)
            .minute(&key, unix_minute(t.at))
            .throttles += 1;
    }

    fn name(region: &str, function: &str) -> NameLabels {
        NameLabels {
            region: region.to_owned(),
            function_name: function.to_owned(),
        }
    }

    /// Counts an event queued for asynchronous invocation.
    pub fn async_received(&self, region: &str, function: &str) {
        self.inner
            .families
            .async_received
            .get_or_create(&Self::name(region, function))
            .inc();
    }

    /// Records the age of an event handed to the function.
    pub fn async_event_age(&self, region: &str, function: &str, seconds: f64) {
        self.inner
            .families
            .async_age
            .get_or_create(&Self::name(region, function))
            .observe(seconds.max(0.0));
    }

    /// Counts an event dropped without a successful invocation (`reason`: `retries_exhausted`, `expired`,
    /// `function_deleted`, …).
    pub fn async_dropped(&self, region: &str, function: &str, reason: &str) {
        self.inner
            .families
            .async_dropped
            .get_or_create(&DroppedLabels {
                region: region.to_owned(),
                function_name: function.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts an event the dead-letter queue did not take.
    pub fn dead_letter_error(&self, region: &str, function: &str) {
        self.inner
            .families
            .dead_letter_errors
            .get_or_create(&Self::name(region, function))
            .inc();
    }

    /// Counts a record a destination did not take.
    pub fn destination_failure(&self, region: &str, function: &str) {
        self.inner
            .families
            .destination_failures
            .get_or_create(&Self::name(region, function))
            .inc();
    }

    /// Counts a managed runtime build.
    pub fn runtime_build(&self, runtime: &str, ok: bool) {
        self.inner
            .families
            .runtime_builds
            .get_or_create(&BuildLabels {
                runtime: runtime.to_owned(),
                result: if ok { "success" } else { "failure" }.to_owned(),
            })
            .inc();
    }

    /// Records a store operation's latency (`operation`: `read`, `write`).
    pub fn store_operation(&self, operation: &'static str, seconds: f64) {
        self.inner
            .families
            .store_latency
            .get_or_create(&OpLabels {
                operation: operation.to_owned(),
            })
            .observe(seconds);
    }

    /// Sets the platform's gauges (called before encoding).
    pub fn set_platform(&self, p: &Platform) {
        let f = &self.inner.families;
        for (state, n) in &p.environments {
            f.environments
                .get_or_create(&StateLabels {
                    state: (*state).to_owned(),
                })
                .set(i64::try_from(*n).unwrap_or(i64::MAX));
        }
        let gauge = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        f.memory_budget.set(gauge(p.memory_budget_bytes));
        f.memory_reserved.set(gauge(p.memory_reserved_bytes));
        f.async_queue_depth.set(gauge(p.async_queue_depth));

        let mut seen = lock(&self.inner.concurrent_seen);
        let now: HashSet<NameLabels> = p
            .concurrency
            .iter()
            .map(|(r, fname, _)| Self::name(r, fname))
            .collect();
        for gone in seen.difference(&now) {
            f.concurrent.get_or_create(gone).set(0);
        }
        for (r, fname, n) in &p.concurrency {
            f.concurrent
                .get_or_create(&Self::name(r, fname))
                .set(gauge(*n));
        }
        seen.extend(now);

        let mut seen = lock(&self.inner.provisioned_seen);
        let mut now = HashSet::new();
        for (r, fname, res, busy, ready) in &p.provisioned {
            let labels = ProvisionedLabels {
                region: r.clone(),
                function_name: fname.clone(),
                resource: res.clone(),
            };
            f.provisioned_concurrent
                .get_or_create(&labels)
                .set(gauge(*busy));
            let ratio = if *ready == 0 {
                0.0
            } else {
                *busy as f64 / *ready as f64
            };
            f.provisioned_utilization.get_or_create(&labels).set(ratio);
            now.insert(labels);
        }
        for gone in seen.difference(&now) {
            f.provisioned_concurrent.get_or_create(gone).set(0);
            f.provisioned_utilization.get_or_create(gone).set(0.0);
        }
        seen.extend(now);
    }

    /// Every family in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry) {
            tracing::warn!("metrics: cannot encode them: {e}");
        }
        out
    }

    /// A function's one-minute points of `[from_minute, to_minute]` (unix minutes), oldest first; minutes
    /// without anything are left out.
    pub fn history(
        &self,
        region: &str,
        function: &str,
        from_minute: u64,
        to_minute: u64,
    ) -> Vec<MinutePoint> {
        lock(&self.inner.history).points(
            &(region.to_owned(), function.to_owned()),
            from_minute,
            to_minute,
        )
    }

    /// A function's latest invocations, newest first.
    pub fn recent(&self, region: &str, function: &str, limit: usize) -> Vec<RecentInvocation> {
        lock(&self.inner.history).recent(&(region.to_owned(), function.to_owned()), limit)
    }

    /// Writes the history's changes to its file and drops what is older than [`KEEP_MINUTES`] (blocking: call
    /// it off the async threads).
    pub fn flush(&self) {
        let oldest = unix_minute(SystemTime::now()).saturating_sub(KEEP_MINUTES);
        let mut disk = lock(&self.inner.disk);
        // The history is locked only to take what changed; the write happens after.
        let mut snapshot = {
            let mut h = lock(&self.inner.history);
            h.prune(oldest);
            h.take_dirty()
        };
        if let Some(d) = disk.as_mut() {
            if let Err(e) = d.flush(&mut snapshot, oldest) {
                tracing::warn!("metrics history: cannot write it ({e})");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv<'a>(function: &'a str, outcome: Outcome, init: Option<f64>) -> Invocation<'a> {
        Invocation {
            region: "us-east-1",
            function,
            qualifier: None,
            version: "$LATEST",
            request_id: "r1",
            trigger: "http",
            started: SystemTime::now(),
            outcome,
            error_type: (outcome == Outcome::Error).then_some("Unhandled"),
            duration_ms: 12.5,
            init_duration_ms: init,
            memory_mb: 128,
            max_memory_used_mb: 40,
            concurrency: 1,
            spillover: false,
        }
    }

    fn sample(text: &str, prefix: &str) -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn counts_invocations_errors_throttles_and_cold_starts() {
        let m = Metrics::open(None);
        m.record(&inv("f", Outcome::Success, Some(100.0)));
        m.record(&inv("f", Outcome::Success, None));
        m.record(&inv("f", Outcome::Error, None));
        m.throttled(&Throttle {
            region: "us-east-1",
            function: "f",
            qualifier: Some("live"),
            version: "3",
            at: SystemTime::now(),
        });
        let text = m.encode();
        let l = r#"{region="us-east-1",function_name="f",resource="f",executed_version="$LATEST"}"#;
        assert_eq!(
            sample(&text, &format!("lambda_invocations_total{l}")),
            Some(3.0)
        );
        assert_eq!(sample(&text, &format!("lambda_errors_total{l}")), Some(1.0));
        assert_eq!(
            sample(&text, &format!("lambda_cold_starts_total{l}")),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, &format!("lambda_duration_seconds_count{l}")),
            Some(3.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"lambda_throttles_total{region="us-east-1",function_name="f",resource="f:live",executed_version="3"}"#
            ),
            Some(1.0)
        );
        assert!(text.ends_with("# EOF\n"));

        let now = unix_minute(SystemTime::now());
        let points = m.history("us-east-1", "f", now - 1, now + 1);
        assert_eq!(points.len(), 1);
        let p = &points[0];
        assert_eq!(
            (p.invocations, p.errors, p.throttles, p.cold_starts),
            (3, 1, 1, 1)
        );
        assert_eq!(p.init_duration_avg_ms, Some(100.0));
        assert_eq!(m.recent("us-east-1", "f", 10).len(), 3);
        assert!(m.history("us-east-1", "other", 0, u64::MAX).is_empty());
    }

    #[test]
    fn an_idle_function_reads_zero_concurrency() {
        let m = Metrics::open(None);
        m.set_platform(&Platform {
            concurrency: vec![("r".into(), "f".into(), 2)],
            ..Platform::default()
        });
        assert_eq!(
            sample(
                &m.encode(),
                r#"lambda_concurrent_executions{region="r",function_name="f"}"#
            ),
            Some(2.0)
        );
        m.set_platform(&Platform::default());
        assert_eq!(
            sample(
                &m.encode(),
                r#"lambda_concurrent_executions{region="r",function_name="f"}"#
            ),
            Some(0.0)
        );
    }

    #[test]
    fn history_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("metrics.sqlite");
        let m = Metrics::open(Some(&file));
        m.record(&inv("f", Outcome::Success, None));
        m.flush();
        drop(m);
        let m = Metrics::open(Some(&file));
        let now = unix_minute(SystemTime::now());
        assert_eq!(m.history("us-east-1", "f", now - 2, now + 1).len(), 1);
    }
}
