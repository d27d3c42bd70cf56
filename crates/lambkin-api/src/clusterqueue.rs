//! Asynchronous invocation in a cluster: events live in the cluster's work-queue stream (`lambkin_cluster::
//! Events`) instead of this host's store, and every host delivers them. An event is judged exactly as on one
//! host (`queue::judge`: loop detection, maximum age, the invoke, retries) and its verdict carried out on the
//! stream: what it writes (a destination record, a retry, a dead letter) is written first, then the event is
//! acknowledged (or terminated); a host that dies before that leaves it to be redelivered to another host.
//! At least once, as on one host.
//!
//! [`enqueue`] and [`forget`] are where every module queues and drops events, on one host or in a cluster.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lambkin_cluster::{Delivery, Events};
use tokio::sync::Semaphore;

use crate::queue::{judge, Verdict};
use crate::records::{self, events::QueuedEvent};
use crate::schedule::{MAX_IN_FLIGHT, MAX_IN_FLIGHT_PER_FUNCTION};
use crate::service::Service;
use crate::time_fmt::now_ms;

/// The stream's subject key of an event's function.
fn function_key(ev: &QueuedEvent) -> String {
    ev.lane()
}

/// Commits an event (durable before this returns): to this host's store, or to the cluster's stream.
pub(crate) async fn enqueue(service: &Service, ev: QueuedEvent) -> Result<(), String> {
    let received = ev
        .outbound
        .is_none()
        .then(|| (ev.region.clone(), ev.function.clone()));
    match &service.cluster {
        Some(cluster) => enqueue_on(cluster.events(), &ev).await,
        None => service.queue.enqueue(ev).await,
    }?;
    if let Some((region, function)) = received {
        service.metrics.async_received(&region, &function);
    }
    Ok(())
}

/// Forgets the queued events of a deleted function (all qualifiers) or version: on one host the store's cascade
/// removed them and the schedule forgets them; in a cluster the function's subject is purged (a deleted
/// version's events are dropped when they come up).
pub(crate) async fn forget(
    service: &Service,
    region: &str,
    function: &str,
    qualifier: Option<&str>,
) {
    match (&service.cluster, qualifier) {
        (Some(cluster), None) => forget_on(cluster.events(), region, function).await,
        (Some(_), Some(_)) => {}
        (None, _) => service.queue.forget(region, function, qualifier),
    }
}

/// Stores an event in the stream; returns once it is replicated.
async fn enqueue_on(events: &Events, ev: &QueuedEvent) -> Result<(), String> {
    let body = serde_json::to_vec(ev).map_err(|e| e.to_string())?;
    events.publish(&function_key(ev), body.into()).await
}

/// Drops the waiting events of a deleted function.
async fn forget_on(events: &Events, region: &str, function: &str) {
    if let Err(e) = events.purge(&format!("{region}/{function}")).await {
        // What is left is dropped at delivery: the function is gone.
        tracing::warn!("cluster: cannot purge the queued events of {function}: {e}");
    }
}

/// Takes events from the stream and delivers them, at most [`MAX_IN_FLIGHT`] at once on this host, forever.
pub(crate) async fn run(service: Arc<Service>, events: Arc<Events>) {
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let lanes: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    loop {
        let Ok(first) = permits.clone().acquire_owned().await else {
            return;
        };
        let room = permits.available_permits() + 1;
        let batch = match events.take(room).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("cluster: cannot take queued events: {e}");
                drop(first);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut first = Some(first);
        for delivery in batch {
            let permit = match first.take() {
                Some(p) => p,
                None => match permits.clone().acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            let (service, events, lanes) = (service.clone(), events.clone(), lanes.clone());
            tokio::spawn(async move {
                deliver(&service, &events, &lanes, delivery).await;
                drop(permit);
            });
        }
    }
}

/// A function's place among this host's deliveries, given back when dropped.
struct Lane<'a>(&'a Mutex<HashMap<String, usize>>, String);

impl Drop for Lane<'_> {
    fn drop(&mut self) {
        let mut lanes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = lanes.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                lanes.remove(&self.1);
            }
        }
    }
}

async fn deliver(
    service: &Arc<Service>,
    events: &Events,
    lanes: &Mutex<HashMap<String, usize>>,
    delivery: Delivery,
) {
    let mut ev: QueuedEvent = match serde_json::from_slice(&delivery.body) {
        Ok(ev) => ev,
        Err(e) => {
            tracing::warn!("cluster: an unreadable queued event is dropped: {e}");
            let _ = delivery.term().await;
            return;
        }
    };
    let now = now_ms();
    if ev.due_ms > now {
        let _ = delivery
            .retry_later(Duration::from_millis(ev.due_ms - now))
            .await;
        return;
    }
    let key = function_key(&ev);
    let room = {
        let mut l = lanes.lock().unwrap_or_else(|e| e.into_inner());
        let n = l.entry(key.clone()).or_default();
        let room = *n < MAX_IN_FLIGHT_PER_FUNCTION;
        if room {
            *n += 1;
        }
        room
    };
    if !room {
        let _ = delivery.retry_later(Duration::from_millis(100)).await;
        return;
    }
    let _lane = Lane(lanes, key);
    // Throttles are counted by the stream's deliveries (a handed-back event keeps its body).
    let handed_back = u32::try_from(delivery.delivered.saturating_sub(1)).unwrap_or(u32::MAX);
    ev.deferrals = ev.deferrals.max(handed_back);
    let verdict = {
        let judging = judge(service, ev);
        tokio::pin!(judging);
        loop {
            tokio::select! {
                v = &mut judging => break v,
                () = tokio::time::sleep(lambkin_cluster::PROGRESS) => delivery.progress().await,
            }
        }
    };
    settle(service, events, delivery, verdict).await;
}

/// Carries a verdict out: what it writes first, then the end of the event.
async fn settle(service: &Service, events: &Events, delivery: Delivery, verdict: Verdict) {
    let written = match &verdict {
        Verdict::Done(None) | Verdict::Deferred(_) => Ok(()),
        Verdict::Done(Some(rec)) => enqueue_on(events, rec).await,
        Verdict::Retry(ev) => enqueue_on(events, ev).await,
        Verdict::Ended { ev, rec, follow_up } => {
            let mut written = dead_letter(service, ev, rec).await;
            for f in follow_up {
                if written.is_ok() {
                    written = enqueue_on(events, f).await;
                }
            }
            written
        }
    };
    if let Err(e) = written {
        // Nothing is lost: the event comes back and is judged again.
        tracing::warn!("cluster: an async event's outcome was not stored ({e}); it runs again");
        let _ = delivery.retry_later(Duration::from_secs(1)).await;
        return;
    }
    let ended = match verdict {
        Verdict::Deferred(ev) => {
            let wait = ev.due_ms.saturating_sub(now_ms());
            delivery.retry_later(Duration::from_millis(wait)).await
        }
        Verdict::Ended { .. } => delivery.term().await,
        Verdict::Done(_) | Verdict::Retry(_) => delivery.ack().await,
    };
    if let Err(e) = ended {
        tracing::warn!("cluster: an async event was not acknowledged ({e}); it may run again");
    }
}

async fn dead_letter(
    service: &Service,
    ev: &QueuedEvent,
    rec: &serde_json::Value,
) -> Result<(), String> {
    let put = records::events::put_dead_letter(ev, now_ms(), rec).map_err(|e| e.to_string())?;
    let store = service.store.clone();
    tokio::task::spawn_blocking(move || records::apply(&store, vec![put]))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}
