//! What `lambkin bench serve` reads of the server's processes in `/proc`: the CPU time of the server and every
//! process below it (its environments' `sandbox-enter`, init and function), and the private memory an idle
//! environment costs beyond the function's own processes (init, `sandbox-enter` — `lambkin-enter` —, its `pasta`).

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

/// One process as `/proc/<pid>/stat` shows it.
struct Proc {
    pid: u32,
    ppid: u32,
    /// utime + stime of the whole process (every thread, also those that ended), in clock ticks.
    ticks: u64,
}

fn stat(pid: u32) -> Option<Proc> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let fields: Vec<&str> = s.get(s.rfind(')')? + 1..)?.split_whitespace().collect();
    let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(Proc {
        pid,
        ppid: u32::try_from(num(1)?).ok()?,
        ticks: num(11)? + num(12)?,
    })
}

fn all() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat)
        .collect()
}

fn children(procs: &[Proc], pid: u32) -> impl Iterator<Item = u32> + '_ {
    procs.iter().filter(move |p| p.ppid == pid).map(|p| p.pid)
}

/// `root` and every process below it.
fn tree(procs: &[Proc], root: u32) -> Vec<u32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        out.extend(children(procs, out[i]));
        i += 1;
    }
    out
}

/// CPU clock ticks so far of `root` and every process below it, per pid.
pub(crate) fn cpu_ticks(root: u32) -> HashMap<u32, u64> {
    let procs = all();
    let by_pid: HashMap<u32, u64> = procs.iter().map(|p| (p.pid, p.ticks)).collect();
    tree(&procs, root)
        .into_iter()
        .filter_map(|pid| Some((pid, *by_pid.get(&pid)?)))
        .collect()
}

/// CPU time that `root` and every process below it used since `before` (a process started meanwhile counts
/// from zero).
pub(crate) fn cpu_since(root: u32, before: &HashMap<u32, u64>) -> Duration {
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let ticks: u64 = cpu_ticks(root)
        .into_iter()
        .map(|(pid, t)| t.saturating_sub(before.get(&pid).copied().unwrap_or(0)))
        .sum();
    Duration::from_micros(ticks * 1_000_000 / hz)
}

fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|&c| c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Private memory of a process in KiB (`smaps_rollup`): `Private_Clean` + `Private_Dirty`, and
/// `Private_Dirty` alone (anonymous memory and written pages: what every environment costs, while clean pages
/// are file pages only this process maps, shared as soon as another environment maps them too).
pub(crate) fn private_kb(pid: u32) -> std::io::Result<Private> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    let field = |name: &str| -> u64 {
        text.lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum()
    };
    let dirty = field("Private_Dirty:");
    Ok(Private {
        all: field("Private_Clean:") + dirty,
        dirty,
    })
}

/// [`private_kb`], nothing for a process that is gone.
fn private_or_none(pid: u32) -> Private {
    private_kb(pid).unwrap_or_default()
}

/// Private memory in KiB: all of it, and the dirty part.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Private {
    pub(crate) all: u64,
    pub(crate) dirty: u64,
}

impl std::ops::Add for Private {
    type Output = Private;
    fn add(self, o: Private) -> Private {
        Private {
            all: self.all + o.all,
            dirty: self.dirty + o.dirty,
        }
    }
}

impl Private {
    fn div(self, n: u64) -> Private {
        Private {
            all: self.all / n.max(1),
            dirty: self.dirty / n.max(1),
        }
    }
}

/// The `pasta` attached to the network namespace of process `pid`, if any.
fn pasta_of(procs: &[Proc], pid: u32) -> Option<u32> {
    let netns = std::fs::metadata(format!("/proc/{pid}/ns/net")).ok()?.ino();
    procs.iter().map(|p| p.pid).find(|&p| {
        let args = cmdline(p);
        let is_pasta = args
            .first()
            .and_then(|a| std::path::Path::new(a).file_name())
            .is_some_and(|n| n == "pasta" || n == "passt");
        is_pasta
            && args
                .windows(2)
                .find(|w| w[0] == "--netns")
                .and_then(|w| std::fs::metadata(&w[1]).ok())
                .is_some_and(|m| m.ino() == netns)
    })
}

/// What an idle environment costs beyond its function's processes, in KiB of private memory.
#[derive(Debug, Default)]
pub(crate) struct Overhead {
    pub(crate) init: Private,
    pub(crate) sandbox_enter: Private,
    pub(crate) pasta: Private,
}

impl Overhead {
    pub(crate) fn total(&self) -> Private {
        self.init + self.sandbox_enter + self.pasta
    }
}

/// The overhead of the environments of server `serve` that run a function (their init has children), the
/// mean over them; `None` when there is none.
pub(crate) fn idle_overhead(serve: u32) -> Option<Overhead> {
    let procs = all();
    let mut seen = Vec::new();
    for child in children(&procs, serve) {
        let args = cmdline(child);
        let is_enter = args.get(1).is_some_and(|a| a == "sandbox-enter")
            || args
                .first()
                .is_some_and(|a| a.ends_with(lambkin_sandbox::enter::ENTER_EXECUTABLE));
        let (enter, init) = if is_enter {
            (Some(child), children(&procs, child).next())
        } else if args.iter().any(|a| a == "--control-fd") {
            (None, Some(child))
        } else {
            continue;
        };
        let Some(init) = init else { continue };
        if children(&procs, init).next().is_none() {
            continue; // a blank environment, no function yet
        }
        seen.push(Overhead {
            init: private_or_none(init),
            sandbox_enter: enter.map(private_or_none).unwrap_or_default(),
            pasta: pasta_of(&procs, enter.unwrap_or(init))
                .map(private_or_none)
                .unwrap_or_default(),
        });
    }
    let n = seen.len() as u64;
    let mean = |part: fn(&Overhead) -> Private| {
        seen.iter()
            .map(part)
            .fold(Private::default(), |a, b| a + b)
            .div(n)
    };
    (n > 0).then(|| Overhead {
        init: mean(|o| o.init),
        sandbox_enter: mean(|o| o.sandbox_enter),
        pasta: mean(|o| o.pasta),
    })
}
