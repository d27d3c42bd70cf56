//! One cgroup per environment, on cgroup v2 or v1, whichever the host has.
//!
//! Limits: memory = `MemorySize` with no swap, a pids limit, CPU quota and weight proportional to memory.
//! Also the freezer (idle environments do not run), peak memory and CPU time (REPORT figures), OOM kills
//! (`Runtime.OutOfMemory`), and killing everything before removal so nothing is left behind.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Parent directory of all environments' cgroups, under each hierarchy's root.
const PARENT: &str = "lambkin";
/// CFS period used for CPU quotas.
const CPU_PERIOD_US: u64 = 100_000;
/// v1 controllers an environment uses.
const V1_CONTROLLERS: &[&str] = &["memory", "pids", "cpu", "cpuacct", "freezer"];
/// How long freezing, thawing and emptying may take before it is an error.
const PATIENCE: Duration = Duration::from_secs(2);

/// Resource limits of one environment.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Memory limit in bytes (no swap beyond it).
    pub memory_bytes: u64,
    /// Most processes and threads.
    pub pids_max: u64,
    /// CPU in thousandths of a CPU (1,000 = one vCPU).
    pub cpu_millis: u32,
}

/// Which cgroup hierarchy is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Legacy per-controller hierarchies.
    V1,
    /// The unified hierarchy.
    V2,
}

/// A failed cgroup operation, with the file or directory it failed on.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// Neither a usable v2 hierarchy nor the v1 controllers were found.
    #[error("no usable cgroup hierarchy: {0}")]
    Unavailable(String),
    /// A file or directory operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// On what.
        path: PathBuf,
        /// Why it failed.
        source: io::Error,
    },
    /// The kernel did not reach the requested state in time.
    #[error("{0} did not complete within {PATIENCE:?}")]
    Timeout(&'static str),
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> CgroupError + 'a {
    move |source| CgroupError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    fs::write(path, value).map_err(io_err("write", path))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

fn read_u64(path: &Path) -> u64 {
    read(path).trim().parse().unwrap_or(0)
}

/// Value of `key` in a flat-keyed file (`memory.events`, `cpu.stat`, `memory.oom_control`).
fn keyed(path: &Path, key: &str) -> u64 {
    read(path)
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// Mount points of cgroup file systems, from `/proc/self/mountinfo`: (mount point, fstype, super options).
fn cgroup_mounts() -> Vec<(PathBuf, String, String)> {
    read(Path::new("/proc/self/mountinfo"))
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount_point = left.split(' ').nth(4)?;
            let mut r = right.split(' ');
            let fstype = r.next()?;
            let _source = r.next()?;
            let options = r.next().unwrap_or("");
            fstype.starts_with("cgroup").then(|| {
                (
                    PathBuf::from(mount_point),
                    fstype.to_owned(),
                    options.to_owned(),
                )
            })
        })
        .collect()
}

fn v2_root() -> Option<PathBuf> {
    cgroup_mounts().into_iter().find_map(|(mp, fstype, _)| {
        if fstype != "cgroup2" {
            return None;
        }
        let controllers = read(&mp.join("cgroup.controllers"));
        let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
        (has("memory") && has("pids") && has("cpu")).then_some(mp)
    })
}

fn v1_roots() -> Option<Vec<(&'static str, PathBuf)>> {
    let mounts = cgroup_mounts();
    V1_CONTROLLERS
        .iter()
        .map(|c| {
            mounts
                .iter()
                .find(|(_, fstype, opts)| fstype == "cgroup" && opts.split(',').any(|o| o == *c))
                .map(|(mp, _, _)| (*c, mp.clone()))
        })
        .collect()
}

/// An environment's cgroup.
#[derive(Debug)]
pub struct Cgroup {
    version: Version,
    /// v2: one directory. v1: one per controller, deduplicated (co-mounted controllers share one).
    dirs: Vec<(&'static str, PathBuf)>,
}

impl Cgroup {
    /// Detects the hierarchy to use: v2 when it offers memory, pids and cpu, else v1's controllers.
    pub fn detect() -> Result<Version, CgroupError> {
        if v2_root().is_some() {
            Ok(Version::V2)
        } else if v1_roots().is_some() {
            Ok(Version::V1)
        } else {
            Err(CgroupError::Unavailable(format!(
                "need cgroup2 with memory, pids and cpu, or the v1 controllers {}",
                V1_CONTROLLERS.join(", ")
            )))
        }
    }

