//! Amazon SQS (and SQS-compatible servers) as Lambda polls it: long polls of up to 10 messages gathered into
//! a batch (`BatchSize`, `MaximumBatchingWindowInSeconds`, at most 6 MB of payload), Lambda's SQS event,
//! messages deleted when the function succeeded with them (all, or all but those it reported in
//! `batchItemFailures`), and left alone otherwise: they come back after the queue's visibility timeout and
//! its redrive policy moves them to its dead-letter queue after `maxReceiveCount` receives. Messages the
//! mapping's filters reject are deleted without invoking. Pollers scale from one up to the mapping's
//! `MaximumConcurrency` while batches come back full, and back down while the queue is empty. FIFO order is
//! the queue's: SQS gives no message of a group while another of it is in flight.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
};
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use tokio::sync::{watch, OnceCell};

use crate::batch::{item_failures, passes, ItemFailures};
use crate::{pause, stopping, Clients as Shared, Host, Invoked, Mapping, Source};

/// Lambda's limit on an invoke's payload: a batch stops growing before it.
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;
/// Longest long poll SQS allows.
const LONG_POLL_SECS: i32 = 20;

/// SQS clients, one per region, from one SDK configuration loaded on first need.
#[derive(Default)]
pub(crate) struct Clients {
    sdk: OnceCell<lambkin_awssdk::SdkConfig>,
    by_region: Mutex<HashMap<String, aws_sdk_sqs::Client>>,
}

impl Clients {
    async fn get(&self, region: &str) -> aws_sdk_sqs::Client {
        let sdk = self
            .sdk
            .get_or_init(|| async {
                // A long poll lasts up to 20 s: the read timeout leaves room for it.
                lambkin_awssdk::load(&lambkin_awssdk::Settings {
                    read_timeout: Duration::from_secs(30),
                    max_attempts: 3,
                    ..Default::default()
                })
                .await
            })
            .await;
        let mut by_region = self.by_region.lock().unwrap_or_else(|p| p.into_inner());
        by_region
            .entry(region.to_owned())
            .or_insert_with(|| {
                let conf = aws_sdk_sqs::config::Builder::from(sdk)
                    .region(lambkin_awssdk::Region::new(region.to_owned()))
                    .build();
                aws_sdk_sqs::Client::from_conf(conf)
            })
            .clone()
    }
}

/// A short description of an SDK error: the service's code and message when it answered.
fn describe<E>(e: &aws_sdk_sqs::error::SdkError<E>) -> String
where
    E: std::error::Error + aws_sdk_sqs::error::ProvideErrorMetadata + 'static,
{
    match e {
        aws_sdk_sqs::error::SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or("error");
            match s.err().message() {
                Some(m) => format!("{code}: {m}"),
                None => code.to_owned(),
            }
        }
        other => lambkin_awssdk::causes(other),
    }
}

/// One poller's shared state.
struct Poller {
    host: Arc<dyn Host>,
    client: aws_sdk_sqs::Client,
    mapping: Mapping,
    url: String,
    visibility: Duration,
    workers: AtomicUsize,
    region: String,
}

