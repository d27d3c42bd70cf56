//! A pool of prepared network namespaces, so that a cold start does not wait for the kernel to build one
//! (2–25 ms here) nor for `pasta` to attach to it (~25 ms).
//!
//! A pooled namespace is made by a short-lived thread that unshares its network namespace and names it with
//! a bind mount under `/run/netns`; for egress, `pasta` is attached to it at once. An environment takes one
//! (an atomic rename claims it), joins it with `setns` before its other namespaces are unshared, and owns it
//! from then on: destroying the environment stops its `pasta` and removes the namespace, as for one made on
//! the spot.
//!
//! Nothing here can exist without a record a later start finds:
//!
//! - A namespace's name carries its owner: `lambkin-pool-<pid>-<start>-<uuid>` ([`Owner`]: the pid and the
//!   start time of the process that made it, so a recycled pid is not taken for it).
//! - Its record, `<pool dir>/<name>.<stage>` (`making`, `claimed`, or the ready kind `none` / `pasta`),
//!   holding "`<owner>` [`<pasta pid>`]", is written *before* the namespace exists and removed only *after*
//!   it is gone. A taken namespace stays recorded as `claimed` until the environment has written its own
//!   record of it ([`Prepared::into_owned`]); dropping a [`Prepared`] releases the namespace, then its record.
//! - [`sweep`] releases every namespace of a dead owner, recorded or not (the name is enough), and its
//!   `pasta`; the live owners' (several hosts may run at once) are never touched.
//! - `/run/netns` is made a mount point of its own before the first namespace is mounted in it
//!   ([`prepare_netns_dir`]), as `ip netns add` does. Otherwise the first `ip netns add` on the host makes it
//!   one by bind-mounting it onto itself, over every namespace already mounted there: each then exists twice,
//!   and releasing it unmounts only the copy on top; the original stays mounted beneath, out of reach of any
//!   path (its name cannot even be removed: `EBUSY`).

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::environment::Network;
use crate::owner::Owner;

/// Where prepared namespaces are listed.
const POOL_DIR: &str = "/run/lambkin/netns-pool";
/// Where named network namespaces live (as `ip netns` keeps them).
const NETNS_DIR: &str = "/run/netns";
/// Names of pooled namespaces start with this.
const PREFIX: &str = "lambkin-pool-";
/// Prepared namespaces kept per kind.
const DEPTH: usize = 2;

/// Record stage: being made by its owner.
const MAKING: &str = "making";
/// Record stage: taken by an environment of its owner that has not recorded it yet.
const CLAIMED: &str = "claimed";
/// `pasta`'s own pid file while it attaches (not a record: the name carries the owner).
const PASTA_PID: &str = "pasta-pid";

/// Why a namespace's name cannot be removed (`EBUSY` after its mount on top was unmounted).
const BURIED: &str = "it is also mounted beneath a later mount of its directory (`ip netns add` made /run/netns \
                      a mount point after it was mounted); no path reaches that mount: only unmounting /run/netns \
                      (or a reboot) frees it";

/// Serialises refills and sweeps; `true` once this process closed its pool (no more refills).
static POOL: Mutex<bool> = Mutex::new(false);

/// The directories a pool works in (the host's, or a test's).
#[derive(Debug, Clone)]
struct Dirs {
    records: PathBuf,
    netns: PathBuf,
}

impl Dirs {
    fn host() -> Self {
        Self {
            records: PathBuf::from(POOL_DIR),
            netns: PathBuf::from(NETNS_DIR),
        }
    }

    fn record(&self, name: &str, stage: &str) -> PathBuf {
        self.records.join(format!("{name}.{stage}"))
    }
}

/// A prepared network namespace, now owned by the caller. Dropping it releases the namespace (and its
/// `pasta`), then its record; [`Prepared::into_owned`] hands it over instead.
#[derive(Debug)]
pub struct Prepared {
    /// Its name under `/run/netns` (a bind mount).
    pub netns: PathBuf,
    /// `pasta` attached to it, for egress.
    pub pasta_pid: Option<u32>,
    /// The pool's record of it, removed once the namespace is released or handed over.
    record: Option<PathBuf>,
}

