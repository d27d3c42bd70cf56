//! The sandbox: fresh namespaces, a read-only root, a cgroup, uid 993 and seccomp (`lambkin-sandbox`).
//!
//! Environments come from a pool of prepared ones ([`Blank`]s) when one of the right shape is ready: the
//! cold start then only sets limits, attaches the function's trees and starts the runtime. Taking one queues
//! its replacement on the pool's own long-lived thread; a shape asked for keeps `depth` ready. Without one
//! (or when assigning fails) the environment is built whole, as before.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lambkin_sandbox::{Blank, Environment, EnvironmentShape, EnvironmentSpec};

use super::{Built, Isolated, Isolator};
use crate::spawner::Spawner;
use crate::FunctionSpec;

/// Most `/tmp` sizes kept prepared at once (the most recently asked for win).
const SHAPES: usize = 2;

/// How long preparing waits after an environment was taken. Preparing moves a process into a new cgroup,
/// which on cgroup v1 holds the kernel's `cgroup_threadgroup_rwsem` for a whole RCU grace period (~8 ms
/// measured here) — and every fork on the host waits for it, the runtime's of the cold start just begun
/// included. The cold start's own part (attach, init phase, first invoke) is over well within this.
const QUIET_AFTER_TAKE: Duration = Duration::from_millis(30);

/// Builds sandboxed environments.
pub struct NamespaceIsolator {
    prepared: Arc<Prepared>,
}

/// The pool of prepared environments, shared with the fills queued on its thread.
struct Prepared {
    /// What every environment shares (its `ephemeral_mb` is the shape prepared first).
    base: EnvironmentShape,
    /// Prepared environments kept per shape; 0: none.
    depth: usize,
    pool: Mutex<Pool>,
    /// The thread prepared environments are forked from (it lives as long as the process, which
    /// `PR_SET_PDEATHSIG` needs); one, so preparing never delays an environment being built on demand.
    preparer: Spawner,
}

#[derive(Default)]
struct Pool {
    ready: Vec<Blank>,
    /// Shapes (`/tmp` sizes) asked for, most recent last.
    shapes: VecDeque<u32>,
    /// A fill is queued or running.
    filling: bool,
    /// When an environment was last taken.
    last_take: Option<Instant>,
    stopped: bool,
}

impl NamespaceIsolator {
    /// An isolator building environments like `base`, keeping `depth` prepared per shape (starting now).
    pub fn new(base: EnvironmentShape, depth: usize) -> Self {
        let me = Arc::new(Prepared {
            base,
            depth,
            pool: Mutex::new(Pool::default()),
            preparer: Spawner::new(1),
        });
        // Preparing yields the CPU to invokes: the thread, and all it forks until assigned, runs at nice 19.
        me.preparer
            .submit(lambkin_sandbox::prepared::lower_this_thread);
        let first = me.base.ephemeral_mb;
        me.want(first);
        Self { prepared: me }
    }
}

impl Prepared {
    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes that `ephemeral_mb` is asked for and queues a fill when the pool lacks any.
    fn want(self: &Arc<Self>, ephemeral_mb: u32) {
        if self.depth == 0 {
            return;
        }
        let mut pool = self.pool();
        if pool.stopped {
            return;
        }
        pool.shapes.retain(|s| *s != ephemeral_mb);
        pool.shapes.push_back(ephemeral_mb);
        let mut evicted = Vec::new();
        while pool.shapes.len() > SHAPES {
            if let Some(old) = pool.shapes.pop_front() {
                let (gone, kept) = std::mem::take(&mut pool.ready)
                    .into_iter()
                    .partition(|b| b.shape().ephemeral_mb == old);
                pool.ready = kept;
                evicted.extend::<Vec<Blank>>(gone);
            }
        }
        let queue = !pool.filling && self.missing(&pool).is_some();
        pool.filling |= queue;
        drop(pool);
        if !evicted.is_empty() {
            self.preparer
                .submit(move || evicted.into_iter().for_each(destroy));
        }
        if queue {
            let me = self.clone();
            self.preparer.submit(move || me.fill());
        }
    }

    /// The shape lacking prepared environments, most recent first.
    fn missing(&self, pool: &Pool) -> Option<u32> {
        pool.shapes.iter().rev().copied().find(|mb| {
            pool.ready
                .iter()
                .filter(|b| b.shape().ephemeral_mb == *mb)
                .count()
                < self.depth
        })
    }

