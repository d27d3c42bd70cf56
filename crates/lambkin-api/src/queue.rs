//! Durable asynchronous invocation (`Event`, `InvokeAsync`): an event is committed to the store before `202`
//! is returned, then delivered at least once — also across a `kill -9` and restart — with Lambda's retries,
//! destinations and a dead-letter list.
//!
//! Commits are grouped: events that arrive while a commit is in flight go together in the next transaction,
//! so one `fsync` serves many callers; finished events are deleted in groups the same way. The store is the
//! record; the schedule of what to deliver when is kept in memory (filled from the store at startup, then
//! by every commit and reschedule), so delivery never rescans the table. After a crash every event still in
//! the store is due again: at least once, never lost.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use lambkin_engine::{EngineError, Invocation};
use lambkin_init::{InvokeRequest, ResponseFrame};
use lambkin_store::{Expect, Op};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{mpsc, oneshot, Notify, Semaphore};

use crate::eventconfig;
use crate::names::Arns;
use crate::{functions, time_fmt, Service};

/// Queued events, keyed `<due ms, 13 digits>/<request id>`.
pub(crate) const EVENTS: &str = "events";
/// Events that exhausted their retries or aged out, keyed `<region>/<function>/<ms>/<request id>`.
pub(crate) const DEAD_LETTERS: &str = "deadletters";

/// An event waiting for delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedEvent {
    /// Request id (answered with the `202`).
    pub id: String,
    /// Region of the function.
    pub region: String,
    /// Account.
    pub account: String,
    /// Function name.
    pub function: String,
    /// Qualifier it was invoked with.
    pub qualifier: Option<String>,
    /// The event, base64.
    pub payload: String,
    /// Decoded client context.
    pub client_context: Option<String>,
    /// Trace header.
    pub trace_id: Option<String>,
    /// When it was accepted, Unix ms.
    pub enqueued_ms: u64,
    /// When it is due, Unix ms.
    pub due_ms: u64,
    /// Invocations so far that ran the function.
    pub attempts: u32,
    /// Throttles or start failures so far.
    pub deferrals: u32,
    /// The incarnation of the function it was accepted for (`FunctionRecord::incarnation`); an event of an
    /// earlier incarnation (the function was deleted and created again) is dropped, never delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incarnation: Option<String>,
}

impl QueuedEvent {
    fn key(&self) -> String {
        format!("{:013}/{}", self.due_ms, self.id)
    }
}

type Pending = (QueuedEvent, oneshot::Sender<Result<(), String>>);

/// Most deliveries in flight at once, and per function (async work must leave room for synchronous calls).
const MAX_IN_FLIGHT: usize = 32;
const MAX_IN_FLIGHT_PER_FUNCTION: usize = 4;

/// The queue's handle, held by the service.
pub struct Queue {
    tx: mpsc::Sender<Pending>,
    rx: Mutex<Option<mpsc::Receiver<Pending>>>,
    /// Events to deliver, earliest due first, with their store keys.
    schedule: Mutex<BinaryHeap<Reverse<(u64, String, String)>>>,
    /// The events themselves, by store key.
    events: Mutex<HashMap<String, QueuedEvent>>,
    /// Deliveries in flight per function.
    per_function: Mutex<HashMap<String, usize>>,
    /// Functions whose last delivery was throttled: their events wait until then (Unix ms).
    held_until: Mutex<HashMap<String, u64>>,
    slots: Arc<Semaphore>,
    done_tx: mpsc::UnboundedSender<Op>,
    done_rx: Mutex<Option<mpsc::UnboundedReceiver<Op>>>,
    wake: Notify,
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Default for Queue {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(65_536);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            schedule: Mutex::new(BinaryHeap::new()),
            events: Mutex::new(HashMap::new()),
            per_function: Mutex::new(HashMap::new()),
            held_until: Mutex::new(HashMap::new()),
            slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            done_tx,
            done_rx: Mutex::new(Some(done_rx)),
            wake: Notify::new(),
        }
    }
}

impl Queue {
    /// Commits an event; returns once it is durable.
    pub async fn enqueue(&self, ev: QueuedEvent) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send((ev, tx))
            .await
            .map_err(|_| "the event queue is closed".to_owned())?;
        rx.await.map_err(|_| "the event queue stopped".to_owned())?
    }
}

