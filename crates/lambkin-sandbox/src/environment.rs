//! One execution environment as the host sees it: create, freeze, thaw, measure, destroy.
//!
//! `create` makes the cgroup, then starts `lambkin sandbox-enter` with fresh mount, PID, network, IPC and UTS
//! namespaces, already inside the cgroup before it runs a single instruction of its own, and with the child end
//! of the control channel as its descriptor 3. The host keeps the other end; that channel is the only way the
//! host and the init talk.
//!
//! Every environment's state directory is the record of what it holds on the host: it names its owner
//! ([`Owner`]: pid and start time) before anything else exists, and its network namespace (and `pasta`)
//! before that exists; it is removed only after everything is gone. Whatever fails half way releases what
//! exists, then the directory; whatever a killed host leaves, [`sweep_orphans`] finds by it.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lambkin_wire::launch::InitCommand;

use crate::cgroup::{Cgroup, CgroupError, Limits};
use crate::enter::EnterPlan;
use crate::owner::Owner;
use crate::plan::{Base, RootPlan};

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
    /// Host directories shared read-write at `/mnt/<name>` (EFS access points as the operator mapped them).
    pub shared_dirs: Vec<crate::plan::SharedDir>,
    /// A container image's unpacked layers, bottom first: the whole root (read-only), instead of the host's
    /// system directories, the code, the layers and the runtime, which are then unused.
    pub image: Option<Vec<PathBuf>>,
    /// `MemorySize`.
    pub memory_mb: u32,
    /// Everything else: what a prepared environment is built with before its function is known.
    pub shape: EnvironmentShape,
}

/// What an environment is made of besides its function: `/tmp`'s size, egress, the root filesystem, where its
/// state lives, the executables that build it. A prepared environment ([`crate::prepared::Blank`]) is built
/// from this alone, and fits any function of the same shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentShape {
    /// `EphemeralStorage` (size of `/tmp`).
    pub ephemeral_mb: u32,
    /// Egress.
    pub network: Network,
    /// Operator root filesystem instead of the host's `/usr`, `/lib*`, `/bin`, `/sbin`.
    pub rootfs: Option<PathBuf>,
    /// Where environments keep their state directories.
    pub state_dir: PathBuf,
    /// The lambkin binary: `sandbox-enter` runs as `lambkin-enter` beside it, else as its subcommand.
    pub lambkin: PathBuf,
    /// How the init (PID 1) is started; its program is bound into the environment.
    pub init: InitCommand,
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

/// A running environment. Each part is optional so that one half built is released by the same teardown.
pub struct Environment {
    id: String,
    cgroup: Option<Box<dyn Cgroup>>,
    enter: Option<Child>,
    state_dir: PathBuf,
    egress: Option<Egress>,
}

/// The file in an environment's state directory naming the host process that owns it.
const OWNER_FILE: &str = "owner";
/// The file in an environment's state directory naming its network namespace (when it has a named one).
const NETNS_FILE: &str = "netns";
/// The file in an environment's state directory holding its `pasta`'s pid.
const PASTA_FILE: &str = "pasta.pid";

/// The user-mode network of an environment: the named handle of its network namespace and `pasta`'s pid.
struct Egress {
    netns: PathBuf,
    pasta_pid: Option<u32>,
}

impl Egress {
    /// Names the environment's network namespace and attaches `pasta` to it; returns once it is configured
    /// (`pasta` goes to the background only then). The name is recorded in the state directory first.
    fn start(env: &mut Environment, enter_pid: u32) -> Result<(), SandboxError> {
        let dir = Path::new("/run/netns");
        crate::netpool::prepare_netns_dir().map_err(io_err("prepare /run/netns"))?;
        let netns = dir.join(format!("lambkin-{}", env.id));
        std::fs::write(
            env.state_dir.join(NETNS_FILE),
            netns.to_string_lossy().as_bytes(),
        )
        .map_err(io_err("record the network namespace"))?;
        std::fs::File::create(&netns).map_err(io_err("create the netns handle"))?;
        let egress = env.egress.insert(Self {
            netns,
            pasta_pid: None,
        });
        rustix::mount::mount_bind(format!("/proc/{enter_pid}/ns/net"), &egress.netns)
            .map_err(|e| SandboxError::Io("name the network namespace", e.into()))?;
        egress.pasta_pid = attach_pasta(&egress.netns, &env.state_dir.join(PASTA_FILE))
            .map_err(|e| SandboxError::Io("start pasta", e))?;
        Ok(())
    }

