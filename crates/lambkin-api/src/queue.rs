//! Durable asynchronous invocation (`Event`, `InvokeAsync`): an event is committed to the store before `202`
//! is returned, then delivered at least once — also across a `kill -9` and restart — with Lambda's retries,
//! destinations and a dead-letter list.
//!
//! Commits are grouped: events that arrive while a commit is in flight go together in the next transaction,
//! so one `fsync` serves many callers; finished events are deleted in groups the same way. The store is the
//! record; the schedule of what to deliver when is kept in memory (`schedule.rs`: filled from the store at
//! startup, then by every commit and reschedule), so delivery never rescans the table. After a crash every
//! event still in the store is due again: at least once, never lost.
//!
//! A destination record is itself a queued event (of the destination function), written in the same atomic
//! batch that settles the event it reports on (its deletion, its dead letter): it exists in the store exactly
//! when the original is gone, and is then delivered like any event — retried after throttles and start
//! failures, again after a restart. A record for a destination that is not a function (SQS, SNS, EventBridge,
//! S3) and a dead letter for the function's `DeadLetterConfig` queue or topic are queued events the same way,
//! marked `outbound` and delivered through `lambkin-destinations` (in a lane of their destination): retried
//! with backoff while the service fails for a reason that can pass, for up to 6 hours; a delivery that cannot
//! succeed is logged as an error and kept in the function's dead letters — never dropped silently.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use lambkin_store::Op;
use serde_json::json;
use tokio::sync::mpsc;

use crate::invoke::{self, Call, Refused, Target};
use crate::model::EventInvokeConfig;
use crate::names::Arns;
use crate::records::events::{self, QueuedEvent};
use crate::records::per_qualifier;
use crate::schedule::{Next, Pending, MAX_IN_FLIGHT, MAX_IN_FLIGHT_PER_FUNCTION};
use crate::service::Service;
use crate::time_fmt::now_ms;
use crate::{records, time_fmt};

/// The settings an event is delivered with.
#[derive(Debug, Clone)]
struct Effective {
    /// Retries after a function error.
    max_retries: u32,
    /// Oldest event delivered.
    max_age_secs: u32,
    /// Function ARN for successes.
    on_success: Option<String>,
    /// Function ARN for failures.
    on_failure: Option<String>,
}

/// The configuration an async event of `function[:qualifier]` is delivered with (Lambda's defaults: 2
/// retries, 6 hours).
fn effective(
    service: &Service,
    region: &str,
    function: &str,
    qualifier: Option<&str>,
) -> Effective {
    let q = qualifier.unwrap_or("$LATEST");
    let cfg = per_qualifier::get::<EventInvokeConfig>(&service.store, region, function, q)
        .ok()
        .flatten();
    Effective {
        max_retries: cfg
            .as_ref()
            .and_then(|c| c.maximum_retry_attempts)
            .unwrap_or(2),
        max_age_secs: cfg
            .as_ref()
            .and_then(|c| c.maximum_event_age_in_seconds)
            .unwrap_or(21_600),
        on_success: cfg
            .as_ref()
            .and_then(|c| c.destination_config.on_success.destination.clone()),
        on_failure: cfg.and_then(|c| c.destination_config.on_failure.destination),
    }
}

/// The `DeadLetterConfig.TargetArn` of the version an event runs (read only when an event ends for good).
fn dead_letter_target(service: &Service, ev: &QueuedEvent) -> Option<String> {
    let arns = Arns {
        region: ev.region.clone(),
        account: ev.account.clone(),
    };
    crate::resolve::resolve(service, &arns, &ev.function, ev.qualifier.as_deref())
        .ok()?
        .version
        .config
        .dead_letter_config?
        .target_arn
        .filter(|t| !t.is_empty())
}

