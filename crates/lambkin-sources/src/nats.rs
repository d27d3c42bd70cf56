//! NATS JetStream streams as an event source (lambkin's own: `arn:aws:nats:<region>:<account>:stream/<name>`):
//! a durable pull consumer per mapping (`lambkin-esm-<uuid>`, so a restart resumes where the mapping was),
//! batches gathered within the batching window, an ack for each record the function took, a `Nak` with a
//! growing delay for each it failed (JetStream delivers it again, with its delivery count), and — once a
//! record failed `MaximumRetryAttempts` + 1 times or is older than `MaximumRecordAgeInSeconds` — its
//! batch's record to the mapping's `OnFailure` destination, then `Term`. Throttles are not failures: the
//! invoke is retried in place while the messages are kept in progress.
//!
//! The event (documented in the README):
//! `{"Records": [{"eventSource": "lambkin:nats", "eventSourceArn", "awsRegion", "messageId": "<stream
//! sequence>", "stream", "subject", "sequence", "timestamp", "deliveryCount", "headers": {name: [values]},
//! "data": "<base64>"}]}`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, AckKind};
use base64::Engine as _;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{watch, OnceCell};

use crate::batch::{item_failures, passes, ItemFailures};
use crate::{iso, pause, stopping, Clients, Host, Invoked, Mapping, Source, StartingPosition};

/// How long JetStream waits for an ack before delivering a message again; progress is reported more often
/// while an invoke runs, so only a dead host's messages wait this long.
const ACK_WAIT: Duration = Duration::from_secs(30);
/// How often a running invoke's messages are reported in progress.
const PROGRESS: Duration = Duration::from_secs(10);
/// Longest wait for a first message before polling again (and checking for a stop).
const LONG_POLL: Duration = Duration::from_secs(5);

/// The NATS connection of every NATS poller: given, or made on first need.
pub(crate) struct Connection {
    client: OnceCell<async_nats::Client>,
}

impl Connection {
    pub(crate) fn new(given: Option<async_nats::Client>) -> Self {
        Self {
            client: OnceCell::new_with(given),
        }
    }

