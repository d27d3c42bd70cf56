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
    let entries = std::fs::read_dir(&dirs.records).ok()?;
    entries.flatten().find_map(|e| {
        let file = e.file_name().into_string().ok()?;
        let (name, stage) = file.rsplit_once('.')?;
        if stage != kind(network) || owner_of_name(name) != Some(me) {
            return None;
        }
        // Claim it: only one taker can rename the record away.
        let claimed = dirs.record(name, CLAIMED);
        std::fs::rename(e.path(), &claimed).ok()?;
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
    let ready = std::fs::read_dir(&dirs.records)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|f| f.rsplit_once('.'))
                        .is_some_and(|(name, stage)| {
                            stage == kind(network) && owner_of_name(name) == Some(me)
                        })
                })
                .count()
        })
        .unwrap_or(0);
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
    for e in std::fs::read_dir(&dirs.records)
        .into_iter()
        .flatten()
        .flatten()
    {
        let Some(file) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some((name, stage)) = file.rsplit_once('.') else {
            continue;
        };
        let from_name = owner_of_name(name);
        if stage == PASTA_PID && from_name.is_none() {
            // An older version's pid file: its own record decides.
            continue;
        }
        let Some((from_record, pasta_pid)) = read_record(&e.path()) else {
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
            let _ = std::fs::remove_file(e.path());
            released += 1;
        } else {
            stuck += 1;
            kept.insert(name.to_owned());
        }
    }
    // Namespaces with no record left: their names carry the owner.
    let mut in_use: Option<HashSet<u64>> = None;
    for e in std::fs::read_dir(&dirs.netns)
        .into_iter()
        .flatten()
        .flatten()
    {
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !name.starts_with(PREFIX) || kept.contains(&name) {
            continue;
        }
        let path = e.path();
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
mod tests {
    use super::*;

    fn temp_dirs() -> Dirs {
        let base = std::env::temp_dir().join(format!("lkb-pool-{}", uuid::Uuid::new_v4().simple()));
        let dirs = Dirs {
            records: base.join("records"),
            netns: base.join("netns"),
        };
        std::fs::create_dir_all(&dirs.records).expect("mkdir");
        std::fs::create_dir_all(&dirs.netns).expect("mkdir");
        dirs
    }

    fn cleanup(dirs: &Dirs) {
        if let Some(base) = dirs.records.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }

    fn root() -> bool {
        rustix::process::geteuid().is_root()
    }

    /// An owner that has exited (reaped).
    fn dead_owner() -> Owner {
        let mut child = Command::new("sleep").arg("5").spawn().expect("sleep");
        let owner = Owner::of(child.id()).expect("running");
        child.kill().expect("kill");
        child.wait().expect("wait");
        assert!(!owner.is_alive());
        owner
    }

    /// A live process that is not this one.
    struct Other(std::process::Child, Owner);

    impl Other {
        fn start() -> Self {
            let child = Command::new("sleep").arg("60").spawn().expect("sleep");
            let owner = Owner::of(child.id()).expect("running");
            Other(child, owner)
        }
    }

    impl Drop for Other {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Stands in for a namespace: a plain file at the name (unmounting it fails, removing it works).
    fn fake_namespace(dirs: &Dirs, owner: Owner, stage: Option<&str>) -> String {
        let name = new_name(owner);
        std::fs::write(dirs.netns.join(&name), "").expect("netns");
        if let Some(stage) = stage {
            write_record(&dirs.record(&name, stage), owner, None).expect("record");
        }
        name
    }

    fn exists(dirs: &Dirs, name: &str) -> bool {
        dirs.netns.join(name).exists()
    }

    fn records_of(dirs: &Dirs, name: &str) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&dirs.records)
            .expect("records")
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|f| f.starts_with(&format!("{name}.")))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn names_carry_their_owner() {
        let me = Owner::me();
        let name = new_name(me);
        assert_eq!(owner_of_name(&name), Some(me));
        assert!(!name.contains('.'), "records are <name>.<stage>");
        assert_eq!(
            owner_of_name("lambkin-pool-0123456789abcdef0123456789abcdef"),
            None
        );
        assert_eq!(owner_of_name("lambkin-fn-1-2-3"), None);
    }

    #[test]
    fn records_round_trip_and_old_records_still_parse() {
        let dirs = temp_dirs();
        let me = Owner::me();
        let path = dirs.record("x", MAKING);
        write_record(&path, me, Some(42)).expect("write");
        assert_eq!(read_record(&path), Some((Some(me), Some(42))));
        std::fs::write(&path, "1234 99").expect("write");
        assert_eq!(
            read_record(&path),
            Some((
                Some(Owner {
                    pid: 1234,
                    start: None
                }),
                Some(99)
            ))
        );
        assert_eq!(read_record(&dirs.record("missing", MAKING)), None);
        cleanup(&dirs);
    }

    #[test]
    fn a_dead_owners_namespaces_go_recorded_or_not_a_live_owners_stay() {
        let dirs = temp_dirs();
        let dead = dead_owner();
        let other = Other::start();
        let me = Owner::me();
        let dead_unrecorded = fake_namespace(&dirs, dead, None);
        let dead_ready = fake_namespace(&dirs, dead, Some("pasta"));
        let dead_making = fake_namespace(&dirs, dead, Some(MAKING));
        let dead_claimed = fake_namespace(&dirs, dead, Some(CLAIMED));
        let live_unrecorded = fake_namespace(&dirs, other.1, None);
        let live_ready = fake_namespace(&dirs, other.1, Some("none"));
        let live_claimed = fake_namespace(&dirs, other.1, Some(CLAIMED));
        let mine = fake_namespace(&dirs, me, Some("none"));
        // The pid of a live process, but not the process that made it: its maker is dead.
        let recycled = fake_namespace(
            &dirs,
            Owner {
                pid: other.1.pid,
                start: other.1.start.map(|s| s + 1),
            },
            Some("none"),
        );
        assert_eq!(sweep_in(&dirs, false, me, None), (5, 0));
        for gone in [
            &dead_unrecorded,
            &dead_ready,
            &dead_making,
            &dead_claimed,
            &recycled,
        ] {
            assert!(!exists(&dirs, gone), "{gone} left behind");
            assert!(
                records_of(&dirs, gone).is_empty(),
                "{gone}'s record left behind"
            );
        }
        for kept in [&live_unrecorded, &live_ready, &live_claimed, &mine] {
            assert!(exists(&dirs, kept), "{kept} was swept");
        }
        assert_eq!(
            records_of(&dirs, &live_ready),
            vec![format!("{live_ready}.none")]
        );
        assert_eq!(
            records_of(&dirs, &live_claimed),
            vec![format!("{live_claimed}.claimed")]
        );
        cleanup(&dirs);
    }

    #[test]
    fn closing_releases_only_my_ready_namespaces() {
        let dirs = temp_dirs();
        let me = Owner::me();
        let other = Other::start();
        let ready = fake_namespace(&dirs, me, Some("pasta"));
        // Taken by an environment being built: it is that environment's to release.
        let claimed = fake_namespace(&dirs, me, Some(CLAIMED));
        let theirs = fake_namespace(&dirs, other.1, Some("pasta"));
        assert_eq!(sweep_in(&dirs, true, me, None), (1, 0));
        assert!(!exists(&dirs, &ready) && records_of(&dirs, &ready).is_empty());
        assert!(exists(&dirs, &claimed) && exists(&dirs, &theirs));
        cleanup(&dirs);
    }

    #[test]
    fn old_names_go_only_when_nothing_records_or_references_them() {
        let dirs = temp_dirs();
        let me = Owner::me();
        let other = Other::start();
        let old = |n: &str| {
            let name = format!("{PREFIX}{n}");
            std::fs::write(dirs.netns.join(&name), "").expect("netns");
            name
        };
        let unrecorded = old("0000000000000000000000000000000a");
        let referenced = old("0000000000000000000000000000000b");
        let recorded_live = old("0000000000000000000000000000000c");
        std::fs::write(
            dirs.record(&recorded_live, "pasta"),
            format!("{} 1", other.1.pid),
        )
        .expect("record");
        let recorded_dead = old("0000000000000000000000000000000d");
        std::fs::write(
            dirs.record(&recorded_dead, "none"),
            format!("{}", dead_owner().pid),
        )
        .expect("record");
        std::fs::write(dirs.netns.join("lambkin-fn-unrelated"), "").expect("netns");
        std::fs::write(dirs.netns.join("somebody-else"), "").expect("netns");
        // Without knowing the environments' references, unrecorded old names are left alone.
        assert_eq!(sweep_in(&dirs, false, me, None), (1, 0));
        assert!(!exists(&dirs, &recorded_dead) && records_of(&dirs, &recorded_dead).is_empty());
        assert!(exists(&dirs, &unrecorded));
        let refs: HashSet<PathBuf> = [dirs.netns.join(&referenced)].into();
        assert_eq!(sweep_in(&dirs, false, me, Some(&refs)), (1, 0));
        assert!(!exists(&dirs, &unrecorded));
        for kept in [
            &referenced,
            &recorded_live,
            "lambkin-fn-unrelated",
            "somebody-else",
        ] {
            assert!(exists(&dirs, kept), "{kept} was swept");
        }
        cleanup(&dirs);
    }

    #[test]
    fn dropping_releases_then_unrecords_and_into_owned_hands_over() {
        let dirs = temp_dirs();
        let me = Owner::me();
        let name = fake_namespace(&dirs, me, Some("none"));
        let taken = take_ready(&dirs, Network::None, me).expect("a ready one");
        assert_eq!(records_of(&dirs, &name), vec![format!("{name}.claimed")]);
        assert!(
            take_ready(&dirs, Network::None, me).is_none(),
            "claimed once"
        );
        drop(taken);
        assert!(!exists(&dirs, &name) && records_of(&dirs, &name).is_empty());
        let name = fake_namespace(&dirs, me, Some("pasta"));
        assert!(
            take_ready(&dirs, Network::None, me).is_none(),
            "another kind"
        );
        assert!(
            take_ready(&dirs, Network::Pasta, Owner::of(1).expect("init")).is_none(),
            "another owner's"
        );
        let (netns, _) = take_ready(&dirs, Network::Pasta, me)
            .expect("ready")
            .into_owned();
        assert_eq!(netns, dirs.netns.join(&name));
        assert!(exists(&dirs, &name) && records_of(&dirs, &name).is_empty());
        cleanup(&dirs);
    }

    #[test]
    fn pasta_command_lines_name_their_namespace() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pasta_target(&args(&[
                "/usr/bin/pasta",
                "--quiet",
                "--netns",
                "/run/netns/x",
                "--pid",
                "p"
            ])),
            Some(PathBuf::from("/run/netns/x"))
        );
        assert_eq!(
            pasta_target(&args(&["/usr/bin/sleep", "--netns", "/run/netns/x"])),
            None
        );
        assert_eq!(pasta_target(&args(&["pasta", "--quiet"])), None);
    }

    #[test]
    fn a_recorded_pasta_pid_that_is_not_pasta_is_never_signalled() {
        let other = Other::start();
        stop_pasta(other.1.pid, Path::new("/run/netns/lambkin-pool-nothing"));
        assert!(other.1.is_alive());
    }

    /// In a mount namespace of the test's own thread: a tmpfs standing in for `/run`, the host's network
    /// namespace mounted as the namespaces to release.
    fn in_private_mounts<R: Send + 'static>(f: impl FnOnce(&Path) -> R + Send + 'static) -> R {
        std::thread::spawn(move || {
            use rustix::mount::{mount_change, MountPropagationFlags};
            // SAFETY: unsharing the mount namespace (and with it the thread's filesystem attributes) affects
            // this thread only; no descriptor table is unshared.
            unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNS) }
                .expect("unshare");
            mount_change(
                "/",
                MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
            )
            .expect("private");
            let run =
                std::env::temp_dir().join(format!("lkb-run-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&run).expect("mkdir");
            rustix::mount::mount(
                "tmpfs",
                &run,
                "tmpfs",
                rustix::mount::MountFlags::empty(),
                None,
            )
            .expect("tmpfs");
            let out = f(&run);
            let _ = rustix::mount::unmount(&run, rustix::mount::UnmountFlags::DETACH);
            let _ = std::fs::remove_dir(&run);
            out
        })
        .join()
        .expect("thread")
    }

    fn mount_net(path: &Path) {
        std::fs::File::create(path).expect("create");
        rustix::mount::mount_bind("/proc/thread-self/ns/net", path).expect("bind");
    }

    /// Mounts at `path` in this thread's mount namespace.
    fn mounts_at(path: &Path) -> usize {
        std::fs::read_to_string("/proc/thread-self/mountinfo")
            .expect("mountinfo")
            .lines()
            .filter(|l| l.split_whitespace().nth(4) == path.to_str())
            .count()
    }

    /// What `ip netns add` does to its directory: make it shared, or, when it is not a mount point, bind it
    /// onto itself first.
    fn ip_netns_add_upgrade(dir: &Path) {
        use rustix::mount::{mount_bind_recursive, mount_change, MountPropagationFlags};
        let shared = MountPropagationFlags::SHARED | MountPropagationFlags::REC;
        if mount_change(dir, shared) == Err(rustix::io::Errno::INVAL) {
            mount_bind_recursive(dir, dir).expect("bind");
            mount_change(dir, shared).expect("shared");
        }
    }

    #[test]
    fn an_ip_netns_add_later_cannot_bury_namespaces() {
        if !root() {
            eprintln!("skipping: needs root");
            return;
        }
        let (before, after) = in_private_mounts(|run| {
            // The cause: mounted in a plain directory, then `ip netns add` binds the directory over it. The
            // name now has two mounts; releasing unmounts the top one and cannot remove the name.
            let plain = run.join("plain");
            std::fs::create_dir_all(&plain).expect("mkdir");
            let buried = plain.join("lambkin-pool-a");
            mount_net(&buried);
            ip_netns_add_upgrade(&plain);
            let before = (
                mounts_at(&buried),
                release_netns(&buried, None),
                mounts_at(&buried),
            );
            // The fix: the directory is made a mount point first; `ip netns add` then only makes it shared.
            let netns = run.join("netns");
            ensure_mount_point(&netns).expect("mount point");
            ensure_mount_point(&netns).expect("idempotent");
            let fine = netns.join("lambkin-pool-b");
            mount_net(&fine);
            ip_netns_add_upgrade(&netns);
            let after = (
                mounts_at(&fine),
                release_netns(&fine, None),
                mounts_at(&fine),
            );
            assert!(!fine.exists());
            (before, after)
        });
        assert_eq!(before, (2, false, 1), "the hazard, reproduced");
        assert_eq!(after, (1, true, 0));
    }

    #[test]
    fn real_namespaces_are_recorded_before_and_released_before_unrecording() {
        if !root() {
            eprintln!("skipping: needs root");
            return;
        }
        let dirs = temp_dirs();
        let mounted = |p: &Path| {
            std::fs::read_to_string("/proc/self/mounts")
                .expect("mounts")
                .lines()
                .any(|l| l.split_whitespace().nth(1) == p.to_str())
        };
        refill_in(&dirs, Network::None, 2);
        let ready: Vec<String> = std::fs::read_dir(&dirs.records)
            .expect("records")
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        assert_eq!(ready.len(), 2, "{ready:?}");
        assert!(ready.iter().all(|f| f.ends_with(".none")), "{ready:?}");
        let taken = take_ready(&dirs, Network::None, Owner::me()).expect("ready");
        assert!(mounted(&taken.netns));
        let netns = taken.netns.clone();
        drop(taken);
        assert!(!mounted(&netns) && !netns.exists());
        // A dead owner's real namespace with no record at all.
        let dead = dead_owner();
        let path = dirs.netns.join(new_name(dead));
        std::fs::File::create(&path).expect("create");
        let target = path.clone();
        std::thread::spawn(move || {
            // SAFETY: as in `make`: only the network namespace is unshared.
            unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET) }
                .expect("unshare");
            rustix::mount::mount_bind("/proc/thread-self/ns/net", &target).expect("bind");
        })
        .join()
        .expect("thread");
        assert!(mounted(&path));
        // The last ready one is mine (alive): only the dead owner's goes.
        assert_eq!(sweep_in(&dirs, false, Owner::me(), None), (1, 0));
        assert!(!mounted(&path) && !path.exists());
        assert_eq!(sweep_in(&dirs, true, Owner::me(), None), (1, 0));
        let left: Vec<_> = std::fs::read_dir(&dirs.netns)
            .expect("netns")
            .flatten()
            .collect();
        assert!(left.is_empty(), "{left:?}");
        cleanup(&dirs);
    }
}
