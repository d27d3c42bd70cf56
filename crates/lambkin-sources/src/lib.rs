//! Event source pollers: what reads an event source mapping's queue or stream, in batches, and settles each
//! message as Lambda does once the function has run.
//!
//! - `sqs.rs`: Amazon SQS and SQS-compatible servers (standard and FIFO queues) through `aws-sdk-sqs`,
//!   configured as the AWS SDKs configure themselves (`AWS_ENDPOINT_URL_SQS`/`AWS_ENDPOINT_URL`, the standard
//!   credential chain). Long polling, Lambda's SQS event, delete on success, partial batch failures, filtered
//!   messages deleted; failed messages are left for the queue's visibility timeout and redrive policy.
//! - `nats.rs`: NATS JetStream streams (`arn:aws:nats:<region>:<account>:stream/<name>`), a durable pull
//!   consumer per mapping: ack on success, `Nak` with a delay on failure, `Term` once retries are exhausted
//!   (after the batch's record went to the mapping's `OnFailure` destination).
//! - `batch.rs`: what both share: the batching window, Lambda's partial batch response
//!   (`batchItemFailures`), filtering.
//!
//! The crate knows nothing of Lambda's API, the store or the engine: the host ([`Host`]) invokes the
//! function, delivers failure records and keeps the mapping's `LastProcessingResult`. [`Sources`] runs one
//! poller per mapping and replaces it when the mapping's settings change (its `generation`).

mod batch;
mod nats;
mod sqs;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use batch::{item_failures, ItemFailures};
pub use lambkin_filter::Filters;

/// A boxed future, as [`Host`]'s methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a poller needs from the service around it.
pub trait Host: Send + Sync + 'static {
    /// Invokes the mapping's function synchronously with `payload` (the batch's event).
    fn invoke<'a>(&'a self, mapping: &'a Mapping, payload: Bytes) -> BoxFuture<'a, Invoked>;
    /// Delivers the record of a batch that exhausted its retries to the mapping's `OnFailure` destination
    /// (`Mapping::on_failure`, set when this is called); durable when this resolves `Ok` (the messages are then
    /// ended for good).
    fn on_failure<'a>(
        &'a self,
        mapping: &'a Mapping,
        record: serde_json::Value,
    ) -> BoxFuture<'a, Result<(), String>>;
    /// The mapping's `LastProcessingResult` changed (`OK`, `PROBLEM: …`).
    fn processed(&self, mapping: &Mapping, result: &str);
    /// A mapping's poller ended after [`Sources::stop`] (its batches in flight are settled).
    fn poller_ended(&self, _uuid: &str) {}
}

/// How an invoke ended.
#[derive(Debug, Clone)]
pub enum Invoked {
    /// The function answered.
    Ok {
        /// Its response.
        body: Bytes,
        /// The version that ran.
        version: String,
    },
    /// The function failed (an unhandled error, a timeout, a crash).
    FunctionError {
        /// The error payload.
        body: Bytes,
        /// The version that ran.
        version: String,
    },
    /// No capacity now (concurrency or memory): try again soon.
    Throttled(String),
    /// The function cannot run (it does not exist, its code is missing): try again much later.
    Unavailable(String),
}

/// Where a mapping starts reading a stream it has not read before.
#[derive(Debug, Clone, PartialEq)]
pub enum StartingPosition {
    /// The oldest message the stream keeps (`TRIM_HORIZON`).
    TrimHorizon,
    /// Messages stored after the mapping was made (`LATEST`).
    Latest,
    /// Messages stored at or after a time, Unix seconds (`AT_TIMESTAMP`).
    AtTimestamp(f64),
}

/// The event source of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// An SQS queue, by ARN.
    Sqs {
        /// `arn:aws:sqs:<region>:<account>:<queue>`.
        arn: String,
        /// Its region.
        region: String,
        /// Its owner.
        account: String,
        /// Its name (`.fifo` for a FIFO queue).
        queue: String,
    },
    /// A NATS JetStream stream.
    Nats {
        /// `arn:aws:nats:<region>:<account>:stream/<name>`.
        arn: String,
        /// The mapping's region (in the event's `awsRegion`).
        region: String,
        /// The stream's name.
        stream: String,
        /// Where a new consumer starts.
        start: StartingPosition,
    },
}

impl Source {
    /// The event source ARN.
    pub fn arn(&self) -> &str {
        match self {
            Source::Sqs { arn, .. } | Source::Nats { arn, .. } => arn,
        }
    }