/// Fills the schedule from the store, then starts the committer, the deleter and the delivery loop.
pub fn start(service: Arc<Service>) {
    match events::all(&service.store) {
        Ok(rows) => {
            let n = rows.len();
            for (key, ev) in rows {
                match ev {
                    Ok(ev) => service.queue.schedule.insert(key, ev),
                    Err(e) => tracing::warn!("dropping an unreadable queued event {key}: {e}"),
                }
            }
            if n > 0 {
                tracing::info!("{n} queued asynchronous event(s) to deliver");
            }
        }
        Err(e) => tracing::error!("reading the event queue: {e}"),
    }
    if let Some(rx) = take(&service.queue.rx) {
        tokio::spawn(committer(service.clone(), rx));
    }
    if let Some(done) = take(&service.queue.done_rx) {
        tokio::spawn(deleter(service.clone(), done));
    }
    tokio::spawn(deliver_loop(service));
}

/// What a start-once slot holds, taken (a poisoned lock still gives it up).
fn take<T>(slot: &std::sync::Mutex<Option<T>>) -> Option<T> {
    slot.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// `first` and what else is ready (`ready`), at most 4,096 in all.
fn batch<T>(first: T, mut ready: impl FnMut() -> Option<T>) -> Vec<T> {
    let mut batch = vec![first];
    while batch.len() < 4096 {
        match ready() {
            Some(next) => batch.push(next),
            None => break,
        }
    }
    batch
}

async fn committer(service: Arc<Service>, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let batch = batch(first, || rx.try_recv().ok());
        let ops: Result<Vec<Op>, _> = batch.iter().map(|(e, _)| events::put(e)).collect();
        let store = service.store.clone();
        let result = match ops {
            Ok(ops) => tokio::task::spawn_blocking(move || records::apply(&store, ops))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string())),
            Err(e) => Err(e.to_string()),
        };
        for (ev, reply) in batch {
            if result.is_ok() {
                service.queue.schedule.insert(ev.key(), ev);
            }
            let _ = reply.send(result.clone());
        }
    }
}

/// Applies finished events' store changes in groups (one transaction for all that are ready).
async fn deleter(service: Arc<Service>, mut rx: mpsc::UnboundedReceiver<Op>) {
    while let Some(first) = rx.recv().await {
        let ops = batch(first, || rx.try_recv().ok());
        let store = service.store.clone();
        let result = tokio::task::spawn_blocking(move || records::apply(&store, ops)).await;
        if let Ok(Err(e)) = result {
            tracing::error!("removing delivered events: {e}");
        }
    }
}

/// Gives a delivery's place in the schedule back when it ends, however it ends.
struct Finish<'a>(&'a Service, String);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.queue.schedule.finish(&self.1);
    }
}

async fn deliver_loop(service: Arc<Service>) {
    let schedule = &service.queue.schedule;
    loop {
        let woken = schedule.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let now = now_ms();
        match schedule.next(now, MAX_IN_FLIGHT, MAX_IN_FLIGHT_PER_FUNCTION) {
            Next::Deliver(lease) => {
                let service = service.clone();
                tokio::spawn(async move {
                    let crate::schedule::Lease { key, event, lane } = *lease;
                    let _finish = Finish(&service, lane);
                    deliver(&service, key, event).await;
                });
            }
            Next::Wait(until) => {
                let wait = until
                    .map(|d| Duration::from_millis(d.saturating_sub(now)))
                    .unwrap_or(Duration::from_secs(1))
                    .min(Duration::from_secs(1));
                let _ = tokio::time::timeout(wait, woken).await;
            }
        }
    }
}

/// What one delivery attempt came to.
enum Outcome {
    Success(Bytes, String),
    FunctionError(Bytes, String),
    Deferred,
    Gone,
}

fn scaled(service: &Service, d: Duration) -> Duration {
    d.mul_f64(service.config.async_delay_scale)
}