    async fn get(&self, url: &str) -> Result<async_nats::Client, String> {
        self.client
            .get_or_try_init(|| async {
                let servers = url
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse::<async_nats::ServerAddr>()
                            .map_err(|e| format!("NATS server {s:?}: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                async_nats::connect(servers)
                    .await
                    .map_err(|e| format!("cannot connect to NATS at {url}: {e}"))
            })
            .await
            .cloned()
    }
}

/// The NATS server pollers connect to.
fn url(clients: &Clients) -> &str {
    clients
        .endpoints
        .nats
        .as_deref()
        .unwrap_or("nats://127.0.0.1:4222")
}

/// The durable consumer's name of a mapping.
pub(crate) fn consumer_name(uuid: &str) -> String {
    format!("lambkin-esm-{uuid}")
}

/// Deletes a mapping's durable consumer (the mapping was deleted); a consumer already gone is fine.
pub(crate) async fn delete_consumer(clients: &Clients, uuid: &str, stream: &str) {
    let Ok(client) = clients.nats.get(url(clients)).await else {
        return;
    };
    let js = jetstream::new(client);
    if let Ok(s) = js.get_stream(stream).await {
        if let Err(e) = s.delete_consumer(&consumer_name(uuid)).await {
            tracing::debug!("event source mapping {uuid}: deleting its consumer: {e}");
        }
    }
}

/// Runs a mapping's JetStream poller until `stopped`.
pub(crate) async fn run(
    host: Arc<dyn Host>,
    clients: Arc<Clients>,
    mapping: Mapping,
    mut stopped: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_secs(1);
    let consumer = loop {
        match open(&clients, &mapping).await {
            Ok(c) => break c,
            Err(e) => {
                let problem = format!("PROBLEM: {e}");
                tracing::warn!("event source mapping {}: {problem}", mapping.uuid);
                host.processed(&mapping, &problem);
                if pause(&mut stopped, backoff).await {
                    return;
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    };
    tracing::info!(
        "event source mapping {}: reading NATS stream {} for {}",
        mapping.uuid,
        mapping.source.arn(),
        mapping.function_arn
    );
    let poller = Arc::new(Poller {
        host,
        mapping,
        consumer,
    });
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..poller.mapping.max_concurrency.max(1) {
        workers.spawn(worker(poller.clone(), stopped.clone()));
    }
    while let Some(r) = workers.join_next().await {
        if let Err(e) = r {
            tracing::warn!(
                "event source mapping {}: poller failed: {e}",
                poller.mapping.uuid
            );
        }
    }
}

struct Poller {
    host: Arc<dyn Host>,
    mapping: Mapping,
    consumer: consumer::Consumer<consumer::pull::Config>,
}

/// The mapping's durable consumer, made when it does not exist yet.
async fn open(
    clients: &Clients,
    mapping: &Mapping,
) -> Result<consumer::Consumer<consumer::pull::Config>, String> {
    let Source::Nats { stream, start, .. } = &mapping.source else {
        return Err("not a NATS source".into());
    };
    let client = clients.nats.get(url(clients)).await?;
    let js = jetstream::new(client);
    let s = js
        .get_stream(stream)
        .await
        .map_err(|e| format!("NATS stream {stream}: {e}"))?;
    let deliver_policy = match start {
        StartingPosition::TrimHorizon => consumer::DeliverPolicy::All,
        StartingPosition::Latest => consumer::DeliverPolicy::New,
        StartingPosition::AtTimestamp(secs) => consumer::DeliverPolicy::ByStartTime {
            start_time: time::OffsetDateTime::from_unix_timestamp_nanos((secs * 1e9) as i128)
                .map_err(|e| format!("StartingPositionTimestamp: {e}"))?,
        },
    };
    let name = consumer_name(&mapping.uuid);
    s.get_or_create_consumer(
        &name,
        consumer::pull::Config {
            durable_name: Some(name.clone()),
            description: Some(format!(
                "lambkin event source mapping {} for {}",
                mapping.uuid, mapping.function_arn
            )),
            deliver_policy,
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: ACK_WAIT,
            max_deliver: -1,
            max_ack_pending: (mapping.batch_size * mapping.max_concurrency.max(1) * 2) as i64,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| format!("NATS consumer {name} of stream {stream}: {e}"))
}

async fn worker(p: Arc<Poller>, mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow() {
        match gather(&p, &mut stopped).await {
            Ok(batch) if batch.is_empty() => {}
            Ok(batch) => handle(&p, batch, &mut stopped).await,
            Err(e) => {
                let problem = format!("PROBLEM: NATS: {e}");
                tracing::warn!("event source mapping {}: {problem}", p.mapping.uuid);
                p.host.processed(&p.mapping, &problem);
                if pause(&mut stopped, Duration::from_secs(2)).await {
                    return;
                }
            }
        }
    }
}

/// Waits (up to [`LONG_POLL`]) for a first message, then takes what else is there: at once without a
/// batching window, or within it.
async fn gather(
    p: &Poller,
    stopped: &mut watch::Receiver<bool>,
) -> Result<Vec<jetstream::Message>, String> {
    let size = p.mapping.batch_size.max(1);
    let first = tokio::select! {
        r = take(&p.consumer, 1, Some(LONG_POLL)) => r?,
        _ = stopping(stopped) => return Ok(Vec::new()),
    };
    let mut batch = first;
    if batch.is_empty() || size == 1 {
        return Ok(batch);
    }
    let window = (!p.mapping.window.is_zero()).then_some(p.mapping.window);
    match take(&p.consumer, size - batch.len(), window).await {
        Ok(more) => batch.extend(more),
        Err(e) => tracing::debug!("event source mapping {}: {e}", p.mapping.uuid),
    }
    Ok(batch)
}

/// Up to `max` messages: waiting up to `wait` for them all, or only those there now.
async fn take(
    consumer: &consumer::Consumer<consumer::pull::Config>,
    max: usize,
    wait: Option<Duration>,
) -> Result<Vec<jetstream::Message>, String> {
    let mut messages = match wait {
        Some(w) => consumer
            .batch()
            .max_messages(max)
            .expires(w)
            .messages()
            .await
            .map_err(|e| e.to_string())?,
        None => consumer
            .fetch()
            .max_messages(max)
            .messages()
            .await
            .map_err(|e| e.to_string())?,
    };
    let mut out = Vec::new();
    while let Some(m) = messages.next().await {
        match m {
            Ok(m) => out.push(m),
            Err(e) if out.is_empty() => return Err(e.to_string()),
            Err(_) => break,
        }
    }
    Ok(out)
}

/// What a message says of itself.
struct Meta {
    sequence: u64,
    delivered: u32,
    published: time::OffsetDateTime,
}

fn meta(m: &jetstream::Message) -> Meta {
    match m.info() {
        Ok(i) => Meta {
            sequence: i.stream_sequence,
            delivered: u32::try_from(i.delivered).unwrap_or(1).max(1),
            published: i.published,
        },
        Err(_) => Meta {
            sequence: 0,
            delivered: 1,
            published: time::OffsetDateTime::now_utc(),
        },
    }
}

/// The record of a message in the event.
fn record(p: &Poller, m: &jetstream::Message, meta: &Meta) -> Value {
    let Source::Nats {
        arn,
        region,
        stream,
        ..
    } = &p.mapping.source
    else {
        return Value::Null;
    };
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(h) = &m.headers {
        for (k, values) in h.iter() {
            headers.insert(
                k.to_string(),
                values.iter().map(|v| v.as_str().to_owned()).collect(),
            );
        }
    }
    json!({
        "eventSource": "lambkin:nats",
        "eventSourceArn": arn,
        "awsRegion": region,
        "messageId": meta.sequence.to_string(),
        "stream": stream,
        "subject": m.subject.as_str(),
        "sequence": meta.sequence,
        "timestamp": iso(meta.published),
        "deliveryCount": meta.delivered,
        "headers": headers,
        "data": base64::engine::general_purpose::STANDARD.encode(&m.payload),
    })
}

/// The delay before a failed record comes again: 1 s, doubling with each delivery, at most 64 s.
fn retry_delay(delivered: u32) -> Duration {
    Duration::from_secs(1u64 << delivered.saturating_sub(1).min(6))
}

/// Runs one batch.
async fn handle(p: &Poller, batch: Vec<jetstream::Message>, stopped: &mut watch::Receiver<bool>) {
    let now = time::OffsetDateTime::now_utc();
    let mut live = Vec::new();
    let mut expired = Vec::new();
    for m in batch {
        let meta = meta(&m);
        let r = record(p, &m, &meta);
        let too_old = p
            .mapping
            .max_record_age
            .is_some_and(|age| (now - meta.published).whole_seconds() > age.as_secs() as i64);
        if too_old {
            expired.push((m, meta, r));
            continue;
        }
        let data = String::from_utf8_lossy(&m.payload).into_owned();
        if passes(&p.mapping.filters, &r, "data", &data) {
            live.push((m, meta, r));
        } else {
            let _ = m.ack().await;
        }
    }
    if !expired.is_empty() {
        end(p, expired, "RecordAgeExceeded", "$LATEST", None).await;
    }
    if live.is_empty() {
        return;
    }
    let payload = Bytes::from(
        json!({"Records": live.iter().map(|(_, _, r)| r).collect::<Vec<_>>()}).to_string(),
    );
    let outcome = {
        let invoke = invoke_in_place(p, payload.clone(), stopped);
        tokio::pin!(invoke);
        let mut tick = tokio::time::interval(PROGRESS);
        tick.tick().await;
        loop {
            tokio::select! {
                o = &mut invoke => break o,
                _ = tick.tick() => for (m, _, _) in &live {
                    let _ = m.ack_with(AckKind::Progress).await;
                },
            }
        }
    };
    let Some(outcome) = outcome else {
        // Stopped while throttled: the records come again (now, to the next poller).
        for (m, _, _) in &live {
            let _ = m.ack_with(AckKind::Nak(None)).await;
        }
        return;
    };
    let (failed, version, error): (HashSet<u64>, String, Option<Bytes>) = match outcome {
        Invoked::Ok { body, version } => {
            let ids: Vec<String> = live
                .iter()
                .map(|(_, m, _)| m.sequence.to_string())
                .collect();
            let failed = if p.mapping.report_item_failures {
                match item_failures(&body, &ids.iter().map(String::as_str).collect()) {
                    ItemFailures::None => HashSet::new(),
                    ItemFailures::Some(f) => f.iter().filter_map(|s| s.parse().ok()).collect(),
                    ItemFailures::All => live.iter().map(|(_, m, _)| m.sequence).collect(),
                }
            } else {
                HashSet::new()
            };
            (failed, version, None)
        }
        Invoked::FunctionError { body, version } => (
            live.iter().map(|(_, m, _)| m.sequence).collect(),
            version,
            Some(body),
        ),
        Invoked::Throttled(why) | Invoked::Unavailable(why) => {
            let problem = format!("PROBLEM: {why}");
            p.host.processed(&p.mapping, &problem);
            for (m, _, _) in &live {
                let _ = m.ack_with(AckKind::Nak(Some(Duration::from_secs(5)))).await;
            }
            return;
        }
    };
    p.host.processed(
        &p.mapping,
        if failed.is_empty() {
            "OK"
        } else {
            "PROBLEM: Function call failed"
        },
    );
    let mut exhausted = Vec::new();
    for (m, meta, r) in live {
        if !failed.contains(&meta.sequence) {
            if let Err(e) = m.double_ack().await {
                tracing::warn!(
                    "event source mapping {}: ack of sequence {}: {e}; it may be delivered again",
                    p.mapping.uuid,
                    meta.sequence
                );
            }
        } else if p
            .mapping
            .max_retries
            .is_some_and(|max| meta.delivered > max)
        {
            exhausted.push((m, meta, r));
        } else {
            let _ = m
                .ack_with(AckKind::Nak(Some(retry_delay(meta.delivered))))
                .await;
        }
    }
    if !exhausted.is_empty() {
        end(p, exhausted, "RetryAttemptsExhausted", &version, error).await;
    }
}

/// Invokes, retrying in place while throttled (until stopped: `None`).
async fn invoke_in_place(
    p: &Poller,
    payload: Bytes,
    stopped: &mut watch::Receiver<bool>,
) -> Option<Invoked> {
    let mut backoff = Duration::from_millis(100);
    let mut throttles = 0;
    loop {
        match p.host.invoke(&p.mapping, payload.clone()).await {
            Invoked::Throttled(why) if throttles < 200 => {
                throttles += 1;
                tracing::debug!("event source mapping {}: throttled: {why}", p.mapping.uuid);
                if pause(stopped, backoff).await {
                    return None;
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            other => return Some(other),
        }
    }
}

/// Ends records for good: their batch's record goes to the `OnFailure` destination (when the mapping has
/// one, and before they are terminated: if it cannot be delivered they come again), then `Term`.
async fn end(
    p: &Poller,
    records: Vec<(jetstream::Message, Meta, Value)>,
    condition: &str,
    version: &str,
    error: Option<Bytes>,
) {
    let Source::Nats { arn, stream, .. } = &p.mapping.source else {
        return;
    };
    let first = &records[0].1;
    let last = &records[records.len() - 1].1;
    tracing::warn!(
        "event source mapping {}: {} record(s) of {stream} (sequences {}..={}) ended: {condition}",
        p.mapping.uuid,
        records.len(),
        first.sequence,
        last.sequence
    );
    if p.mapping.on_failure.is_some() {
        let mut response = json!({"statusCode": 200, "executedVersion": version});
        if error.is_some() {
            response["functionError"] = json!("Unhandled");
        }
        let rec = json!({
            "requestContext": {
                "requestId": uuid::Uuid::new_v4().to_string(),
                "functionArn": p.mapping.function_arn,
                "condition": condition,
                "approximateInvokeCount": last.delivered,
            },
            "responseContext": response,
            "version": "1.0",
            "timestamp": iso(time::OffsetDateTime::now_utc()),
            "NATSBatchInfo": {
                "stream": stream,
                "streamArn": arn,
                "consumer": consumer_name(&p.mapping.uuid),
                "startSequence": first.sequence,
                "endSequence": last.sequence,
                "approximateArrivalOfFirstRecord": iso(first.published),
                "approximateArrivalOfLastRecord": iso(last.published),
                "batchSize": records.len(),
            },
            "payload": json!({"Records": records.iter().map(|(_, _, r)| r).collect::<Vec<_>>()}).to_string(),
        });
        if let Err(e) = p.host.on_failure(&p.mapping, rec).await {
            tracing::warn!(
                "event source mapping {}: cannot hand the failed records to the OnFailure destination ({e}); they come again",
                p.mapping.uuid
            );
            for (m, meta, _) in &records {
                let _ = m
                    .ack_with(AckKind::Nak(Some(retry_delay(meta.delivered))))
                    .await;
            }
            return;
        }
    }
    for (m, _, _) in records {
        let _ = m.double_ack_with(AckKind::Term).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_to_a_minute() {
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(2), Duration::from_secs(2));
        assert_eq!(retry_delay(4), Duration::from_secs(8));
        assert_eq!(retry_delay(40), Duration::from_secs(64));
    }
}
