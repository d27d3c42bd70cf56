//! lambkin's invocation engine: per-function pools of execution environments.
//!
//! An invoke takes an idle, frozen environment of the function version (thaws it) or builds one (cold
//! start), runs the invoke, and when the whole invoke phase is over (runtime and extensions back at `next`)
//! freezes the environment and returns it to the pool. Environments per function are bounded by its reserved
//! concurrency, all environments together by the host's memory budget; past either, the invoke is throttled
//! (`429 TooManyRequestsException`). Idle environments are retired after a keep-alive with SHUTDOWN
//! `spindown`. A configuration change drains the function: idle environments go at once, busy ones when
//! their invoke is over.
//!
//! Invariants: an environment is in at most one place (idle list or one invoke); the memory and
//! concurrency counters change only under the state lock, together with the lists they count; every
//! environment that leaves the engine is retired (SHUTDOWN, then destroyed).

mod config;
pub mod environment;
pub mod inside;
pub mod isolation;
pub mod lifecycle;
#[cfg(test)]
mod pool_tests;
mod spawner;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use lambkin_wire::client::{out_of_memory, InvokeHooks};
use lambkin_wire::launch::InitCommand;
use lambkin_wire::{
    InitType, InvokeHandle, InvokeRequest, InvokeSummary, ResponseFrame, ShutdownReason,
};
use tokio::sync::{mpsc, oneshot};

pub use config::{EngineConfig, EngineError, FunctionSpec, ImageRun, Isolation, LogWriter};
pub use environment::Env;
pub use inside::{ApiAnswer, ApiCall, ApiFuture, InsideApi, InsideCaller};
use isolation::namespace::NamespaceIsolator;
use isolation::process::ProcessIsolator;
use isolation::Isolator;
/// One log line of an environment, as a [`LogWriter`] receives it.
pub use lambkin_wire::LogLine;
use spawner::Spawner;

/// What runs when an invoke phase ends ([`Engine::invoke_then`]).
pub type Finished = Box<dyn FnOnce(Ended<'_>) + Send>;

/// How an invoke phase ended, as [`Finished`] is told.
#[derive(Debug, Clone, Copy)]
pub struct Ended<'a> {
    /// The init's summary (`None`: the environment vanished).
    pub summary: Option<&'a InvokeSummary>,
    /// When the caller had its whole answer (the runtime's response, or the end of its stream).
    pub answered: Option<std::time::SystemTime>,
}

/// The environment an invoke was given ([`Engine::invoke_then`]).
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    /// Whether it is one of the version's provisioned environments.
    pub provisioned: bool,
}

/// An invoke under way.
pub struct Invocation {
    /// The request id.
    pub request_id: String,
    /// Response frames as the runtime produces them.
    pub frames: mpsc::Receiver<ResponseFrame>,
    /// The end of the invoke phase.
    pub done: oneshot::Receiver<InvokeSummary>,
    /// Whether this invoke built its environment.
    pub cold: bool,
}

struct Idle {
    env: Arc<Env>,
    since: Instant,
}

type PoolKey = (String, String);

/// What one look at the pool decided.
enum Acquire {
    /// Wait for a finishing environment (retire these meanwhile).
    Wait(Vec<Arc<Env>>),
    /// Refuse.
    Fail(Vec<Arc<Env>>, EngineError),
    /// Run on this warm environment, or build one (room reserved).
    Go(Option<Arc<Env>>, Vec<Arc<Env>>),
}

/// Lambda's default `EphemeralStorage` (MB): the `/tmp` size environments are prepared with first.
const DEFAULT_EPHEMERAL_MB: u32 = 512;

/// How long an idle environment keeps running before it is frozen.
const FREEZE_AFTER: Duration = Duration::from_millis(5);

/// How long an invoke waits for an environment that is finishing its invoke phase before building
/// another one (or throttling).
const FINISHING_PATIENCE: Duration = Duration::from_millis(200);

/// How often a queued invoke looks again when no environment came back (a safety net under `returned`).
const QUEUE_POLL: Duration = Duration::from_millis(100);