/// One delivery attempt, through the one invoke path.
async fn attempt(service: &Arc<Service>, ev: &QueuedEvent) -> Outcome {
    service.metrics.async_event_age(
        &ev.region,
        &ev.function,
        now_ms().saturating_sub(ev.enqueued_ms) as f64 / 1000.0,
    );
    let arns = Arns {
        region: ev.region.clone(),
        account: ev.account.clone(),
    };
    // Each attempt is an invocation span of its own under the caller's span the event kept.
    let trace = crate::traces::enter(service, None, None, ev.trace_id.as_deref());
    let call = Call {
        request_id: ev.id.clone(),
        payload: ev.payload_bytes().into(),
        client_context: ev.client_context.clone(),
        trace_id: crate::traces::function_header(trace.as_ref(), ev.trace_id.as_deref()),
        tenant_id: None,
        invoked_function_arn: match &ev.qualifier {
            Some(q) => arns.qualified(&ev.function, q),
            None => arns.function(&ev.function),
        },
        trigger: crate::observe::Trigger::PubSub,
        received: Some(crate::time_fmt::from_unix_ms(ev.enqueued_ms)),
        trace,
    };
    let target = Target {
        arns: &arns,
        function: &ev.function,
        qualifier: ev.qualifier.as_deref(),
        incarnation: ev.incarnation.as_deref(),
    };
    // A durable function (a destination, say): the event starts an execution, which takes it from there.
    let started =
        crate::durable::start_for(service, &target, &call.payload, false, Some(&ev.id)).await;
    if let Some(started) = started {
        return match started {
            Ok(e) => Outcome::Success(Bytes::new(), e.version),
            Err(e) => {
                let body = json!({"errorType": e.error_type, "errorMessage": e.message});
                let version = ev.qualifier.clone().unwrap_or_else(|| "$LATEST".into());
                Outcome::FunctionError(Bytes::from(body.to_string()), version)
            }
        };
    }
    match invoke::run(service, target, call).await {
        Ok(running) => {
            let version = running.version().to_owned();
            let answer = running.collect().await;
            if answer.failed {
                Outcome::FunctionError(answer.body, version)
            } else {
                Outcome::Success(answer.body, version)
            }
        }
        // Gone, or accepted for a function since deleted (this one only has its name).
        Err(Refused::NotFound(_) | Refused::Replaced) => Outcome::Gone,
        Err(Refused::Runtime { error, version }) => {
            let body = json!({"errorType": "Runtime.Unavailable", "errorMessage": error.message});
            Outcome::FunctionError(Bytes::from(body.to_string()), version)
        }
        // The store failed, or the code is missing: try again later rather than drop the event.
        Err(Refused::Unresolved(e) | Refused::Spec(e)) => {
            tracing::warn!(
                "async event {} of {} deferred: {}",
                ev.id,
                ev.function,
                e.message
            );
            Outcome::Deferred
        }
        Err(Refused::Engine(e)) => {
            tracing::debug!("async event {} of {} deferred: {e}", ev.id, ev.function);
            Outcome::Deferred
        }
    }
}

fn as_json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// The record Lambda sends to destinations (and lambkin keeps as a dead letter).
fn record(
    ev: &QueuedEvent,
    condition: &str,
    version: &str,
    response: Option<(&[u8], bool)>,
) -> serde_json::Value {
    let arns = Arns {
        region: ev.region.clone(),
        account: ev.account.clone(),
    };
    let payload = ev.payload_bytes();
    let mut r = json!({
        "version": "1.0",
        "timestamp": time_fmt::iso_now(),
        "requestContext": {
            "requestId": ev.id,
            "functionArn": arns.qualified(&ev.function, ev.qualifier.as_deref().unwrap_or(version)),
            "condition": condition,
            "approximateInvokeCount": ev.attempts,
        },
        "requestPayload": as_json(&payload),
    });
    if let Some((body, failed)) = response {
        let mut ctx = json!({"statusCode": 200, "executedVersion": version});
        if failed {
            ctx["functionError"] = json!("Unhandled");
        }
        r["responseContext"] = ctx;
        r["responsePayload"] = as_json(body);
    }
    r
}

/// The source function's ARN (qualified as it was invoked) an event reports on.
fn function_arn(ev: &QueuedEvent, version: &str) -> String {
    let arns = Arns {
        region: ev.region.clone(),
        account: ev.account.clone(),
    };
    arns.qualified(&ev.function, ev.qualifier.as_deref().unwrap_or(version))
}