/// Runs a mapping's SQS poller until `stopped`.
pub(crate) async fn run(
    host: Arc<dyn Host>,
    clients: Arc<Shared>,
    mapping: Mapping,
    mut stopped: watch::Receiver<bool>,
) {
    let Source::Sqs {
        region,
        account,
        queue,
        ..
    } = &mapping.source
    else {
        return;
    };
    let client = clients.sqs.get(region).await;
    // The queue's URL and visibility timeout; retried while the queue cannot be reached.
    let mut backoff = Duration::from_secs(1);
    let (url, visibility) = loop {
        match locate(&client, queue, account).await {
            Ok(found) => break found,
            Err(e) => {
                let problem =
                    format!("PROBLEM: Error occurred while ReceiveMessage. SQS Error: {e}");
                tracing::warn!("event source mapping {}: {problem}", mapping.uuid);
                host.processed(&mapping, &problem);
                if pause(&mut stopped, backoff).await {
                    return;
                }
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    };
    tracing::info!(
        "event source mapping {}: polling {url} for {}",
        mapping.uuid,
        mapping.function_arn
    );
    let poller = Arc::new(Poller {
        host,
        client,
        region: region.clone(),
        mapping,
        url,
        visibility,
        workers: AtomicUsize::new(1),
    });
    let mut workers = tokio::task::JoinSet::new();
    let (grow_tx, mut grow_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    workers.spawn(worker(poller.clone(), stopped.clone(), grow_tx.clone()));
    loop {
        tokio::select! {
            Some(()) = grow_rx.recv() => {
                workers.spawn(worker(poller.clone(), stopped.clone(), grow_tx.clone()));
            }
            joined = workers.join_next() => match joined {
                Some(Err(e)) => tracing::warn!("event source mapping {}: poller failed: {e}", poller.mapping.uuid),
                Some(Ok(())) => {}
                None => return,
            },
        }
    }
}

/// Whether the queue can be read, in Lambda's words when it cannot (CreateEventSourceMapping's check).
pub(crate) async fn check(
    clients: &Shared,
    region: &str,
    queue: &str,
    account: &str,
) -> Result<(), String> {
    let client = clients.sqs.get(region).await;
    match client
        .get_queue_url()
        .queue_name(queue)
        .queue_owner_aws_account_id(account)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(aws_sdk_sqs::error::SdkError::ServiceError(e)) => {
            use aws_sdk_sqs::error::ProvideErrorMetadata;
            Err(format!(
                "Error occurred while ReceiveMessage. SQS Error Code: {}. SQS Error Message: {}",
                e.err().code().unwrap_or("Unknown"),
                e.err().message().unwrap_or("")
            ))
        }
        // No answer (no credentials, no route, a timeout): Lambda cannot check the queue either, and refuses.
        Err(e) => Err(format!(
            "Error occurred while ReceiveMessage. SQS Error Message: {}",
            describe(&e)
        )),
    }
}

/// The queue's URL and visibility timeout.
async fn locate(
    client: &aws_sdk_sqs::Client,
    queue: &str,
    account: &str,
) -> Result<(String, Duration), String> {
    let url = client
        .get_queue_url()
        .queue_name(queue)
        .queue_owner_aws_account_id(account)
        .send()
        .await
        .map_err(|e| describe(&e))?
        .queue_url
        .ok_or("GetQueueUrl answered no QueueUrl")?;
    let attrs = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::VisibilityTimeout)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let secs = attrs
        .attributes
        .as_ref()
        .and_then(|a| a.get(&QueueAttributeName::VisibilityTimeout))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(30);
    Ok((url, Duration::from_secs(secs)))
}

/// One worker: gathers a batch, runs it, again; asks for another worker while batches come back full, and
/// ends (all but the first) while the queue is empty.
async fn worker(
    p: Arc<Poller>,
    mut stopped: watch::Receiver<bool>,
    grow: tokio::sync::mpsc::UnboundedSender<()>,
) {
    let mut empty_polls = 0u32;
    loop {
        if *stopped.borrow() {
            break;
        }
        let batch = match gather(&p, &mut stopped).await {
            Ok(b) => b,
            Err(e) => {
                let problem =
                    format!("PROBLEM: Error occurred while ReceiveMessage. SQS Error: {e}");
                tracing::warn!("event source mapping {}: {problem}", p.mapping.uuid);
                p.host.processed(&p.mapping, &problem);
                if pause(&mut stopped, Duration::from_secs(5)).await {
                    break;
                }
                continue;
            }
        };
        if batch.is_empty() {
            empty_polls += 1;
            // Scale down: an extra worker whose long polls come back empty ends (never the last one).
            if empty_polls >= 2
                && p.workers
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                        n.checked_sub(1).filter(|m| *m >= 1)
                    })
                    .is_ok()
            {
                return;
            }
            continue;
        }
        empty_polls = 0;
        let full = batch.len() >= p.mapping.batch_size.min(10);
        if full
            && p.workers
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < p.mapping.max_concurrency).then_some(n + 1)
                })
                .is_ok()
            && grow.send(()).is_err()
        {
            p.workers.fetch_sub(1, Ordering::SeqCst);
        }
        handle(&p, batch, &mut stopped).await;
    }
    p.workers.fetch_sub(1, Ordering::SeqCst);
}