impl Prepared {
    /// Hands the namespace over to a caller that has *already* recorded it under its own name (an
    /// environment's state directory): the pool's record goes, and releasing it is now the caller's job.
    pub fn into_owned(mut self) -> (PathBuf, Option<u32>) {
        if let Some(record) = self.record.take() {
            let _ = std::fs::remove_file(record);
        }
        (std::mem::take(&mut self.netns), self.pasta_pid.take())
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        let Some(record) = self.record.take() else {
            return;
        };
        // The resource first, then its record: kept if the namespace could not be removed.
        if release_netns(&self.netns, self.pasta_pid.take()) {
            let _ = std::fs::remove_file(record);
        }
    }
}

fn kind(network: Network) -> &'static str {
    network.name()
}

/// The owner a pooled namespace's name carries (`None` for names of older versions: `lambkin-pool-<uuid>`).
fn owner_of_name(name: &str) -> Option<Owner> {
    Owner::split_name(name.strip_prefix(PREFIX)?).map(|(owner, _)| owner)
}

fn new_name(owner: Owner) -> String {
    format!("{PREFIX}{owner}-{}", uuid::Uuid::new_v4().simple())
}

/// "`<owner>` [`<pasta pid>`]".
fn write_record(path: &Path, owner: Owner, pasta_pid: Option<u32>) -> io::Result<()> {
    let pasta = pasta_pid.map(|p| format!(" {p}")).unwrap_or_default();
    std::fs::write(path, format!("{owner}{pasta}\n"))
}

/// The owner and `pasta` pid in a record (`None` when it cannot be read: gone meanwhile).
fn read_record(path: &Path) -> Option<(Option<Owner>, Option<u32>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut it = text.split_whitespace();
    let owner = it.next().and_then(Owner::parse);
    let pasta = it.next().and_then(|s| s.parse().ok());
    Some((owner, pasta))
}

/// Makes a network namespace named `<netns dir>/<name>` (recorded as `<name>.<stage>` first) and, for
/// `pasta`, attaches egress to it.
fn make(dirs: &Dirs, network: Network, stage: &str) -> io::Result<Prepared> {
    let me = Owner::me();
    let name = new_name(me);
    std::fs::create_dir_all(&dirs.records)?;
    let record = dirs.record(&name, stage);
    write_record(&record, me, None)?;
    // From here on, dropping `prepared` releases whatever exists, then the record.
    let mut prepared = Prepared {
        netns: dirs.netns.join(&name),
        pasta_pid: None,
        record: Some(record.clone()),
    };
    if dirs.netns == Path::new(NETNS_DIR) {
        prepare_netns_dir()?;
    }
    std::fs::File::create(&prepared.netns)?;
    let target = prepared.netns.clone();
    std::thread::spawn(move || -> io::Result<()> {
        // Only this thread moves to the new namespace; the bind mount keeps it alive after the thread ends.
        // SAFETY: only the network namespace is unshared (not the descriptor table), so no thread can see
        // descriptors it does not share.
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET)? };
        rustix::mount::mount_bind("/proc/thread-self/ns/net", &target)?;
        Ok(())
    })
    .join()
    .map_err(|_| io::Error::other("the namespace thread panicked"))??;
    if dirs.netns == Path::new(NETNS_DIR) {
        quick_acks(&name);
    }
    if network == Network::Pasta {
        let pidfile = dirs.record(&name, PASTA_PID);
        let attached = crate::environment::attach_pasta(&prepared.netns, &pidfile);
        let _ = std::fs::remove_file(&pidfile);
        prepared.pasta_pid = attached?;
        write_record(&record, me, prepared.pasta_pid)?;
    }
    Ok(prepared)
}