/// A queued delivery of `payload` to a destination that is not a function.
pub(crate) fn outbound_event(
    ev: &QueuedEvent,
    outbound: crate::records::events::Outbound,
    payload: &[u8],
) -> QueuedEvent {
    QueuedEvent {
        outbound: Some(outbound),
        ..QueuedEvent::new(
            &ev.region,
            &ev.account,
            &ev.function,
            ev.qualifier.as_deref(),
            payload,
        )
    }
}

/// The destination's queued event carrying `rec`: an event of the destination function, or a delivery to a
/// queue, topic, bus or bucket.
fn destination_event(
    ev: &QueuedEvent,
    destination: &str,
    rec: &serde_json::Value,
) -> Option<QueuedEvent> {
    if destination.split(':').nth(2) != Some("lambda") {
        let success = rec["requestContext"]["condition"] == "Success";
        let outbound = crate::records::events::Outbound {
            target: destination.to_owned(),
            function_arn: rec["requestContext"]["functionArn"]
                .as_str()
                .map_or_else(|| function_arn(ev, "$LATEST"), str::to_owned),
            request_id: ev.id.clone(),
            success: Some(success),
            error: None,
            mapping: None,
        };
        return Some(outbound_event(ev, outbound, rec.to_string().as_bytes()));
    }
    let Ok(dest) = crate::names::parse_function(destination, &ev.account) else {
        tracing::warn!(
            "destination {destination} of {} is not a function",
            ev.function
        );
        return None;
    };
    Some(QueuedEvent {
        hops: ev.hops + 1,
        ..QueuedEvent::new(
            &ev.region,
            &ev.account,
            &dest.name,
            dest.qualifier.as_deref(),
            rec.to_string().as_bytes(),
        )
    })
}

/// The dead letter of an event for its function's `DeadLetterConfig` target: the event as it came, with
/// Lambda's `RequestID`, `ErrorCode` and `ErrorMessage` attributes (the error's first kilobyte).
fn dead_letter_event(
    ev: &QueuedEvent,
    target: &str,
    version: &str,
    error: Option<&[u8]>,
) -> QueuedEvent {
    let payload = ev.payload_bytes();
    let message = match error {
        Some(body) => {
            let v = as_json(body);
            let text = v["errorMessage"]
                .as_str()
                .map_or_else(|| String::from_utf8_lossy(body).into_owned(), str::to_owned);
            let mut end = text.len().min(1024);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_owned()
        }
        None => "Event age exceeded".to_owned(),
    };
    let outbound = crate::records::events::Outbound {
        target: target.to_owned(),
        function_arn: function_arn(ev, version),
        request_id: ev.id.clone(),
        success: None,
        error: Some(("200".to_owned(), message)),
        mapping: None,
    };
    outbound_event(ev, outbound, &payload)
}

