//! One execution environment as the host sees it: create, freeze, thaw, measure, destroy.
//!
//! `create` makes the cgroup, then starts `lambkin sandbox-enter` with fresh mount, PID, network, IPC and UTS
//! namespaces, already inside the cgroup before it runs a single instruction of its own, and with the child end
//! of the control channel as its descriptor 3. The host keeps the other end; that channel is the only way the
//! host and the init talk.

use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::cgroup::{Cgroup, CgroupError, Limits};
use crate::enter::EnterPlan;
use crate::plan::RootPlan;

/// Memory that buys one full vCPU on Lambda.
pub const MB_PER_VCPU: u64 = 1769;
/// Most processes and threads in one environment (Lambda allows 1,024).
pub const PIDS_MAX: u64 = 1024;

/// Egress of an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Loopback only.
    None,
    /// User-mode networking through `pasta` (Debian's `passt` package): the outside is reachable, the host's
    /// own loopback services are not (`--no-map-gw`).
    Pasta,
}

/// Where `pasta` is looked for.
const PASTA: &str = "/usr/bin/pasta";

impl Network {
    /// `pasta` when it is installed, else loopback only.
    pub fn default_for_host() -> Self {
        if Path::new(PASTA).exists() {
            Self::Pasta
        } else {
            Self::None
        }
    }

    /// The name used in logs and options.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pasta => "pasta",
        }
    }
}

/// What to build.
#[derive(Debug, Clone)]
pub struct EnvironmentSpec {
    /// Unique id (names the cgroup and the state directory).
    pub id: String,
    /// Unpacked function code (`/var/task`).
    pub code_dir: PathBuf,
    /// Unpacked layers in order (`/opt`, later wins).
    pub layers: Vec<PathBuf>,
    /// Managed runtime (`/var/runtime`).
    pub runtime_dir: Option<PathBuf>,
    /// Host directories the runtime's interpreter needs, bound read-only at the same path.
    pub host_binds: Vec<PathBuf>,
    /// `MemorySize`.
    pub memory_mb: u32,
    /// `EphemeralStorage` (size of `/tmp`).
    pub ephemeral_mb: u32,
    /// Egress.
    pub network: Network,
    /// Operator root filesystem instead of the host's `/usr`, `/lib*`, `/bin`, `/sbin`.
    pub rootfs: Option<PathBuf>,
    /// Where environments keep their state directories.
    pub state_dir: PathBuf,
    /// The lambkin binary (runs as `sandbox-enter` and as the init).
    pub lambkin: PathBuf,
}

/// Why an environment could not be built or managed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// cgroup failure.
    #[error(transparent)]
    Cgroup(#[from] CgroupError),
    /// Any other step, with what failed.
    #[error("{0}: {1}")]
    Io(&'static str, io::Error),
}

/// Figures of a running environment.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Peak memory of all its processes.
    pub memory_peak_bytes: u64,
    /// CPU time of all its processes.
    pub cpu_time: Duration,
    /// OOM kills so far.
    pub oom_kills: u64,
}

/// A running environment.
pub struct Environment {
    id: String,
    cgroup: Option<Box<dyn Cgroup>>,
    enter: Child,
    state_dir: PathBuf,
    egress: Option<Egress>,
}

/// The user-mode network of an environment: the named handle of its network namespace and `pasta`'s pid.
struct Egress {
    netns: PathBuf,
    pasta_pid: Option<u32>,
}

