//! A pool of prepared network namespaces, so that a cold start does not wait for the kernel to build one
//! (2–25 ms here) nor for `pasta` to attach to it (~25 ms).
//!
//! A pooled namespace is made by a short-lived thread that unshares its network namespace and names it with
//! a bind mount under `/run/netns`; for egress, `pasta` is attached to it at once. An environment takes one
//! (an atomic rename claims it), joins it with `setns` before its other namespaces are unshared, and owns it
//! from then on: destroying the environment stops its `pasta` and removes the namespace, as for one made on
//! the spot. Entries record the process that made them; entries of a dead process are swept.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::environment::Network;

/// Where prepared namespaces are listed.
const POOL_DIR: &str = "/run/lambkin/netns-pool";
/// Prepared namespaces kept per kind.
const DEPTH: usize = 2;

/// Serialises refills and sweeps; `true` once this process closed its pool (no more refills).
static POOL: Mutex<bool> = Mutex::new(false);

/// A prepared network namespace, now owned by the caller.
#[derive(Debug)]
pub struct Prepared {
    /// Its name under `/run/netns` (a bind mount).
    pub netns: PathBuf,
    /// `pasta` attached to it, for egress.
    pub pasta_pid: Option<u32>,
}

fn kind(network: Network) -> &'static str {
    network.name()
}