impl Queue {
    /// Forgets the scheduled events of a deleted function (all qualifiers) or of one deleted version
    /// (`drop_ops` removes them from the store in the same batch as the function).
    pub(crate) fn forget(&self, region: &str, function: &str, qualifier: Option<&str>) {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, ev| !owned_by(ev, region, function, qualifier));
    }

    fn schedule(&self, key: String, ev: QueuedEvent) {
        let due = ev.due_ms;
        let id = ev.id.clone();
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), ev);
        self.schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Reverse((due, id, key)));
        self.wake.notify_one();
    }
}

/// Fills the schedule from the store, then starts the committer, the deleter and the delivery loop.
pub fn start(service: Arc<Service>) {
    match service.store.list(EVENTS, "", None, usize::MAX) {
        Ok(rows) => {
            let n = rows.len();
            for (key, rec) in rows {
                match rec.json::<QueuedEvent>() {
                    Ok(ev) => service.queue.schedule(key, ev),
                    Err(e) => tracing::warn!("dropping an unreadable queued event {key}: {e}"),
                }
            }
            if n > 0 {
                tracing::info!("{n} queued asynchronous event(s) to deliver");
            }
        }
        Err(e) => tracing::error!("reading the event queue: {e}"),
    }
    let rx = service
        .queue
        .rx
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(rx) = rx {
        tokio::spawn(committer(service.clone(), rx));
    }
    let done = service
        .queue
        .done_rx
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(done) = done {
        tokio::spawn(deleter(service.clone(), done));
    }
    tokio::spawn(deliver_loop(service));
}

fn owned_by(ev: &QueuedEvent, region: &str, function: &str, qualifier: Option<&str>) -> bool {
    ev.region == region
        && ev.function == function
        && qualifier.is_none_or(|q| ev.qualifier.as_deref() == Some(q))
}

/// The batch that drops the queued events of a function (all qualifiers) or of one version, and, for the
/// whole function, its dead letters (DeleteFunction's cascade).
pub(crate) fn drop_ops(
    service: &Service,
    region: &str,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Vec<Op>, lambkin_store::StoreError> {
    let mut ops = Vec::new();
    for (key, rec) in service.store.list(EVENTS, "", None, usize::MAX)? {
        if rec
            .json::<QueuedEvent>()
            .is_ok_and(|ev| owned_by(&ev, region, function, qualifier))
        {
            ops.push(Op::Delete {
                table: EVENTS.into(),
                key,
                expect: Expect::Any,
            });
        }
    }
    if qualifier.is_none() {
        ops.push(Op::DeletePrefix {
            table: DEAD_LETTERS.into(),
            prefix: format!("{region}/{function}/"),
        });
    }
    Ok(ops)
}

async fn committer(service: Arc<Service>, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let ops: Result<Vec<Op>, _> = batch
            .iter()
            .map(|(e, _)| Op::put_json(EVENTS, &e.key(), e, Expect::Any))
            .collect();
        let store = service.store.clone();
        let result = match ops {
            Ok(ops) => tokio::task::spawn_blocking(move || store.apply(ops))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string())),
            Err(e) => Err(e.to_string()),
        };
        for (ev, reply) in batch {
            if result.is_ok() {
                service.queue.schedule(ev.key(), ev);
            }
            let _ = reply.send(result.clone());
        }
    }
}

