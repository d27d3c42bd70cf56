//! What the init does first when it is PID 1 of a sandboxed environment, before serving anything.
//!
//! It mounts the environment's own `/proc` (only PID 1 of the new PID namespace can mount one that shows the
//! environment's processes and nothing else), makes itself non-dumpable, and drops every capability but the
//! three it needs to run the function as another user and stop it: `CAP_SETUID`, `CAP_SETGID`, `CAP_KILL`.

use rustix::mount::{mount, MountFlags};
use rustix::thread::{CapabilitySet, CapabilitySets};

/// The capabilities the init keeps.
fn kept() -> CapabilitySet {
    CapabilitySet::SETUID | CapabilitySet::SETGID | CapabilitySet::KILL
}

/// Where PID 1 mounts its own cgroup (read-only, root-only directory) to read REPORT's memory figure.
pub const CGROUP_MOUNT: &str = "/.lambkin/cgroup";

/// Prepares PID 1; fails if any step fails (an environment that is not confined must not run).
pub fn prepare() -> Result<(), String> {
    mount(
        "proc",
        "/proc",
        "proc",
        MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
        None,
    )
    .map_err(|e| format!("mount /proc: {e}"))?;
    // The environment's cgroup (the root of its cgroup namespace): v1's memory controller where the host has
    // it (a v2 mount may exist there without the memory controller), else v2. Without it REPORT falls back to
    // the processes' own high-water marks.
    let ro = MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC;
    if mount("cgroup", CGROUP_MOUNT, "cgroup", ro, Some(c"memory")).is_err()
        && mount("cgroup2", CGROUP_MOUNT, "cgroup2", ro, None).is_err()
    {
        tracing::warn!("cannot mount the environment's cgroup; Max Memory Used comes from /proc");
    }
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(|e| format!("make the init non-dumpable: {e}"))?;
    for n in 0..64u32 {
        if kept().bits() & (1u64 << n) != 0 {
            continue;
        }
        // Raw numbers rather than rustix's list, so capabilities newer than that list go too. Numbers the
        // running kernel does not know fail with EINVAL: nothing to drop then.
        // SAFETY: PR_CAPBSET_DROP takes a capability number and touches no memory.
        unsafe {
            libc::prctl(libc::PR_CAPBSET_DROP, n as libc::c_ulong, 0, 0, 0);
        }
    }
    rustix::thread::set_capabilities(
        None,
        CapabilitySets {
            effective: kept(),
            permitted: kept(),
            inheritable: CapabilitySet::empty(),
        },
    )
    .map_err(|e| format!("drop capabilities: {e}"))?;
    Ok(())
}
