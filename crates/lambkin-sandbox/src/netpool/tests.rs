//! Unit tests of the pool's records and sweeps (stand-in directories; real namespaces when root).

use super::*;

/// A test's stand-in directories, removed when the test ends (a failing one too).
struct TempDirs(Dirs);

impl std::ops::Deref for TempDirs {
    type Target = Dirs;

    fn deref(&self) -> &Dirs {
        &self.0
    }
}

impl Drop for TempDirs {
    fn drop(&mut self) {
        if let Some(base) = self.0.records.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

fn temp_dirs() -> TempDirs {
    let base = std::env::temp_dir().join(format!("lkb-pool-{}", uuid::Uuid::new_v4().simple()));
    let dirs = Dirs {
        records: base.join("records"),
        netns: base.join("netns"),
    };
    std::fs::create_dir_all(&dirs.records).expect("mkdir");
    std::fs::create_dir_all(&dirs.netns).expect("mkdir");
    TempDirs(dirs)
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
        let run = std::env::temp_dir().join(format!("lkb-run-{}", uuid::Uuid::new_v4().simple()));
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

/// A namespace mounted at `path`, then `ip netns add` run on its directory, then the namespace released:
/// (mounts at `path` before, whether it was released, mounts after).
fn released_after_ip_netns_add(path: &Path) -> (usize, bool, usize) {
    mount_net(path);
    ip_netns_add_upgrade(path.parent().expect("a directory"));
    (mounts_at(path), release_netns(path, None), mounts_at(path))
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
        let before = released_after_ip_netns_add(&plain.join("lambkin-pool-a"));
        // The fix: the directory is made a mount point first; `ip netns add` then only makes it shared.
        let netns = run.join("netns");
        ensure_mount_point(&netns).expect("mount point");
        ensure_mount_point(&netns).expect("idempotent");
        let fine = netns.join("lambkin-pool-b");
        let after = released_after_ip_netns_add(&fine);
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
}
