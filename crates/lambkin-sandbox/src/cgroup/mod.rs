//! One cgroup per environment, on cgroup v2 or v1, whichever the host has.
//!
//! Limits: memory = `MemorySize` with no swap, a pids limit, CPU quota and weight proportional to memory.
//! Also the freezer (idle environments do not run), peak memory and CPU time (REPORT figures), OOM kills
//! (`Runtime.OutOfMemory`), and killing everything before removal so nothing is left behind.
//!
//! Two traits, as youki's `CgroupManager` and Firecracker's jailer do it:
//!
//! - [`Cgroups`]: a hierarchy environments' cgroups are made in. [`host`] detects the host's once (v2 when
//!   its unified tree offers memory, pids and cpu, else v1's controllers) and every later call gets the same.
//! - [`Cgroup`]: one environment's cgroup — limits, freeze/thaw, peak memory, CPU time, OOM kills, kill-all,
//!   destroy.
//!
//! Implementations: [`CgroupsV1`]/[`CgroupV1`] (`v1.rs`, one directory per controller), [`CgroupsV2`]/
//! [`CgroupV2`] (`v2.rs`, one directory), and [`fake::FakeCgroups`] (`fake.rs`: in memory, recording every
//! call; always compiled, for other crates' unit tests — it touches nothing on the host).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub mod fake;
mod v1;
mod v2;

pub use v1::{CgroupV1, CgroupsV1};
pub use v2::{CgroupV2, CgroupsV2};

/// Parent directory of all environments' cgroups, under each hierarchy's root.
const PARENT: &str = "lambkin";
/// CFS period used for CPU quotas.
const CPU_PERIOD_US: u64 = 100_000;
/// How long freezing, thawing and emptying may take before it is an error.
const PATIENCE: Duration = Duration::from_secs(2);

/// Resource limits of one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Memory limit in bytes (no swap beyond it).
    pub memory_bytes: u64,
    /// Most processes and threads.
    pub pids_max: u64,
    /// CPU in thousandths of a CPU (1,000 = one vCPU).
    pub cpu_millis: u32,
}

impl Limits {
    /// CFS quota per [`CPU_PERIOD_US`] (at least 1 ms).
    fn cpu_quota_us(&self) -> u64 {
        (u64::from(self.cpu_millis) * CPU_PERIOD_US / 1000).max(1000)
    }
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

/// A hierarchy in which environments' cgroups are made (`lambkin/<name>` under its root).
pub trait Cgroups: Send + Sync + std::fmt::Debug {
    /// The hierarchy's version.
    fn version(&self) -> Version;

    /// Makes the cgroup `lambkin/<name>` with no limits yet (`name` is valid: see [`valid_name`]). On
    /// failure nothing of it is left.
    fn make(&self, name: &str) -> Result<Box<dyn Cgroup>, CgroupError>;

    /// Opens the existing cgroup `lambkin/<name>` (`name` is valid), if there is one.
    fn open_existing(&self, name: &str) -> Option<Box<dyn Cgroup>>;

    /// Creates the environment's cgroup and applies the limits; on failure nothing of it is left.
    fn create(&self, name: &str, limits: &Limits) -> Result<Box<dyn Cgroup>, CgroupError> {
        if !valid_name(name) {
            return Err(CgroupError::Unavailable(format!(
                "invalid cgroup name {name:?}"
            )));
        }
        let cg = self.make(name)?;
        match cg.apply(limits) {
            Ok(()) => Ok(cg),
            Err(e) => {
                let _ = cg.destroy();
                Err(e)
            }
        }
    }

    /// Opens the existing cgroup of an environment, if there is one.
    fn open(&self, name: &str) -> Option<Box<dyn Cgroup>> {
        valid_name(name).then(|| self.open_existing(name)).flatten()
    }
}

/// One environment's cgroup.
pub trait Cgroup: Send + Sync + std::fmt::Debug {
    /// The hierarchy it is in.
    fn version(&self) -> Version;