    /// Creates the environment's cgroup under `lambkin/` and applies the limits.
    pub fn create(name: &str, limits: &Limits) -> Result<Self, CgroupError> {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(CgroupError::Unavailable(format!(
                "invalid cgroup name {name:?}"
            )));
        }
        let quota = (u64::from(limits.cpu_millis) * CPU_PERIOD_US / 1000).max(1000);
        if let Some(root) = v2_root() {
            let parent = root.join(PARENT);
            fs::create_dir_all(&parent).map_err(io_err("create", &parent))?;
            // Controllers must be enabled on every level above the environment.
            for level in [&root, &parent] {
                let ctl = level.join("cgroup.subtree_control");
                let _ = fs::write(&ctl, "+memory +pids +cpu");
            }
            let dir = parent.join(name);
            fs::create_dir(&dir).map_err(io_err("create", &dir))?;
            let cg = Self {
                version: Version::V2,
                dirs: vec![("unified", dir.clone())],
            };
            let weight = (u64::from(limits.cpu_millis) / 10).clamp(1, 10_000);
            let applied = (|| {
                write(&dir.join("memory.max"), &limits.memory_bytes.to_string())?;
                if dir.join("memory.swap.max").exists() {
                    write(&dir.join("memory.swap.max"), "0")?;
                }
                write(&dir.join("pids.max"), &limits.pids_max.to_string())?;
                write(&dir.join("cpu.max"), &format!("{quota} {CPU_PERIOD_US}"))?;
                write(&dir.join("cpu.weight"), &weight.to_string())
            })();
            return match applied {
                Ok(()) => Ok(cg),
                Err(e) => {
                    let _ = cg.destroy();
                    Err(e)
                }
            };
        }
        let roots = v1_roots().ok_or_else(|| {
            CgroupError::Unavailable(format!(
                "v1 controllers {} not all mounted",
                V1_CONTROLLERS.join(", ")
            ))
        })?;
        let mut dirs: Vec<(&'static str, PathBuf)> = Vec::new();
        for (controller, root) in roots {
            let dir = root.join(PARENT).join(name);
            if dirs.iter().any(|(_, d)| *d == dir) {
                continue;
            }
            let parent = root.join(PARENT);
            fs::create_dir_all(&parent).map_err(io_err("create", &parent))?;
            if let Err(e) = fs::create_dir(&dir) {
                let _ = (Self {
                    version: Version::V1,
                    dirs,
                })
                .destroy();
                return Err(io_err("create", &dir)(e));
            }
            dirs.push((controller, dir));
        }
        let cg = Self {
            version: Version::V1,
            dirs,
        };
        let applied = (|| {
            let mem = cg.dir("memory");
            write(
                &mem.join("memory.limit_in_bytes"),
                &limits.memory_bytes.to_string(),
            )?;
            if mem.join("memory.memsw.limit_in_bytes").exists() {
                write(
                    &mem.join("memory.memsw.limit_in_bytes"),
                    &limits.memory_bytes.to_string(),
                )?;
            }
            let _ = fs::write(mem.join("memory.swappiness"), "0");
            write(
                &cg.dir("pids").join("pids.max"),
                &limits.pids_max.to_string(),
            )?;
            let cpu = cg.dir("cpu");
            write(&cpu.join("cpu.cfs_period_us"), &CPU_PERIOD_US.to_string())?;
            write(&cpu.join("cpu.cfs_quota_us"), &quota.to_string())?;
            let shares = (u64::from(limits.cpu_millis) * 1024 / 1000).max(2);
            write(&cpu.join("cpu.shares"), &shares.to_string())
        })();
        match applied {
            Ok(()) => Ok(cg),
            Err(e) => {
                let _ = cg.destroy();
                Err(e)
            }
        }
    }

    /// Opens the existing cgroup of an environment, if there is one.
    pub fn open(name: &str) -> Option<Self> {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return None;
        }
        if let Some(root) = v2_root() {
            let dir = root.join(PARENT).join(name);
            return dir.is_dir().then(|| Self {
                version: Version::V2,
                dirs: vec![("unified", dir)],
            });
        }
        let mut dirs: Vec<(&'static str, PathBuf)> = Vec::new();
        for (controller, root) in v1_roots()? {
            let dir = root.join(PARENT).join(name);
            if dir.is_dir() && !dirs.iter().any(|(_, d)| *d == dir) {
                dirs.push((controller, dir));
            }
        }
        (!dirs.is_empty()).then_some(Self {
            version: Version::V1,
            dirs,
        })
    }

