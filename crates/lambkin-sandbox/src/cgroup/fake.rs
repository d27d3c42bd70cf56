//! In-memory cgroups for unit tests, here and in other crates: [`FakeCgroups`] implements [`Cgroups`] and
//! its cgroups [`Cgroup`] without touching the host. Every call is recorded ([`FakeCgroups::calls`]); the
//! state a test asserts on (limits, frozen, processes, destroyed) is kept per cgroup, and the figures a test
//! wants the environment to report (peak memory, CPU time, OOM kills) are set with `set_*`. Failures are
//! injected with [`FakeCgroups::fail`].
//!
//! Always compiled (it is small and has no dependencies): `lambkin_sandbox::cgroup::fake::FakeCgroups`.
//!
//! ```
//! use lambkin_sandbox::cgroup::fake::{Call, FakeCgroups};
//! use lambkin_sandbox::cgroup::{Cgroups, Limits};
//!
//! let cgroups = FakeCgroups::new();
//! let limits = Limits { memory_bytes: 128 << 20, pids_max: 1024, cpu_millis: 72 };
//! let cg = cgroups.create("fn-1", &limits).unwrap();
//! cg.freeze().unwrap();
//! assert!(cgroups.group("fn-1").unwrap().frozen);
//! cgroups.set_oom_kills("fn-1", 1);
//! assert_eq!(cg.oom_kills(), 1);
//! cg.destroy().unwrap();
//! assert!(cgroups.group("fn-1").is_none());
//! assert_eq!(cgroups.calls().last(), Some(&Call::Destroy("fn-1".into())));
//! ```

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{Cgroup, CgroupError, Cgroups, Limits, Version};

/// One recorded call, with the cgroup's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// [`Cgroups::make`].
    Make(String),
    /// [`Cgroups::open_existing`].
    Open(String),
    /// [`Cgroup::apply`].
    Apply(String, Limits),
    /// [`Cgroup::add_process`].
    AddProcess(String, u32),
    /// [`Cgroup::freeze`].
    Freeze(String),
    /// [`Cgroup::thaw`].
    Thaw(String),
    /// [`Cgroup::kill_all`].
    KillAll(String),
    /// [`Cgroup::destroy`].
    Destroy(String),
}

/// Which operation an injected failure hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Making a cgroup.
    Make,
    /// Applying limits.
    Apply,
    /// Adding a process.
    AddProcess,
    /// Freezing.
    Freeze,
    /// Thawing.
    Thaw,
    /// Killing everything.
    KillAll,
    /// Removing.
    Destroy,
}

/// The state of one fake cgroup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeGroup {
    /// Limits applied last.
    pub limits: Option<Limits>,
    /// Frozen now.
    pub frozen: bool,
    /// Processes in it.
    pub pids: Vec<u32>,
    /// What [`Cgroup::memory_peak`] reports.
    pub memory_peak: u64,
    /// What [`Cgroup::cpu_time`] reports.
    pub cpu_time: Duration,
    /// What [`Cgroup::oom_kills`] reports.
    pub oom_kills: u64,
}

#[derive(Debug)]
struct State {
    version: Version,
    groups: BTreeMap<String, FakeGroup>,
    calls: Vec<Call>,
    failures: Vec<Op>,
}

/// A fake hierarchy; clones share their state (keep one in the test, hand one to the code under test).
#[derive(Debug, Clone)]
pub struct FakeCgroups {
    state: Arc<Mutex<State>>,
}

impl Default for FakeCgroups {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeCgroups {
    /// An empty fake hierarchy reporting [`Version::V2`].
    pub fn new() -> Self {
        Self::with_version(Version::V2)
    }

    /// An empty fake hierarchy reporting `version`.
    pub fn with_version(version: Version) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                version,
                groups: BTreeMap::new(),
                calls: Vec::new(),
                failures: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The cgroup `name`, unless it was never made or is destroyed.
    pub fn group(&self, name: &str) -> Option<FakeGroup> {
        self.lock().groups.get(name).cloned()
    }

    /// Names of the cgroups that exist.
    pub fn names(&self) -> Vec<String> {
        self.lock().groups.keys().cloned().collect()
    }

    /// Makes the next `op` fail (once per call of this).
    pub fn fail(&self, op: Op) {
        self.lock().failures.push(op);
    }

