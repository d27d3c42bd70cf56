//! One-minute history of each function's figures, for plots: kept in memory, written to a small SQLite file
//! every few seconds and read back at start, so plots survive restarts. At least [`KEEP_MINUTES`] are kept.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

/// How many minutes of history are kept (a day, and an hour more so a full day is always there).
pub const KEEP_MINUTES: u64 = 25 * 60;
/// How many invocations [`History::recent`] remembers per function.
pub const RECENT: usize = 100;

/// A function, by region and name.
pub(crate) type FnKey = (String, String);

/// One minute of a function, as stored.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Minute {
    #[serde(rename = "i", default)]
    pub invocations: u64,
    #[serde(rename = "e", default)]
    pub errors: u64,
    #[serde(rename = "t", default)]
    pub throttles: u64,
    #[serde(rename = "c", default)]
    pub cold_starts: u64,
    /// Durations as a log-scale histogram: bucket index → count (see [`bucket_of`]).
    #[serde(rename = "d", default)]
    pub durations: BTreeMap<u16, u64>,
    #[serde(rename = "is", default)]
    pub init_sum_ms: f64,
    #[serde(rename = "in", default)]
    pub init_count: u64,
    #[serde(rename = "k", default)]
    pub concurrency_max: u64,
    #[serde(rename = "m", default)]
    pub max_memory_used_mb: u64,
}

/// Buckets per doubling of the duration histograms: quantiles within ~4.5 %.
const PER_DOUBLING: f64 = 8.0;
/// The smallest duration told apart, ms.
const FLOOR_MS: f64 = 0.01;
/// The last bucket (covers beyond 15 minutes).
const MAX_BUCKET: u16 = 240;

/// The histogram bucket of a duration.
pub(crate) fn bucket_of(ms: f64) -> u16 {
    if !ms.is_finite() || ms <= FLOOR_MS {
        return 0;
    }
    let idx = (PER_DOUBLING * (ms / FLOOR_MS).log2()).floor();
    if idx >= f64::from(MAX_BUCKET) {
        MAX_BUCKET
    } else {
        idx as u16
    }
}

/// The value a bucket stands for (its geometric middle).
fn value_of(bucket: u16) -> f64 {
    FLOOR_MS * ((f64::from(bucket) + 0.5) / PER_DOUBLING).exp2()
}

impl Minute {
    /// The `q` quantile (0..=1) of the minute's durations, `None` with none.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let n: u64 = self.durations.values().sum();
        if n == 0 {
            return None;
        }
        // The rank of the quantile, 1-based, as the nearest-rank method defines it.
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (b, c) in &self.durations {
            seen += c;
            if seen >= rank {
                return Some(round3(value_of(*b)));
            }
        }
        None
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// One minute of a function, as the console plots it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MinutePoint {
    /// Unix minute (seconds since the epoch / 60).
    pub minute: u64,
    /// Invocations (Lambda's `Invocations`: successes and function errors, not throttles).
    pub invocations: u64,
    /// Function errors (Lambda's `Errors`).
    pub errors: u64,
    /// Throttled invoke requests.
    pub throttles: u64,
    /// Invocations that started an environment.
    pub cold_starts: u64,
    /// Median duration, ms.
    pub duration_p50_ms: Option<f64>,
    /// 99th percentile duration, ms.
    pub duration_p99_ms: Option<f64>,
    /// Mean init duration of the minute's cold starts, ms.
    pub init_duration_avg_ms: Option<f64>,
    /// Most invocations running at once.
    pub concurrency_max: u64,
    /// Largest `Max Memory Used`, MB.
    pub max_memory_used_mb: u64,
}

/// One invocation with its REPORT figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentInvocation {
    /// Request id.
    pub request_id: String,
    /// When it started, ms since the epoch.
    pub timestamp_ms: u64,
    /// The version that ran.
    pub version: String,
    /// Duration, ms.
    pub duration_ms: f64,
    /// Billed duration, ms.
    pub billed_duration_ms: u64,
    /// Memory size, MB.
    pub memory_size_mb: u32,
    /// Max memory used, MB.
    pub max_memory_used_mb: u64,
    /// Init duration, ms (cold starts).
    pub init_duration_ms: Option<f64>,
    /// The function error's type, if it failed.
    pub error_type: Option<String>,
    /// What invoked it (`http`, `pubsub`, `datasource`, `other`).
    pub trigger: String,
}