    fn dir(&self, controller: &str) -> &Path {
        self.dirs
            .iter()
            .find(|(c, _)| *c == controller)
            .or_else(|| self.dirs.first())
            .map(|(_, d)| d.as_path())
            .unwrap_or(Path::new("/nonexistent"))
    }

    /// The hierarchy in use.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `cgroup.procs` files; a child writes `0` to each between fork and exec to join before it runs.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs
            .iter()
            .map(|(_, d)| d.join("cgroup.procs"))
            .collect()
    }

    /// Moves a process into the cgroup.
    pub fn add_process(&self, pid: u32) -> Result<(), CgroupError> {
        for f in self.procs_files() {
            write(&f, &pid.to_string())?;
        }
        Ok(())
    }

    fn wait(&self, what: &'static str, mut done: impl FnMut() -> bool) -> Result<(), CgroupError> {
        let start = Instant::now();
        let mut spins = 0u32;
        while !done() {
            if start.elapsed() > PATIENCE {
                return Err(CgroupError::Timeout(what));
            }
            // Spin briefly (freezing an idle environment takes microseconds), then back off.
            spins += 1;
            if spins < 50 {
                std::hint::spin_loop();
            } else {
                std::thread::sleep(Duration::from_micros(50));
            }
        }
        Ok(())
    }

    /// Stops every process; returns once the kernel reports the cgroup frozen.
    pub fn freeze(&self) -> Result<(), CgroupError> {
        match self.version {
            Version::V2 => {
                let d = self.dir("unified");
                write(&d.join("cgroup.freeze"), "1")?;
                self.wait("freeze", || keyed(&d.join("cgroup.events"), "frozen") == 1)
            }
            Version::V1 => {
                let state = self.dir("freezer").join("freezer.state");
                write(&state, "FROZEN")?;
                self.wait("freeze", || read(&state).trim() == "FROZEN")
            }
        }
    }

    /// Lets every process run again.
    pub fn thaw(&self) -> Result<(), CgroupError> {
        match self.version {
            Version::V2 => {
                let d = self.dir("unified");
                write(&d.join("cgroup.freeze"), "0")?;
                self.wait("thaw", || keyed(&d.join("cgroup.events"), "frozen") == 0)
            }
            Version::V1 => {
                let state = self.dir("freezer").join("freezer.state");
                write(&state, "THAWED")?;
                self.wait("thaw", || read(&state).trim() == "THAWED")
            }
        }
    }

    /// Peak memory of all processes, in bytes.
    pub fn memory_peak(&self) -> u64 {
        match self.version {
            Version::V2 => {
                let d = self.dir("unified");
                let peak = read_u64(&d.join("memory.peak"));
                if peak > 0 {
                    peak
                } else {
                    read_u64(&d.join("memory.current"))
                }
            }
            Version::V1 => read_u64(&self.dir("memory").join("memory.max_usage_in_bytes")),
        }
    }

    /// CPU time of all processes.
    pub fn cpu_time(&self) -> Duration {
        match self.version {
            Version::V2 => {
                Duration::from_micros(keyed(&self.dir("unified").join("cpu.stat"), "usage_usec"))
            }
            Version::V1 => {
                Duration::from_nanos(read_u64(&self.dir("cpuacct").join("cpuacct.usage")))
            }
        }
    }

    /// OOM kills so far.
    pub fn oom_kills(&self) -> u64 {
        match self.version {
            Version::V2 => keyed(&self.dir("unified").join("memory.events"), "oom_kill"),
            Version::V1 => keyed(&self.dir("memory").join("memory.oom_control"), "oom_kill"),
        }
    }

    /// Processes currently in the cgroup.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self
            .procs_files()
            .iter()
            .flat_map(|f| {
                read(f)
                    .split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect::<Vec<u32>>()
            })
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    /// Kills every process and waits until the cgroup is empty.
    pub fn kill_all(&self) -> Result<(), CgroupError> {
        if self.version == Version::V2 {
            let kill = self.dir("unified").join("cgroup.kill");
            if kill.exists() {
                write(&kill, "1")?;
                return self.wait("kill", || self.pids().is_empty());
            }
        }
        // Frozen processes cannot fork away while they are being killed; SIGKILL is delivered on thaw.
        let _ = self.freeze();
        let start = Instant::now();
        loop {
            let pids = self.pids();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
                    let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
                }
            }
            let _ = self.thaw();
            if start.elapsed() > PATIENCE {
                return Err(CgroupError::Timeout("kill"));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = self.thaw();
        Ok(())
    }

