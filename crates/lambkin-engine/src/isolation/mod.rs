//! What hosts an environment's init, behind one trait (Firecracker's and youki's habit: variants behind a
//! trait, and a fake for tests): a namespace sandbox ([`namespace`]), a plain child process ([`process`]), or
//! an in-process fake init speaking the real control protocol ([`fake`]).
//!
//! An [`Isolator`] builds one environment and hands back its [`Isolated`] handle and the host end of the
//! control channel; the engine drives the init over that channel the same way whatever hosts it.

pub mod fake;
pub mod namespace;
pub mod process;

use std::os::unix::net::UnixStream;

use crate::FunctionSpec;

/// Builds environments. `create` blocks (it forks, mounts, writes cgroups): the engine runs it on its spawner
/// threads, which live as long as the process (`PR_SET_PDEATHSIG` is tied to the forking thread).
pub trait Isolator: Send + Sync + 'static {
    /// `namespace`, `process` or `fake`.
    fn name(&self) -> &'static str;
    /// Whether the init sees Lambda's paths (`/var/task`, `/opt`, `/var/runtime`) rather than the host's, and
    /// its children are confined (uid 993, seccomp). Not unless the isolation says so.
    fn sandboxed(&self) -> bool {
        false
    }
    /// Builds environment `id` for `spec`.
    fn create(&self, id: &str, spec: &FunctionSpec) -> Result<Built, String>;
    /// Releases what it keeps ahead of need (prepared environments); the engine is shutting down.
    fn shutdown(&self) {}
}

/// A built environment: its handle and the host end of its control channel.
pub type Built = (Box<dyn Isolated>, UnixStream);

/// One built environment, as its isolation sees it.
pub trait Isolated: Send + Sync + 'static {
    /// Stops every process of the environment (cgroup freezer); a no-op where there is none.
    fn freeze(&self) -> Result<(), String>;
    /// Lets them run again.
    fn thaw(&self) -> Result<(), String>;
    /// OOM kills so far (0 where not measured).
    fn oom_kills(&self) -> u64;
    /// Destroys the environment and everything of it on the host (blocking).
    fn destroy(self: Box<Self>);
}