    fn update(&self, name: &str, f: impl FnOnce(&mut FakeGroup)) {
        if let Some(g) = self.lock().groups.get_mut(name) {
            f(g);
        }
    }

    /// Sets what the cgroup reports as its peak memory.
    pub fn set_memory_peak(&self, name: &str, bytes: u64) {
        self.update(name, |g| g.memory_peak = bytes);
    }

    /// Sets what the cgroup reports as its CPU time.
    pub fn set_cpu_time(&self, name: &str, time: Duration) {
        self.update(name, |g| g.cpu_time = time);
    }

    /// Sets what the cgroup reports as its OOM kills.
    pub fn set_oom_kills(&self, name: &str, kills: u64) {
        self.update(name, |g| g.oom_kills = kills);
    }
}

/// Records `call`, then fails if a failure of `op` was injected, or if the cgroup does not exist (`name`).
fn step(state: &mut State, call: Call, op: Op, name: Option<&str>) -> Result<(), CgroupError> {
    state.calls.push(call);
    if let Some(i) = state.failures.iter().position(|f| *f == op) {
        state.failures.remove(i);
        return Err(CgroupError::Io {
            op: "fake",
            path: PathBuf::from(format!("fake/{op:?}")),
            source: io::Error::other("injected failure"),
        });
    }
    match name {
        Some(n) if !state.groups.contains_key(n) => Err(CgroupError::Io {
            op: "fake",
            path: PathBuf::from(format!("fake/{n}")),
            source: io::ErrorKind::NotFound.into(),
        }),
        _ => Ok(()),
    }
}

impl Cgroups for FakeCgroups {
    fn version(&self) -> Version {
        self.lock().version
    }

    fn make(&self, name: &str) -> Result<Box<dyn Cgroup>, CgroupError> {
        let mut st = self.lock();
        step(&mut st, Call::Make(name.into()), Op::Make, None)?;
        if st.groups.contains_key(name) {
            return Err(CgroupError::Io {
                op: "create",
                path: PathBuf::from(format!("fake/{name}")),
                source: io::ErrorKind::AlreadyExists.into(),
            });
        }
        st.groups.insert(name.into(), FakeGroup::default());
        Ok(Box::new(FakeCgroup {
            name: name.into(),
            cgroups: self.clone(),
        }))
    }

    fn open_existing(&self, name: &str) -> Option<Box<dyn Cgroup>> {
        let mut st = self.lock();
        st.calls.push(Call::Open(name.into()));
        st.groups.contains_key(name).then(|| {
            Box::new(FakeCgroup {
                name: name.into(),
                cgroups: self.clone(),
            }) as Box<dyn Cgroup>
        })
    }
}

/// A cgroup of a [`FakeCgroups`].
#[derive(Debug)]
pub struct FakeCgroup {
    name: String,
    cgroups: FakeCgroups,
}

impl FakeCgroup {
    fn op(&self, call: Call, op: Op, f: impl FnOnce(&mut FakeGroup)) -> Result<(), CgroupError> {
        let mut st = self.cgroups.lock();
        step(&mut st, call, op, Some(&self.name))?;
        if let Some(g) = st.groups.get_mut(&self.name) {
            f(g);
        }
        Ok(())
    }

    fn read<T: Default>(&self, f: impl FnOnce(&FakeGroup) -> T) -> T {
        self.cgroups
            .lock()
            .groups
            .get(&self.name)
            .map(f)
            .unwrap_or_default()
    }
}

impl Cgroup for FakeCgroup {
    fn version(&self) -> Version {
        self.cgroups.version()
    }

    fn apply(&self, limits: &Limits) -> Result<(), CgroupError> {
        let limits = *limits;
        self.op(Call::Apply(self.name.clone(), limits), Op::Apply, |g| {
            g.limits = Some(limits)
        })
    }