    /// Kills everything and removes the cgroup's directories.
    pub fn destroy(self) -> Result<(), CgroupError> {
        self.kill_all()?;
        for (_, dir) in &self.dirs {
            let start = Instant::now();
            loop {
                match fs::remove_dir(dir) {
                    Ok(()) => break,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                    // The kernel releases a cgroup shortly after its last process is reaped.
                    Err(e)
                        if start.elapsed() < PATIENCE && e.raw_os_error() == Some(libc::EBUSY) =>
                    {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    Err(e) => return Err(io_err("remove", dir)(e)),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unique(tag: &str) -> String {
        format!("test-{tag}-{}-{}", std::process::id(), rand_suffix())
    }

    fn rand_suffix() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u64)
            .unwrap_or(0)
    }

    fn root() -> bool {
        rustix::process::geteuid().is_root()
    }

    #[test]
    fn mountinfo_parsing_finds_cgroups() {
        // Every Linux test host has some cgroup mount.
        assert!(!cgroup_mounts().is_empty());
    }

    #[test]
    fn keyed_files_parse() {
        let dir = std::env::temp_dir().join(unique("keyed"));
        fs::create_dir_all(&dir).expect("tmp");
        let f = dir.join("memory.events");
        fs::write(&f, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n").expect("write");
        assert_eq!(keyed(&f, "oom_kill"), 2);
        assert_eq!(keyed(&f, "missing"), 0);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn limits_freeze_measure_and_destroy_for_real() {
        if !root() {
            eprintln!("skipping: needs root");
            return;
        }
        let name = unique("life");
        let limits = Limits {
            memory_bytes: 64 << 20,
            pids_max: 16,
            cpu_millis: 500,
        };
        let cg = Cgroup::create(&name, &limits).expect("create");
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        cg.add_process(child.id()).expect("add");
        assert_eq!(cg.pids(), vec![child.id()]);
        match cg.version() {
            Version::V1 => {
                assert_eq!(
                    read_u64(&cg.dir("memory").join("memory.limit_in_bytes")),
                    64 << 20
                );
                assert_eq!(read(&cg.dir("pids").join("pids.max")).trim(), "16");
                assert_eq!(read_u64(&cg.dir("cpu").join("cpu.cfs_quota_us")), 50_000);
            }
            Version::V2 => {
                assert_eq!(read_u64(&cg.dir("unified").join("memory.max")), 64 << 20);
            }
        }
        cg.freeze().expect("freeze");
        cg.thaw().expect("thaw");
        let dirs: Vec<PathBuf> = cg.dirs.iter().map(|(_, d)| d.clone()).collect();
        cg.destroy().expect("destroy");
        let _ = child.wait();
        for d in dirs {
            assert!(!d.exists(), "{} left behind", d.display());
        }
    }

    #[test]
    fn oom_kills_are_counted() {
        if !root() {
            eprintln!("skipping: needs root");
            return;
        }
        let cg = Cgroup::create(
            &unique("oom"),
            &Limits {
                memory_bytes: 32 << 20,
                pids_max: 16,
                cpu_millis: 1000,
            },
        )
        .expect("create");
        let files = cg.procs_files();
        let mut cmd = std::process::Command::new("python3");
        cmd.args(["-c", "x = bytearray(200_000_000)"]);
        let procs: Vec<std::fs::File> = files
            .iter()
            .map(|f| fs::OpenOptions::new().write(true).open(f).expect("procs"))
            .collect();
        let fds: Vec<i32> = procs.iter().map(std::os::fd::AsRawFd::as_raw_fd).collect();
        // SAFETY: between fork and exec the closure only calls write(2) on descriptors opened before the fork.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                for fd in &fds {
                    libc::write(*fd, b"0".as_ptr().cast(), 1);
                }
                Ok(())
            });
        }
        let status = cmd.status().expect("python3");
        assert!(!status.success());
        assert!(cg.oom_kills() >= 1, "oom_kills = {}", cg.oom_kills());
        // The peak is charged to the cgroup and capped by its limit.
        assert!(
            cg.memory_peak() > 16 << 20 && cg.memory_peak() <= 32 << 20,
            "{}",
            cg.memory_peak()
        );
        cg.destroy().expect("destroy");
    }
}
