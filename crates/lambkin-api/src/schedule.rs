//! The in-memory schedule of queued asynchronous events: which event to deliver next, and when.
//!
//! One lane per function (region and name): its waiting events in due order, its deliveries in flight, and how
//! long it is held back after a throttle. Every decision — take the next due event, put one back, forget a
//! deleted function's — happens under one lock, so no event can be taken twice or dropped between a look and a
//! take. Lanes take turns: the next delivery goes to the eligible lane that started one least recently, so a
//! function with a long backlog does not hold up another's events (a destination record waits for its own
//! lane only).
//!
//! The store stays the record (`queue.rs` writes it); this is rebuilt from it at startup. A leaf: it names no
//! operation module (the service holds the queue's handle).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use lambkin_store::Op;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::records::events::QueuedEvent;

/// An event to commit, and who waits for the commit.
pub(crate) type Pending = (QueuedEvent, oneshot::Sender<Result<(), String>>);

/// The async queue's handle, held by the service: the commit channel, the channel of finished events' store
/// changes, and the schedule. `queue.rs` takes the receiving ends and runs the committer, the deleter and the
/// delivery loop.
pub(crate) struct Queue {
    tx: mpsc::Sender<Pending>,
    pub(crate) rx: Mutex<Option<mpsc::Receiver<Pending>>>,
    /// What to deliver when.
    pub(crate) schedule: Schedule,
    pub(crate) done_tx: mpsc::UnboundedSender<Op>,
    pub(crate) done_rx: Mutex<Option<mpsc::UnboundedReceiver<Op>>>,
    /// Failed attempts to deliver a destination record or dead letter to SQS, SNS, EventBridge or S3
    /// (Lambda's `DestinationDeliveryFailures` and `DeadLetterErrors`), since the start.
    delivery_failures: std::sync::atomic::AtomicU64,
}