    /// Parses an event source ARN lambkin can read (`None`: another service). The NATS form is lambkin's own.
    pub fn parse(arn: &str, start: Option<StartingPosition>) -> Option<Source> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, partition, service, region, account, resource] = parts[..] else {
            return None;
        };
        if !partition.starts_with("aws") || region.is_empty() || resource.is_empty() {
            return None;
        }
        match service {
            "sqs" if !account.is_empty() && !resource.contains(['/', ':']) => Some(Source::Sqs {
                arn: arn.to_owned(),
                region: region.to_owned(),
                account: account.to_owned(),
                queue: resource.to_owned(),
            }),
            "nats" => {
                let stream = resource.strip_prefix("stream/")?;
                let valid = !stream.is_empty()
                    && stream.len() <= 255
                    && stream
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && !b".*>/\\".contains(&b));
                valid.then(|| Source::Nats {
                    arn: arn.to_owned(),
                    region: region.to_owned(),
                    stream: stream.to_owned(),
                    start: start.unwrap_or(StartingPosition::TrimHorizon),
                })
            }
            _ => None,
        }
    }

    /// Whether it is a FIFO queue.
    pub fn is_fifo(&self) -> bool {
        matches!(self, Source::Sqs { queue, .. } if queue.ends_with(".fifo"))
    }
}

/// One event source mapping, as its poller runs it.
#[derive(Clone)]
pub struct Mapping {
    /// The mapping's UUID.
    pub uuid: String,
    /// The function (qualified when the mapping names a version or alias).
    pub function_arn: String,
    /// What it reads.
    pub source: Source,
    /// Most records per invoke.
    pub batch_size: usize,
    /// How long to gather records before invoking (`MaximumBatchingWindowInSeconds`).
    pub window: Duration,
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`.
    pub report_item_failures: bool,
    /// `FilterCriteria` (empty: every record passes).
    pub filters: Arc<Filters>,
    /// Most batches in flight at once (`ScalingConfig.MaximumConcurrency`, or the source's default).
    pub max_concurrency: usize,
    /// Retries of a failed record before it is ended (`MaximumRetryAttempts`; `None`: until it succeeds or
    /// expires). Streams only: SQS leaves retries to the queue's redrive policy.
    pub max_retries: Option<u32>,
    /// Records older than this are ended without invoking (`MaximumRecordAgeInSeconds`). Streams only.
    pub max_record_age: Option<Duration>,
    /// The mapping's `OnFailure` destination (an ARN the host delivers to; the pollers only pass it on).
    pub on_failure: Option<String>,
    /// Bumped by every change of the mapping: a poller of another generation is replaced.
    pub generation: u64,
}

/// Where pollers connect: the NATS server of NATS sources (the SQS client configures itself as the SDKs do).
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// The NATS server URL(s), comma-separated.
    pub nats: Option<String>,
    /// A connection to use instead, when no URL is given (a cluster's own); with neither,
    /// `nats://127.0.0.1:4222`.
    pub nats_client: Option<async_nats::Client>,
}

/// The pollers of every mapping this host runs.
pub struct Sources {
    host: Arc<dyn Host>,
    clients: Arc<Clients>,
    running: Mutex<HashMap<String, Running>>,
    /// Pollers told to stop, ending their batches in flight.
    stopping: Mutex<Vec<(String, JoinHandle<()>)>>,
}

/// Connections shared by every poller, made on first need.
pub(crate) struct Clients {
    pub(crate) endpoints: Endpoints,
    pub(crate) sqs: sqs::Clients,
    pub(crate) nats: nats::Connection,
}