impl Egress {
    /// Names the environment's network namespace and attaches `pasta` to it; returns once it is configured
    /// (`pasta` goes to the background only then).
    fn start(id: &str, enter_pid: u32, state_dir: &Path) -> Result<Self, SandboxError> {
        let dir = Path::new("/run/netns");
        std::fs::create_dir_all(dir).map_err(io_err("create /run/netns"))?;
        let netns = dir.join(format!("lambkin-{id}"));
        std::fs::File::create(&netns).map_err(io_err("create the netns handle"))?;
        let mut egress = Self {
            netns,
            pasta_pid: None,
        };
        rustix::mount::mount_bind(format!("/proc/{enter_pid}/ns/net"), &egress.netns)
            .map_err(|e| SandboxError::Io("name the network namespace", e.into()))?;
        match attach_pasta(&egress.netns, &state_dir.join("pasta.pid")) {
            Ok(pid) => egress.pasta_pid = pid,
            Err(e) => {
                egress.stop();
                return Err(SandboxError::Io("start pasta", e));
            }
        }
        Ok(egress)
    }

    fn stop(&mut self) {
        if let Some(pid) = self
            .pasta_pid
            .take()
            .and_then(|p| rustix::process::Pid::from_raw(p as i32))
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
        let _ = rustix::mount::unmount(&self.netns, rustix::mount::UnmountFlags::DETACH);
        let _ = std::fs::remove_file(&self.netns);
    }
}

