//! The in-memory side of durable executions (a leaf: `Service` holds it, `durable.rs` drives it): one lock per
//! execution around every read-modify-write of its row, the timers (one per execution: its next due moment),
//! which executions have an invocation running (and whether something changed meanwhile), and who waits for an
//! execution to end. None of it is the truth — the store is: after a restart `durable::start` rebuilds it all
//! from the rows.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// See the module documentation. Keys are the store's (`<region>/<function>/<execution name>`).
#[derive(Default)]
pub(crate) struct DurableState {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    timers: Mutex<Timers>,
    /// Wakes the timer loop when an earlier timer is armed.
    pub(crate) wake: Notify,
    /// Executions with an invocation running → whether it must look again when that invocation ends.
    invoking: Mutex<HashMap<String, bool>>,
    ended: Mutex<HashMap<String, Arc<Notify>>>,
}

#[derive(Default)]
struct Timers {
    by_time: BTreeSet<(u64, String)>,
    by_key: HashMap<String, u64>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl DurableState {
    /// Waits for the execution's lock (every change of its row holds it).
    pub(crate) async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let m = locked(&self.locks)
            .entry(key.to_owned())
            .or_default()
            .clone();
        m.lock_owned().await
    }

    /// Arms the execution's one timer at `at` (Unix ms), or disarms it.
    pub(crate) fn arm(&self, key: &str, at: Option<u64>) {
        let mut t = locked(&self.timers);
        if let Some(old) = t.by_key.remove(key) {
            t.by_time.remove(&(old, key.to_owned()));
        }
        if let Some(at) = at {
            let earliest = t.by_time.first().map(|(d, _)| *d);
            t.by_time.insert((at, key.to_owned()));
            t.by_key.insert(key.to_owned(), at);
            drop(t);
            if earliest.is_none_or(|e| at < e) {
                self.wake.notify_one();
            }
        }
    }

    /// The timers due by `now` (disarmed), and the next one after them.
    pub(crate) fn take_due(&self, now: u64) -> (Vec<String>, Option<u64>) {
        let mut t = locked(&self.timers);
        let mut due = Vec::new();
        while let Some((at, key)) = t.by_time.first().cloned() {
            if at > now {
                return (due, Some(at));
            }
            t.by_time.remove(&(at, key.clone()));
            t.by_key.remove(&key);
            due.push(key);
        }
        (due, None)
    }

    /// Claims the invocation of an execution: `true` when none was running (the caller starts one); otherwise
    /// the running one is told to look again when it ends.
    pub(crate) fn claim(&self, key: &str) -> bool {
        let mut m = locked(&self.invoking);
        match m.get_mut(key) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                m.insert(key.to_owned(), false);
                true
            }
        }
    }

    /// The running invocation ended: `true` (and the claim kept) when it must look again; otherwise the claim
    /// is released.
    pub(crate) fn release(&self, key: &str) -> bool {
        let mut m = locked(&self.invoking);
        match m.get_mut(key) {
            Some(again) if *again => {
                *again = false;
                true
            }
            _ => {
                m.remove(key);
                false
            }
        }
    }

    /// What to wait on for the execution's end (take it before reading the row, then read, then wait).
    pub(crate) fn ended(&self, key: &str) -> Arc<Notify> {
        locked(&self.ended)
            .entry(key.to_owned())
            .or_default()
            .clone()
    }

    /// A waiter leaves: the entry goes when no one else waits on it.
    pub(crate) fn leave(&self, key: &str, waited: Arc<Notify>) {
        let mut m = locked(&self.ended);
        // Two holders: the map and this waiter.
        if m.get(key)
            .is_some_and(|n| Arc::ptr_eq(n, &waited) && Arc::strong_count(n) == 2)
        {
            m.remove(key);
        }
    }

    /// The execution ended (or changed in a way a waiter must see): wakes its waiters.
    pub(crate) fn notify_ended(&self, key: &str) {
        if let Some(n) = locked(&self.ended).remove(key) {
            n.notify_waiters();
        }
    }

    /// Forgets an execution that ended or was deleted.
    pub(crate) fn forget(&self, key: &str) {
        self.arm(key, None);
        let mut locks = locked(&self.locks);
        if locks.get(key).is_some_and(|l| Arc::strong_count(l) == 1) {
            locks.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_come_due_in_order_and_rearming_replaces() {
        let s = DurableState::default();
        s.arm("a", Some(30));
        s.arm("b", Some(10));
        s.arm("a", Some(20));
        assert_eq!(s.take_due(15), (vec!["b".to_owned()], Some(20)));
        assert_eq!(s.take_due(25), (vec!["a".to_owned()], None));
        s.arm("c", Some(5));
        s.arm("c", None);
        assert_eq!(s.take_due(100), (vec![], None));
    }

    #[test]
    fn one_invocation_at_a_time_and_changes_meanwhile_are_not_lost() {
        let s = DurableState::default();
        assert!(s.claim("x"));
        assert!(!s.claim("x"));
        assert!(s.release("x"));
        assert!(!s.release("x"));
        assert!(s.claim("x"));
    }
}