    /// Sets memory (no swap beyond it), pids and CPU (quota and weight) limits.
    fn apply(&self, limits: &Limits) -> Result<(), CgroupError>;

    /// The `cgroup.procs` files; a child writes `0` to each between fork and exec to join before it runs.
    fn procs_files(&self) -> Vec<PathBuf>;

    /// Moves a process into the cgroup.
    fn add_process(&self, pid: u32) -> Result<(), CgroupError> {
        for f in self.procs_files() {
            write(&f, &pid.to_string())?;
        }
        Ok(())
    }

    /// Stops every process; returns once the kernel reports the cgroup frozen.
    fn freeze(&self) -> Result<(), CgroupError>;

    /// Lets every process run again.
    fn thaw(&self) -> Result<(), CgroupError>;

    /// Peak memory of all processes, in bytes.
    fn memory_peak(&self) -> u64;

    /// CPU time of all processes.
    fn cpu_time(&self) -> Duration;

    /// OOM kills so far.
    fn oom_kills(&self) -> u64;

    /// Processes currently in the cgroup.
    fn pids(&self) -> Vec<u32> {
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
    fn kill_all(&self) -> Result<(), CgroupError>;

    /// Kills everything and removes the cgroup. Once it succeeded the cgroup is gone; after a failure
    /// it can be called again.
    fn destroy(&self) -> Result<(), CgroupError>;
}

/// Whether `name` can name an environment's cgroup (one path component, not hidden).
pub fn valid_name(name: &str) -> bool {
    !(name.is_empty() || name.contains('/') || name.starts_with('.'))
}

/// The host's hierarchy, detected on the first call; every later call returns the same one.
pub fn host() -> Result<&'static dyn Cgroups, CgroupError> {
    static HOST: OnceLock<Box<dyn Cgroups>> = OnceLock::new();
    if let Some(h) = HOST.get() {
        return Ok(h.as_ref());
    }
    let detected = detect()?;
    Ok(HOST.get_or_init(|| detected).as_ref())
}

/// Detects the hierarchy to use now: v2 when it offers memory, pids and cpu, else v1's controllers.
pub fn detect() -> Result<Box<dyn Cgroups>, CgroupError> {
    let mounts = cgroup_mounts();
    if let Some(v2) = CgroupsV2::find(&mounts) {
        Ok(Box::new(v2))
    } else if let Some(v1) = CgroupsV1::find(&mounts) {
        Ok(Box::new(v1))
    } else {
        Err(CgroupError::Unavailable(format!(
            "need cgroup2 with memory, pids and cpu, or the v1 controllers {}",
            v1::CONTROLLERS.join(", ")
        )))
    }
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

/// A control file read and written often (the freezer, OOM kills): opened once, then read and written in place
/// (`pread`/`pwrite` at offset 0: one system call instead of open, stat, read, close).
#[derive(Debug)]
pub(crate) struct Knob {
    path: PathBuf,
    file: std::sync::Mutex<Option<fs::File>>,
}

impl Knob {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: std::sync::Mutex::new(None),
        }
    }

