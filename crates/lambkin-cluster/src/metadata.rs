//! The store's metadata on a JetStream KV bucket, `lambkin` (stream `KV_lambkin`, one value per key).
//!
//! # Consistency
//!
//! Every host keeps the whole bucket in memory, fed by an ordered watch of the bucket's stream. A read first
//! asks the stream for its last sequence and waits until the watch has applied it, so a read sees every
//! change acknowledged (on any host) before the read began — the same promise SQLite gives one host.
//!
//! Every write is conditional on the *whole* stream: its publish carries `Nats-Expected-Last-Sequence`, the
//! sequence the writer checked its batch's conditions against. Writers therefore take turns (a write that lost
//! the race checks its conditions again on the newer state), and a change's conditions cannot go stale between
//! the check and the write. That is the store's compare-and-set; a record's revision is its KV revision.
//!
//! # Multi-key batches
//!
//! JetStream has no multi-key transaction, so a batch of more than one write is an ordered, recoverable
//! sequence on the same stream:
//!
//! 1. the *intent*: the whole batch, expanded to the final value (or deletion) of every key it touches, put
//!    under the key `_txn` — the batch's commit point;
//! 2. each write, in order;
//! 3. the deletion of `_txn`.
//!
//! Each publish expects the previous one's sequence, so nothing else is written in between. A reader that
//! catches up while `_txn` exists waits until it is gone, so readers never see half a batch. If the writer dies
//! after step 1, the intent stays; whoever next waits on it for [`STALE_INTENT`] without progress replays
//! every write of the intent (idempotent: each sets a key to its final value) and deletes it. A batch whose
//! intent was not acknowledged did not happen.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, context::PublishErrorKind, kv};
use base64::Engine as _;
use futures_util::StreamExt;
use lambkin_store::{Expect, Op, Record, StoreError};

use crate::keys;
use crate::rt::{Rt, CALL_TIMEOUT};

/// The bucket.
pub(crate) const BUCKET: &str = "lambkin";
/// The key of a batch's intent (not a `table.key`: no table can name it).
const INTENT: &str = "_txn";
/// The table of named sequences.
const SEQUENCES: &str = "_seq";
/// How long an intent may sit without any change to the bucket before a reader replays it.
const STALE_INTENT: Duration = Duration::from_secs(2);
/// How long a reader waits for a watch that is behind the stream and silent before the watch is started again.
const STALLED_WATCH: Duration = Duration::from_secs(1);

/// A batch, expanded: the final value of every key it changes (`None`: deleted).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Intent {
    /// The host that wrote it.
    host: String,
    writes: Vec<Write>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Write {
    table: String,
    key: String,
    /// Base64 of the value; `None` deletes the key.
    value: Option<String>,
}

/// What this host knows of the bucket.
#[derive(Default)]
struct State {
    tables: BTreeMap<String, BTreeMap<String, Record>>,
    /// The last stream sequence applied.
    applied: u64,
    /// A batch in progress.
    intent: Option<Intent>,
    /// When the last change was applied.
    progressed: Option<Instant>,
}

struct Cache {
    state: Mutex<State>,
    changed: Condvar,
    /// Asks the watch to start again after the last sequence applied (a reader found it stalled): the flag says
    /// it is asked, the notification wakes the watch (a stored wake-up without the flag is ignored).
    restart: tokio::sync::Notify,
    restart_asked: std::sync::atomic::AtomicBool,
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// [`lambkin_store::Metadata`] on the `lambkin` bucket.
pub(crate) struct KvMetadata {
    rt: Arc<Rt>,
    js: jetstream::Context,
    stream: Arc<jetstream::stream::Stream>,
    host: String,
    cache: Arc<Cache>,
    barrier: Mutex<Barrier>,
    barrier_done: Condvar,
}

/// The requests for the stream's last sequence: numbered as they start; the last answer and its number.
#[derive(Default)]
struct Barrier {
    next: u64,
    running: bool,
    done: Option<(u64, u64)>,
}

/// Why a commit did not happen.
enum CommitError {
    /// Another write came first; check the conditions again.
    Raced,
    /// NATS failed.
    Failed(String),
}

impl KvMetadata {
    /// Opens the bucket (creating its stream with `replicas`) and starts following it on the cluster's thread.
    pub(crate) async fn open(
        rt: Arc<Rt>,
        js: jetstream::Context,
        host: String,
        replicas: usize,
    ) -> Result<KvMetadata, String> {
        let (stream, store) =
            crate::kv_bucket(&js, BUCKET, "lambkin metadata", replicas, Duration::ZERO).await?;
        let cache = Arc::new(Cache {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            restart: tokio::sync::Notify::new(),
            restart_asked: std::sync::atomic::AtomicBool::new(false),
        });
        rt.handle().spawn(follow(store, cache.clone()));
        Ok(KvMetadata {
            rt,
            js,
            stream: Arc::new(stream),
            host,
            cache,
            barrier: Mutex::new(Barrier::default()),
            barrier_done: Condvar::new(),
        })
    }