/// Makes a network namespace named `/run/netns/<name>` and, for `pasta`, attaches egress to it.
fn make(name: &str, network: Network) -> io::Result<Prepared> {
    let dir = Path::new("/run/netns");
    std::fs::create_dir_all(dir)?;
    let netns = dir.join(name);
    std::fs::File::create(&netns)?;
    let target = netns.clone();
    let named = std::thread::spawn(move || -> io::Result<()> {
        // Only this thread moves to the new namespace; the bind mount keeps it alive after the thread ends.
        // SAFETY: only the network namespace is unshared (not the descriptor table), so no thread can see
        // descriptors it does not share.
        unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET)? };
        rustix::mount::mount_bind("/proc/thread-self/ns/net", &target)?;
        Ok(())
    })
    .join()
    .map_err(|_| io::Error::other("the namespace thread panicked"))?;
    let mut prepared = Prepared {
        netns,
        pasta_pid: None,
    };
    if let Err(e) = named {
        release(&mut prepared);
        return Err(e);
    }
    quick_acks(name);
    if network == Network::Pasta {
        std::fs::create_dir_all(POOL_DIR)?;
        let pidfile = Path::new(POOL_DIR).join(format!("{name}.pasta-pid"));
        let attached = crate::environment::attach_pasta(&prepared.netns, &pidfile);
        let _ = std::fs::remove_file(&pidfile);
        match attached {
            Ok(pid) => prepared.pasta_pid = pid,
            Err(e) => {
                release(&mut prepared);
                return Err(e);
            }
        }
    }
    Ok(prepared)
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
    let ok = ip(&["link", "set", "lo", "up"])
        && ip(&[
            "route",
            "replace",
            "local",
            "127.0.0.0/8",
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
        && ip(&[
            "route",
            "replace",
            "local",
            "127.0.0.1",
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
        ]);
    if !ok {
        tracing::debug!("could not turn delayed ACKs off in {name}");
    }
}

/// Stops `pasta` and removes the namespace.
pub fn release(p: &mut Prepared) {
    if let Some(pid) = p
        .pasta_pid
        .take()
        .and_then(|p| rustix::process::Pid::from_raw(p as i32))
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
    let _ = rustix::mount::unmount(&p.netns, rustix::mount::UnmountFlags::DETACH);
    let _ = std::fs::remove_file(&p.netns);
}

/// The entry file of a pooled namespace: `<name>.<kind>`, holding "owner-pid pasta-pid".
fn entry_path(name: &str, network: Network) -> PathBuf {
    Path::new(POOL_DIR).join(format!("{name}.{}", kind(network)))
}

fn parse_entry(path: &Path) -> Option<(u32, Option<u32>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut it = text.split_whitespace();
    let owner = it.next()?.parse().ok()?;
    let pasta = it.next().and_then(|s| s.parse().ok());
    Some((owner, pasta))
}

/// Takes a prepared namespace of this kind (made now if none is ready); then tops the pool up in the
/// background.
pub fn take(network: Network) -> Option<Prepared> {
    let suffix = format!(".{}", kind(network));
    let taken = std::fs::read_dir(POOL_DIR).ok().and_then(|entries| {
        entries.flatten().find_map(|e| {
            let file = e.file_name().to_str()?.to_owned();
            let name = file.strip_suffix(&suffix)?.to_owned();
            // Only namespaces prepared by this process: another process's pool is its own business.
            let (owner, _) = parse_entry(&e.path())?;
            if owner != std::process::id() {
                return None;
            }
            // Claim it: only one taker can rename the entry away.
            let claimed = e.path().with_extension("claimed");
            std::fs::rename(e.path(), &claimed).ok()?;
            let (_, pasta_pid) = parse_entry(&claimed).unwrap_or((owner, None));
            let _ = std::fs::remove_file(&claimed);
            Some(Prepared {
                netns: Path::new("/run/netns").join(&name),
                pasta_pid,
            })
        })
    });
    std::thread::spawn(move || refill(network));
    // None ready (the first environment, or a burst): make one now, the same way.
    taken.or_else(|| {
        let name = format!("lambkin-pool-{}", uuid::Uuid::new_v4().simple());
        make(&name, network)
            .map_err(|e| tracing::debug!("preparing a network namespace: {e}"))
            .ok()
    })
}

/// Prepares namespaces until `DEPTH` of this kind are ready. Each is listed (as `<name>.making`, with its
/// maker) before it is made, so a sweep finds it whatever happens to the maker.
pub fn refill(network: Network) {
    let closed = POOL.lock().unwrap_or_else(|p| p.into_inner());
    if *closed || std::fs::create_dir_all(POOL_DIR).is_err() {
        return;
    }
    let suffix = format!(".{}", kind(network));
    let me = std::process::id();
    let ready = std::fs::read_dir(POOL_DIR)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    e.file_name().to_str().is_some_and(|n| n.ends_with(&suffix))
                        && parse_entry(&e.path()).is_some_and(|(owner, _)| owner == me)
                })
                .count()
        })
        .unwrap_or(0);
    for _ in ready..DEPTH {
        let name = format!("lambkin-pool-{}", uuid::Uuid::new_v4().simple());
        let making = Path::new(POOL_DIR).join(format!("{name}.making"));
        if std::fs::write(&making, format!("{me}")).is_err() {
            return;
        }
        match make(&name, network) {
            Ok(p) => {
                let line = format!(
                    "{me} {}",
                    p.pasta_pid.map(|p| p.to_string()).unwrap_or_default()
                );
                let listed = std::fs::write(&making, line)
                    .and_then(|()| std::fs::rename(&making, entry_path(&name, network)));
                if listed.is_err() {
                    let mut p = p;
                    release(&mut p);
                    let _ = std::fs::remove_file(&making);
                    return;
                }
            }
            Err(e) => {
                let _ = std::fs::remove_file(&making);
                tracing::debug!("preparing a network namespace: {e}");
                return;
            }
        }
    }
}

/// Releases pooled namespaces whose maker is gone (or, with `all`, every one this process made, and no
/// more are made).
pub fn sweep(all: bool) {
    // Closing waits for a refill in progress; sweeping only dead makers' entries never touches ours.
    let _closed = all.then(|| {
        let mut closed = POOL.lock().unwrap_or_else(|p| p.into_inner());
        *closed = true;
        closed
    });
    let Ok(entries) = std::fs::read_dir(POOL_DIR) else {
        return;
    };
    let me = std::process::id();
    for e in entries.flatten() {
        let path = e.path();
        let Some(file) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some((name, _)) = file.rsplit_once('.') else {
            continue;
        };
        let Some((owner, pasta_pid)) = parse_entry(&path) else {
            continue;
        };
        let dead = !Path::new(&format!("/proc/{owner}")).exists();
        if dead || (all && owner == me) {
            let _ = std::fs::remove_file(&path);
            release(&mut Prepared {
                netns: Path::new("/run/netns").join(name),
                pasta_pid,
            });
        }
    }
}
