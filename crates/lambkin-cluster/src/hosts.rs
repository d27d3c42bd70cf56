//! Host membership: every host puts a heartbeat in the KV bucket `lambkin-hosts` every [`HEARTBEAT`] and
//! follows everyone's; a host not heard from for [`DEAD_AFTER`] is forgotten (its slots are free, its work is
//! taken over). The bucket's stream keeps a value [`FORGET`] long, so long-dead hosts leave it by themselves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use async_nats::jetstream::{self, kv};
use futures_util::StreamExt;

/// The bucket.
pub(crate) const BUCKET: &str = "lambkin-hosts";
/// How often a host says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long without a heartbeat before a host is taken for dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(3);
/// How long the bucket keeps a heartbeat.
const FORGET: Duration = Duration::from_secs(300);

/// What a host says of itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostInfo {
    /// `--host-id`.
    pub host: String,
    /// Its Lambda API, `http://ADDR`.
    pub api: String,
    /// When it started (ms since the epoch): a restarted host is a new incarnation.
    pub started_ms: u64,
    /// What it runs, as of its last heartbeat.
    #[serde(default)]
    pub load: HostLoad,
}

/// What a host runs, reported with every heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostLoad {
    /// Invokes running (environments busy): the account's concurrency counts them on every host.
    #[serde(default)]
    pub busy: u32,
    /// Provisioned environments ready, by `<function>:<version>`.
    #[serde(default)]
    pub provisioned: std::collections::BTreeMap<String, u32>,
}

/// Computes this host's [`HostLoad`] for its next heartbeat.
pub type LoadReport = Arc<dyn Fn() -> HostLoad + Send + Sync>;

/// The hosts this host has heard from, and when.
#[derive(Default)]
pub struct Hosts {
    /// This host's id: while its own heartbeats do not come back, its view is stale and nobody is forgotten.
    me: String,
    seen: Mutex<HashMap<String, (HostInfo, Instant)>>,
    report: Mutex<Option<LoadReport>>,
}

impl Hosts {
    /// Hosts heard from within [`DEAD_AFTER`] of this host's own last heartbeat, sorted by id.
    pub fn live(&self) -> Vec<HostInfo> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let alive = alive_test(&seen, &self.me);
        let mut live: Vec<HostInfo> = seen
            .values()
            .filter(|(_, at)| alive(*at))
            .map(|(h, _)| h.clone())
            .collect();
        live.sort_by(|a, b| a.host.cmp(&b.host));
        live
    }

    /// The live hosts ranked for `key` ([`rank`]), best first.
    pub fn ranking(&self, key: &str) -> Vec<String> {
        let live = self.live();
        rank(key, live.iter().map(|h| h.host.as_str()))
    }

    /// Whether `host` is among [`Hosts::live`].
    pub fn is_live(&self, host: &str) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let alive = alive_test(&seen, &self.me);
        seen.get(host).is_some_and(|(_, at)| alive(*at))
    }

    /// What a live host reported last.
    pub fn get(&self, host: &str) -> Option<HostInfo> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let alive = alive_test(&seen, &self.me);
        seen.get(host)
            .filter(|(_, at)| alive(*at))
            .map(|(h, _)| h.clone())
    }

    /// Invokes running on live hosts other than this one, as they last reported.
    pub fn busy_elsewhere(&self) -> u32 {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let alive = alive_test(&seen, &self.me);
        seen.values()
            .filter(|(h, at)| h.host != self.me && alive(*at))
            .map(|(h, _)| h.load.busy)
            .sum()
    }

    /// Sets how this host's load is computed for its heartbeats.
    pub fn set_report(&self, report: LoadReport) {
        *self.report.lock().unwrap_or_else(|e| e.into_inner()) = Some(report);
    }

    fn load(&self) -> HostLoad {
        let report = self
            .report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        report.map(|r| r()).unwrap_or_default()
    }

    fn heard(&self, info: HostInfo, at: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(info.host.clone(), (info, at));
    }
}

/// `hosts` ranked for `key`, best first: rendezvous hashing (FNV-1a of `key NUL host`, stable across builds and
/// machines), so every host ranks alike and a host that leaves moves only its own keys.
pub fn rank<'a>(key: &str, hosts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let score = |host: &str| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes().chain([0]).chain(host.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    let mut ranked: Vec<(u64, &str)> = hosts.into_iter().map(|h| (score(h), h)).collect();
    ranked.sort_by(|a, b| b.cmp(a));
    ranked.into_iter().map(|(_, h)| h.to_owned()).collect()
}

/// Whether a host last heard at `at` is alive: heard within [`DEAD_AFTER`] of this host's own last heartbeat
/// coming back. A host that does not hear itself (its watch of the bucket, or NATS, is failing) cannot tell
/// a dead host from a silent watch, and forgets nobody until it hears itself again.
fn alive_test(seen: &HashMap<String, (HostInfo, Instant)>, me: &str) -> impl Fn(Instant) -> bool {
    let now = Instant::now();
    let reference = seen
        .get(me)
        .map(|(_, at)| *at)
        .filter(|at| now.duration_since(*at) >= DEAD_AFTER)
        .unwrap_or(now);
    move |at: Instant| reference.saturating_duration_since(at) < DEAD_AFTER
}

/// Opens the bucket (creating its stream) and starts this host's heartbeat and the following of everyone's.
pub(crate) async fn start(
    rt: &crate::rt::Rt,
    js: &jetstream::Context,
    me: HostInfo,
    replicas: usize,
) -> Result<Arc<Hosts>, String> {
    let (_, store) =
        crate::kv_bucket(js, BUCKET, "lambkin host heartbeats", replicas, FORGET).await?;
    let hosts = Arc::new(Hosts {
        me: me.host.clone(),
        ..Hosts::default()
    });
    let body = serde_json::to_vec(&me).map_err(|e| e.to_string())?;
    // A stream just created may not take messages for a moment (its replicas are electing a leader).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while let Err(e) = store.put(crate::token(&me.host), body.clone().into()).await {
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("heartbeat: {e}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    hosts.heard(me.clone(), Instant::now());
    let (beat, beating) = (store.clone(), hosts.clone());
    rt.handle().spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut me = me;
        loop {
            tick.tick().await;
            me.load = beating.load();
            let Ok(body) = serde_json::to_vec(&me) else {
                continue;
            };
            if let Err(e) = beat.put(crate::token(&me.host), body.into()).await {
                tracing::warn!("cluster: heartbeat not stored: {e}");
            }
        }
    });
    rt.handle().spawn(follow(store, hosts.clone()));
    Ok(hosts)
}

async fn follow(store: kv::Store, hosts: Arc<Hosts>) {
    loop {
        let mut watch = match store.watch_with_history(">").await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("cluster: cannot follow heartbeats ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        // This host's own heartbeat comes back every second: a watch silent for longer lost its consumer.
        while let Ok(Some(entry)) = tokio::time::timeout(HEARTBEAT * 3, watch.next()).await {
            let Ok(entry) = entry else { break };
            if !matches!(entry.operation, kv::Operation::Put) {
                continue;
            }
            let Ok(info) = serde_json::from_slice::<HostInfo>(&entry.value) else {
                continue;
            };
            // A heartbeat from the history may be old: date it by when it was written.
            let written = SystemTime::from(entry.created);
            let age = SystemTime::now()
                .duration_since(written)
                .unwrap_or(Duration::ZERO);
            let at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
            hosts.heard(info, at);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