/// Applies the batch that settles an event (with the destination record it writes, if any), retrying while
/// the store fails; then schedules the destination record. If the store keeps failing the event stays in it
/// and is delivered again after a restart (at least once).
async fn settle(service: &Service, ops: Vec<Op>, follow_up: Vec<QueuedEvent>, what: &str) {
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=10 {
        let store = service.store.clone();
        let batch = ops.clone();
        match tokio::task::spawn_blocking(move || records::apply(&store, batch)).await {
            Ok(Ok(())) => {
                for f in follow_up {
                    service.queue.schedule.insert(f.key(), f);
                }
                return;
            }
            Ok(Err(e)) => tracing::warn!("settling {what} (attempt {attempt}): {e}"),
            Err(e) => tracing::warn!("settling {what} (attempt {attempt}): {e}"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
    tracing::error!("cannot settle {what}: it stays queued and is delivered again after a restart");
}

/// What becomes of an event after its turn (`judge`), carried out on the store (`settle_local`) or, in a
/// cluster, on the event stream (`clusterqueue.rs`).
pub(crate) enum Verdict {
    /// Delivered, or nothing is left to deliver it to: it goes, with the `OnSuccess` record, if any.
    Done(Option<QueuedEvent>),
    /// Ended for good: its dead letter `rec`, and what it sends on: its `OnFailure` record and its dead
    /// letter for the `DeadLetterConfig` target, if any.
    Ended {
        ev: Box<QueuedEvent>,
        rec: serde_json::Value,
        follow_up: Vec<QueuedEvent>,
    },
    /// A function error with retries left: runs again at its `due_ms`.
    Retry(QueuedEvent),
    /// Throttled, or its environment could not start: tried again at its `due_ms`.
    Deferred(QueuedEvent),
}

/// Counts a deferral (a throttle, a start failure, a delivery that can succeed later) and sets the event due
/// after a backoff that doubles with each, from 2 s up to 5 minutes (scaled); the backoff, unscaled.
fn defer(service: &Service, ev: &mut QueuedEvent) -> Duration {
    ev.deferrals += 1;
    let backoff = Duration::from_secs(1 << ev.deferrals.min(8)).min(Duration::from_secs(300));
    ev.due_ms = now_ms() + scaled(service, backoff).as_millis() as u64;
    backoff
}

/// One turn of an event: Lambda's loop detection, maximum age, the invoke, and retries.
pub(crate) async fn judge(service: &Arc<Service>, mut ev: QueuedEvent) -> Verdict {
    if ev.outbound.is_some() {
        return deliver_outbound(service, ev).await;
    }
    let cfg = effective(service, &ev.region, &ev.function, ev.qualifier.as_deref());
    if stopped_as_loop(service, &ev) {
        return stop_loop(ev, &cfg);
    }
    let age_ms = now_ms().saturating_sub(ev.enqueued_ms);
    if age_ms > u64::from(cfg.max_age_secs) * 1000 {
        return ended(service, ev, "EventAgeExceeded", "$LATEST", None, &cfg);
    }
    match attempt(service, &ev).await {
        Outcome::Gone => {
            tracing::info!(
                "dropping async event {}: {} no longer exists",
                ev.id,
                ev.function
            );
            Verdict::Done(None)
        }
        Outcome::Success(body, version) => {
            ev.attempts += 1;
            Verdict::Done(cfg.on_success.as_deref().and_then(|dest| {
                destination_event(
                    &ev,
                    dest,
                    &record(&ev, "Success", &version, Some((&body, false))),
                )
            }))
        }
        Outcome::FunctionError(body, version) => {
            ev.attempts += 1;
            if ev.attempts > cfg.max_retries {
                ended(service, ev, "RetriesExhausted", &version, Some(&body), &cfg)
            } else {
                // Lambda waits one minute before the first retry and two before the second.
                let delay = scaled(service, Duration::from_secs(60 * u64::from(ev.attempts)));
                ev.due_ms = now_ms() + delay.as_millis() as u64;
                Verdict::Retry(ev)
            }
        }
        Outcome::Deferred => {
            defer(service, &mut ev);
            Verdict::Deferred(ev)
        }
    }
}

async fn deliver(service: &Arc<Service>, key: String, ev: QueuedEvent) {
    let verdict = judge(service, ev).await;
    settle_local(service, &key, verdict).await;
}

/// Carries a verdict out on the store: the event's row goes, or moves, with what it writes, in one batch.
async fn settle_local(service: &Service, key: &str, verdict: Verdict) {
    match verdict {
        Verdict::Done(None) => {
            let _ = service.queue.done_tx.send(events::delete(key));
        }
        Verdict::Done(Some(rec)) => match events::put(&rec) {
            Ok(put) => {
                let what = format!("async event {key} (its destination record)");
                settle(service, vec![put, events::delete(key)], vec![rec], &what).await;
            }
            Err(e) => {
                tracing::warn!("cannot write the destination record of {key}: {e}");
                let _ = service.queue.done_tx.send(events::delete(key));
            }
        },
        Verdict::Ended { ev, rec, follow_up } => {
            let ops = final_ops(key, &ev, &follow_up, &rec);
            let what = format!("async event {} (ended)", ev.id);
            settle(service, ops, follow_up, &what).await;
        }
        Verdict::Retry(ev) => reschedule(service, key, ev).await,
        Verdict::Deferred(ev) => {
            // The function's other events wait too, and nothing is rewritten — the store keeps the event as
            // it was, due again after a restart.
            service
                .queue
                .schedule
                .hold(&crate::schedule::lane_of(&ev), ev.due_ms);
            service.queue.schedule.insert(key.to_owned(), ev);
        }
    }
}

/// Invocations one chain of events may make before Lambda's recursive loop detection stops the next.
pub(crate) const MAX_CHAIN: u32 = 16;

/// Whether Lambda's recursive loop detection stops this event: its chain of destination records already
/// invoked functions 16 times, and its function's setting is not `Allow`.
fn stopped_as_loop(service: &Service, ev: &QueuedEvent) -> bool {
    ev.hops >= MAX_CHAIN
        && records::settings::recursive_loop(&service.store, &ev.region, &ev.function)
            .map(|mode| mode != "Allow")
            .unwrap_or(true)
}

/// Stops an event of a recursive loop, as Lambda does: not invoked; its record goes to the dead letters and
/// to the `OnFailure` destination, if one is configured (as the start of a chain of its own, unless it is
/// itself such a record); and the log says so.
fn stop_loop(ev: QueuedEvent, cfg: &Effective) -> Verdict {
    tracing::warn!(
        "recursive loop detected: {} was invoked {MAX_CHAIN} times by one chain of events; async event {} is \
         stopped, not delivered (PutFunctionRecursionConfig RecursiveLoop=Allow lets such chains continue)",
        ev.function,
        ev.id
    );
    let rec = record(&ev, "RecursiveInvocationException", "$LATEST", None);
    let follow_up = cfg
        .on_failure
        .as_deref()
        .filter(|_| !ev.after_stop)
        .and_then(|dest| destination_event(&ev, dest, &rec))
        .map(|f| QueuedEvent {
            hops: 0,
            after_stop: true,
            ..f
        });
    Verdict::Ended {
        ev: Box::new(ev),
        rec,
        follow_up: follow_up.into_iter().collect(),
    }
}

/// The batch that ends an event for good: its `OnFailure` record (if any), its dead letter and its deletion.
fn final_ops(
    key: &str,
    ev: &QueuedEvent,
    follow_up: &[QueuedEvent],
    rec: &serde_json::Value,
) -> Vec<lambkin_store::Op> {
    let mut ops = Vec::new();
    for f in follow_up {
        match events::put(f) {
            Ok(put) => ops.push(put),
            Err(e) => tracing::warn!("cannot write the OnFailure record of {}: {e}", ev.id),
        }
    }
    match events::put_dead_letter(ev, now_ms(), rec) {
        Ok(put) => ops.push(put),
        Err(e) => tracing::warn!("cannot write the dead letter of {}: {e}", ev.id),
    }
    ops.push(events::delete(key));
    ops
}

/// Moves an event to its retry time (one batch: the old key goes, the new one comes).
async fn reschedule(service: &Service, key: &str, ev: QueuedEvent) {
    let put = match events::put(&ev) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("cannot requeue {}: {e}", ev.id);
            return;
        }
    };
    let store = service.store.clone();
    let ops = vec![events::delete(key), put];
    match tokio::task::spawn_blocking(move || records::apply(&store, ops)).await {
        Ok(Ok(())) => service.queue.schedule.insert(ev.key(), ev),
        Ok(Err(e)) => tracing::error!("cannot requeue {}: {e}", ev.id),
        Err(e) => tracing::error!("cannot requeue {}: {e}", ev.id),
    }
}

/// The final failure of an event: its dead letter, and its record to the `OnFailure` destination.
fn ended(
    service: &Service,
    ev: QueuedEvent,
    condition: &str,
    version: &str,
    body: Option<&[u8]>,
    cfg: &Effective,
) -> Verdict {
    let rec = record(&ev, condition, version, body.map(|b| (b, true)));
    let mut follow_up: Vec<QueuedEvent> = cfg
        .on_failure
        .as_deref()
        .and_then(|dest| destination_event(&ev, dest, &rec))
        .into_iter()
        .collect();
    if let Some(target) = dead_letter_target(service, &ev) {
        follow_up.push(dead_letter_event(&ev, &target, version, body));
    }
    service
        .metrics
        .async_dropped(&ev.region, &ev.function, condition);
    tracing::info!(
        "async event {} of {} failed: {condition}",
        ev.id,
        ev.function
    );
    Verdict::Ended {
        ev: Box::new(ev),
        rec,
        follow_up,
    }
}

/// How long a delivery to a destination is retried while it fails for a reason that can pass.
const OUTBOUND_MAX_AGE_MS: u64 = 6 * 3600 * 1000;

/// One turn of an outbound delivery: sent, retried later, or ended as a dead letter of its function.
async fn deliver_outbound(service: &Service, mut ev: QueuedEvent) -> Verdict {
    let Some(out) = ev.outbound.clone() else {
        return Verdict::Done(None);
    };
    let payload = ev.payload_bytes();
    let result = match lambkin_destinations::Target::parse(&out.target) {
        None => Err(lambkin_destinations::SendError {
            permanent: true,
            message: format!(
                "{} is not a destination lambkin delivers to (an SQS queue, SNS topic, EventBridge bus or S3 bucket)",
                out.target
            ),
        }),
        Some(target) => {
            let delivery = match (&out.success, &out.error) {
                (_, Some((code, message))) => lambkin_destinations::Delivery::DeadLetter {
                    payload: payload.clone().into(),
                    request_id: out.request_id.clone(),
                    error_code: code.clone(),
                    error_message: message.clone(),
                },
                (success, None) => lambkin_destinations::Delivery::Record {
                    record: as_json(&payload),
                    success: success.unwrap_or(false),
                    function_arn: out.function_arn.clone(),
                    request_id: out.request_id.clone(),
                    origin: match &out.mapping {
                        Some((uuid, shard)) => lambkin_destinations::Origin::EventSourceMapping {
                            uuid: uuid.clone(),
                            shard: shard.clone(),
                        },
                        None => lambkin_destinations::Origin::Async,
                    },
                },
            };
            service.destinations.send(&target, &delivery).await
        }
    };
    let what = if out.error.is_some() {
        "dead letter"
    } else {
        "destination record"
    };
    match result {
        Ok(()) => {
            tracing::debug!("{what} of {} delivered to {}", out.request_id, out.target);
            Verdict::Done(None)
        }
        Err(e) if !e.permanent && now_ms().saturating_sub(ev.enqueued_ms) < OUTBOUND_MAX_AGE_MS => {
            crate::observe::delivery_failed(service, &ev.region, &ev.function, out.error.is_some());
            let backoff = defer(service, &mut ev);
            tracing::warn!(
                "cannot deliver the {what} of {} ({}) to {}: {e}; trying again in {} s",
                out.request_id,
                out.function_arn,
                out.target,
                backoff.as_secs()
            );
            Verdict::Deferred(ev)
        }
        Err(e) => {
            crate::observe::delivery_failed(service, &ev.region, &ev.function, out.error.is_some());
            tracing::error!(
                "the {what} of {} ({}) cannot be delivered to {}: {e}; it is kept in the function's dead letters",
                out.request_id,
                out.function_arn,
                out.target
            );
            let rec = serde_json::json!({
                "undeliverable": what,
                "destination": out.target,
                "error": e.message,
                "requestId": out.request_id,
                "payload": as_json(&payload),
            });
            Verdict::Ended {
                ev: Box::new(ev),
                rec,
                follow_up: Vec::new(),
            }
        }
    }
}