    /// None: nothing can join a fake cgroup from `pre_exec`.
    fn procs_files(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    fn add_process(&self, pid: u32) -> Result<(), CgroupError> {
        self.op(
            Call::AddProcess(self.name.clone(), pid),
            Op::AddProcess,
            |g| {
                if !g.pids.contains(&pid) {
                    g.pids.push(pid);
                    g.pids.sort_unstable();
                }
            },
        )
    }

    fn freeze(&self) -> Result<(), CgroupError> {
        self.op(Call::Freeze(self.name.clone()), Op::Freeze, |g| {
            g.frozen = true
        })
    }

    fn thaw(&self) -> Result<(), CgroupError> {
        self.op(Call::Thaw(self.name.clone()), Op::Thaw, |g| {
            g.frozen = false
        })
    }

    fn memory_peak(&self) -> u64 {
        self.read(|g| g.memory_peak)
    }

    fn cpu_time(&self) -> Duration {
        self.read(|g| g.cpu_time)
    }

    fn oom_kills(&self) -> u64 {
        self.read(|g| g.oom_kills)
    }

    fn pids(&self) -> Vec<u32> {
        self.read(|g| g.pids.clone())
    }

    /// Empties it; like the kernel's, killing thaws nothing but leaves no process to thaw.
    fn kill_all(&self) -> Result<(), CgroupError> {
        self.op(Call::KillAll(self.name.clone()), Op::KillAll, |g| {
            g.pids.clear()
        })
    }

    /// Gone afterwards; destroying a destroyed cgroup is fine, as on the host.
    fn destroy(&self) -> Result<(), CgroupError> {
        let mut st = self.cgroups.lock();
        step(&mut st, Call::Destroy(self.name.clone()), Op::Destroy, None)?;
        st.groups.remove(&self.name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            memory_bytes: 128 << 20,
            pids_max: 1024,
            cpu_millis: 72,
        }
    }

    #[test]
    fn records_calls_and_keeps_state() {
        let cgroups = FakeCgroups::new();
        let handle: &dyn Cgroups = &cgroups;
        let cg = handle.create("fn-a", &limits()).expect("create");
        assert_eq!(cg.version(), Version::V2);
        cg.add_process(7).expect("add");
        cg.add_process(3).expect("add");
        assert_eq!(cg.pids(), vec![3, 7]);
        cg.freeze().expect("freeze");
        assert!(cgroups.group("fn-a").expect("exists").frozen);
        cg.thaw().expect("thaw");
        cgroups.set_memory_peak("fn-a", 5 << 20);
        cgroups.set_cpu_time("fn-a", Duration::from_millis(12));
        cgroups.set_oom_kills("fn-a", 2);
        assert_eq!(
            (cg.memory_peak(), cg.cpu_time(), cg.oom_kills()),
            (5 << 20, Duration::from_millis(12), 2)
        );
        assert!(handle.open("fn-a").is_some());
        assert!(handle.open("fn-b").is_none());
        cg.kill_all().expect("kill");
        assert!(cg.pids().is_empty());
        cg.destroy().expect("destroy");
        assert!(cgroups.group("fn-a").is_none());
        assert!(cg.freeze().is_err(), "a destroyed cgroup cannot be frozen");
        cg.destroy().expect("destroying twice is fine");
        let n = |s: &str| s.to_owned();
        assert_eq!(
            cgroups.calls(),
            vec![
                Call::Make(n("fn-a")),
                Call::Apply(n("fn-a"), limits()),
                Call::AddProcess(n("fn-a"), 7),
                Call::AddProcess(n("fn-a"), 3),
                Call::Freeze(n("fn-a")),
                Call::Thaw(n("fn-a")),
                Call::Open(n("fn-a")),
                Call::Open(n("fn-b")),
                Call::KillAll(n("fn-a")),
                Call::Destroy(n("fn-a")),
                Call::Freeze(n("fn-a")),
                Call::Destroy(n("fn-a")),
            ]
        );
    }

    #[test]
    fn a_failed_create_leaves_nothing() {
        let cgroups = FakeCgroups::with_version(Version::V1);
        cgroups.fail(Op::Apply);
        assert!(cgroups.create("fn-a", &limits()).is_err());
        assert!(
            cgroups.names().is_empty(),
            "destroyed after the failed apply"
        );
        assert_eq!(cgroups.calls().last(), Some(&Call::Destroy("fn-a".into())));
        // The failure was used up.
        let cg = cgroups.create("fn-a", &limits()).expect("create");
        assert_eq!(cg.version(), Version::V1);
        assert!(cgroups.create("fn-a", &limits()).is_err(), "exists already");
        assert!(cgroups.create("../x", &limits()).is_err());
        cgroups.fail(Op::Freeze);
        assert!(cg.freeze().is_err());
        assert!(!cgroups.group("fn-a").expect("exists").frozen);
    }
}