/// Applies finished events' store changes in groups (one transaction for all that are ready).
async fn deleter(service: Arc<Service>, mut rx: mpsc::UnboundedReceiver<Op>) {
    while let Some(first) = rx.recv().await {
        let mut ops = vec![first];
        while ops.len() < 4096 {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let store = service.store.clone();
        let result = tokio::task::spawn_blocking(move || store.apply(ops)).await;
        if let Ok(Err(e)) = result {
            tracing::error!("removing delivered events: {e}");
        }
    }
}

async fn deliver_loop(service: Arc<Service>) {
    let q = &service.queue;
    loop {
        let woken = q.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let now = now_ms();
        let mut next_due = None;
        let mut held = Vec::new();
        loop {
            let top = q
                .schedule
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .peek()
                .map(|Reverse(t)| t.clone());
            let Some((due, _, key)) = top else { break };
            if due > now {
                next_due = Some(due);
                break;
            }
            let Ok(permit) = q.slots.clone().try_acquire_owned() else {
                break;
            };
            let ev = q
                .events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned();
            let Some(ev) = ev else {
                q.schedule.lock().unwrap_or_else(|p| p.into_inner()).pop();
                continue;
            };
            let held_back = q
                .held_until
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&ev.function)
                .is_some_and(|until| *until > now);
            let busy = held_back || {
                let mut pf = q.per_function.lock().unwrap_or_else(|p| p.into_inner());
                let n = pf.entry(ev.function.clone()).or_default();
                if *n >= MAX_IN_FLIGHT_PER_FUNCTION {
                    true
                } else {
                    *n += 1;
                    false
                }
            };
            let entry = q.schedule.lock().unwrap_or_else(|p| p.into_inner()).pop();
            if busy {
                // This function is at its async limit: look a little further, put this one back after.
                if let Some(e) = entry {
                    held.push(e);
                }
                drop(permit);
                if held.len() >= 64 {
                    break;
                }
                continue;
            }
            q.events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
            let service = service.clone();
            tokio::spawn(async move {
                let function = ev.function.clone();
                deliver(&service, key, ev).await;
                drop(permit);
                if let Some(n) = service
                    .queue
                    .per_function
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_mut(&function)
                {
                    *n = n.saturating_sub(1);
                }
                service.queue.wake.notify_one();
            });
        }
        if !held.is_empty() {
            let mut heap = q.schedule.lock().unwrap_or_else(|p| p.into_inner());
            for e in held {
                heap.push(e);
            }
        }
        let wait = next_due
            .map(|d| Duration::from_millis(d.saturating_sub(now)))
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(1));
        let _ = tokio::time::timeout(wait, woken).await;
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

async fn attempt(service: &Service, ev: &QueuedEvent) -> Outcome {
    let arns = Arns {
        region: ev.region.clone(),
        account: ev.account.clone(),
    };
    let res = match functions::resolve(service, &arns, &ev.function, ev.qualifier.as_deref()) {
        Ok(r) => r,
        Err(_) => return Outcome::Gone,
    };
    if ev
        .incarnation
        .as_ref()
        .is_some_and(|i| *i != res.record.incarnation)
    {
        // Accepted for a function since deleted; this one only has its name.
        return Outcome::Gone;
    }
    if let Err(e) = crate::runtimes::ensure(service, res.version.config.runtime.as_deref()).await {
        let body =
            serde_json::json!({"errorType": "Runtime.Unavailable", "errorMessage": e.message});
        return Outcome::FunctionError(
            Bytes::from(body.to_string()),
            res.version.config.version.clone(),
        );
    }
    let Ok(spec) = crate::invoke::spec_for(service, &res, &arns) else {
        return Outcome::Gone;
    };
    let version = spec.version.clone();
    let request = InvokeRequest {
        request_id: Some(ev.id.clone()),
        payload: base64::engine::general_purpose::STANDARD
            .decode(&ev.payload)
            .unwrap_or_default()
            .into(),
        client_context: ev.client_context.clone(),
        trace_id: ev.trace_id.clone(),
        invoked_function_arn: Some(match &ev.qualifier {
            Some(q) => arns.qualified(&ev.function, q),
            None => arns.function(&ev.function),
        }),
        ..Default::default()
    };
    match service.engine.invoke(&spec, request).await {
        Ok(Invocation {
            mut frames, done, ..
        }) => {
            let mut body = Vec::new();
            let mut failed = false;
            while let Some(f) = frames.recv().await {
                match f {
                    ResponseFrame::Complete { body: b, .. } | ResponseFrame::Chunk(b) => {
                        body.extend_from_slice(&b)
                    }
                    ResponseFrame::Error { body: b, .. } => {
                        failed = true;
                        body = b.to_vec();
                    }
                    ResponseFrame::StreamEnd {
                        error: Some((_, b)),
                    } => {
                        failed = true;
                        body = b.to_vec();
                    }
                    _ => {}
                }
            }
            let _ = done.await;
            if failed {
                Outcome::FunctionError(body.into(), version)
            } else {
                Outcome::Success(body.into(), version)
            }
        }
        Err(EngineError::ShuttingDown) => Outcome::Deferred,
        Err(e) => {
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
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&ev.payload)
        .unwrap_or_default();
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

async fn to_destination(
    service: &Service,
    ev: &QueuedEvent,
    destination: &str,
    rec: &serde_json::Value,
) {
    let Ok(dest) = crate::names::parse_function(destination, &ev.account) else {
        tracing::warn!(
            "destination {destination} of {} is not a function",
            ev.function
        );
        return;
    };
    let follow_up = QueuedEvent {
        id: uuid::Uuid::new_v4().to_string(),
        region: ev.region.clone(),
        account: ev.account.clone(),
        function: dest.name,
        qualifier: dest.qualifier,
        payload: base64::engine::general_purpose::STANDARD.encode(rec.to_string()),
        client_context: None,
        trace_id: None,
        enqueued_ms: now_ms(),
        due_ms: now_ms(),
        attempts: 0,
        deferrals: 0,
        incarnation: None,
    };
    if let Err(e) = service.queue.enqueue(follow_up).await {
        tracing::warn!("cannot queue the destination record of {}: {e}", ev.id);
    }
}

async fn deliver(service: &Service, key: String, mut ev: QueuedEvent) {
    let cfg = eventconfig::effective(service, &ev.region, &ev.function, ev.qualifier.as_deref());
    let age_ms = now_ms().saturating_sub(ev.enqueued_ms);
    let delete = Op::Delete {
        table: EVENTS.into(),
        key: key.clone(),
        expect: Expect::Any,
    };
    if age_ms > u64::from(cfg.max_age_secs) * 1000 {
        fail(
            service,
            &ev,
            "EventAgeExceeded",
            "$LATEST",
            None,
            &cfg,
            delete,
        )
        .await;
        return;
    }
    let outcome = attempt(service, &ev).await;
    match outcome {
        Outcome::Gone => {
            tracing::info!(
                "dropping async event {}: {} no longer exists",
                ev.id,
                ev.function
            );
            let _ = service.store.apply(vec![delete]);
        }
        Outcome::Success(body, version) => {
            ev.attempts += 1;
            if let Some(dest) = &cfg.on_success {
                let rec = record(&ev, "Success", &version, Some((&body, false)));
                to_destination(service, &ev, dest, &rec).await;
            }
            let _ = service.queue.done_tx.send(delete);
        }
        Outcome::FunctionError(body, version) => {
            ev.attempts += 1;
            if ev.attempts > cfg.max_retries {
                fail(
                    service,
                    &ev,
                    "RetriesExhausted",
                    &version,
                    Some(&body),
                    &cfg,
                    delete,
                )
                .await;
            } else {
                // Lambda waits one minute before the first retry and two before the second.
                let delay = scaled(service, Duration::from_secs(60 * u64::from(ev.attempts)));
                reschedule(service, delete, ev, delay);
            }
        }
        Outcome::Deferred => {
            // Throttled (or the environment could not start): the function's other events wait too, and
            // nothing is rewritten — the store keeps the event as it was, due again after a restart.
            ev.deferrals += 1;
            let backoff =
                Duration::from_secs(1 << ev.deferrals.min(8)).min(Duration::from_secs(300));
            let until = now_ms() + scaled(service, backoff).as_millis() as u64;
            service
                .queue
                .held_until
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(ev.function.clone(), until);
            ev.due_ms = until;
            drop(delete);
            service.queue.schedule(key, ev);
        }
    }
}

fn reschedule(service: &Service, delete: Op, mut ev: QueuedEvent, delay: Duration) {
    ev.due_ms = now_ms() + delay.as_millis() as u64;
    let put = match Op::put_json(EVENTS, &ev.key(), &ev, Expect::Any) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("cannot requeue {}: {e}", ev.id);
            return;
        }
    };
    match service.store.apply(vec![delete, put]) {
        Ok(()) => service.queue.schedule(ev.key(), ev),
        Err(e) => tracing::error!("cannot requeue {}: {e}", ev.id),
    }
}

async fn fail(
    service: &Service,
    ev: &QueuedEvent,
    condition: &str,
    version: &str,
    body: Option<&[u8]>,
    cfg: &eventconfig::Effective,
    delete: Op,
) {
    let rec = record(ev, condition, version, body.map(|b| (b, true)));
    if let Some(dest) = &cfg.on_failure {
        to_destination(service, ev, dest, &rec).await;
    }
    let dead_key = format!("{}/{}/{:013}/{}", ev.region, ev.function, now_ms(), ev.id);
    tracing::info!(
        "async event {} of {} failed: {condition}",
        ev.id,
        ev.function
    );
    let ops = match Op::put_json(DEAD_LETTERS, &dead_key, &rec, Expect::Any) {
        Ok(put) => vec![put, delete],
        Err(_) => vec![delete],
    };
    if let Err(e) = service.store.apply(ops) {
        tracing::error!("cannot record the dead letter of {}: {e}", ev.id);
    }
}