    /// Prepares environments until every shape has `depth` (on the preparer thread).
    fn fill(&self) {
        loop {
            let quiet = self
                .pool()
                .last_take
                .map(|t| QUIET_AFTER_TAKE.saturating_sub(t.elapsed()))
                .unwrap_or_default();
            if !quiet.is_zero() {
                std::thread::sleep(quiet);
                continue;
            }
            let Some(mb) = ({
                let mut pool = self.pool();
                let next = if pool.stopped {
                    None
                } else {
                    self.missing(&pool)
                };
                pool.filling = next.is_some();
                next
            }) else {
                return;
            };
            let shape = EnvironmentShape {
                ephemeral_mb: mb,
                ..self.base.clone()
            };
            let id = format!("prep-{}", uuid::Uuid::new_v4().simple());
            match Blank::create(&id, &shape) {
                Ok(blank) => {
                    let mut pool = self.pool();
                    if pool.stopped || !pool.shapes.contains(&mb) {
                        drop(pool);
                        destroy(blank);
                    } else {
                        pool.ready.push(blank);
                    }
                }
                Err(e) => {
                    tracing::warn!("cannot prepare an environment: {e}");
                    self.pool().filling = false;
                    return;
                }
            }
        }
    }

    /// A prepared environment fitting `spec`, if one is ready.
    fn take(&self, spec: &EnvironmentSpec) -> Option<Blank> {
        let mut pool = self.pool();
        pool.last_take = Some(Instant::now());
        let i = pool.ready.iter().position(|b| b.fits(spec))?;
        Some(pool.ready.swap_remove(i))
    }

    /// Stops preparing and destroys what is ready.
    fn stop(&self) {
        let ready = {
            let mut pool = self.pool();
            pool.stopped = true;
            std::mem::take(&mut pool.ready)
        };
        ready.into_iter().for_each(destroy);
    }
}

fn destroy(blank: Blank) {
    if let Err(e) = blank.destroy() {
        tracing::warn!("destroying a prepared environment: {e}");
    }
}

impl Isolator for NamespaceIsolator {
    fn name(&self) -> &'static str {
        "namespace"
    }

    fn sandboxed(&self) -> bool {
        true
    }

    fn create(&self, id: &str, spec: &FunctionSpec) -> Result<Built, String> {
        let sandbox = EnvironmentSpec {
            id: id.to_owned(),
            code_dir: spec.code_dir.clone(),
            layers: spec.layers.clone(),
            runtime_dir: spec.runtime_dir.clone(),
            host_binds: spec.host_binds.clone(),
            shared_dirs: spec.shared_dirs.clone(),
            image: spec.image.as_ref().map(|i| i.layers.clone()),
            memory_mb: spec.memory_mb,
            shape: EnvironmentShape {
                ephemeral_mb: spec.ephemeral_mb,
                ..self.prepared.base.clone()
            },
        };
        // An image is its own root: never a prepared environment's skeleton.
        let taken = match sandbox.image {
            Some(_) => None,
            None => {
                let taken = self.prepared.take(&sandbox);
                self.prepared.want(sandbox.shape.ephemeral_mb);
                taken
            }
        };
        if let Some(blank) = taken {
            match blank.assign(&sandbox) {
                Ok((environment, channel)) => {
                    return Ok((Box::new(Sandboxed(environment)), channel))
                }
                Err(e) => tracing::warn!(
                    "a prepared environment could not take {}: {e}; building one whole",
                    spec.function_name
                ),
            }
        }
        let (environment, channel) = Environment::create(&sandbox)
            .map_err(|e| format!("cannot create the environment: {e}"))?;
        Ok((Box::new(Sandboxed(environment)), channel))
    }

    fn shutdown(&self) {
        self.prepared.stop();
    }
}

struct Sandboxed(Environment);

impl Isolated for Sandboxed {
    fn freeze(&self) -> Result<(), String> {
        self.0.freeze().map_err(|e| e.to_string())
    }

    fn thaw(&self) -> Result<(), String> {
        self.0.thaw().map_err(|e| e.to_string())
    }

    fn oom_kills(&self) -> u64 {
        self.0.oom_kills()
    }

    fn destroy(self: Box<Self>) {
        if let Err(e) = self.0.destroy() {
            tracing::warn!("destroying an environment: {e}");
        }
    }
}