struct Running {
    generation: u64,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sources {
    /// Pollers that invoke through `host`.
    pub fn new(host: Arc<dyn Host>, endpoints: Endpoints) -> Self {
        Self {
            host,
            clients: Arc::new(Clients {
                sqs: sqs::Clients::default(),
                nats: nats::Connection::new(endpoints.nats_client.clone()),
                endpoints,
            }),
            running: Mutex::new(HashMap::new()),
            stopping: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the mapping's poller of this generation runs.
    pub fn runs(&self, uuid: &str, generation: u64) -> bool {
        self.lock()
            .get(uuid)
            .is_some_and(|r| r.generation == generation && !r.task.is_finished())
    }

    /// The UUIDs of the mappings whose poller runs.
    pub fn uuids(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Runs the mapping's poller: started, or replaced when its generation changed (the old one is told to
    /// stop and ends its batch in flight meanwhile). Does nothing when that generation already runs.
    pub fn ensure(&self, mapping: Mapping) {
        if self.runs(&mapping.uuid, mapping.generation) {
            return;
        }
        self.stop(&mapping.uuid);
        let (stop, stopped) = watch::channel(false);
        let uuid = mapping.uuid.clone();
        let generation = mapping.generation;
        let host = self.host.clone();
        let clients = self.clients.clone();
        let task = tokio::spawn(async move {
            let uuid = mapping.uuid.clone();
            match &mapping.source {
                Source::Sqs { .. } => sqs::run(host.clone(), clients, mapping, stopped).await,
                Source::Nats { .. } => nats::run(host.clone(), clients, mapping, stopped).await,
            }
            tracing::debug!("event source mapping {uuid}: poller ended");
            host.poller_ended(&uuid);
        });
        self.lock().insert(
            uuid,
            Running {
                generation,
                stop,
                task,
            },
        );
    }

    /// Whether a source can be read now, in Lambda's words when it cannot: an SQS queue that does not exist, or
    /// that cannot be reached, is refused at `CreateEventSourceMapping`. (A NATS stream may be made later: its
    /// poller waits for it.)
    pub async fn check(&self, source: &Source) -> Result<(), String> {
        match source {
            Source::Sqs {
                region,
                account,
                queue,
                ..
            } => sqs::check(&self.clients, region, queue, account).await,
            Source::Nats { .. } => Ok(()),
        }
    }

    /// Forgets a deleted mapping's position (a NATS source's durable consumer); call once it is [`settled`].
    ///
    /// [`settled`]: Sources::settled
    pub async fn forget(&self, uuid: &str, source: &Source) {
        if let Source::Nats { stream, .. } = source {
            nats::delete_consumer(&self.clients, uuid, stream).await;
        }
    }

    /// Tells the mapping's poller to stop, if it runs; it ends its batches in flight, then [`Host::poller_ended`].
    pub fn stop(&self, uuid: &str) {
        let mut running = self.lock();
        if let Some(r) = running.remove(uuid) {
            let _ = r.stop.send(true);
            self.stopping
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((uuid.to_owned(), r.task));
        }
    }

    /// Whether no poller of the mapping runs or is still ending its batches.
    pub fn settled(&self, uuid: &str) -> bool {
        if self.lock().contains_key(uuid) {
            return false;
        }
        let mut stopping = self.stopping.lock().unwrap_or_else(|p| p.into_inner());
        stopping.retain(|(_, task)| !task.is_finished());
        !stopping.iter().any(|(u, _)| u == uuid)
    }
}

/// Waits until `stopped` says stop (or its sender is gone).
pub(crate) async fn stopping(stopped: &mut watch::Receiver<bool>) {
    while !*stopped.borrow_and_update() {
        if stopped.changed().await.is_err() {
            return;
        }
    }
}

/// Sleeps for `d`, or less when the poller is stopped meanwhile; `true` when stopped.
pub(crate) async fn pause(stopped: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = stopping(stopped) => true,
        _ = tokio::time::sleep(d) => *stopped.borrow(),
    }
}

/// Now as RFC 3339 with milliseconds, UTC.
pub(crate) fn iso(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sources_lambkin_reads() {
        let s = Source::parse("arn:aws:sqs:us-east-1:123456789012:jobs", None).unwrap();
        assert_eq!(
            s,
            Source::Sqs {
                arn: "arn:aws:sqs:us-east-1:123456789012:jobs".into(),
                region: "us-east-1".into(),
                account: "123456789012".into(),
                queue: "jobs".into()
            }
        );
        assert!(!s.is_fifo());
        assert!(
            Source::parse("arn:aws:sqs:eu-west-1:123456789012:jobs.fifo", None)
                .unwrap()
                .is_fifo()
        );
        let n = Source::parse(
            "arn:aws:nats:us-east-1:123456789012:stream/ORDERS",
            Some(StartingPosition::Latest),
        )
        .unwrap();
        assert!(
            matches!(n, Source::Nats { ref stream, start: StartingPosition::Latest, .. } if stream == "ORDERS")
        );
        for bad in [
            "arn:aws:kinesis:us-east-1:123456789012:stream/s",
            "arn:aws:nats:us-east-1:123456789012:ORDERS",
            "arn:aws:nats:us-east-1:123456789012:stream/a.b",
            "arn:aws:nats:us-east-1:123456789012:stream/",
            "arn:aws:sqs:us-east-1::jobs",
            "arn:aws:sqs:us-east-1:123456789012",
            "sqs:jobs",
        ] {
            assert_eq!(Source::parse(bad, None), None, "{bad}");
        }
    }

    #[test]
    fn iso_times_are_utc_with_milliseconds() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_000_000).unwrap();
        assert_eq!(iso(t), "2023-11-14T22:13:20.123Z");
    }
}