/// Receives messages until the batch is full, its payload nears 6 MB, or its window (from the first message)
/// ends; a long poll when nothing is held yet, and nothing when it comes back empty. Stopping ends the gathering
/// with what it holds.
async fn gather(p: &Poller, stopped: &mut watch::Receiver<bool>) -> Result<Vec<Message>, String> {
    let mut batch: Vec<Message> = Vec::new();
    let mut bytes = 0usize;
    let mut first: Option<Instant> = None;
    loop {
        let want = (p.mapping.batch_size - batch.len()).min(10) as i32;
        let wait = match first {
            None => LONG_POLL_SECS,
            Some(t) => {
                let left = p.mapping.window.saturating_sub(t.elapsed());
                if left.is_zero() {
                    return Ok(batch);
                }
                (left.as_secs_f64().ceil() as i32).clamp(1, LONG_POLL_SECS)
            }
        };
        let receive = p
            .client
            .receive_message()
            .queue_url(&p.url)
            .max_number_of_messages(want)
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send();
        let got = tokio::select! {
            r = receive => r.map_err(|e| describe(&e))?,
            _ = stopping(stopped) => return Ok(batch),
        };
        for m in got.messages.unwrap_or_default() {
            bytes += m.body.as_deref().map_or(0, str::len) + 1024;
            batch.push(m);
        }
        if batch.is_empty() {
            // An empty long poll: the worker decides whether it is one too many.
            return Ok(batch);
        }
        if first.is_none() {
            first = Some(Instant::now());
        }
        let window_over = first.is_some_and(|t| t.elapsed() >= p.mapping.window);
        if batch.len() >= p.mapping.batch_size || bytes >= MAX_PAYLOAD / 2 || window_over {
            return Ok(batch);
        }
    }
}