/// Attaches `pasta` (user-mode egress) to the network namespace named `netns`; returns once it is configured,
/// with `pasta`'s pid (also left in `pidfile`).
pub(crate) fn attach_pasta(netns: &Path, pidfile: &Path) -> io::Result<Option<u32>> {
    let out = Command::new(PASTA)
        // No port forwarding in either direction, no gateway mapping: by default pasta forwards the host's bound
        // loopback ports into the namespace, which would expose the host's own services (the lambkin API).
        .args([
            "--config-net",
            "--no-map-gw",
            "--quiet",
            "--runas",
            "0",
            "--netns-only",
        ])
        .args([
            "-t", "none", "-u", "none", "-T", "none", "-U", "none", "--netns",
        ])
        .arg(netns)
        .arg("--pid")
        .arg(pidfile)
        .stdin(Stdio::null())
        .output()?;
    let pid: Option<u32> = std::fs::read_to_string(pidfile)
        .ok()
        .and_then(|s| s.trim().parse().ok());
    if !out.status.success() {
        if let Some(p) = pid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
            let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
        }
        return Err(io::Error::other(format!(
            "pasta: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(pid)
}

fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> SandboxError {
    move |e| SandboxError::Io(what, e)
}

fn resolv_conf() -> String {
    std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default()
}

impl Environment {
    /// Builds and starts the environment; returns it and the host end of its control channel. The init
    /// waits for `Start` on that channel.
    pub fn create(spec: &EnvironmentSpec) -> Result<(Self, UnixStream), SandboxError> {
        let limits = Limits {
            memory_bytes: u64::from(spec.memory_mb) * 1024 * 1024,
            pids_max: PIDS_MAX,
            cpu_millis: (u64::from(spec.memory_mb) * 1000 / MB_PER_VCPU).max(50) as u32,
        };
        let state_dir = spec.state_dir.join(&spec.id);
        std::fs::create_dir_all(&state_dir).map_err(io_err("create the state directory"))?;
        std::fs::write(state_dir.join(OWNER_FILE), std::process::id().to_string())
            .map_err(io_err("record the owner"))?;
        let cgroup = crate::cgroup::host()?.create(&spec.id, &limits)?;
        let image = state_dir.join("tmp.img");
        let tmp_image = match crate::tmpimage::take(spec.ephemeral_mb, &image) {
            Ok(()) => Some(image),
            Err(e) => {
                tracing::warn!(
                    "/tmp falls back to a tmpfs (its pages count against MemorySize): {e}"
                );
                None
            }
        };
        let root = RootPlan::build(
            &spec.code_dir,
            &spec.layers,
            spec.runtime_dir.as_deref(),
            &spec.host_binds,
            spec.ephemeral_mb,
            tmp_image.as_deref(),
            spec.rootfs.as_deref(),
            &spec.lambkin,
            &resolv_conf(),
        );
        let plan = EnterPlan {
            root_dir: state_dir.join("root"),
            root,
            hostname: "sandbox".into(),
            init_args: vec![
                "init".into(),
                "--control-fd".into(),
                "3".into(),
                "--pid1".into(),
            ],
        };
        let plan_json = serde_json::to_string(&plan)
            .map_err(|e| SandboxError::Io("encode the plan", e.into()))?;
        // A prepared network namespace when the pool has one (joined with setns), else a new one.
        let pooled = crate::netpool::take(spec.network);
        let netns_file = match &pooled {
            Some(p) => match std::fs::File::open(&p.netns) {
                Ok(f) => Some(f),
                Err(e) => {
                    let mut p = crate::netpool::Prepared {
                        netns: p.netns.clone(),
                        pasta_pid: p.pasta_pid,
                    };
                    crate::netpool::release(&mut p);
                    tracing::debug!("a pooled network namespace was unusable: {e}");
                    None
                }
            },
            None => None,
        };
        let pooled = if netns_file.is_some() { pooled } else { None };
        let netns_fd: i32 = netns_file.as_ref().map(|f| f.as_raw_fd()).unwrap_or(-1);
        let (host, child) = UnixStream::pair().map_err(io_err("create the control channel"))?;
        let child: OwnedFd = child.into();
        let child_fd = child.as_raw_fd();
        let procs: Vec<std::fs::File> = cgroup
            .procs_files()
            .iter()
            .map(|p| OpenOptions::new().write(true).open(p))
            .collect::<Result<_, _>>()
            .map_err(io_err("open cgroup.procs"))?;
        let procs_fds: Vec<i32> = procs.iter().map(|f| f.as_raw_fd()).collect();
        let mut cmd = Command::new(&spec.lambkin);
        cmd.args(["sandbox-enter", "--plan", &plan_json])
            .env_clear()
            .stdin(Stdio::null());
        // SAFETY: between fork and exec the closure only makes raw system calls (write, unshare, dup2) on
        // descriptors opened before the fork and constants; nothing allocates.
        unsafe {
            cmd.pre_exec(move || {
                // The environment dies with its host process (the init dies with this one, and every
                // process of the PID namespace with the init).
                lambkin_init::supervisor::die_with_parent()?;
                for fd in &procs_fds {
                    if libc::write(*fd, b"0".as_ptr().cast(), 1) != 1 {
                        return Err(io::Error::last_os_error());
                    }
                }
                // The cgroup namespace is unshared after joining the cgroup, so the environment's own cgroup
                // is its root: the init can mount it to read its figures and sees nothing above it.
                let mut flags = libc::CLONE_NEWNS
                    | libc::CLONE_NEWCGROUP
                    | libc::CLONE_NEWPID
                    | libc::CLONE_NEWIPC
                    | libc::CLONE_NEWUTS;
                if netns_fd >= 0 {
                    if libc::setns(netns_fd, libc::CLONE_NEWNET) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                } else {
                    flags |= libc::CLONE_NEWNET;
                }
                if libc::unshare(flags) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::dup2(child_fd, 3) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let enter = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                let _ = cgroup.destroy();
                let _ = std::fs::remove_dir_all(&state_dir);
                return Err(SandboxError::Io("start sandbox-enter", e));
            }
        };
        drop(child);
        drop(procs);
        let mut env = Self {
            id: spec.id.clone(),
            cgroup: Some(cgroup),
            enter,
            state_dir,
            egress: None,
        };
        drop(netns_file);
        match pooled {
            // Owned by the environment now: destroy stops its pasta and removes it.
            Some(p) => {
                env.egress = Some(Egress {
                    netns: p.netns,
                    pasta_pid: p.pasta_pid,
                });
                if let Some(pid) = env.egress.as_ref().and_then(|e| e.pasta_pid) {
                    let _ = std::fs::write(env.state_dir.join("pasta.pid"), pid.to_string());
                }
                let _ = std::fs::write(
                    env.state_dir.join("netns"),
                    env.egress
                        .as_ref()
                        .map(|e| e.netns.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
            }
            None if spec.network == Network::Pasta => {
                env.egress = Some(Egress::start(&spec.id, env.enter.id(), &env.state_dir)?);
            }
            None => {}
        }
        Ok((env, host))
    }

    /// The environment's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cgroup(&self) -> Result<&dyn Cgroup, SandboxError> {
        self.cgroup.as_deref().ok_or(SandboxError::Io(
            "use the cgroup",
            io::Error::from(io::ErrorKind::NotFound),
        ))
    }

    /// Stops every process of the environment where it stands.
    pub fn freeze(&self) -> Result<(), SandboxError> {
        Ok(self.cgroup()?.freeze()?)
    }

    /// Lets the environment run again.
    pub fn thaw(&self) -> Result<(), SandboxError> {
        Ok(self.cgroup()?.thaw()?)
    }

    /// How many processes of the environment the OOM killer has killed so far (0 when unknown).
    pub fn oom_kills(&self) -> u64 {
        self.stats().map(|s| s.oom_kills).unwrap_or(0)
    }

    /// Memory high-water mark, CPU time and OOM kills.
    pub fn stats(&self) -> Result<Stats, SandboxError> {
        let cg = self.cgroup()?;
        Ok(Stats {
            memory_peak_bytes: cg.memory_peak(),
            cpu_time: cg.cpu_time(),
            oom_kills: cg.oom_kills(),
        })
    }

    /// Pids in the environment (host view).
    pub fn pids(&self) -> Vec<u32> {
        self.cgroup.as_ref().map(|c| c.pids()).unwrap_or_default()
    }

    /// Kills everything and removes every trace: processes, cgroup, state directory (the mounts live only in
    /// the environment's mount namespace and go with its last process).
    pub fn destroy(mut self) -> Result<(), SandboxError> {
        self.teardown()
    }

    fn teardown(&mut self) -> Result<(), SandboxError> {
        let Some(cg) = self.cgroup.take() else {
            return Ok(());
        };
        // Kill through the cgroup first: it thaws a frozen environment, whose processes could not die (and
        // could not be waited for) otherwise.
        let killed = cg.kill_all();
        let _ = self.enter.kill();
        let _ = self.enter.wait();
        if let Some(mut egress) = self.egress.take() {
            egress.stop();
        }
        killed?;
        cg.destroy()?;
        remove_state(&self.state_dir)
    }
}

/// The file in an environment's state directory naming the host process that owns it.
const OWNER_FILE: &str = "owner";

/// Removes environments whose owner process is gone (a host killed with SIGKILL leaves its environments
/// behind, possibly frozen, which even SIGKILL cannot end until they are thawed). Hosts call it when they
/// start, before their first environment.
pub fn sweep_orphans(state_dir: &Path) {
    crate::netpool::sweep(false);
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let owner: Option<u32> = std::fs::read_to_string(dir.join(OWNER_FILE))
            .ok()
            .and_then(|s| s.trim().parse().ok());
        let alive = owner.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if alive || owner.is_none() {
            continue;
        }
        let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        tracing::info!("removing environment {id} left behind by process {owner:?}");
        let mut egress = Egress {
            netns: std::fs::read_to_string(dir.join("netns"))
                .ok()
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new("/run/netns").join(format!("lambkin-{id}"))),
            pasta_pid: std::fs::read_to_string(dir.join("pasta.pid"))
                .ok()
                .and_then(|s| s.trim().parse().ok()),
        };
        egress.stop();
        if let Some(cg) = crate::cgroup::host().ok().and_then(|h| h.open(&id)) {
            let _ = cg.thaw();
            if let Err(e) = cg.destroy() {
                tracing::warn!("environment {id}: {e}");
                continue;
            }
        }
        let _ = remove_state(&dir);
    }
}

fn remove_state(dir: &Path) -> Result<(), SandboxError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SandboxError::Io("remove the state directory", e)),
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        if let Err(e) = self.teardown() {
            tracing::warn!("environment {}: cleanup failed: {e}", self.id);
        }
    }
}