/// The history of every function on this host.
#[derive(Default)]
pub(crate) struct History {
    minutes: HashMap<FnKey, BTreeMap<u64, Minute>>,
    recent: HashMap<FnKey, VecDeque<RecentInvocation>>,
    dirty_minutes: HashSet<(FnKey, u64)>,
    dirty_recent: HashSet<FnKey>,
}

impl History {
    /// The minute `minute` of a function, created empty, marked to be written.
    pub(crate) fn minute(&mut self, key: &FnKey, minute: u64) -> &mut Minute {
        self.dirty_minutes.insert((key.clone(), minute));
        self.minutes
            .entry(key.clone())
            .or_default()
            .entry(minute)
            .or_default()
    }

    /// Remembers an invocation (the newest [`RECENT`] per function).
    pub(crate) fn push_recent(&mut self, key: &FnKey, inv: RecentInvocation) {
        let list = self.recent.entry(key.clone()).or_default();
        list.push_front(inv);
        list.truncate(RECENT);
        self.dirty_recent.insert(key.clone());
    }

    /// Points of `[from, to]`, oldest first.
    pub(crate) fn points(&self, key: &FnKey, from: u64, to: u64) -> Vec<MinutePoint> {
        let Some(minutes) = self.minutes.get(key) else {
            return Vec::new();
        };
        minutes
            .range(from..=to)
            .map(|(m, v)| MinutePoint {
                minute: *m,
                invocations: v.invocations,
                errors: v.errors,
                throttles: v.throttles,
                cold_starts: v.cold_starts,
                duration_p50_ms: v.quantile(0.5),
                duration_p99_ms: v.quantile(0.99),
                init_duration_avg_ms: (v.init_count > 0)
                    .then(|| round3(v.init_sum_ms / v.init_count as f64)),
                concurrency_max: v.concurrency_max,
                max_memory_used_mb: v.max_memory_used_mb,
            })
            .collect()
    }

    /// The newest invocations, newest first.
    pub(crate) fn recent(&self, key: &FnKey, limit: usize) -> Vec<RecentInvocation> {
        self.recent
            .get(key)
            .map(|l| l.iter().take(limit).cloned().collect())
            .unwrap_or_default()
    }

    /// Drops minutes before `oldest`.
    pub(crate) fn prune(&mut self, oldest: u64) {
        for minutes in self.minutes.values_mut() {
            *minutes = minutes.split_off(&oldest);
        }
        self.minutes.retain(|_, m| !m.is_empty());
        self.dirty_minutes.retain(|(_, m)| *m >= oldest);
    }

    /// What changed since the last call, as a history of its own (to be written without holding this one).
    pub(crate) fn take_dirty(&mut self) -> History {
        let mut out = History::default();
        for (key, minute) in self.dirty_minutes.drain() {
            if let Some(m) = self.minutes.get(&key).and_then(|ms| ms.get(&minute)) {
                out.minutes
                    .entry(key.clone())
                    .or_default()
                    .insert(minute, m.clone());
                out.dirty_minutes.insert((key, minute));
            }
        }
        for key in self.dirty_recent.drain() {
            if let Some(list) = self.recent.get(&key) {
                out.recent.insert(key.clone(), list.clone());
                out.dirty_recent.insert(key);
            }
        }
        out
    }
}

/// The history's file: `minutes` and `recent` tables.
pub(crate) struct Disk {
    conn: Connection,
}