#[derive(Default)]
struct State {
    /// Idle environments per (function, version), most recently used last.
    idle: HashMap<PoolKey, Vec<Idle>>,
    /// Environments of a function that are starting or running an invoke.
    busy: HashMap<String, u32>,
    /// The configuration revision environments of a (function, version) must have to be reused.
    current: HashMap<PoolKey, String>,
    /// Environments that answered their caller and are finishing their invoke phase, per (function, version).
    finishing: HashMap<PoolKey, u32>,
    /// Memory of all live environments (idle, busy, starting), MB.
    memory_mb: u64,
    /// Live environments.
    environments: usize,
    shutting_down: bool,
    /// Provisioned concurrency wanted per (function, version), with the spec to build from.
    provisioned: HashMap<PoolKey, (FunctionSpec, u32)>,
    /// Live provisioned environments per (function, version): starting, idle or busy.
    provisioned_live: HashMap<PoolKey, u32>,
    /// Provisioned environments still in their init phase.
    provisioned_starting: HashMap<PoolKey, u32>,
    /// Environments being built for an invoke, per (function, version): how many, and their memory (MB).
    starting: HashMap<PoolKey, (u32, u32)>,
    /// Every environment built, for [`Engine::environments`]: weak, so the pool's own references alone
    /// decide how long one lives; pruned as environments are added.
    built: Vec<(PoolKey, Weak<Env>)>,
}

impl State {
    /// Remembers a built environment for [`Engine::environments`], forgetting those that are gone.
    fn remember(&mut self, key: &PoolKey, env: &Arc<Env>) {
        self.built.retain(|(_, w)| w.strong_count() > 0);
        self.built.push((key.clone(), Arc::downgrade(env)));
    }

    /// Counts an environment of `key` being built for an invoke (`+1`) or built (`-1`).
    fn starting(&mut self, key: &PoolKey, memory_mb: u32, up: bool) {
        let entry = self.starting.entry(key.clone()).or_insert((0, memory_mb));
        if up {
            *entry = (entry.0 + 1, memory_mb);
        } else {
            entry.0 = entry.0.saturating_sub(1);
            if entry.0 == 0 {
                self.starting.remove(key);
            }
        }
    }

    /// Gives back the room one environment took (it left, or it was never built).
    fn unreserve(&mut self, memory_mb: u32) {
        self.memory_mb = self.memory_mb.saturating_sub(u64::from(memory_mb));
        self.environments = self.environments.saturating_sub(1);
    }

    /// Accounts for an environment that leaves the engine.
    fn forget(&mut self, key: &PoolKey, env: &Env) {
        self.unreserve(env.memory_mb);
        if env.provisioned {
            if let Some(n) = self.provisioned_live.get_mut(key) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

struct Inner {
    cfg: EngineConfig,
    isolator: Arc<dyn Isolator>,
    spawner: Spawner,
    logs: LogWriter,
    state: Mutex<State>,
    /// Notified whenever an environment comes back from an invoke.
    returned: tokio::sync::Notify,
    /// Retirements under way (SHUTDOWN, destroy); shutdown waits for them.
    retiring: AtomicUsize,
    /// Invokes other hosts of a cluster run, counted against the account's limit with this host's own.
    busy_elsewhere: std::sync::atomic::AtomicU32,
    /// Answers the Lambda API calls of environments built once it is set ([`Engine::set_inside_api`]).
    inside: std::sync::OnceLock<Arc<dyn InsideApi>>,
}

/// The engine: cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// One environment of a function, as a status page shows it ([`Engine::environments`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentInfo {
    /// Its id (the sandbox's name); empty for one still being built.
    pub id: String,
    /// The function version it runs.
    pub version: String,
    /// Where it is in its life.
    pub status: EnvironmentStatus,
    /// `MemorySize`, MB.
    pub memory_mb: u32,
    /// Started for provisioned concurrency.
    pub provisioned: bool,
}

/// An environment's status, as a status page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EnvironmentStatus {
    /// Being built, or running its init phase.
    Starting,
    /// Running an invoke (or finishing its invoke phase).
    Busy,
    /// In the pool, not yet frozen.
    Idle,
    /// In the pool, stopped by the cgroup freezer.
    Frozen,
}

impl EnvironmentStatus {
    /// `starting`, `busy`, `idle` or `frozen`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Busy => "busy",
            Self::Idle => "idle",
            Self::Frozen => "frozen",
        }
    }
}

/// An environment being built for an invoke, counted for [`Engine::environments`] until dropped (also when
/// the invoke is abandoned).
struct Starting<'a> {
    engine: &'a Engine,
    key: &'a PoolKey,
    memory_mb: u32,
}