/// Makes `/run/netns` a shared mount point of its own, as `ip netns add` does, unless it is one already
/// (once per process). Namespaces must be mounted in it only after this (see the module's documentation).
pub(crate) fn prepare_netns_dir() -> io::Result<()> {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|p| p.into_inner());
    if !*done {
        ensure_mount_point(Path::new(NETNS_DIR))?;
        *done = true;
    }
    Ok(())
}

/// Makes `dir` a mount point of its own (bound onto itself) with shared propagation, unless it is a mount
/// point already; `ip netns add` upgrades `/run/netns` the same way, so neither covers the other's mounts.
fn ensure_mount_point(dir: &Path) -> io::Result<()> {
    use rustix::mount::{mount_bind_recursive, mount_change, MountPropagationFlags};
    let shared = MountPropagationFlags::SHARED | MountPropagationFlags::REC;
    std::fs::create_dir_all(dir)?;
    // Changing the propagation of something that is not a mount point fails with EINVAL.
    match mount_change(dir, shared) {
        Err(rustix::io::Errno::INVAL) => {}
        other => return Ok(other?),
    }
    // Two lambkin hosts starting together must not both bind it (the second would cover the first's).
    let lock_path = dir.with_extension("lambkin-lock");
    let lock = std::fs::File::create(&lock_path)?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)?;
    match mount_change(dir, shared) {
        Err(rustix::io::Errno::INVAL) => {
            mount_bind_recursive(dir, dir)?;
            mount_change(dir, shared)?;
        }
        other => other?,
    }
    Ok(())
}

/// Where `ip` is looked for.
const IP: &str = "/usr/sbin/ip";

/// Brings loopback up and turns delayed ACKs off on its routes (`quickack 1`). A runtime client that writes
/// a response in several small pieces without `TCP_NODELAY` (Nagle) otherwise waits for the init's delayed
/// ACK, 40 ms, between its first and second write: streamed responses would stall. Only the environment's
/// own namespace is touched. Best effort: without `ip` the namespace works as before.
fn quick_acks(name: &str) {
    let ip = |args: &[&str]| {
        Command::new(IP)
            .args(["-n", name])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let route = |dst: &str| {
        ip(&[
            "route",
            "replace",
            "local",
            dst,
            "dev",
            "lo",
            "proto",
            "kernel",
            "scope",
            "host",
            "src",
            "127.0.0.1",
            "table",
            "local",
            "quickack",
            "1",
        ])
    };
    let ok = ip(&["link", "set", "lo", "up"]) && route("127.0.0.0/8") && route("127.0.0.1");
    if !ok {
        tracing::debug!("could not turn delayed ACKs off in {name}");
    }
}

/// The command line of `pid`, split at NULs.
fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The network namespace a `pasta` command line attaches to.
fn pasta_target(args: &[String]) -> Option<PathBuf> {
    let exe = Path::new(args.first()?).file_name()?.to_str()?;
    if exe != "pasta" && exe != "passt" {
        return None;
    }
    args.windows(2)
        .find(|w| w[0] == "--netns")
        .map(|w| PathBuf::from(&w[1]))
}

/// Stops `pasta` process `pid` if it is still the one attached to `netns` (a recorded pid may have been
/// recycled since: nothing else is ever signalled).
fn stop_pasta(pid: u32, netns: &Path) {
    if pasta_target(&cmdline(pid)).as_deref() != Some(netns) {
        return;
    }
    if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    }
}

/// Every `pasta` on the host, by the namespace it is attached to.
fn pasta_processes() -> HashMap<PathBuf, Vec<u32>> {
    let mut out: HashMap<PathBuf, Vec<u32>> = HashMap::new();
    for pid in pids() {
        if let Some(target) = pasta_target(&cmdline(pid)) {
            out.entry(target).or_default().push(pid);
        }
    }
    out
}