impl Disk {
    /// Opens (creating) the file.
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Disk> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS minutes (
                 region TEXT NOT NULL, function TEXT NOT NULL, minute INTEGER NOT NULL, data TEXT NOT NULL,
                 PRIMARY KEY (region, function, minute));
             CREATE TABLE IF NOT EXISTS recent (
                 region TEXT NOT NULL, function TEXT NOT NULL, data TEXT NOT NULL,
                 PRIMARY KEY (region, function));",
        )?;
        Ok(Disk { conn })
    }

    /// Reads back what was written, from minute `oldest` on.
    pub(crate) fn load(&self, oldest: u64) -> rusqlite::Result<History> {
        let mut history = History::default();
        let mut stmt = self
            .conn
            .prepare("SELECT region, function, minute, data FROM minutes WHERE minute >= ?1")?;
        let rows = stmt.query_map(params![oldest as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (region, function, minute, data) = row?;
            // A row this version cannot read is skipped, not fatal: plots lose a point, nothing else.
            if let Ok(m) = serde_json::from_str::<Minute>(&data) {
                history
                    .minutes
                    .entry((region, function))
                    .or_default()
                    .insert(minute.max(0) as u64, m);
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT region, function, data FROM recent")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (region, function, data) = row?;
            if let Ok(list) = serde_json::from_str::<VecDeque<RecentInvocation>>(&data) {
                history.recent.insert((region, function), list);
            }
        }
        Ok(history)
    }

    /// Writes what changed since the last flush in one transaction and drops minutes before `oldest`.
    pub(crate) fn flush(&mut self, history: &mut History, oldest: u64) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO minutes (region, function, minute, data) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (key, minute) in history.dirty_minutes.drain() {
                let Some(m) = history.minutes.get(&key).and_then(|ms| ms.get(&minute)) else {
                    continue;
                };
                let data = serde_json::to_string(m).unwrap_or_default();
                put.execute(params![key.0, key.1, minute as i64, data])?;
            }
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO recent (region, function, data) VALUES (?1, ?2, ?3)",
            )?;
            for key in history.dirty_recent.drain() {
                let Some(list) = history.recent.get(&key) else {
                    continue;
                };
                let data = serde_json::to_string(list).unwrap_or_default();
                put.execute(params![key.0, key.1, data])?;
            }
            tx.execute(
                "DELETE FROM minutes WHERE minute < ?1",
                params![oldest as i64],
            )?;
        }
        tx.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_close() {
        let mut last = 0;
        for ms in [0.02, 0.5, 1.0, 3.3, 10.0, 250.0, 1000.0, 60_000.0] {
            let b = bucket_of(ms);
            assert!(b >= last);
            last = b;
            let v = value_of(b);
            assert!((v - ms).abs() / ms < 0.1, "{ms} → {v}");
        }
        assert_eq!(bucket_of(f64::NAN), 0);
        assert_eq!(bucket_of(1e12), MAX_BUCKET);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let mut m = Minute::default();
        for ms in 1..=100 {
            *m.durations.entry(bucket_of(f64::from(ms))).or_default() += 1;
        }
        let p50 = m.quantile(0.5).unwrap_or_default();
        let p99 = m.quantile(0.99).unwrap_or_default();
        assert!((p50 - 50.0).abs() < 3.0, "{p50}");
        assert!((p99 - 99.0).abs() < 5.0, "{p99}");
        assert_eq!(Minute::default().quantile(0.5), None);
    }

    #[test]
    fn survives_a_reopen_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.sqlite");
        let key = ("us-east-1".to_owned(), "f".to_owned());
        {
            let mut disk = Disk::open(&path).unwrap();
            let mut h = History::default();
            h.minute(&key, 10).invocations = 1;
            h.minute(&key, 100).invocations = 7;
            h.push_recent(
                &key,
                RecentInvocation {
                    request_id: "r".into(),
                    timestamp_ms: 1,
                    version: "$LATEST".into(),
                    duration_ms: 1.5,
                    billed_duration_ms: 2,
                    memory_size_mb: 128,
                    max_memory_used_mb: 20,
                    init_duration_ms: Some(3.0),
                    error_type: None,
                    trigger: "http".into(),
                },
            );
            disk.flush(&mut h, 50).unwrap();
        }
        let disk = Disk::open(&path).unwrap();
        let h = disk.load(0).unwrap();
        let points = h.points(&key, 0, 1000);
        assert_eq!(points.len(), 1, "minute 10 was pruned");
        assert_eq!(points[0].minute, 100);
        assert_eq!(points[0].invocations, 7);
        assert_eq!(h.recent(&key, 10)[0].request_id, "r");
    }
}