    /// Runs `op` on the open file (opened now if it is not yet).
    fn with<T>(&self, op: impl FnOnce(&fs::File) -> io::Result<T>) -> io::Result<T> {
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if f.is_none() {
            *f = Some(
                fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&self.path)?,
            );
        }
        match f.as_ref() {
            Some(file) => op(file),
            None => Err(io::ErrorKind::NotFound.into()),
        }
    }

    /// The whole file (empty when it cannot be read).
    pub(crate) fn read(&self) -> String {
        use std::os::unix::fs::FileExt;
        let mut buf = [0u8; 512];
        match self.with(|f| f.read_at(&mut buf, 0)) {
            Ok(n) => String::from_utf8_lossy(&buf[..n]).into_owned(),
            Err(_) => read(&self.path),
        }
    }

    /// Value of `key` in the flat-keyed file.
    pub(crate) fn keyed(&self, key: &str) -> u64 {
        find_key(&self.read(), key)
    }

    pub(crate) fn write(&self, value: &str) -> Result<(), CgroupError> {
        use std::os::unix::fs::FileExt;
        self.with(|f| f.write_at(value.as_bytes(), 0).map(drop))
            .map_err(io_err("write", &self.path))
    }

    /// Closes the file (before its cgroup is removed).
    pub(crate) fn close(&self) {
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

fn read_u64(path: &Path) -> u64 {
    read(path).trim().parse().unwrap_or(0)
}

/// Value of `key` in a flat-keyed file (`memory.events`, `cpu.stat`, `memory.oom_control`).
fn keyed(path: &Path, key: &str) -> u64 {
    find_key(&read(path), key)
}

fn find_key(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// A cgroup file system mount.
#[derive(Debug, Clone)]
struct Mount {
    point: PathBuf,
    fstype: String,
    options: String,
}

/// Mount points of cgroup file systems, from `/proc/self/mountinfo`.
fn cgroup_mounts() -> Vec<Mount> {
    parse_mounts(&read(Path::new("/proc/self/mountinfo")))
}

fn parse_mounts(mountinfo: &str) -> Vec<Mount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount_point = left.split(' ').nth(4)?;
            let mut r = right.split(' ');
            let fstype = r.next()?;
            let _source = r.next()?;
            let options = r.next().unwrap_or("");
            fstype.starts_with("cgroup").then(|| Mount {
                point: PathBuf::from(mount_point),
                fstype: fstype.to_owned(),
                options: options.to_owned(),
            })
        })
        .collect()
}

