//! The `process` fallback: the init as a plain child process in its own process group. Nothing of the
//! sandbox is enforced (no namespaces, cgroup, uid change or seccomp); `serve` says so when it starts.

use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use lambkin_wire::launch::InitCommand;

use super::{Built, Isolated, Isolator};
use crate::FunctionSpec;

/// Starts inits as child processes.
pub struct ProcessIsolator {
    /// How the init is started.
    pub init: InitCommand,
}

impl Isolator for ProcessIsolator {
    fn name(&self) -> &'static str {
        "process"
    }

    fn create(&self, _id: &str, _spec: &FunctionSpec) -> Result<Built, String> {
        use std::os::fd::{AsRawFd, OwnedFd};
        let (host, child) =
            UnixStream::pair().map_err(|e| format!("cannot create the control channel: {e}"))?;
        let child: OwnedFd = child.into();
        let child_fd = child.as_raw_fd();
        let mut cmd = Command::new(&self.init.program);
        cmd.args(self.init.args(3, false))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .process_group(0);
        // SAFETY: between fork and exec the closure only makes raw system calls (prctl, dup2) on a descriptor
        // opened before the fork; nothing allocates.
        unsafe {
            cmd.pre_exec(move || {
                lambkin_wire::process::die_with_parent()?;
                if libc::dup2(child_fd, 3) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let proc = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.init.program.display()))?;
        drop(child);
        Ok((Box::new(ChildInit(Mutex::new(proc))), host))
    }
}

struct ChildInit(Mutex<Child>);

impl Isolated for ChildInit {
    fn freeze(&self) -> Result<(), String> {
        Ok(())
    }

    fn thaw(&self) -> Result<(), String> {
        Ok(())
    }

    fn oom_kills(&self) -> u64 {
        0
    }

    fn destroy(self: Box<Self>) {
        let mut child = self.0.into_inner().unwrap_or_else(|p| p.into_inner());
        // The init leads its own process group; take the group down with it.
        let pgid = child.id() as i32;
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = child.wait();
    }
}
