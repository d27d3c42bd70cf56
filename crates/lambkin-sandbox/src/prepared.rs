//! Prepared environments: everything of an environment that does not depend on its function, built before
//! any invoke needs it.
//!
//! A [`Blank`] is a complete environment but for the function: its cgroup (joined before `sandbox-enter` runs
//! an instruction, so cgroup v1's first-migration wait is paid here, not on a cold start), its namespaces, the
//! root skeleton ([`RootPlan::skeleton`](crate::plan::RootPlan::skeleton)), `/tmp`, the network namespace with
//! `pasta`, and the init waiting as PID 1 for its `Start`. [`Blank::assign`] makes it one function's: the
//! cgroup's limits set, the function's trees attached (`attach.rs`), the root made read-only. The result is the
//! same environment [`Environment::create`] builds: same files, same mounts and flags, same limits, same
//! identity. A blank is used once; it never held a function before, so nothing of another function can be in
//! it.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use crate::environment::{
    function_plan, Environment, EnvironmentShape, EnvironmentSpec, SandboxError,
};

/// The nice value of the calling thread (Linux's priorities are per thread).
fn current_nice() -> i32 {
    // SAFETY: getpriority(2) of the calling thread; errno is cleared first, as -1 is a valid value.
    unsafe {
        *libc::__errno_location() = 0;
        libc::getpriority(libc::PRIO_PROCESS, 0)
    }
}

/// Lowers the calling thread's priority to the lowest (a preparing thread: whatever it forks inherits it,
/// until [`Blank::assign`] gives an environment the assigning thread's priority).
pub fn lower_this_thread() {
    // SAFETY: setpriority(2) of the calling thread; no memory is involved.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// How long an assignment waits for `sandbox-enter` to put the trees in place.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(10);

/// Memory a blank's cgroup allows until it is assigned (its own processes need a few MiB).
const BLANK_MEMORY_MB: u32 = 1769;

/// A prepared environment waiting for a function.
pub struct Blank {
    env: Environment,
    control: UnixStream,
    attach: OwnedFd,
    shape: EnvironmentShape,
}

impl Blank {
    /// Builds one. Blocking (it forks): call it from a thread that lives as long as the environment
    /// (`PR_SET_PDEATHSIG` is tied to the forking thread), ideally one at a low priority
    /// ([`lower_this_thread`]): its processes keep the priority until assigned.
    pub fn create(id: &str, shape: &EnvironmentShape) -> Result<Self, SandboxError> {
        let full = EnvironmentSpec {
            id: id.to_owned(),
            code_dir: PathBuf::new(),
            layers: Vec::new(),
            runtime_dir: None,
            host_binds: Vec::new(),
            shared_dirs: Vec::new(),
            image: None,
            memory_mb: BLANK_MEMORY_MB,
            shape: shape.clone(),
        };
        let (env, control, attach) = Environment::build(&full, true)?;
        let attach = attach.ok_or(SandboxError::Io(
            "prepare an environment",
            std::io::Error::other("no attach channel"),
        ))?;
        Ok(Self {
            env,
            control,
            attach,
            shape: shape.clone(),
        })
    }

    /// What it was prepared for.
    pub fn shape(&self) -> &EnvironmentShape {
        &self.shape
    }

    /// Whether it can become `spec`'s environment: the same shape, and not a container image's (whose root is
    /// the image, not the skeleton a blank was built on).
    pub fn fits(&self, spec: &EnvironmentSpec) -> bool {
        self.shape == spec.shape && spec.image.is_none()
    }

    /// Makes it `spec`'s environment: limits, the function's trees, the read-only root. Returns the
    /// environment and the host end of its control channel, as [`Environment::create`] does; the init is
    /// still waiting for `Start`. On an error the blank is destroyed.
    pub fn assign(self, spec: &EnvironmentSpec) -> Result<(Environment, UnixStream), SandboxError> {
        if !self.fits(spec) {
            return Err(SandboxError::Io(
                "assign a prepared environment",
                std::io::Error::other("it was prepared for another shape"),
            ));
        }
        let Blank {
            env,
            control,
            attach,
            ..
        } = self;
        env.set_limits(spec.memory_mb)?;
        let trees = crate::attach::detach(&function_plan(spec).ops)
            .map_err(|e| SandboxError::Io("detach the function's trees", e))?;
        rustix::net::sockopt::set_socket_timeout(
            &attach,
            rustix::net::sockopt::Timeout::Recv,
            Some(ATTACH_TIMEOUT),
        )
        .map_err(|e| SandboxError::Io("attach the function's trees", e.into()))?;
        crate::attach::send(attach.as_fd(), &trees)
            .map_err(|e| SandboxError::Io("attach the function's trees", e))?;
        drop(trees);
        crate::attach::await_answer(attach.as_fd())
            .map_err(|e| SandboxError::Io("attach the function's trees", e))?;
        env.renice(current_nice());
        Ok((env, control))
    }

    /// Destroys it (blocking).
    pub fn destroy(self) -> Result<(), SandboxError> {
        self.env.destroy()
    }
}