/// Waits until `done`, spinning briefly (freezing an idle environment takes microseconds), then backing off.
fn wait(what: &'static str, mut done: impl FnMut() -> bool) -> Result<(), CgroupError> {
    let start = Instant::now();
    let mut spins = 0u32;
    while !done() {
        if start.elapsed() > PATIENCE {
            return Err(CgroupError::Timeout(what));
        }
        spins += 1;
        if spins < 50 {
            std::hint::spin_loop();
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    Ok(())
}

/// Kills every process of `cg` with signals, frozen so none can fork away meanwhile (SIGKILL is delivered
/// on thaw), until it is empty: for hierarchies without `cgroup.kill`.
fn kill_by_signal(cg: &dyn Cgroup) -> Result<(), CgroupError> {
    let _ = cg.freeze();
    let start = Instant::now();
    loop {
        let pids = cg.pids();
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            }
        }
        let _ = cg.thaw();
        if start.elapsed() > PATIENCE {
            return Err(CgroupError::Timeout("kill"));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = cg.thaw();
    Ok(())
}

/// Removes an (empty) cgroup directory; gone already is fine. The kernel releases a cgroup shortly after its
/// last process is reaped: `EBUSY` is retried for a while.
fn remove_dir(dir: &Path) -> Result<(), CgroupError> {
    let start = Instant::now();
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) if start.elapsed() < PATIENCE && e.raw_os_error() == Some(libc::EBUSY) => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(e) => return Err(io_err("remove", dir)(e)),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn unique(tag: &str) -> String {
        format!("test-{tag}-{}", uuid::Uuid::new_v4().simple())
    }

    fn root() -> bool {
        rustix::process::geteuid().is_root()
    }

    /// This host's hierarchy that `find` finds, when the tests run as root; else `None`, saying why the test is
    /// skipped (`missing`: when there is no such hierarchy).
    pub(super) fn on_host<C>(find: fn(&[Mount]) -> Option<C>, missing: &str) -> Option<C> {
        if !root() {
            eprintln!("skipping: needs root");
            return None;
        }
        let found = find(&cgroup_mounts());
        if found.is_none() {
            eprintln!("skipping: {missing}");
        }
        found
    }

    /// This host's hierarchies, v1 and v2, that can hold environments (not a hugetlb-only v2 one).
    fn host_hierarchies() -> Vec<Box<dyn Cgroups>> {
        let v1 = on_host(CgroupsV1::find, "no cgroup v1 controllers here");
        let v2 = on_host(
            CgroupsV2::find,
            "no cgroup v2 hierarchy with memory, pids and cpu here",
        );
        let v1 = v1.map(|h| Box::new(h) as Box<dyn Cgroups>);
        v1.into_iter()
            .chain(v2.map(|h| Box::new(h) as Box<dyn Cgroups>))
            .collect()
    }

    #[test]
    fn lifecycle_for_real() {
        for h in host_hierarchies() {
            lifecycle(&*h);
        }
    }

    #[test]
    fn oom_kills_are_counted() {
        for h in host_hierarchies() {
            oom(&*h);
        }
    }

    #[test]
    fn kill_all_empties_a_frozen_cgroup() {
        for h in host_hierarchies() {
            kill_all_empties(&*h);
        }
    }

    #[test]
    fn mountinfo_parsing_finds_cgroups() {
        // Every Linux test host has some cgroup mount.
        assert!(!cgroup_mounts().is_empty());
        let parsed = parse_mounts(
            "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n\
             41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n\
             22 1 8:1 / / rw - ext4 /dev/sda1 rw\n",
        );
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].point, Path::new("/sys/fs/cgroup/cpu,cpuacct"));
        assert_eq!(
            (parsed[0].fstype.as_str(), parsed[0].options.as_str()),
            ("cgroup", "rw,cpu,cpuacct")
        );
        assert_eq!(parsed[1].fstype, "cgroup2");
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
    fn names_are_one_visible_component() {
        assert!(valid_name("fn-123"));
        for bad in ["", "a/b", ".hidden", "..", "/"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_host_hierarchy_is_detected_once() {
        let (Ok(a), Ok(b)) = (host(), host()) else {
            eprintln!("skipping: no usable cgroup hierarchy");
            return;
        };
        assert!(std::ptr::addr_eq(a, b));
        assert_eq!(a.version(), detect().expect("detect").version());
        assert!(a.open("../etc").is_none());
        assert!(a.create("a/b", &limits()).is_err());
    }

    pub(crate) fn limits() -> Limits {
        Limits {
            memory_bytes: 64 << 20,
            pids_max: 16,
            cpu_millis: 500,
        }
    }

    /// The life of a real cgroup through the trait alone, whatever the hierarchy.
    fn lifecycle(cgroups: &dyn Cgroups) {
        let name = unique("life");
        let cg = cgroups.create(&name, &limits()).expect("create");
        assert_eq!(cg.version(), cgroups.version());
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        cg.add_process(child.id()).expect("add");
        assert_eq!(cg.pids(), vec![child.id()]);
        cg.freeze().expect("freeze");
        cg.thaw().expect("thaw");
        assert!(cgroups.open(&name).is_some());
        cg.destroy().expect("destroy");
        let _ = child.wait();
        assert!(cgroups.open(&name).is_none(), "{name} left behind");
        cg.destroy().expect("destroying twice is fine");
    }

    /// OOM kills are counted and the peak is capped by the limit.
    fn oom(cgroups: &dyn Cgroups) {
        let cg = cgroups
            .create(
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
        assert!(cg.cpu_time() > Duration::ZERO, "CPU time is accounted");
        cg.destroy().expect("destroy");
    }

    /// Killing everything reaches processes that fork and those that are frozen.
    fn kill_all_empties(cgroups: &dyn Cgroups) {
        let cg = cgroups.create(&unique("kill"), &limits()).expect("create");
        let mut child = std::process::Command::new("sh")
            .args(["-c", "read go; sleep 30 & sleep 30 & wait"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("sh");
        cg.add_process(child.id()).expect("add");
        // Its children are forked inside once it is in.
        let mut go = child.stdin.take().expect("stdin");
        std::io::Write::write_all(&mut go, b"go\n").expect("go");
        wait("children", || cg.pids().len() >= 3).expect("sh and two sleeps");
        cg.freeze().expect("freeze");
        cg.kill_all().expect("kill");
        assert!(cg.pids().is_empty());
        let _ = child.wait();
        cg.destroy().expect("destroy");
    }
}
