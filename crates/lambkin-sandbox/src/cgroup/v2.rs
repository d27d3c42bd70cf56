//! cgroup v2: the unified hierarchy; an environment's cgroup is one directory `lambkin/<name>`.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use super::{
    io_err, keyed, kill_by_signal, read, read_u64, remove_dir, wait, write, Cgroup, CgroupError,
    Cgroups, Knob, Limits, Mount, Version, CPU_PERIOD_US, PARENT,
};

/// Controllers an environment needs, enabled on every level above it.
const CONTROLLERS: &[&str] = &["memory", "pids", "cpu"];

/// The unified hierarchy.
#[derive(Debug, Clone)]
pub struct CgroupsV2 {
    root: PathBuf,
}

impl CgroupsV2 {
    /// The unified hierarchy among `mounts` that offers [`CONTROLLERS`] (a v2 mount holding only some
    /// controllers, beside v1 hierarchies, does not count).
    pub(super) fn find(mounts: &[Mount]) -> Option<Self> {
        mounts.iter().find_map(|m| {
            if m.fstype != "cgroup2" {
                return None;
            }
            let controllers = read(&m.point.join("cgroup.controllers"));
            let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
            CONTROLLERS.iter().all(|c| has(c)).then(|| Self {
                root: m.point.clone(),
            })
        })
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.root.join(PARENT).join(name)
    }
}

impl Cgroups for CgroupsV2 {
    fn version(&self) -> Version {
        Version::V2
    }

    fn make(&self, name: &str) -> Result<Box<dyn Cgroup>, CgroupError> {
        let parent = self.root.join(PARENT);
        fs::create_dir_all(&parent).map_err(io_err("create", &parent))?;
        // Controllers must be enabled on every level above the environment.
        let enable = CONTROLLERS
            .iter()
            .map(|c| format!("+{c}"))
            .collect::<Vec<_>>()
            .join(" ");
        for level in [&self.root, &parent] {
            let _ = fs::write(level.join("cgroup.subtree_control"), &enable);
        }
        let dir = self.dir(name);
        fs::create_dir(&dir).map_err(io_err("create", &dir))?;
        Ok(Box::new(CgroupV2::new(dir)))
    }

    fn open_existing(&self, name: &str) -> Option<Box<dyn Cgroup>> {
        let dir = self.dir(name);
        dir.is_dir()
            .then(|| Box::new(CgroupV2::new(dir)) as Box<dyn Cgroup>)
    }
}

/// An environment's cgroup on v2.
#[derive(Debug)]
pub struct CgroupV2 {
    dir: PathBuf,
    /// `cgroup.freeze`, `cgroup.events` and `memory.events`, kept open.
    freeze: Knob,
    events: Knob,
    memory_events: Knob,
}