/// The entries of `dir` with UTF-8 names, as (name, path); none when it cannot be read.
fn entries(dir: &Path) -> impl Iterator<Item = (String, PathBuf)> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Inode numbers of the network namespaces some process is in.
fn netns_in_use() -> HashSet<u64> {
    pids()
        .into_iter()
        .filter_map(|pid| {
            let link = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()?;
            let link = link.to_str()?;
            link.strip_prefix("net:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect()
}

/// Stops `pasta` (when `pasta_pid` is still attached to it), unmounts the namespace's name and removes it.
/// Returns whether the name is gone (its record may go then).
pub(crate) fn release_netns(netns: &Path, pasta_pid: Option<u32>) -> bool {
    if let Some(pid) = pasta_pid {
        stop_pasta(pid, netns);
    }
    let _ = rustix::mount::unmount(netns, rustix::mount::UnmountFlags::DETACH);
    match std::fs::remove_file(netns) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => true,
        Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
            tracing::debug!("cannot release {}: {BURIED}", netns.display());
            false
        }
        Err(e) => {
            tracing::warn!("cannot remove {}: {e}", netns.display());
            false
        }
    }
}

/// Takes a prepared namespace of this kind (made now if none is ready); then tops the pool up in the
/// background. It stays recorded (`claimed`) until [`Prepared::into_owned`] or its release.
pub fn take(network: Network) -> Option<Prepared> {
    let dirs = Dirs::host();
    let taken = take_ready(&dirs, network, Owner::me());
    std::thread::spawn(move || refill(network));
    // None ready (the first environment, or a burst): make one now, the same way.
    taken.or_else(|| {
        make(&dirs, network, CLAIMED)
            .map_err(|e| tracing::debug!("preparing a network namespace: {e}"))
            .ok()
    })
}

/// Claims a ready namespace of `network`'s kind made by `me` (another process's pool is its own business).
fn take_ready(dirs: &Dirs, network: Network, me: Owner) -> Option<Prepared> {
    entries(&dirs.records).find_map(|(file, path)| {
        let (name, stage) = file.rsplit_once('.')?;
        if stage != kind(network) || owner_of_name(name) != Some(me) {
            return None;
        }
        // Claim it: only one taker can rename the record away.
        let claimed = dirs.record(name, CLAIMED);
        std::fs::rename(path, &claimed).ok()?;
        let pasta_pid = read_record(&claimed).and_then(|(_, p)| p);
        Some(Prepared {
            netns: dirs.netns.join(name),
            pasta_pid,
            record: Some(claimed),
        })
    })
}

/// Prepares namespaces until `DEPTH` of this kind are ready. Each is recorded (as `<name>.making`) before it
/// is made, and listed as ready by renaming that record.
pub fn refill(network: Network) {
    let closed = POOL.lock().unwrap_or_else(|p| p.into_inner());
    if *closed {
        return;
    }
    refill_in(&Dirs::host(), network, DEPTH);
}

fn refill_in(dirs: &Dirs, network: Network, depth: usize) {
    if std::fs::create_dir_all(&dirs.records).is_err() {
        return;
    }
    let me = Owner::me();
    let ready = entries(&dirs.records)
        .filter(|(file, _)| {
            file.rsplit_once('.').is_some_and(|(name, stage)| {
                stage == kind(network) && owner_of_name(name) == Some(me)
            })
        })
        .count();
    for _ in ready..depth {
        let mut prepared = match make(dirs, network, MAKING) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!("preparing a network namespace: {e}");
                return;
            }
        };
        let Some(making) = prepared.record.clone() else {
            return;
        };
        let name = making
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let ready = dirs.record(&name, kind(network));
        if std::fs::rename(&making, &ready).is_err() {
            // Dropping `prepared` releases it, then the `making` record.
            return;
        }
        // Listed as ready: the ready record keeps it now.
        prepared.record = None;
    }
}

