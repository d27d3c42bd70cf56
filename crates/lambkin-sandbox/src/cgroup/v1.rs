//! cgroup v1: one hierarchy per controller (some may be mounted together); an environment's cgroup is a
//! directory `lambkin/<name>` in each.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{
    io_err, kill_by_signal, read_u64, remove_dir, wait, write, Cgroup, CgroupError, Cgroups, Knob,
    Limits, Mount, Version, CPU_PERIOD_US, PARENT,
};

/// Controllers an environment uses.
pub(super) const CONTROLLERS: &[&str] = &["memory", "pids", "cpu", "cpuacct", "freezer"];

/// The v1 hierarchies: the mount point of each controller an environment uses.
#[derive(Debug, Clone)]
pub struct CgroupsV1 {
    roots: Vec<(&'static str, PathBuf)>,
}

impl CgroupsV1 {
    /// The hierarchies among `mounts`, when every controller of [`CONTROLLERS`] is mounted.
    pub(super) fn find(mounts: &[Mount]) -> Option<Self> {
        let roots = CONTROLLERS
            .iter()
            .map(|c| {
                mounts
                    .iter()
                    .find(|m| m.fstype == "cgroup" && m.options.split(',').any(|o| o == *c))
                    .map(|m| (*c, m.point.clone()))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self { roots })
    }

    fn dirs(&self, name: &str) -> Vec<(&'static str, PathBuf)> {
        self.roots
            .iter()
            .map(|(c, root)| (*c, root.join(PARENT).join(name)))
            .collect()
    }
}

impl Cgroups for CgroupsV1 {
    fn version(&self) -> Version {
        Version::V1
    }

    fn make(&self, name: &str) -> Result<Box<dyn Cgroup>, CgroupError> {
        let dirs = self.dirs(name);
        let mut made = CgroupV1::new(Vec::new());
        for (controller, dir) in dirs {
            // Controllers mounted together share one directory.
            if !made.dirs.iter().any(|(_, d)| *d == dir) {
                let parent = dir.parent().unwrap_or(Path::new("/"));
                let created = fs::create_dir_all(parent)
                    .map_err(io_err("create", parent))
                    .and_then(|()| fs::create_dir(&dir).map_err(io_err("create", &dir)));
                if let Err(e) = created {
                    let _ = made.destroy();
                    return Err(e);
                }
            }
            made.dirs.push((controller, dir));
        }
        Ok(Box::new(CgroupV1::new(made.dirs)))
    }

    fn open_existing(&self, name: &str) -> Option<Box<dyn Cgroup>> {
        let dirs: Vec<(&'static str, PathBuf)> = self
            .dirs(name)
            .into_iter()
            .filter(|(_, d)| d.is_dir())
            .collect();
        (!dirs.is_empty()).then(|| Box::new(CgroupV1::new(dirs)) as Box<dyn Cgroup>)
    }
}

/// An environment's cgroup on v1.
#[derive(Debug)]
pub struct CgroupV1 {
    /// The directory of each controller (controllers mounted together share one).
    dirs: Vec<(&'static str, PathBuf)>,
    /// `freezer.state`, kept open.
    freezer: Knob,
    /// `memory.oom_control`, kept open.
    oom: Knob,
}

impl CgroupV1 {
    fn new(dirs: Vec<(&'static str, PathBuf)>) -> Self {
        let in_dir = |controller: &str, file: &str| {
            let dir = dirs
                .iter()
                .find(|(c, _)| *c == controller)
                .or_else(|| dirs.first())
                .map(|(_, d)| d.as_path())
                .unwrap_or(Path::new("/nonexistent"));
            Knob::new(dir.join(file))
        };
        Self {
            freezer: in_dir("freezer", "freezer.state"),
            oom: in_dir("memory", "memory.oom_control"),
            dirs,
        }
    }

    /// The directory of `controller` (the first one if it has none: a cgroup opened partly).
    fn dir(&self, controller: &str) -> &Path {
        self.dirs
            .iter()
            .find(|(c, _)| *c == controller)
            .or_else(|| self.dirs.first())
            .map(|(_, d)| d.as_path())
            .unwrap_or(Path::new("/nonexistent"))
    }

    /// Each directory once.
    fn unique_dirs(&self) -> Vec<&Path> {
        let mut out: Vec<&Path> = Vec::new();
        for (_, d) in &self.dirs {
            if !out.contains(&d.as_path()) {
                out.push(d);
            }
        }
        out
    }
}

impl Cgroup for CgroupV1 {
    fn version(&self) -> Version {
        Version::V1
    }