    /// The stream's last sequence as of a request sent after this call began. Concurrent callers share one
    /// request: one that started after a caller arrived answers for it too.
    fn last_sequence(&self) -> Result<u64, StoreError> {
        let mut b = self.barrier.lock().unwrap_or_else(|e| e.into_inner());
        let mine = b.next;
        loop {
            if b.done.is_some_and(|(generation, _)| generation >= mine) {
                return Ok(b.done.map_or(0, |(_, seq)| seq));
            }
            if !b.running {
                b.running = true;
                let generation = b.next;
                b.next += 1;
                drop(b);
                let stream = self.stream.clone();
                let asked = self.rt.block("metadata", async move {
                    // A stream electing a leader answers nothing for a moment: ask again until the call's limit.
                    loop {
                        match stream.get_info().await {
                            Ok(info) => return Ok(info.state.last_sequence),
                            Err(e) => {
                                tracing::debug!("metadata: stream info: {e}; again");
                                tokio::time::sleep(Duration::from_millis(200)).await;
                            }
                        }
                    }
                });
                let mut b = self.barrier.lock().unwrap_or_else(|e| e.into_inner());
                b.running = false;
                if let Ok(seq) = &asked {
                    b.done = Some((generation, *seq));
                }
                drop(b);
                self.barrier_done.notify_all();
                return asked;
            }
            b = self.barrier_done.wait(b).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The cache once it has applied everything the stream held when this was called, with no batch in
    /// progress (a stale one is replayed here).
    fn caught_up(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        let mut last = self.last_sequence()?;
        let deadline = Instant::now() + CALL_TIMEOUT;
        let mut waited_since = Instant::now();
        let mut state = self.cache.lock();
        loop {
            if state.applied >= last {
                match &state.intent {
                    None => return Ok(state),
                    Some(intent)
                        if state
                            .progressed
                            .is_none_or(|at| at.elapsed() >= STALE_INTENT) =>
                    {
                        let (intent, base) = (intent.clone(), state.applied);
                        drop(state);
                        tracing::warn!(
                            "metadata: replaying a batch host {} left unfinished",
                            intent.host
                        );
                        self.finish(base, intent.writes)?;
                        last = self.last_sequence()?;
                        state = self.cache.lock();
                        continue;
                    }
                    Some(_) => {}
                }
            }
            // A watch that delivers nothing while the stream is ahead (its consumer lived on a NATS node that
            // died) is started again.
            if state.applied < last
                && state
                    .progressed
                    .is_none_or(|at| at.elapsed() >= STALLED_WATCH)
                && waited_since.elapsed() >= STALLED_WATCH
            {
                waited_since = Instant::now();
                self.cache
                    .restart_asked
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                self.cache.restart.notify_one();
                // Meanwhile, read what is missing straight from the stream (no consumer needed).
                let from = state.applied + 1;
                drop(state);
                let (stream, cache) = (self.stream.clone(), self.cache.clone());
                if let Err(e) = self.rt.block("metadata catch-up", async move {
                    catch_up(&stream, &cache, from, last)
                        .await
                        .map_err(StoreError::Cluster)
                }) {
                    tracing::warn!("metadata: {e}");
                }
                state = self.cache.lock();
                continue;
            }
            if Instant::now() >= deadline {
                return Err(StoreError::Cluster(format!(
                    "this host's copy of the metadata did not catch up with sequence {last} within {} s (it has {})",
                    CALL_TIMEOUT.as_secs(),
                    state.applied
                )));
            }
            state = self
                .cache
                .changed
                .wait_timeout(state, Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Publishes `writes` after sequence `base`: one write alone, more as intent, writes, end.
    fn commit(&self, base: u64, writes: Vec<Write>) -> Result<(), CommitError> {
        let js = self.js.clone();
        let host = self.host.clone();
        let out = self.rt.block("metadata commit", async move {
            Ok(commit(&js, &host, base, writes).await)
        });
        match out {
            Ok(r) => r,
            Err(e) => Err(CommitError::Failed(e.to_string())),
        }
    }

    /// Replays an intent's writes after `base` and deletes it (a race lost means another host did).
    fn finish(&self, base: u64, writes: Vec<Write>) -> Result<(), StoreError> {
        let js = self.js.clone();
        self.rt.block("metadata replay", async move {
            match finish(&js, base, &writes).await {
                Ok(_) | Err(CommitError::Raced) => Ok(()),
                Err(CommitError::Failed(e)) => Err(StoreError::Cluster(e)),
            }
        })
    }
}

impl lambkin_store::Metadata for KvMetadata {
    fn get(&self, table: &str, key: &str) -> Result<Option<Record>, StoreError> {
        let state = self.caught_up()?;
        Ok(state.tables.get(table).and_then(|t| t.get(key)).cloned())
    }

    fn list(
        &self,
        table: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Record)>, StoreError> {
        let state = self.caught_up()?;
        let Some(rows) = state.tables.get(table) else {
            return Ok(Vec::new());
        };
        Ok(rows
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
            .take(limit)
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect())
    }

    fn apply(&self, ops: Vec<Op>) -> Result<(), StoreError> {
        // A stream electing a leader (after a node's death or a restart) refuses writes for a few seconds.
        let patience = Instant::now() + CALL_TIMEOUT;
        for _ in 0..100 {
            let (base, writes) = {
                let state = self.caught_up()?;
                (state.applied, plan(&state, &ops)?)
            };
            if writes.is_empty() {
                return Ok(());
            }
            match self.commit(base, writes) {
                Ok(()) => {
                    // Read-your-writes: this host sees the batch before the caller goes on.
                    drop(self.caught_up()?);
                    return Ok(());
                }
                Err(CommitError::Raced) => continue,
                Err(CommitError::Failed(e))
                    if crate::transient(&e) && Instant::now() < patience =>
                {
                    tracing::debug!("metadata: a write waits for the stream ({e})");
                    std::thread::sleep(Duration::from_millis(200));
                    continue;
                }
                Err(CommitError::Failed(e)) => return Err(StoreError::Cluster(e)),
            }
        }
        Err(StoreError::Cluster(
            "metadata: 100 attempts lost to concurrent writers".into(),
        ))
    }

    fn next_sequence(&self, name: &str) -> Result<u64, StoreError> {
        loop {
            let current = self.get(SEQUENCES, name)?;
            let (n, expect) = match &current {
                Some(r) => (
                    std::str::from_utf8(&r.value)
                        .ok()
                        .and_then(|s| s.parse::<u64>().ok())
                        .unwrap_or(0),
                    Expect::Revision(r.revision),
                ),
                None => (0, Expect::Absent),
            };
            let put = Op::Put {
                table: SEQUENCES.into(),
                key: name.into(),
                value: (n + 1).to_string().into_bytes(),
                expect,
            };
            match self.apply(vec![put]) {
                Ok(()) => return Ok(n + 1),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Checks a batch's conditions against `state` and expands it into the final value of every key it changes
/// (later ops see earlier ones, as in SQLite).
fn plan(state: &State, ops: &[Op]) -> Result<Vec<Write>, StoreError> {
    // (table, key) → Some(value) put / None deleted, by this batch.
    let mut overlay: BTreeMap<(String, String), Option<Vec<u8>>> = BTreeMap::new();
    let stored = |t: &str, k: &str| state.tables.get(t).and_then(|rows| rows.get(k));
    for op in ops {
        match op {
            Op::Put {
                table,
                key,
                value,
                expect,
            } => {
                let id = (table.clone(), key.clone());
                check(&overlay, &id, stored(table, key), *expect)?;
                overlay.insert(id, Some(value.clone()));
            }
            Op::Delete { table, key, expect } => {
                let id = (table.clone(), key.clone());
                check(&overlay, &id, stored(table, key), *expect)?;
                overlay.insert(id, None);
            }
            Op::DeletePrefix { table, prefix } => {
                let mut doomed: Vec<(String, String)> = state
                    .tables
                    .get(table)
                    .into_iter()
                    .flat_map(|rows| {
                        rows.range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                    })
                    .take_while(|(k, _)| k.starts_with(prefix.as_str()))
                    .map(|(k, _)| (table.clone(), k.clone()))
                    .collect();
                doomed.extend(
                    overlay
                        .keys()
                        .filter(|(t, k)| t == table && k.starts_with(prefix.as_str()))
                        .cloned(),
                );
                for id in doomed {
                    overlay.insert(id, None);
                }
            }
        }
    }
    let engine = base64::engine::general_purpose::STANDARD;
    Ok(overlay
        .into_iter()
        // Deleting what is not stored changes nothing.
        .filter(|((t, k), v)| v.is_some() || stored(t, k).is_some())
        .map(|((table, key), value)| Write {
            table,
            key,
            value: value.map(|v| engine.encode(v)),
        })
        .collect())
}

fn check(
    overlay: &BTreeMap<(String, String), Option<Vec<u8>>>,
    id: &(String, String),
    stored: Option<&Record>,
    expect: Expect,
) -> Result<(), StoreError> {
    // A key this batch wrote has a revision no condition can name yet.
    let (present, revision) = match overlay.get(id) {
        Some(v) => (v.is_some(), None),
        None => (stored.is_some(), stored.map(|r| r.revision)),
    };
    expect.check(&id.0, &id.1, present, revision)
}

/// Follows the bucket into the cache: every key's latest value first, then each change, forever (a broken
/// watch is resumed after the last sequence applied).
async fn follow(store: kv::Store, cache: Arc<Cache>) {
    let mut resume: Option<u64> = None;
    loop {
        // From the stream's first message (not "last per subject"), so entries come in sequence order.
        let watch = store
            .watch_all_from_revision(resume.map_or(1, |seq| seq + 1))
            .await;
        let mut watch = match watch {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("metadata: cannot watch the bucket ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        // Asked before this watch existed: not about it.
        cache
            .restart_asked
            .store(false, std::sync::atomic::Ordering::SeqCst);
        loop {
            let entry = tokio::select! {
                entry = watch.next() => entry,
                () = cache.restart.notified() => {
                    if !cache.restart_asked.swap(false, std::sync::atomic::Ordering::SeqCst) {
                        continue;
                    }
                    tracing::warn!("metadata: the bucket's watch stalled; starting it again");
                    break;
                }
            };
            match entry {
                Some(Ok(entry)) => {
                    resume = Some(entry.revision);
                    apply_entry(&cache, entry);
                }
                Some(Err(e)) => {
                    tracing::warn!("metadata: the bucket's watch broke ({e}); resuming");
                    break;
                }
                None => break,
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn apply_entry(cache: &Cache, entry: kv::Entry) {
    let put = matches!(entry.operation, kv::Operation::Put);
    apply_change(cache, &entry.key, entry.revision, put, entry.value);
}

/// Reads the stream's messages `from..=to` one request each and applies them; a sequence with no message was
/// superseded by a later one (or never held a value) and only counts as seen.
async fn catch_up(
    stream: &jetstream::stream::Stream,
    cache: &Cache,
    from: u64,
    to: u64,
) -> Result<(), String> {
    let prefix = format!("$KV.{BUCKET}.");
    for seq in from..=to {
        match stream.get_raw_message(seq).await {
            Ok(m) => {
                let key = m.subject.as_str().strip_prefix(&prefix).unwrap_or("");
                let put = m
                    .headers
                    .get("KV-Operation")
                    .is_none_or(|op| op.as_str() == "PUT");
                apply_change(cache, key, seq, put, m.payload);
            }
            Err(e) if e.kind() == jetstream::stream::RawMessageErrorKind::NoMessageFound => {
                let mut state = cache.lock();
                state.applied = state.applied.max(seq);
                drop(state);
                cache.changed.notify_all();
            }
            Err(e) => return Err(format!("catching up at sequence {seq}: {e}")),
        }
    }
    Ok(())
}

/// Applies the change of sequence `revision` to `key`, unless a later one was applied already (the watch and
/// the catch-up both apply in sequence order).
fn apply_change(cache: &Cache, key: &str, revision: u64, put: bool, value: bytes::Bytes) {
    let mut state = cache.lock();
    if revision <= state.applied {
        return;
    }
    if key == INTENT {
        state.intent = if put {
            match serde_json::from_slice(&value) {
                Ok(intent) => Some(intent),
                Err(e) => {
                    tracing::warn!("metadata: an unreadable batch intent is ignored: {e}");
                    None
                }
            }
        } else {
            None
        };
    } else if let Some((table, key)) = keys::decode(key) {
        if put {
            state.tables.entry(table).or_default().insert(
                key,
                Record {
                    value: value.to_vec(),
                    revision,
                },
            );
        } else if let Some(rows) = state.tables.get_mut(&table) {
            rows.remove(&key);
        }
    }
    state.applied = revision;
    state.progressed = Some(Instant::now());
    drop(state);
    cache.changed.notify_all();
}

/// See [`KvMetadata::commit`].
async fn commit(
    js: &jetstream::Context,
    host: &str,
    base: u64,
    writes: Vec<Write>,
) -> Result<(), CommitError> {
    if writes.len() == 1 {
        return publish_write(js, base, &writes[0]).await.map(|_| ());
    }
    let intent = Intent {
        host: host.to_owned(),
        writes,
    };
    let body = serde_json::to_vec(&intent).map_err(|e| CommitError::Failed(e.to_string()))?;
    let seq = publish(js, INTENT, base, Some(body)).await?;
    // Committed: from here on the batch happens, by this host or, if it fails now, by the next reader.
    let mut tries = 0;
    loop {
        match finish(js, seq, &intent.writes).await {
            Err(CommitError::Failed(e)) if tries < 3 => {
                tracing::warn!("metadata: finishing a batch failed ({e}); again");
                tries += 1;
            }
            // Raced: another host is replaying it.
            Ok(_) | Err(CommitError::Raced) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// Publishes an intent's writes after `base`, then deletes the intent; the last sequence.
async fn finish(js: &jetstream::Context, base: u64, writes: &[Write]) -> Result<u64, CommitError> {
    let mut seq = base;
    for w in writes {
        seq = publish_write(js, seq, w).await?;
    }
    publish(js, INTENT, seq, None).await
}

async fn publish_write(js: &jetstream::Context, after: u64, w: &Write) -> Result<u64, CommitError> {
    let value = match &w.value {
        Some(v) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(v)
                .map_err(|e| CommitError::Failed(e.to_string()))?,
        ),
        None => None,
    };
    publish(js, &keys::encode(&w.table, &w.key), after, value).await
}

/// Puts (`Some`) or deletes (`None`) a KV key, expecting the stream's last sequence to be `after`.
async fn publish(
    js: &jetstream::Context,
    kv_key: &str,
    after: u64,
    value: Option<Vec<u8>>,
) -> Result<u64, CommitError> {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(
        async_nats::header::NATS_EXPECTED_LAST_SEQUENCE,
        after.to_string().as_str(),
    );
    if value.is_none() {
        headers.insert("KV-Operation", "DEL");
    }
    let subject = format!("$KV.{BUCKET}.{kv_key}");
    let sent = js
        .publish_with_headers(subject, headers, value.unwrap_or_default().into())
        .await
        .map_err(|e| CommitError::Failed(e.to_string()))?;
    match sent.await {
        Ok(ack) => Ok(ack.sequence),
        Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => Err(CommitError::Raced),
        Err(e) => Err(CommitError::Failed(e.to_string())),
    }
}