impl<'a> Starting<'a> {
    fn count(engine: &'a Engine, key: &'a PoolKey, memory_mb: u32) -> Self {
        engine.state().starting(key, memory_mb, true);
        Self {
            engine,
            key,
            memory_mb,
        }
    }
}

impl Drop for Starting<'_> {
    fn drop(&mut self) {
        self.engine
            .state()
            .starting(self.key, self.memory_mb, false);
    }
}

/// Figures for status pages and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineStats {
    /// Live environments.
    pub environments: usize,
    /// Idle ones among them.
    pub idle: usize,
    /// Memory they take, MB.
    pub memory_mb: u64,
}

impl Engine {
    /// Creates the engine with the isolation `cfg` names and starts its idle reaper (needs a tokio runtime).
    pub fn new(cfg: EngineConfig, logs: LogWriter) -> Self {
        let init = InitCommand::beside(&cfg.lambkin);
        let isolator: Arc<dyn Isolator> = match cfg.isolation {
            Isolation::Namespace => Arc::new(NamespaceIsolator::new(
                lambkin_sandbox::EnvironmentShape {
                    ephemeral_mb: DEFAULT_EPHEMERAL_MB,
                    network: cfg.network,
                    rootfs: cfg.rootfs.clone(),
                    state_dir: cfg.state_dir.clone(),
                    lambkin: cfg.lambkin.clone(),
                    init,
                },
                cfg.prepared,
            )),
            Isolation::Process => Arc::new(ProcessIsolator { init }),
        };
        Self::with_isolator(cfg, logs, isolator)
    }