    fn apply(&self, limits: &Limits) -> Result<(), CgroupError> {
        let mem = self.dir("memory");
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
            &self.dir("pids").join("pids.max"),
            &limits.pids_max.to_string(),
        )?;
        let cpu = self.dir("cpu");
        write(&cpu.join("cpu.cfs_period_us"), &CPU_PERIOD_US.to_string())?;
        write(
            &cpu.join("cpu.cfs_quota_us"),
            &limits.cpu_quota_us().to_string(),
        )?;
        let shares = (u64::from(limits.cpu_millis) * 1024 / 1000).max(2);
        write(&cpu.join("cpu.shares"), &shares.to_string())
    }

    fn procs_files(&self) -> Vec<PathBuf> {
        self.unique_dirs()
            .into_iter()
            .map(|d| d.join("cgroup.procs"))
            .collect()
    }

    fn freeze(&self) -> Result<(), CgroupError> {
        self.freezer.write("FROZEN")?;
        wait("freeze", || self.freezer.read().trim() == "FROZEN")
    }

    fn thaw(&self) -> Result<(), CgroupError> {
        self.freezer.write("THAWED")?;
        wait("thaw", || self.freezer.read().trim() == "THAWED")
    }

    fn memory_peak(&self) -> u64 {
        read_u64(&self.dir("memory").join("memory.max_usage_in_bytes"))
    }

    fn cpu_time(&self) -> Duration {
        Duration::from_nanos(read_u64(&self.dir("cpuacct").join("cpuacct.usage")))
    }

    fn oom_kills(&self) -> u64 {
        self.oom.keyed("oom_kill")
    }

    fn kill_all(&self) -> Result<(), CgroupError> {
        kill_by_signal(self)
    }

    fn destroy(&self) -> Result<(), CgroupError> {
        self.kill_all()?;
        self.freezer.close();
        self.oom.close();
        for dir in self.unique_dirs() {
            remove_dir(dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{limits, on_host, unique};
    use super::super::{parse_mounts, read};
    use super::*;

    fn host_v1() -> Option<CgroupsV1> {
        on_host(CgroupsV1::find, "no cgroup v1 controllers here")
    }

    #[test]
    fn controllers_mounted_together_share_a_directory() {
        let mounts = parse_mounts(
            "1 0 0:1 / /cg/memory rw - cgroup cgroup rw,memory\n\
             2 0 0:2 / /cg/pids rw - cgroup cgroup rw,pids\n\
             3 0 0:3 / /cg/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n\
             4 0 0:4 / /cg/freezer rw - cgroup cgroup rw,freezer\n",
        );
        let v1 = CgroupsV1::find(&mounts).expect("all controllers");
        let dirs = v1.dirs("e");
        assert_eq!(dirs.len(), 5);
        let cg = CgroupV1::new(dirs);
        assert_eq!(cg.dir("cpu"), cg.dir("cpuacct"));
        assert_eq!(cg.dir("cpuacct"), Path::new("/cg/cpu,cpuacct/lambkin/e"));
        assert_eq!(cg.procs_files().len(), 4, "one cgroup.procs per directory");
        let no_freezer = parse_mounts("1 0 0:1 / /cg/memory rw - cgroup cgroup rw,memory\n");
        assert!(CgroupsV1::find(&no_freezer).is_none());
    }

    #[test]
    fn limits_are_written_to_each_controller() {
        let Some(v1) = host_v1() else { return };
        let name = unique("v1-limits");
        let cg = v1.create(&name, &limits()).expect("create");
        let dirs = v1.dirs(&name);
        let at = |c: &str, f: &str| {
            let dir = &dirs.iter().find(|(x, _)| *x == c).expect("controller").1;
            read(&dir.join(f)).trim().to_owned()
        };
        assert_eq!(
            at("memory", "memory.limit_in_bytes"),
            (64u64 << 20).to_string()
        );
        assert_eq!(at("pids", "pids.max"), "16");
        assert_eq!(at("cpu", "cpu.cfs_quota_us"), "50000");
        assert_eq!(at("cpu", "cpu.cfs_period_us"), "100000");
        assert_eq!(at("cpu", "cpu.shares"), "512");
        cg.freeze().expect("freeze");
        assert_eq!(at("freezer", "freezer.state"), "FROZEN");
        cg.thaw().expect("thaw");
        cg.destroy().expect("destroy");
        for (_, d) in dirs {
            assert!(!d.exists(), "{} left behind", d.display());
        }
    }
}