    /// Stops `pasta` and removes the namespace's name; whether it is gone.
    fn stop(&mut self) -> bool {
        crate::netpool::release_netns(&self.netns, self.pasta_pid.take())
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

/// The descriptor number of a prepared environment's attach channel in `sandbox-enter` (3 is the control
/// channel, passed on to the init).
const ATTACH_FD: i32 = 4;

/// The cgroup limits of a function of `memory_mb`: memory, processes, and CPU in proportion to memory (one
/// vCPU at 1,769 MB, as on Lambda).
fn limits(memory_mb: u32) -> Limits {
    Limits {
        memory_bytes: u64::from(memory_mb) * 1024 * 1024,
        pids_max: PIDS_MAX,
        cpu_millis: (u64::from(memory_mb) * 1000 / MB_PER_VCPU).max(50) as u32,
    }
}

/// The function's own mounts: code, runtime, interpreter directories, layers, shared directories.
pub(crate) fn function_plan(spec: &EnvironmentSpec) -> RootPlan {
    let own = match spec.image {
        // The image is the root: only the shared directories are the function's own.
        Some(_) => RootPlan { ops: Vec::new() },
        None => RootPlan::function(
            &spec.code_dir,
            &spec.layers,
            spec.runtime_dir.as_deref(),
            &spec.host_binds,
        ),
    };
    own.with_shared(&spec.shared_dirs)
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
        let (env, channel, _) = Self::build(spec, false)?;
        Ok((env, channel))
    }

    /// Builds an environment: complete, or (`prepared`) from the skeleton alone with its init waiting and an
    /// attach channel for the function's trees (`prepared.rs`), whose host end is returned too.
    pub(crate) fn build(
        spec: &EnvironmentSpec,
        prepared: bool,
    ) -> Result<(Self, UnixStream, Option<OwnedFd>), SandboxError> {
        let limits = limits(spec.memory_mb);
        let cgroups = crate::cgroup::host()?;
        let state_dir = spec.shape.state_dir.join(&spec.id);
        // The record first: the state directory names its owner before anything of the environment exists.
        std::fs::create_dir_all(&state_dir).map_err(io_err("create the state directory"))?;
        if let Err(e) = std::fs::write(state_dir.join(OWNER_FILE), Owner::me().to_string()) {
            let _ = std::fs::remove_dir_all(&state_dir);
            return Err(SandboxError::Io("record the owner", e));
        }
        // From here on, an error drops `env`, which releases whatever exists, then the state directory.
        let mut env = Self {
            id: spec.id.clone(),
            cgroup: None,
            enter: None,
            state_dir: state_dir.clone(),
            egress: None,
        };
        let procs_files = env
            .cgroup
            .insert(cgroups.create(&spec.id, &limits)?)
            .procs_files();
        let image = state_dir.join("tmp.img");
        let tmp_image = match crate::tmpimage::take(spec.shape.ephemeral_mb, &image) {
            Ok(()) => Some(image),
            Err(e) => {
                tracing::warn!(
                    "/tmp falls back to a tmpfs (its pages count against MemorySize): {e}"
                );
                None
            }
        };
        let init_deps = spec
            .image
            .as_ref()
            .and_then(|_| crate::initdeps::of(&spec.shape.init.program));
        let base = match (&spec.image, &spec.shape.rootfs) {
            (Some(layers), _) => Base::Image {
                layers,
                init_deps: init_deps.as_ref(),
            },
            (None, Some(rootfs)) => Base::Rootfs(rootfs),
            (None, None) => Base::Host,
        };
        let mut root = RootPlan::skeleton(
            spec.shape.ephemeral_mb,
            tmp_image.as_deref(),
            base,
            &spec.shape.init.program,
            &resolv_conf(),
        );
        if !prepared {
            root.ops.extend(function_plan(spec).ops);
        }
        let root = root.seal_image_top();
        let (attach_host, attach_child) = if prepared {
            let (h, c) = rustix::net::socketpair(
                rustix::net::AddressFamily::UNIX,
                rustix::net::SocketType::SEQPACKET,
                rustix::net::SocketFlags::CLOEXEC,
                None,
            )
            .map_err(|e| SandboxError::Io("create the attach channel", e.into()))?;
            (Some(h), Some(c))
        } else {
            (None, None)
        };
        let plan = EnterPlan {
            root_dir: state_dir.join("root"),
            root,
            hostname: "sandbox".into(),
            init_args: spec.shape.init.args(3, true),
            attach_fd: prepared.then_some(ATTACH_FD),
        };
        let plan_json = serde_json::to_string(&plan)
            .map_err(|e| SandboxError::Io("encode the plan", e.into()))?;
        // A prepared network namespace when the pool has one (joined with setns), else a new one. The
        // environment records it before the pool forgets it, and owns it from then on.
        let netns_file = match crate::netpool::take(spec.shape.network) {
            Some(p) => match std::fs::File::open(&p.netns) {
                Ok(f) => {
                    if let Some(pid) = p.pasta_pid {
                        std::fs::write(state_dir.join(PASTA_FILE), pid.to_string())
                            .map_err(io_err("record pasta"))?;
                    }
                    std::fs::write(
                        state_dir.join(NETNS_FILE),
                        p.netns.to_string_lossy().as_bytes(),
                    )
                    .map_err(io_err("record the network namespace"))?;
                    let (netns, pasta_pid) = p.into_owned();
                    env.egress = Some(Egress { netns, pasta_pid });
                    Some(f)
                }
                Err(e) => {
                    // Dropped: released, then unrecorded.
                    tracing::debug!("a pooled network namespace was unusable: {e}");
                    None
                }
            },
            None => None,
        };
        let netns_fd: i32 = netns_file.as_ref().map(|f| f.as_raw_fd()).unwrap_or(-1);
        let (host, child) = UnixStream::pair().map_err(io_err("create the control channel"))?;
        let child: OwnedFd = child.into();
        let child_fd = child.as_raw_fd();
        let procs: Vec<std::fs::File> = procs_files
            .iter()
            .map(|p| OpenOptions::new().write(true).open(p))
            .collect::<Result<_, _>>()
            .map_err(io_err("open cgroup.procs"))?;
        let procs_fds: Vec<i32> = procs.iter().map(|f| f.as_raw_fd()).collect();
        let attach_fd: i32 = attach_child.as_ref().map(|f| f.as_raw_fd()).unwrap_or(-1);
        let (enter_program, enter_prefix) = crate::enter::command(&spec.shape.lambkin);
        let mut cmd = Command::new(enter_program);
        cmd.args(enter_prefix)
            .args(["--plan", &plan_json])
            .env_clear()
            .stdin(Stdio::null());
        // SAFETY: between fork and exec the closure only makes raw system calls (write, unshare, dup2) on
        // descriptors opened before the fork and constants; nothing allocates.
        unsafe {
            cmd.pre_exec(move || {
                // The environment dies with its host process (the init dies with this one, and every
                // process of the PID namespace with the init).
                lambkin_wire::process::die_with_parent()?;
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
                if attach_fd >= 0 && libc::dup2(attach_fd, ATTACH_FD) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let enter = cmd
            .spawn()
            .map_err(|e| SandboxError::Io("start sandbox-enter", e))?;
        let enter_pid = env.enter.insert(enter).id();
        drop(child);
        drop(attach_child);
        drop(procs);
        drop(netns_file);
        if env.egress.is_none() && spec.shape.network == Network::Pasta {
            Egress::start(&mut env, enter_pid)?;
        }
        Ok((env, host, attach_host))
    }

    /// Gives every thread of the environment's processes and of its `pasta` the scheduling priority `nice`
    /// (a prepared environment is built at a low priority, off the path of invokes; assigned, it runs at the
    /// host's). Processes gone meanwhile are skipped.
    pub(crate) fn renice(&self, nice: i32) {
        let mut pids = self.pids();
        pids.extend(self.egress.as_ref().and_then(|e| e.pasta_pid));
        for pid in pids {
            let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
                continue;
            };
            for tid in tasks.flatten() {
                let Some(tid) = tid.file_name().to_str().and_then(|t| t.parse::<u32>().ok()) else {
                    continue;
                };
                // SAFETY: setpriority(2) on a thread id; no memory is involved.
                unsafe {
                    libc::setpriority(libc::PRIO_PROCESS, tid, nice);
                }
            }
        }
    }

    /// Sets the cgroup's limits (a prepared environment's, when its function is assigned).
    pub(crate) fn set_limits(&self, memory_mb: u32) -> Result<(), SandboxError> {
        Ok(self.cgroup()?.apply(&limits(memory_mb))?)
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
        self.cgroup().map(|cg| cg.oom_kills()).unwrap_or(0)
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

    /// Releases whatever exists, then the record (the state directory). On an error what remains stays
    /// recorded, and a later call (or the next start's sweep, once this process is gone) tries again.
    fn teardown(&mut self) -> Result<(), SandboxError> {
        // Kill through the cgroup first: it thaws a frozen environment, whose processes could not die (and
        // could not be waited for) otherwise.
        let killed = self.cgroup.as_ref().map(|cg| cg.kill_all());
        if let Some(mut enter) = self.enter.take() {
            let _ = enter.kill();
            let _ = enter.wait();
        }
        if self.egress.as_mut().is_some_and(Egress::stop) {
            self.egress = None;
        }
        killed.transpose()?;
        if let Some(cg) = &self.cgroup {
            cg.destroy()?;
            self.cgroup = None;
        }
        if self.egress.is_some() {
            return Err(SandboxError::Io(
                "remove the network namespace",
                io::Error::from(io::ErrorKind::ResourceBusy),
            ));
        }
        remove_state(&self.state_dir)
    }
}

/// What an environment's state directory records.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    /// `None`: no owner file (nothing of the environment was made yet).
    owner: Option<Owner>,
    netns: Option<PathBuf>,
    pasta_pid: Option<u32>,
}

fn read_record(dir: &Path) -> Record {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
    Record {
        owner: read(OWNER_FILE).and_then(|s| Owner::parse(&s)),
        netns: read(NETNS_FILE)
            .filter(|s| !s.trim().is_empty())
            .map(|s| PathBuf::from(s.trim())),
        pasta_pid: read(PASTA_FILE).and_then(|s| s.trim().parse().ok()),
    }
}

/// A state directory with no owner file is removed past this age: nothing is made before the owner is
/// recorded, so it holds nothing but itself (younger, a host may be writing the owner this instant).
const UNOWNED_AGE: Duration = Duration::from_secs(60);

/// Releases everything whose owner process is gone: environments (a host killed with SIGKILL leaves its
/// environments behind, possibly frozen, which even SIGKILL cannot end until they are thawed), pooled network
/// namespaces, half-made `/tmp` images. A live owner's are never touched: several hosts may share the state
/// directory. Hosts call it when they start, before their first environment.
pub fn sweep_orphans(state_dir: &Path) {
    let referenced = sweep_environments(state_dir);
    crate::netpool::sweep_with(false, Some(&referenced));
    crate::tmpimage::sweep();
}

/// Releases the environments in `state_dir` whose owner is dead; returns the network namespaces the others
/// (live, or not releasable now) still name.
fn sweep_environments(state_dir: &Path) -> HashSet<PathBuf> {
    let mut referenced: HashSet<PathBuf> = HashSet::new();
    for entry in std::fs::read_dir(state_dir).into_iter().flatten().flatten() {
        let dir = entry.path();
        let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let record = read_record(&dir);
        let netns = record
            .netns
            .clone()
            .unwrap_or_else(|| Path::new("/run/netns").join(format!("lambkin-{id}")));
        match record.owner {
            Some(owner) if owner.is_alive() => {
                referenced.insert(netns);
            }
            Some(owner) => {
                tracing::info!(
                    "removing environment {id} left behind by process {}",
                    owner.pid
                );
                if let Err(e) = release_orphan(&id, &dir, netns.clone(), record.pasta_pid) {
                    tracing::warn!("environment {id}: {e}");
                    referenced.insert(netns);
                }
            }
            None if dir.join(OWNER_FILE).exists() => {
                // An owner this version cannot read: not ours to judge.
                referenced.insert(netns);
            }
            None => {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > UNOWNED_AGE);
                if old {
                    let _ = remove_state(&dir);
                } else {
                    referenced.insert(netns);
                }
            }
        }
    }
    referenced
}

/// Releases a dead owner's environment: its processes and cgroup, its network namespace and `pasta`, then its
/// state directory.
fn release_orphan(
    id: &str,
    dir: &Path,
    netns: PathBuf,
    pasta_pid: Option<u32>,
) -> Result<(), SandboxError> {
    if let Some(cg) = crate::cgroup::host().ok().and_then(|h| h.open(id)) {
        let _ = cg.thaw();
        cg.destroy()?;
    }
    let mut egress = Egress { netns, pasta_pid };
    if !egress.stop() {
        return Err(SandboxError::Io(
            "remove the network namespace",
            io::Error::from(io::ErrorKind::ResourceBusy),
        ));
    }
    remove_state(dir)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lkb-{tag}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    fn dead_owner() -> Owner {
        let mut child = Command::new("sleep").arg("5").spawn().expect("sleep");
        let owner = Owner::of(child.id()).expect("running");
        child.kill().expect("kill");
        child.wait().expect("wait");
        owner
    }

    fn state(root: &Path, id: &str, owner: Option<&str>, netns: Option<&str>) -> PathBuf {
        let dir = root.join(id);
        std::fs::create_dir_all(&dir).expect("mkdir");
        if let Some(o) = owner {
            std::fs::write(dir.join(OWNER_FILE), o).expect("owner");
        }
        if let Some(n) = netns {
            std::fs::write(dir.join(NETNS_FILE), n).expect("netns");
        }
        std::fs::write(dir.join("tmp.img"), "").expect("image");
        dir
    }

    #[test]
    fn records_read_back() {
        let root = temp_dir("record");
        let dir = state(
            &root,
            "e",
            Some("12-34\n"),
            Some("/run/netns/lambkin-pool-12-34-ab\n"),
        );
        std::fs::write(dir.join(PASTA_FILE), "99\n").expect("pasta");
        assert_eq!(
            read_record(&dir),
            Record {
                owner: Some(Owner {
                    pid: 12,
                    start: Some(34)
                }),
                netns: Some(PathBuf::from("/run/netns/lambkin-pool-12-34-ab")),
                pasta_pid: Some(99),
            }
        );
        let empty = state(&root, "f", None, None);
        assert_eq!(
            read_record(&empty),
            Record {
                owner: None,
                netns: None,
                pasta_pid: None
            }
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn only_dead_owners_environments_are_swept() {
        let root = temp_dir("states");
        let me = Owner::me();
        let dead = dead_owner();
        let recycled = Owner {
            pid: me.pid,
            start: me.start.map(|s| s + 1),
        };
        // The environments' network namespaces do not exist here: releasing them finds nothing to do.
        let id = |tag: &str| format!("test-{tag}-{}", uuid::Uuid::new_v4().simple());
        let live = state(
            &root,
            &id("live"),
            Some(&me.to_string()),
            Some("/run/netns/lambkin-pool-x"),
        );
        let old_live = state(&root, &id("old-live"), Some(&me.pid.to_string()), None);
        let gone = state(
            &root,
            &id("dead"),
            Some(&dead.to_string()),
            Some("/run/netns/lambkin-pool-y"),
        );
        let reused = state(&root, &id("recycled"), Some(&recycled.to_string()), None);
        let foreign = state(&root, &id("foreign"), Some("owner: someone"), None);
        let unowned_young = state(&root, &id("young"), None, None);
        let unowned_old = state(&root, &id("old"), None, None);
        std::fs::File::options()
            .write(true)
            .open(&unowned_old)
            .or_else(|_| std::fs::File::open(&unowned_old))
            .expect("open")
            .set_modified(std::time::SystemTime::now() - 2 * UNOWNED_AGE)
            .expect("age it");
        let referenced = sweep_environments(&root);
        for kept in [&live, &old_live, &foreign, &unowned_young] {
            assert!(kept.exists(), "{} was swept", kept.display());
        }
        for swept in [&gone, &reused, &unowned_old] {
            assert!(!swept.exists(), "{} left behind", swept.display());
        }
        assert!(referenced.contains(Path::new("/run/netns/lambkin-pool-x")));
        assert!(!referenced.contains(Path::new("/run/netns/lambkin-pool-y")));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_failed_create_leaves_nothing_behind() {
        if !rustix::process::geteuid().is_root() || crate::cgroup::host().is_err() {
            eprintln!("skipping: needs root and cgroups");
            return;
        }
        let root = temp_dir("create");
        let code = temp_dir("code");
        let spec = EnvironmentSpec {
            id: format!("test-create-{}", uuid::Uuid::new_v4().simple()),
            code_dir: code.clone(),
            layers: Vec::new(),
            runtime_dir: None,
            host_binds: Vec::new(),
            shared_dirs: Vec::new(),
            image: None,
            memory_mb: 128,
            shape: EnvironmentShape {
                ephemeral_mb: 16,
                network: Network::None,
                rootfs: None,
                state_dir: root.clone(),
                // sandbox-enter cannot start: everything made before must go.
                lambkin: root.join("no-such-binary"),
                init: InitCommand::beside(&root.join("no-such-binary")),
            },
        };
        let claimed_of_mine = || {
            std::fs::read_dir("/run/lambkin/netns-pool")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|f| f.ends_with(".claimed") && f.contains(&format!("-{}-", Owner::me())))
                .collect::<Vec<_>>()
        };
        let Err(e) = Environment::create(&spec) else {
            panic!("created without a binary");
        };
        assert!(e.to_string().contains("sandbox-enter"), "{e}");
        assert!(!root.join(&spec.id).exists(), "state directory left behind");
        let cgroups = crate::cgroup::host().expect("cgroups");
        assert!(cgroups.open(&spec.id).is_none(), "cgroup left behind");
        assert!(claimed_of_mine().is_empty(), "{:?}", claimed_of_mine());
        // The namespaces the pool prepared meanwhile (no other test here uses the host's pool).
        crate::netpool::sweep(true);
        let _ = std::fs::remove_dir_all(&root);
        let _ = std::fs::remove_dir_all(&code);
    }
}