impl Default for Queue {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(65_536);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            schedule: Schedule::default(),
            done_tx,
            done_rx: Mutex::new(Some(done_rx)),
            delivery_failures: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Queue {
    /// Counts a failed delivery to a destination or dead-letter target.
    pub(crate) fn count_delivery_failure(&self) {
        self.delivery_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Failed deliveries to destinations and dead-letter targets since the start.
    pub(crate) fn delivery_failures(&self) -> u64 {
        self.delivery_failures
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Commits an event; returns once it is durable.
    pub async fn enqueue(&self, ev: QueuedEvent) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send((ev, tx))
            .await
            .map_err(|_| "the event queue is closed".to_owned())?;
        rx.await.map_err(|_| "the event queue stopped".to_owned())?
    }

    /// Forgets the scheduled events of a deleted function (all qualifiers) or of one deleted version (the
    /// records cascade removes them from the store in the same batch as the function).
    pub(crate) fn forget(&self, region: &str, function: &str, qualifier: Option<&str>) {
        self.schedule.forget(region, function, qualifier);
    }
}

/// Most deliveries in flight at once, and per function (async work must leave room for synchronous calls).
pub(crate) const MAX_IN_FLIGHT: usize = 32;
/// Most deliveries of one function in flight at once.
pub(crate) const MAX_IN_FLIGHT_PER_FUNCTION: usize = 4;

#[derive(Default)]
struct Lane {
    /// Waiting events: (due ms, store key).
    due: BTreeSet<(u64, String)>,
    /// Deliveries in flight.
    in_flight: usize,
    /// Held back until then (Unix ms) after a throttle.
    held_until: u64,
    /// The turn at which it last started a delivery.
    last_turn: u64,
}

#[derive(Default)]
struct Inner {
    /// Waiting events by store key, with their lane.
    waiting: HashMap<String, (String, QueuedEvent)>,
    lanes: HashMap<String, Lane>,
    in_flight: usize,
    turn: u64,
}

/// A delivery taken from the schedule; [`Schedule::finish`] gives its place back.
#[derive(Debug)]
pub(crate) struct Lease {
    /// The event's store key.
    pub key: String,
    /// The event.
    pub event: QueuedEvent,
    /// Its lane.
    pub lane: String,
}

/// What to do next.
#[derive(Debug)]
pub(crate) enum Next {
    /// Deliver this event now.
    Deliver(Box<Lease>),
    /// Nothing can go now: wait until then (Unix ms), or until woken (`None`).
    Wait(Option<u64>),
}

/// The schedule (held by the service).
#[derive(Default)]
pub(crate) struct Schedule {
    inner: Mutex<Inner>,
    /// Woken by every change that may let a delivery go.
    pub wake: Notify,
}

/// The lane of an event: its function, by region and name.
pub(crate) fn lane_of(ev: &QueuedEvent) -> String {
    ev.lane()
}

impl Schedule {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds (or replaces) the event stored under `key`, due at its `due_ms`.
    pub fn insert(&self, key: String, ev: QueuedEvent) {
        {
            let mut st = self.lock();
            if let Some((lane, old)) = st.waiting.remove(&key) {
                if let Some(l) = st.lanes.get_mut(&lane) {
                    l.due.remove(&(old.due_ms, key.clone()));
                }
            }
            let lane = lane_of(&ev);
            st.lanes
                .entry(lane.clone())
                .or_default()
                .due
                .insert((ev.due_ms, key.clone()));
            st.waiting.insert(key, (lane, ev));
        }
        self.wake.notify_one();
    }

    /// Takes the next event to deliver at `now`, if any may go: due, its lane not held back and below
    /// `per_lane` deliveries, fewer than `total` in flight overall. Lanes take turns.
    pub fn next(&self, now: u64, total: usize, per_lane: usize) -> Next {
        let mut st = self.lock();
        if st.in_flight >= total {
            return Next::Wait(None);
        }
        let mut best: Option<(u64, u64, String)> = None;
        let mut soonest: Option<u64> = None;
        let mut spent = Vec::new();
        for (name, lane) in &st.lanes {
            let Some((due, _)) = lane.due.first() else {
                if lane.in_flight == 0 && lane.held_until <= now {
                    spent.push(name.clone());
                }
                continue;
            };
            if lane.in_flight >= per_lane {
                continue;
            }
            let ready_at = (*due).max(lane.held_until);
            if ready_at > now {
                soonest = Some(soonest.map_or(ready_at, |s: u64| s.min(ready_at)));
                continue;
            }
            let rank = (lane.last_turn, *due);
            if best.as_ref().is_none_or(|(t, d, _)| rank < (*t, *d)) {
                best = Some((rank.0, rank.1, name.clone()));
            }
        }
        for name in spent {
            st.lanes.remove(&name);
        }
        let Some((_, _, lane_name)) = best else {
            return Next::Wait(soonest);
        };
        // Both maps change together, so the lane's first key is waiting; if not, it is dropped from the lane.
        let Some((_, key)) = st.lanes.get_mut(&lane_name).and_then(|l| l.due.pop_first()) else {
            return Next::Wait(Some(now));
        };
        let Some((lane, event)) = st.waiting.remove(&key) else {
            return Next::Wait(Some(now));
        };
        st.turn += 1;
        let turn = st.turn;
        st.in_flight += 1;
        if let Some(l) = st.lanes.get_mut(&lane_name) {
            l.in_flight += 1;
            l.last_turn = turn;
        }
        Next::Deliver(Box::new(Lease { key, event, lane }))
    }

    /// A delivery of `lane` is over (its outcome settled or its event put back).
    pub fn finish(&self, lane: &str) {
        {
            let mut st = self.lock();
            st.in_flight = st.in_flight.saturating_sub(1);
            let empty = match st.lanes.get_mut(lane) {
                Some(l) => {
                    l.in_flight = l.in_flight.saturating_sub(1);
                    l.in_flight == 0 && l.due.is_empty() && l.held_until == 0
                }
                None => false,
            };
            if empty {
                st.lanes.remove(lane);
            }
        }
        self.wake.notify_one();
    }

    /// Holds `lane` back until `until` (Unix ms): its function was throttled.
    pub fn hold(&self, lane: &str, until: u64) {
        self.lock()
            .lanes
            .entry(lane.to_owned())
            .or_default()
            .held_until = until;
    }

    /// Forgets the waiting events of a deleted function (all qualifiers) or of one deleted version; returns
    /// how many.
    pub fn forget(&self, region: &str, function: &str, qualifier: Option<&str>) -> usize {
        let mut st = self.lock();
        let keys: Vec<String> = st
            .waiting
            .iter()
            .filter(|(_, (_, ev))| ev.owned_by(region, function, qualifier))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &keys {
            if let Some((lane, ev)) = st.waiting.remove(k) {
                if let Some(l) = st.lanes.get_mut(&lane) {
                    l.due.remove(&(ev.due_ms, k.clone()));
                }
            }
        }
        keys.len()
    }

    /// Events waiting (not in flight).
    pub fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(function: &str, id: &str, due: u64) -> (String, QueuedEvent) {
        let e = QueuedEvent {
            id: id.into(),
            enqueued_ms: due,
            due_ms: due,
            ..QueuedEvent::new("us-east-1", "123456789012", function, None, b"")
        };
        (e.key(), e)
    }

    fn take(s: &Schedule, now: u64) -> Option<Lease> {
        match s.next(now, MAX_IN_FLIGHT, MAX_IN_FLIGHT_PER_FUNCTION) {
            Next::Deliver(l) => Some(*l),
            Next::Wait(_) => None,
        }
    }

    /// The bug behind lost destination records: the old loop peeked at the earliest event, then popped the
    /// heap's top — which, when an earlier-due event had been pushed meanwhile (a destination record committed
    /// a few ms late), was that other event, dropped from the heap for good. Here every event inserted, in any
    /// order relative to takes, is delivered exactly once.
    #[test]
    fn an_event_inserted_between_takes_is_never_lost() {
        let s = Schedule::default();
        let (k1, e1) = ev("busy", "b", 1_010);
        s.insert(k1, e1);
        let first = take(&s, 2_000).expect("due");
        // Committed late, due earlier than what was just taken.
        let (k2, e2) = ev("sink", "a", 1_000);
        s.insert(k2.clone(), e2);
        let (k3, e3) = ev("busy", "c", 1_010);
        s.insert(k3, e3);
        let mut got = vec![first.key];
        while let Some(l) = take(&s, 2_000) {
            got.push(l.key);
        }
        got.sort();
        assert_eq!(got.len(), 3);
        assert!(got.contains(&k2));
        assert_eq!(s.waiting(), 0);
    }

    #[test]
    fn not_before_due_and_per_function_limit() {
        let s = Schedule::default();
        for i in 0..6 {
            let (k, e) = ev("f", &format!("{i}"), 100);
            s.insert(k, e);
        }
        let (k, e) = ev("g", "later", 500);
        s.insert(k, e);
        assert!(matches!(s.next(50, 32, 4), Next::Wait(Some(100))));
        let taken: Vec<Lease> = std::iter::from_fn(|| take(&s, 100)).collect();
        assert_eq!(taken.len(), 4, "at most 4 of one function at once");
        // The other function's event is not due yet: wait for it.
        assert!(matches!(s.next(100, 32, 4), Next::Wait(Some(500))));
        s.finish(&taken[0].lane);
        assert!(take(&s, 100).is_some());
        assert_eq!(take(&s, 500).map(|l| l.event.id), Some("later".to_owned()));
    }

    #[test]
    fn lanes_take_turns_and_a_backlog_does_not_starve_others() {
        let s = Schedule::default();
        for i in 0..50 {
            let (k, e) = ev("flood", &format!("{i:03}"), 10 + i);
            s.insert(k, e);
        }
        let (k, e) = ev("sink", "record", 1_000);
        s.insert(k, e);
        // Two slots overall: the flood takes one, then the sink's turn comes although its event is newer.
        let a = match s.next(2_000, 2, 4) {
            Next::Deliver(l) => l,
            Next::Wait(_) => panic!("due"),
        };
        assert_eq!(a.event.function, "flood");
        let b = match s.next(2_000, 2, 4) {
            Next::Deliver(l) => l,
            Next::Wait(_) => panic!("due"),
        };
        assert_eq!(b.event.function, "sink");
        assert!(matches!(s.next(2_000, 2, 4), Next::Wait(None)));
    }

    #[test]
    fn held_lanes_wait_and_forget_drops_a_function() {
        let s = Schedule::default();
        let (k, e) = ev("f", "1", 10);
        s.insert(k, e.clone());
        s.hold(&lane_of(&e), 300);
        assert!(matches!(s.next(100, 32, 4), Next::Wait(Some(300))));
        assert!(take(&s, 300).is_some());
        let (k, e) = ev("f", "2", 10);
        s.insert(k, e);
        let (k, e) = ev("g", "3", 10);
        s.insert(k, e);
        assert_eq!(s.forget("us-east-1", "f", None), 1);
        assert_eq!(
            take(&s, 400).map(|l| l.event.function),
            Some("g".to_owned())
        );
        assert!(take(&s, 400).is_none());
    }

    #[test]
    fn reinserting_a_key_replaces_it() {
        let s = Schedule::default();
        let (k, mut e) = ev("f", "1", 10);
        s.insert(k.clone(), e.clone());
        e.due_ms = 50;
        s.insert(k, e);
        assert_eq!(s.waiting(), 1);
        assert!(matches!(s.next(20, 32, 4), Next::Wait(Some(50))));
        assert!(take(&s, 50).is_some());
        assert!(take(&s, 50).is_none());
    }
}
