//! The `process` fallback: the init as a plain child process in its own process group. Nothing of the
//! sandbox is enforced (no namespaces, cgroup, uid change or seccomp); `serve` says so when it starts. Shared
//! directories (EFS mappings) appear at their `/mnt/<name>` only as host symlinks, where those can be made.

use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use lambkin_wire::launch::InitCommand;

use lambkin_sandbox::plan::SharedDir;

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

    fn create(&self, _id: &str, spec: &FunctionSpec) -> Result<Built, String> {
        use std::os::fd::{AsRawFd, OwnedFd};
        if spec.image.is_some() {
            return Err(
                "a container-image function runs only in a sandbox (isolation namespace, as root)"
                    .into(),
            );
        }
        for dir in &spec.shared_dirs {
            link_shared(dir);
        }
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

/// Without a mount namespace a shared directory (an EFS mapping) can only appear at its `/mnt/<name>` on the host
/// itself: as a symbolic link to the directory, made when the path is free and this process may write `/mnt`
/// (root). A link already there to the same directory is used as is; anything else is left alone and said.
fn link_shared(dir: &SharedDir) {
    let target = Path::new(&dir.target);
    if !SharedDir::valid_target(&dir.target) {
        return;
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if target.symlink_metadata().is_ok() {
        if !same(target, &dir.source) {
            tracing::warn!(
                "isolation process: {} is not shared at {}: that path exists on this host and is something else",
                dir.source.display(),
                dir.target
            );
        }
        return;
    }
    let made = target
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::os::unix::fs::symlink(&dir.source, target));
    match made {
        Ok(()) => tracing::info!(
            "isolation process: {} linked to {} on this host",
            dir.target,
            dir.source.display()
        ),
        Err(e) => tracing::warn!(
            "isolation process: {} is not shared at {} ({e}); functions see it only where /mnt can be written \
             (run as root, or use --isolation namespace)",
            dir.source.display(),
            dir.target
        ),
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