/// Releases pooled namespaces whose owner is dead, recorded or not (or, with `all`, also every ready one this
/// process made, and no more are made: hosts call it when they stop).
pub fn sweep(all: bool) {
    sweep_with(all, None);
}

/// [`sweep`]; with `referenced` (the namespaces environments' state directories name), namespaces of older
/// versions, whose names do not carry their owner, are released too when nothing records or uses them.
pub(crate) fn sweep_with(all: bool, referenced: Option<&HashSet<PathBuf>>) {
    // Closing waits for a refill in progress; sweeping only dead makers' entries never touches ours.
    let _closed = all.then(|| {
        let mut closed = POOL.lock().unwrap_or_else(|p| p.into_inner());
        *closed = true;
        closed
    });
    let (released, stuck) = sweep_in(&Dirs::host(), all, Owner::me(), referenced);
    if released > 0 {
        tracing::info!("released {released} network namespace(s) of stopped hosts");
    }
    if stuck > 0 {
        tracing::warn!(
            "{stuck} network namespace(s) of stopped hosts could not be released: {BURIED}"
        );
    }
}

/// The sweep itself, in `dirs`, as `me`; returns how many namespaces it released, and how many it could not.
fn sweep_in(
    dirs: &Dirs,
    all: bool,
    me: Owner,
    referenced: Option<&HashSet<PathBuf>>,
) -> (usize, usize) {
    let mut pastas: Option<HashMap<PathBuf, Vec<u32>>> = None;
    let mut release = |netns: &Path, recorded_pasta: Option<u32>| -> bool {
        let attached = pastas.get_or_insert_with(pasta_processes);
        for pid in attached.get(netns).into_iter().flatten() {
            stop_pasta(*pid, netns);
        }
        release_netns(netns, recorded_pasta)
    };
    let (mut released, mut stuck) = (0, 0);
    // Names still recorded by a live owner (or whose namespace could not be removed).
    let mut kept: HashSet<String> = HashSet::new();
    for (file, path) in entries(&dirs.records) {
        let Some((name, stage)) = file.rsplit_once('.') else {
            continue;
        };
        let from_name = owner_of_name(name);
        if stage == PASTA_PID && from_name.is_none() {
            // An older version's pid file: its own record decides.
            continue;
        }
        let Some((from_record, pasta_pid)) = read_record(&path) else {
            continue; // gone meanwhile (claimed, or released by another sweeper)
        };
        let pasta_pid = if stage == PASTA_PID {
            from_record.map(|o| o.pid)
        } else {
            pasta_pid
        };
        let Some(owner) = from_name.or(from_record) else {
            kept.insert(name.to_owned());
            continue; // not a record this version understands: leave it be
        };
        let closing = all && owner == me && stage != CLAIMED && stage != PASTA_PID;
        if owner.is_alive() && !closing {
            kept.insert(name.to_owned());
            continue;
        }
        if release(&dirs.netns.join(name), pasta_pid) {
            let _ = std::fs::remove_file(&path);
            released += 1;
        } else {
            stuck += 1;
            kept.insert(name.to_owned());
        }
    }
    // Namespaces with no record left: their names carry the owner.
    let mut in_use: Option<HashSet<u64>> = None;
    for (name, path) in entries(&dirs.netns) {
        if !name.starts_with(PREFIX) || kept.contains(&name) {
            continue;
        }
        let orphan = match owner_of_name(&name) {
            Some(owner) => !owner.is_alive(),
            // Named by an older version: released only when no record, no environment and no process has
            // it (that version's live hosts record theirs, but for a moment before an environment joins).
            None => referenced.is_some_and(|r| {
                !r.contains(&path)
                    && std::fs::metadata(&path)
                        .is_ok_and(|m| !in_use.get_or_insert_with(netns_in_use).contains(&m.ino()))
            }),
        };
        if orphan {
            if release(&path, None) {
                released += 1;
            } else {
                stuck += 1;
            }
        }
    }
    (released, stuck)
}

#[cfg(test)]
mod tests;