/// Lambda's SQS record of a message.
fn record(p: &Poller, m: &Message) -> Value {
    let mut attributes = Map::new();
    for (k, v) in m.attributes.iter().flatten() {
        attributes.insert(k.as_str().to_owned(), Value::String(v.clone()));
    }
    let mut message_attributes = Map::new();
    for (k, v) in m.message_attributes.iter().flatten() {
        let b64 = |b: &aws_sdk_sqs::primitives::Blob| {
            base64::engine::general_purpose::STANDARD.encode(b.as_ref())
        };
        let mut a = json!({
            "stringListValues": v.string_list_values.clone().unwrap_or_default(),
            "binaryListValues": v.binary_list_values.iter().flatten().map(b64).collect::<Vec<_>>(),
            "dataType": v.data_type.clone(),
        });
        if let Some(s) = &v.string_value {
            a["stringValue"] = json!(s);
        }
        if let Some(b) = &v.binary_value {
            a["binaryValue"] = json!(b64(b));
        }
        message_attributes.insert(k.clone(), a);
    }
    let mut r = json!({
        "messageId": m.message_id.clone().unwrap_or_default(),
        "receiptHandle": m.receipt_handle.clone().unwrap_or_default(),
        "body": m.body.clone().unwrap_or_default(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.md5_of_body.clone().unwrap_or_default(),
        "eventSource": "aws:sqs",
        "eventSourceARN": p.mapping.source.arn(),
        "awsRegion": p.region,
    });
    // Lambda's record carries it always: null for a message without attributes.
    r["md5OfMessageAttributes"] = json!(m.md5_of_message_attributes);
    r
}

/// Runs one batch: filters, invokes, deletes what succeeded.
async fn handle(p: &Poller, batch: Vec<Message>, stopped: &mut watch::Receiver<bool>) {
    let mut records = Vec::with_capacity(batch.len());
    let mut filtered = Vec::new();
    for m in &batch {
        let r = record(p, m);
        let body = m.body.as_deref().unwrap_or("");
        if passes(&p.mapping.filters, &r, "body", body) {
            records.push((m, r));
        } else {
            filtered.push(m);
        }
    }
    if !filtered.is_empty() {
        delete(p, &filtered).await;
    }
    if records.is_empty() {
        return;
    }
    let payload = Bytes::from(
        json!({"Records": records.iter().map(|(_, r)| r).collect::<Vec<_>>()}).to_string(),
    );
    let started = Instant::now();
    let mut backoff = Duration::from_millis(100);
    let outcome = loop {
        match p.host.invoke(&p.mapping, payload.clone()).await {
            Invoked::Throttled(why) if started.elapsed() + backoff < p.visibility => {
                tracing::debug!("event source mapping {}: throttled: {why}", p.mapping.uuid);
                if pause(stopped, backoff).await {
                    // Stopping: the messages come back after their visibility timeout.
                    return;
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            other => break other,
        }
    };
    match outcome {
        Invoked::Ok { body, .. } => {
            let done: Vec<&Message> = if p.mapping.report_item_failures {
                let ids: HashSet<&str> = records
                    .iter()
                    .filter_map(|(m, _)| m.message_id.as_deref())
                    .collect();
                match item_failures(&body, &ids) {
                    ItemFailures::None => records.iter().map(|(m, _)| *m).collect(),
                    ItemFailures::Some(failed) => records
                        .iter()
                        .filter(|(m, _)| !failed.contains(m.message_id.as_deref().unwrap_or("")))
                        .map(|(m, _)| *m)
                        .collect(),
                    ItemFailures::All => {
                        tracing::info!(
                            "event source mapping {}: the function's batchItemFailures is not valid; the whole batch failed",
                            p.mapping.uuid
                        );
                        Vec::new()
                    }
                }
            } else {
                records.iter().map(|(m, _)| *m).collect()
            };
            delete(p, &done).await;
            p.host.processed(&p.mapping, "OK");
        }
        Invoked::FunctionError { .. } => {
            tracing::info!(
                "event source mapping {}: {} failed a batch of {}; its messages return after the queue's visibility timeout",
                p.mapping.uuid,
                p.mapping.function_arn,
                records.len()
            );
            p.host
                .processed(&p.mapping, "PROBLEM: Function call failed");
        }
        Invoked::Throttled(why) | Invoked::Unavailable(why) => {
            tracing::warn!(
                "event source mapping {}: {} could not run a batch ({why}); its messages return after the queue's visibility timeout",
                p.mapping.uuid,
                p.mapping.function_arn
            );
            p.host.processed(&p.mapping, &format!("PROBLEM: {why}"));
            pause(stopped, Duration::from_secs(1)).await;
        }
    }
}

/// Deletes messages, 10 per request; a failed deletion is logged (the message comes back and is delivered
/// again: at least once).
async fn delete(p: &Poller, messages: &[&Message]) {
    for chunk in messages.chunks(10) {
        let entries: Vec<DeleteMessageBatchRequestEntry> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                    .build()
                    .ok()
            })
            .collect();
        match p
            .client
            .delete_message_batch()
            .queue_url(&p.url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(out) => {
                for f in out.failed {
                    tracing::warn!(
                        "event source mapping {}: cannot delete a message ({}: {}); it will be delivered again",
                        p.mapping.uuid,
                        f.code,
                        f.message.unwrap_or_default()
                    );
                }
            }
            Err(e) => tracing::warn!(
                "event source mapping {}: cannot delete {} message(s): {}; they will be delivered again",
                p.mapping.uuid,
                chunk.len(),
                describe(&e)
            ),
        }
    }
}