impl CgroupV2 {
    fn new(dir: PathBuf) -> Self {
        Self {
            freeze: Knob::new(dir.join("cgroup.freeze")),
            events: Knob::new(dir.join("cgroup.events")),
            memory_events: Knob::new(dir.join("memory.events")),
            dir,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn frozen(&self) -> u64 {
        self.events.keyed("frozen")
    }
}

impl Cgroup for CgroupV2 {
    fn version(&self) -> Version {
        Version::V2
    }

    fn apply(&self, limits: &Limits) -> Result<(), CgroupError> {
        write(&self.file("memory.max"), &limits.memory_bytes.to_string())?;
        let swap = self.file("memory.swap.max");
        if swap.exists() {
            write(&swap, "0")?;
        }
        write(&self.file("pids.max"), &limits.pids_max.to_string())?;
        write(
            &self.file("cpu.max"),
            &format!("{} {CPU_PERIOD_US}", limits.cpu_quota_us()),
        )?;
        let weight = (u64::from(limits.cpu_millis) / 10).clamp(1, 10_000);
        write(&self.file("cpu.weight"), &weight.to_string())
    }

    fn procs_files(&self) -> Vec<PathBuf> {
        vec![self.file("cgroup.procs")]
    }

    fn freeze(&self) -> Result<(), CgroupError> {
        self.freeze.write("1")?;
        wait("freeze", || self.frozen() == 1)
    }

    fn thaw(&self) -> Result<(), CgroupError> {
        self.freeze.write("0")?;
        wait("thaw", || self.frozen() == 0)
    }

    fn memory_peak(&self) -> u64 {
        // `memory.peak` exists from Linux 5.19; before, the current usage is the best there is.
        let peak = read_u64(&self.file("memory.peak"));
        if peak > 0 {
            peak
        } else {
            read_u64(&self.file("memory.current"))
        }
    }

    fn cpu_time(&self) -> Duration {
        Duration::from_micros(keyed(&self.file("cpu.stat"), "usage_usec"))
    }

    fn oom_kills(&self) -> u64 {
        self.memory_events.keyed("oom_kill")
    }

    fn kill_all(&self) -> Result<(), CgroupError> {
        // `cgroup.kill` (Linux 5.14) kills everything at once, frozen or not.
        let kill = self.file("cgroup.kill");
        if kill.exists() {
            write(&kill, "1")?;
            return wait("kill", || self.pids().is_empty());
        }
        kill_by_signal(self)
    }

    fn destroy(&self) -> Result<(), CgroupError> {
        self.kill_all()?;
        for knob in [&self.freeze, &self.events, &self.memory_events] {
            knob.close();
        }
        remove_dir(&self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_mounts;
    use super::super::tests::{limits, unique};
    use super::*;
    use std::path::Path;

    #[test]
    fn a_unified_mount_without_the_controllers_is_not_used() {
        let base = std::env::temp_dir().join(unique("v2-find"));
        let partial = base.join("partial");
        let full = base.join("full");
        fs::create_dir_all(&partial).expect("mkdir");
        fs::create_dir_all(&full).expect("mkdir");
        fs::write(partial.join("cgroup.controllers"), "hugetlb\n").expect("write");
        fs::write(
            full.join("cgroup.controllers"),
            "cpuset cpu io memory hugetlb pids\n",
        )
        .expect("write");
        let line = |p: &Path| format!("1 0 0:1 / {} rw - cgroup2 cgroup2 rw\n", p.display());
        assert!(CgroupsV2::find(&parse_mounts(&line(&partial))).is_none());
        let found =
            CgroupsV2::find(&parse_mounts(&(line(&partial) + &line(&full)))).expect("the full one");
        assert_eq!(found.root, full);
        let _ = fs::remove_dir_all(&base);
    }

    /// The files a v2 cgroup writes and reads, on a directory standing in for one (the kernel's files are
    /// plain files here: what is written is what is read back).
    #[test]
    fn files_written_and_read_as_the_kernel_names_them() {
        let dir = std::env::temp_dir().join(unique("v2-files"));
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join("memory.swap.max"), "max").expect("write");
        let cg = CgroupV2::new(dir.clone());
        cg.apply(&limits()).expect("apply");
        let at = |f: &str| read(&dir.join(f)).trim().to_owned();
        assert_eq!(at("memory.max"), (64u64 << 20).to_string());
        assert_eq!(at("memory.swap.max"), "0");
        assert_eq!(at("pids.max"), "16");
        assert_eq!(at("cpu.max"), "50000 100000");
        assert_eq!(at("cpu.weight"), "50");
        fs::write(dir.join("memory.current"), "1000\n").expect("write");
        assert_eq!(cg.memory_peak(), 1000, "no memory.peak before Linux 5.19");
        fs::write(dir.join("memory.peak"), "4096\n").expect("write");
        assert_eq!(cg.memory_peak(), 4096);
        fs::write(dir.join("cpu.stat"), "usage_usec 1500\nuser_usec 1000\n").expect("write");
        assert_eq!(cg.cpu_time(), Duration::from_micros(1500));
        fs::write(dir.join("memory.events"), "low 0\noom 2\noom_kill 1\n").expect("write");
        assert_eq!(cg.oom_kills(), 1);
        fs::write(dir.join("cgroup.procs"), "12\n7\n").expect("write");
        assert_eq!(cg.pids(), vec![7, 12]);
        let _ = fs::remove_dir_all(&dir);
    }
}