    /// Creates the engine over any isolation (the fake one in tests) and starts its idle reaper.
    pub fn with_isolator(cfg: EngineConfig, logs: LogWriter, isolator: Arc<dyn Isolator>) -> Self {
        let engine = Self {
            inner: Arc::new(Inner {
                cfg,
                isolator,
                spawner: Spawner::new(2),
                logs,
                state: Mutex::new(State::default()),
                returned: tokio::sync::Notify::new(),
                retiring: AtomicUsize::new(0),
                busy_elsewhere: std::sync::atomic::AtomicU32::new(0),
                inside: std::sync::OnceLock::new(),
            }),
        };
        let weak = Arc::downgrade(&engine.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                Engine { inner }.reap_idle();
            }
        });
        engine
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.cfg
    }

    /// Gives environments built from now on the Lambda API inside (`AWS_ENDPOINT_URL_LAMBDA` on their own
    /// loopback, and credentials of their own), answered by `api`. Without it they get neither. Set once: a
    /// later call changes nothing.
    pub fn set_inside_api(&self, api: Arc<dyn InsideApi>) {
        let _ = self.inner.inside.set(api);
    }

    fn inside_api(&self) -> Option<Arc<dyn InsideApi>> {
        self.inner.inside.get().cloned()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Current figures.
    pub fn stats(&self) -> EngineStats {
        let st = self.state();
        EngineStats {
            environments: st.environments,
            idle: st.idle.values().map(Vec::len).sum(),
            memory_mb: st.memory_mb,
        }
    }

    /// The environments of `function` on this host right now — being built, busy, idle or frozen —, by
    /// version; a read-only snapshot for status pages.
    pub fn environments(&self, function: &str) -> Vec<EnvironmentInfo> {
        let (built, starting) = {
            let st = self.state();
            let built: Vec<(String, Arc<Env>)> = st
                .built
                .iter()
                .filter(|((f, _), _)| f == function)
                .filter_map(|((_, v), w)| Some((v.clone(), w.upgrade()?)))
                .collect();
            let mut starting: Vec<(String, u32, u32, bool)> = st
                .starting
                .iter()
                .filter(|((f, _), _)| f == function)
                .map(|((_, v), (n, mb))| (v.clone(), *n, *mb, false))
                .collect();
            starting.extend(
                st.provisioned_starting
                    .iter()
                    .filter(|((f, _), n)| f == function && **n > 0)
                    .map(|(k, n)| {
                        let mb = st.provisioned.get(k).map_or(0, |(s, _)| s.memory_mb);
                        (k.1.clone(), *n, mb, true)
                    }),
            );
            (built, starting)
        };
        // Statuses are read off the state lock (a freeze holds an environment's own lock for a while).
        let mut out: Vec<EnvironmentInfo> = built
            .into_iter()
            .filter_map(|(version, env)| {
                let status = match env.status() {
                    lifecycle::Status::Creating | lifecycle::Status::Initialising => {
                        EnvironmentStatus::Starting
                    }
                    lifecycle::Status::Busy | lifecycle::Status::Finishing => {
                        EnvironmentStatus::Busy
                    }
                    lifecycle::Status::Idle { frozen: false } => EnvironmentStatus::Idle,
                    lifecycle::Status::Idle { frozen: true } => EnvironmentStatus::Frozen,
                    lifecycle::Status::Retiring | lifecycle::Status::Gone => return None,
                };
                Some(EnvironmentInfo {
                    id: env.id.clone(),
                    version,
                    status,
                    memory_mb: env.memory_mb,
                    provisioned: env.provisioned,
                })
            })
            .collect();
        for (version, n, memory_mb, provisioned) in starting {
            out.extend((0..n).map(|_| EnvironmentInfo {
                id: String::new(),
                version: version.clone(),
                status: EnvironmentStatus::Starting,
                memory_mb,
                provisioned,
            }));
        }
        out.sort_by(|a, b| (&a.version, a.status, &a.id).cmp(&(&b.version, b.status, &b.id)));
        out
    }

    /// Environments running or starting an invoke right now, of every function.
    pub fn busy_total(&self) -> u32 {
        self.state().busy.values().sum()
    }

    /// In a cluster: the invokes other hosts run right now (as they last reported), which count against the
    /// account's concurrency limit with this host's own.
    pub fn set_busy_elsewhere(&self, n: u32) {
        self.inner.busy_elsewhere.store(n, Ordering::Relaxed);
    }

    /// Provisioned environments ready, by (function, version).
    pub fn provisioned_ready(&self) -> Vec<((String, String), u32)> {
        let st = self.state();
        st.provisioned_live
            .iter()
            .map(|(k, live)| {
                let starting = st.provisioned_starting.get(k).copied().unwrap_or(0);
                (k.clone(), live.saturating_sub(starting))
            })
            .collect()
    }

    /// Environments running or starting an invoke right now, per function (those with any).
    pub fn busy_by_function(&self) -> Vec<(String, u32)> {
        self.state()
            .busy
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(f, n)| (f.clone(), *n))
            .collect()
    }

    /// Environments of a function running or starting an invoke right now.
    pub fn busy(&self, function: &str) -> u32 {
        self.state().busy.get(function).copied().unwrap_or(0)
    }

    /// Starts an invoke of `spec`: on a warm environment when one is idle, else on a new one.
    ///
    /// An environment that has answered its caller but not yet finished its invoke phase (the runtime is
    /// about to call `next`) is waited for, briefly, instead of building another one or throttling: a
    /// client that sends invokes back to back keeps one warm environment, as on Lambda.
    pub async fn invoke(
        &self,
        spec: &FunctionSpec,
        req: InvokeRequest,
    ) -> Result<Invocation, EngineError> {
        self.invoke_then(spec, req, |_| None).await
    }

    /// [`Engine::invoke`], and `then` is told the environment taken before the invoke starts: what it answers
    /// runs when the invoke phase ends ([`Ended`]), in the reader of the environment's channel — it must be
    /// quick. No task waits for the end: an observer costs a call.
    pub async fn invoke_then(
        &self,
        spec: &FunctionSpec,
        mut req: InvokeRequest,
        then: impl FnOnce(Taken) -> Option<Finished>,
    ) -> Result<Invocation, EngineError> {
        let key: PoolKey = (spec.function_name.clone(), spec.version.clone());
        let (env, cold) = self.take(spec, &key).await?;
        let request_id = req.ensure_request_id();
        let finished = then(Taken {
            provisioned: env.provisioned,
        });
        let hooks = Box::new(PoolHooks {
            engine: self.clone(),
            key,
            env: env.clone(),
            oom_before: env.oom_kills(),
            request_id,
            finished,
            answered: None,
        });
        let InvokeHandle {
            request_id,
            frames,
            done,
        } = env.invoke(req, hooks).await;
        Ok(Invocation {
            request_id,
            frames,
            done,
            cold,
        })
    }

    /// Builds one environment of `spec` now and leaves it idle (frozen) in the pool: `lambkin rie` starts its
    /// environment before it listens, as AWS's emulator initialises before its first invoke.
    pub async fn warm_up(&self, spec: &FunctionSpec) -> Result<(), EngineError> {
        let key: PoolKey = (spec.function_name.clone(), spec.version.clone());
        let (env, _) = self.take(spec, &key).await?;
        self.give_back(key, env);
        Ok(())
    }

    /// An environment for one invoke of `spec`, busy and counted: a warm one, or a new one (cold), after
    /// waiting where waiting helps; or the engine's refusal.
    async fn take(
        &self,
        spec: &FunctionSpec,
        key: &PoolKey,
    ) -> Result<(Arc<Env>, bool), EngineError> {
        let patience = Instant::now() + FINISHING_PATIENCE;
        let (warm, retired) = loop {
            let returned = self.inner.returned.notified();
            tokio::pin!(returned);
            returned.as_mut().enable();
            match self.acquire(spec, key, patience) {
                Acquire::Wait(retired) => {
                    self.retire_all(retired, ShutdownReason::Spindown);
                    // A queueing engine waits for the next environment that returns, however long.
                    let until = if self.inner.cfg.queue {
                        Instant::now() + QUEUE_POLL
                    } else {
                        patience
                    };
                    let _ = tokio::time::timeout_at(until.into(), returned).await;
                }
                Acquire::Fail(retired, e) => {
                    self.retire_all(retired, ShutdownReason::Spindown);
                    return Err(e);
                }
                Acquire::Go(warm, retired) => break (warm, retired),
            }
        };
        self.retire_all(retired, ShutdownReason::Spindown);
        if let Some(env) = warm {
            env.begin_use();
            return Ok((env, false));
        }
        let counted = Starting::count(self, key, spec.memory_mb);
        let started = Env::start(
            &self.inner.isolator,
            self.inner.cfg.environment_prefix,
            spec,
            InitType::OnDemand,
            &self.inner.spawner,
            self.inner.logs.clone(),
            self.inside_api(),
        )
        .await;
        drop(counted);
        let mut st = self.state();
        match started {
            Ok(env) => {
                st.remember(key, &env);
                Ok((env, true))
            }
            Err(e) => {
                st.unreserve(spec.memory_mb);
                release_busy(&mut st, &spec.function_name);
                drop(st);
                self.inner.returned.notify_waiters();
                Err(EngineError::Start(e))
            }
        }
    }

    /// One look at the pool under the lock: take an idle environment, reserve room for a new one, wait for
    /// one that is finishing, or refuse.
    fn acquire(&self, spec: &FunctionSpec, key: &PoolKey, patience: Instant) -> Acquire {
        let mut st = self.state();
        if st.shutting_down {
            return Acquire::Fail(Vec::new(), EngineError::ShuttingDown);
        }
        st.current.insert(key.clone(), spec.revision.clone());
        let waiting_helps = |st: &State, function_wide: bool| {
            Instant::now() < patience
                && st
                    .finishing
                    .iter()
                    .any(|((f, v), n)| *n > 0 && *f == key.0 && (function_wide || *v == key.1))
        };
        let busy = st.busy.get(&spec.function_name).copied().unwrap_or(0);
        let total: u32 =
            st.busy.values().sum::<u32>() + self.inner.busy_elsewhere.load(Ordering::Relaxed);
        if total >= self.inner.cfg.concurrency_limit && !waiting_helps(&st, true) {
            return Acquire::Fail(
                Vec::new(),
                EngineError::Throttled {
                    reason: "ConcurrentInvocationLimitExceeded",
                },
            );
        }
        if spec.reserved_concurrency.is_some_and(|l| busy >= l) {
            if self.inner.cfg.queue || waiting_helps(&st, true) {
                return Acquire::Wait(Vec::new());
            }
            return Acquire::Fail(
                Vec::new(),
                EngineError::Throttled {
                    reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
                },
            );
        }
        let mut retired = Vec::new();
        let mut warm = None;
        if let Some(list) = st.idle.get_mut(key) {
            while let Some(idle) = list.pop() {
                if idle.env.revision == spec.revision && !idle.env.is_dead() {
                    warm = Some(idle.env);
                    break;
                }
                retired.push(idle.env);
            }
        }
        for env in &retired {
            st.unreserve(env.memory_mb);
        }
        if warm.is_none() {
            if waiting_helps(&st, false) {
                return Acquire::Wait(retired);
            }
            let need = u64::from(spec.memory_mb);
            // Make room by retiring the least recently used idle environments of any function.
            while st.memory_mb + need > self.inner.cfg.memory_budget_mb {
                let Some((victim_key, victim)) = take_oldest_idle(&mut st) else {
                    break;
                };
                st.forget(&victim_key, &victim);
                retired.push(victim);
            }
            if st.memory_mb + need > self.inner.cfg.memory_budget_mb {
                // An environment about to come back (of any function) can make room once it is idle.
                if Instant::now() < patience && st.finishing.values().any(|n| *n > 0) {
                    return Acquire::Wait(retired);
                }
                return Acquire::Fail(
                    retired,
                    EngineError::Throttled {
                        reason: "ConcurrentInvocationLimitExceeded",
                    },
                );
            }
            st.memory_mb += need;
            st.environments += 1;
        }
        *st.busy.entry(spec.function_name.clone()).or_default() += 1;
        Acquire::Go(warm, retired)
    }

    /// Returns an environment after its invoke phase: back to the pool, frozen, or retired.
    fn give_back(&self, key: PoolKey, env: Arc<Env>) {
        let keep = {
            let mut st = self.state();
            release_busy(&mut st, &key.0);
            if let Some(n) = st.finishing.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    st.finishing.remove(&key);
                }
            }
            let current = st.current.get(&key) == Some(&env.revision)
                && (!env.provisioned || st.provisioned.contains_key(&key));
            if current && !st.shutting_down && !env.is_dead() {
                let epoch = env.end_use();
                let idle = env.clone();
                // Frozen after a moment of idleness, off the state lock: back-to-back invokes skip the
                // freeze/thaw round trip, and nothing of an idle environment runs for long.
                tokio::spawn(async move {
                    tokio::time::sleep(FREEZE_AFTER).await;
                    // An environment taken again meanwhile (back-to-back invokes) costs no blocking thread.
                    if idle.freeze_due(epoch) {
                        let _ =
                            tokio::task::spawn_blocking(move || idle.freeze_if_idle(epoch)).await;
                    }
                });
                st.idle.entry(key).or_default().push(Idle {
                    env: env.clone(),
                    since: Instant::now(),
                });
                true
            } else {
                st.forget(&key, &env);
                false
            }
        };
        self.inner.returned.notify_waiters();
        if !keep {
            self.retire_all(vec![env], ShutdownReason::Spindown);
        }
    }

    /// Retires the environments of `function` — of one version, or all — idle ones now, busy ones after their
    /// invoke, and forgets their provisioned concurrency. Used when code or configuration changes, or on
    /// deletion.
    pub fn drain(&self, function: &str, version: Option<&str>) {
        let hit = |(f, v): &PoolKey| f == function && version.is_none_or(|want| v == want);
        let retired = {
            let mut st = self.state();
            st.current.retain(|k, _| !hit(k));
            st.provisioned.retain(|k, _| !hit(k));
            let keys: Vec<PoolKey> = st.idle.keys().filter(|k| hit(k)).cloned().collect();
            let mut out = Vec::new();
            for k in keys {
                if let Some(list) = st.idle.remove(&k) {
                    for i in list {
                        st.forget(&k, &i.env);
                        out.push(i.env);
                    }
                }
            }
            out
        };
        self.retire_all(retired, ShutdownReason::Spindown);
    }

    /// Keeps `wanted` environments of `spec`'s version initialised ahead of invokes
    /// (`AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`); 0 removes the setting.
    pub fn set_provisioned(&self, spec: &FunctionSpec, wanted: u32) {
        let key: PoolKey = (spec.function_name.clone(), spec.version.clone());
        let retired = {
            let mut st = self.state();
            st.current.insert(key.clone(), spec.revision.clone());
            if wanted == 0 {
                st.provisioned.remove(&key);
            } else {
                st.provisioned.insert(key.clone(), (spec.clone(), wanted));
            }
            // Idle provisioned environments beyond what is wanted now go.
            let live = st.provisioned_live.get(&key).copied().unwrap_or(0);
            let mut extra = live.saturating_sub(wanted);
            let mut out = Vec::new();
            if let Some(list) = st.idle.get_mut(&key) {
                let mut keep = Vec::new();
                for i in std::mem::take(list) {
                    if extra > 0 && i.env.provisioned {
                        extra -= 1;
                        out.push(i.env);
                    } else {
                        keep.push(i);
                    }
                }
                *list = keep;
            }
            for env in &out {
                st.forget(&key, env);
            }
            out
        };
        self.retire_all(retired, ShutdownReason::Spindown);
        self.maintain_provisioned();
    }

    /// Live provisioned environments of a version (initialised or initialising).
    pub fn provisioned(&self, function: &str, version: &str) -> (u32, u32) {
        let st = self.state();
        let key = (function.to_owned(), version.to_owned());
        let live = st.provisioned_live.get(&key).copied().unwrap_or(0);
        let starting = st.provisioned_starting.get(&key).copied().unwrap_or(0);
        (live.saturating_sub(starting), live)
    }

    /// Starts the provisioned environments that are missing (new settings, or ones that died).
    fn maintain_provisioned(&self) {
        let mut to_start = Vec::new();
        {
            let mut st = self.state();
            if st.shutting_down {
                return;
            }
            let targets: Vec<(PoolKey, FunctionSpec, u32)> = st
                .provisioned
                .iter()
                .map(|(k, (s, n))| (k.clone(), s.clone(), *n))
                .collect();
            for (key, spec, wanted) in targets {
                let live = st.provisioned_live.get(&key).copied().unwrap_or(0);
                for _ in live..wanted {
                    let need = u64::from(spec.memory_mb);
                    if st.memory_mb + need > self.inner.cfg.memory_budget_mb {
                        tracing::warn!(
                            "provisioned concurrency of {}:{} does not fit the memory budget",
                            key.0,
                            key.1
                        );
                        break;
                    }
                    st.memory_mb += need;
                    st.environments += 1;
                    *st.provisioned_live.entry(key.clone()).or_default() += 1;
                    *st.provisioned_starting.entry(key.clone()).or_default() += 1;
                    to_start.push((key.clone(), spec.clone()));
                }
            }
        }
        for (key, spec) in to_start {
            let me = self.clone();
            tokio::spawn(async move {
                let started = Env::start(
                    &me.inner.isolator,
                    me.inner.cfg.environment_prefix,
                    &spec,
                    InitType::ProvisionedConcurrency,
                    &me.inner.spawner,
                    me.inner.logs.clone(),
                    me.inside_api(),
                )
                .await;
                let retire = {
                    let mut st = me.state();
                    if let Some(n) = st.provisioned_starting.get_mut(&key) {
                        *n = n.saturating_sub(1);
                    }
                    match started {
                        Ok(env) => {
                            st.remember(&key, &env);
                            let wanted = st.provisioned.contains_key(&key)
                                && st.current.get(&key) == Some(&env.revision)
                                && !st.shutting_down;
                            if wanted {
                                let epoch = env.end_use();
                                let idle = env.clone();
                                tokio::spawn(async move {
                                    let _ = tokio::task::spawn_blocking(move || {
                                        idle.freeze_if_idle(epoch)
                                    })
                                    .await;
                                });
                                st.idle.entry(key.clone()).or_default().push(Idle {
                                    env,
                                    since: Instant::now(),
                                });
                                None
                            } else {
                                st.forget(&key, &env);
                                Some(env)
                            }
                        }
                        Err(e) => {
                            tracing::warn!("provisioned environment of {}: {e}", key.0);
                            st.unreserve(spec.memory_mb);
                            if let Some(n) = st.provisioned_live.get_mut(&key) {
                                *n = n.saturating_sub(1);
                            }
                            None
                        }
                    }
                };
                me.inner.returned.notify_waiters();
                if let Some(env) = retire {
                    me.retire_all(vec![env], ShutdownReason::Spindown);
                }
            });
        }
    }

    fn reap_idle(&self) {
        let keep_alive = self.inner.cfg.keep_alive;
        let retired = {
            let mut st = self.state();
            let mut out = Vec::new();
            let keys: Vec<PoolKey> = st.idle.keys().cloned().collect();
            for key in keys {
                let wanted = st.provisioned.contains_key(&key);
                let Some(list) = st.idle.get_mut(&key) else {
                    continue;
                };
                let (old, young): (Vec<Idle>, Vec<Idle>) =
                    std::mem::take(list).into_iter().partition(|i| {
                        i.env.is_dead()
                            || (i.since.elapsed() >= keep_alive && !(i.env.provisioned && wanted))
                    });
                *list = young;
                for i in old {
                    st.forget(&key, &i.env);
                    out.push(i.env);
                }
            }
            st.idle.retain(|_, l| !l.is_empty());
            out
        };
        if !retired.is_empty() {
            tracing::debug!("retiring {} idle environment(s)", retired.len());
        }
        self.retire_all(retired, ShutdownReason::Spindown);
        self.maintain_provisioned();
    }

    fn retire_all(&self, envs: Vec<Arc<Env>>, reason: ShutdownReason) {
        for env in envs {
            self.inner.retiring.fetch_add(1, Ordering::SeqCst);
            let inner = self.inner.clone();
            tokio::spawn(async move {
                env.retire(reason).await;
                inner.retiring.fetch_sub(1, Ordering::SeqCst);
            });
        }
    }

    /// Retires every environment (SHUTDOWN `spindown`) and refuses new invokes; waits for idle ones, and up to
    /// `grace` for busy ones.
    pub async fn shutdown(&self, grace: Duration) {
        let idle: Vec<Arc<Env>> = {
            let mut st = self.state();
            st.shutting_down = true;
            let all: Vec<(PoolKey, Arc<Env>)> = st
                .idle
                .drain()
                .flat_map(|(k, l)| l.into_iter().map(move |i| (k.clone(), i.env)))
                .collect();
            for (k, env) in &all {
                st.forget(k, env);
            }
            all.into_iter().map(|(_, e)| e).collect()
        };
        let tasks: Vec<_> = idle
            .into_iter()
            .map(|env| tokio::spawn(async move { env.retire(ShutdownReason::Spindown).await }))
            .collect();
        for t in tasks {
            let _ = t.await;
        }
        self.inner.isolator.shutdown();
        let deadline = Instant::now() + grace;
        // Busy environments are retired as their invokes end; then every retirement must have finished, so
        // nothing of an environment outlives the engine.
        while (self.state().environments > 0 || self.inner.retiring.load(Ordering::SeqCst) > 0)
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// What the pool does at the moments of one invoke (run by the init client's reader: no task of its own).
struct PoolHooks {
    engine: Engine,
    key: PoolKey,
    env: Arc<Env>,
    oom_before: u64,
    request_id: String,
    finished: Option<Finished>,
    /// When the caller had its answer (told to `finished`).
    answered: Option<std::time::SystemTime>,
}

impl InvokeHooks for PoolHooks {
    /// A runtime killed by the OOM killer is reported as Lambda reports it, `Runtime.OutOfMemory`.
    fn frame(&mut self, frame: ResponseFrame) -> ResponseFrame {
        let (env, before) = (&self.env, self.oom_before);
        out_of_memory(frame, &self.request_id, || env.oom_kills() > before)
    }

    /// The caller has its answer: the environment is finishing its invoke phase, worth waiting for.
    fn answered(&mut self) {
        if self.finished.is_some() {
            self.answered = Some(std::time::SystemTime::now());
        }
        self.env.answered();
        *self
            .engine
            .state()
            .finishing
            .entry(self.key.clone())
            .or_default() += 1;
    }

    fn finished(self: Box<Self>, summary: Option<&InvokeSummary>) {
        let PoolHooks {
            engine,
            key,
            env,
            finished,
            answered,
            ..
        } = *self;
        engine.give_back(key, env);
        if let Some(finished) = finished {
            finished(Ended { summary, answered });
        }
    }
}

fn release_busy(st: &mut State, function: &str) {
    if let Some(n) = st.busy.get_mut(function) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            st.busy.remove(function);
        }
    }
}

fn take_oldest_idle(st: &mut State) -> Option<(PoolKey, Arc<Env>)> {
    let (key, index) = st
        .idle
        .iter()
        .flat_map(|(k, l)| {
            l.iter()
                .enumerate()
                .filter(|(_, i)| !i.env.provisioned)
                .map(move |(n, i)| (k.clone(), n, i.since))
        })
        .min_by_key(|(_, _, since)| *since)
        .map(|(k, n, _)| (k, n))?;
    let list = st.idle.get_mut(&key)?;
    let env = list.remove(index).env;
    if list.is_empty() {
        st.idle.remove(&key);
    }
    Some((key, env))
}
