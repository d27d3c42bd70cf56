//! `lambkin sandbox-enter`: the intermediate process of the chain host → enter → init (PID 1).
//!
//! The host starts it with new mount, PID, network, IPC and UTS namespaces already unshared and the cgroup
//! joined. Here the root is built from the [`RootPlan`], pivoted into and made read-only, the loopback
//! interface brought up, and the init started: as the first process in the new PID namespace it is PID 1.
//! This process then only waits for the init and exits with its status. It runs as `lambkin-enter` (its own
//! small executable, [`ENTER_EXECUTABLE`]) when that is beside the host's binary, else as the host binary's
//! `sandbox-enter` subcommand ([`command`]).

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rustix::mount::{
    mount, mount_bind, mount_bind_recursive, mount_change, mount_remount, unmount, MountFlags,
    MountPropagationFlags, UnmountFlags,
};
use serde::{Deserialize, Serialize};

use crate::plan::{
    overlay_lowerdir, MountOp, RootPlan, TopEntry, INIT_LIBRARIES, INIT_LOADER, INIT_PATH,
};

/// The file name of `sandbox-enter`'s own executable.
pub const ENTER_EXECUTABLE: &str = "lambkin-enter";

/// The program and leading arguments that run `sandbox-enter`: `lambkin-enter` next to `host_binary` when it is
/// there, else `host_binary sandbox-enter`. The plan follows as `--plan JSON`.
pub fn command(host_binary: &Path) -> (PathBuf, Vec<String>) {
    lambkin_wire::launch::beside(host_binary, ENTER_EXECUTABLE, "sandbox-enter")
}

/// Everything `sandbox-enter` needs, passed by the host as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnterPlan {
    /// Host directory that becomes the new root's mount point.
    pub root_dir: PathBuf,
    /// The mounts.
    pub root: RootPlan,
    /// Host name inside the environment.
    pub hostname: String,
    /// Arguments of the init after the binary (`init --control-fd 3 …`).
    pub init_args: Vec<String>,
    /// A prepared environment's attach channel (descriptor number): the root stays writable, the init starts
    /// and waits, and the function's trees arrive on this channel when one is assigned (`attach.rs`); the root
    /// is made read-only once they are in place. `None`: the plan is complete.
    #[serde(default)]
    pub attach_fd: Option<i32>,
}

/// A failed step, with the path it failed on.
#[derive(Debug, thiserror::Error)]
#[error("{step} {path}: {source}")]
pub struct EnterError {
    step: &'static str,
    path: String,
    source: io::Error,
}

fn ctx<T>(
    step: &'static str,
    path: impl AsRef<Path>,
    r: Result<T, impl Into<io::Error>>,
) -> Result<T, EnterError> {
    r.map_err(|e| EnterError {
        step,
        path: path.as_ref().display().to_string(),
        source: e.into(),
    })
}

/// `mount(2)` of a file system with a text option string.
fn fs_mount(
    source: &str,
    target: &Path,
    fstype: &str,
    flags: MountFlags,
    data: &str,
) -> io::Result<()> {
    let data =
        std::ffi::CString::new(data).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    mount(source, target, fstype, flags, Some(data.as_c_str())).map_err(io::Error::from)
}

fn inside(root: &Path, target: &str) -> PathBuf {
    root.join(target.trim_start_matches('/'))
}

fn apply(root: &Path, op: &MountOp) -> Result<(), EnterError> {
    match op {
        MountOp::Tmpfs { target, options } => {
            let at = inside(root, target);
            ctx("mkdir", &at, fs::create_dir_all(&at))?;
            let flags = if target == "/dev" {
                MountFlags::NOSUID | MountFlags::NOEXEC
            } else {
                MountFlags::NOSUID | MountFlags::NODEV
            };
            ctx(
                "mount tmpfs on",
                &at,
                fs_mount("tmpfs", &at, "tmpfs", flags, options),
            )?;
        }
        MountOp::Bind {
            source,
            target,
            readonly,
            file,
        } => {
            let at = inside(root, target);
            if *file {
                if let Some(parent) = at.parent() {
                    ctx("mkdir", parent, fs::create_dir_all(parent))?;
                }
                // An image root's top layer already has it (and is read-only by now).
                if fs::symlink_metadata(&at).is_err() {
                    ctx("create", &at, fs::File::create(&at).map(|_| ()))?;
                }
            } else {
                ctx("mkdir", &at, fs::create_dir_all(&at))?;
            }
            ctx("bind", source, mount_bind_recursive(source, &at))?;
            if *readonly {
                ctx(
                    "remount read-only",
                    &at,
                    mount_remount(
                        &at,
                        MountFlags::BIND
                            | MountFlags::RDONLY
                            | MountFlags::NOSUID
                            | MountFlags::NODEV,
                        "",
                    ),
                )?;
            }
        }
        MountOp::Symlink { to, at } => {
            let at = inside(root, at);
            if let Some(parent) = at.parent() {
                ctx("mkdir", parent, fs::create_dir_all(parent))?;
            }
            ctx("symlink", &at, symlink(to, &at))?;
        }
        MountOp::Overlay { layers, target } => {
            let at = inside(root, target);
            ctx("mkdir", &at, fs::create_dir_all(&at))?;
            let options = format!("lowerdir={}", overlay_lowerdir(layers));
            let r = fs_mount(
                "overlay",
                &at,
                "overlay",
                MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV,
                &options,
            );
            if let Err(e) = r {
                // No overlayfs (or not over these directories): merge by copying into a tmpfs, later layers
                // overwriting earlier ones, then make it read-only.
                tracing::warn!(
                    "overlayfs for {} failed ({e}); merging layers by copy",
                    at.display()
                );
                ctx(
                    "mount tmpfs on",
                    &at,
                    fs_mount(
                        "tmpfs",
                        &at,
                        "tmpfs",
                        MountFlags::NOSUID | MountFlags::NODEV,
                        "mode=0755",
                    ),
                )?;
                for layer in layers {
                    ctx("copy layer", layer, copy_tree(layer, &at))?;
                }
                ctx(
                    "remount read-only",
                    &at,
                    mount_remount(
                        &at,
                        MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV,
                        "",
                    ),
                )?;
            }
        }
        MountOp::ImageRoot { layers, top } => image_root(root, layers, top)?,
        MountOp::Ext4Image { image, target } => {
            let at = inside(root, target);
            ctx("mkdir", &at, fs::create_dir_all(&at))?;
            // The device stays open until mounted: with autoclear, its last close while unmounted detaches it.
            let (device, _open) = ctx("attach a loop device to", image, attach_loop(image))?;
            let dev = device.to_string_lossy().into_owned();
            ctx(
                "mount ext4 on",
                &at,
                fs_mount(
                    &dev,
                    &at,
                    "ext4",
                    MountFlags::NOSUID | MountFlags::NODEV,
                    "",
                ),
            )?;
            ctx(
                "chmod",
                &at,
                fs::set_permissions(&at, std::os::unix::fs::PermissionsExt::from_mode(0o1777)),
            )?;
        }
        MountOp::Shared { source, target } => {
            let at = inside(root, target);
            ctx("mkdir", &at, fs::create_dir_all(&at))?;
            // Opened without following a symlink and required to be a directory; the bind then goes through
            // the open descriptor, so what is mounted is what was checked, whatever the path names meanwhile.
            let dir = ctx("open the shared directory", source, open_dir(source))?;
            let by_fd = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&dir));
            ctx("bind", source, mount_bind(by_fd.as_str(), &at))?;
            ctx(
                "remount nosuid,nodev",
                &at,
                mount_remount(
                    &at,
                    MountFlags::BIND | MountFlags::NOSUID | MountFlags::NODEV,
                    "",
                ),
            )?;
        }
        MountOp::File { at, contents } => {
            let at = inside(root, at);
            if let Some(parent) = at.parent() {
                ctx("mkdir", parent, fs::create_dir_all(parent))?;
            }
            ctx("write", &at, fs::write(&at, contents))?;
        }
    }
    Ok(())
}

/// Mounts a container image's layers as `root`: lambkin's top layer is made in a tmpfs beside `root` (never
/// inside the image), then the overlay of top and layers is mounted read-only on `root`.
fn image_root(root: &Path, layers: &[PathBuf], top: &[TopEntry]) -> Result<(), EnterError> {
    use std::os::unix::fs::PermissionsExt;
    let mut top_dir = root.as_os_str().to_owned();
    top_dir.push(".top");
    let top_dir = PathBuf::from(top_dir);
    ctx("mkdir", &top_dir, fs::create_dir_all(&top_dir))?;
    ctx(
        "mount tmpfs on",
        &top_dir,
        fs_mount(
            "tmpfs",
            &top_dir,
            "tmpfs",
            MountFlags::NOSUID | MountFlags::NODEV,
            "size=1m,mode=0755",
        ),
    )?;
    for entry in top {
        let at = inside(&top_dir, entry.at());
        if let Some(parent) = at.parent() {
            ctx("mkdir", parent, fs::create_dir_all(parent))?;
        }
        match entry {
            TopEntry::Dir { mode, .. } => {
                ctx("mkdir", &at, fs::create_dir_all(&at))?;
                ctx(
                    "chmod",
                    &at,
                    fs::set_permissions(&at, fs::Permissions::from_mode(*mode)),
                )?;
            }
            TopEntry::File { contents, .. } => ctx("write", &at, fs::write(&at, contents))?,
        }
    }
    ctx("mkdir", root, fs::create_dir_all(root))?;
    let mut bottom_first = layers.to_vec();
    bottom_first.push(top_dir);
    ctx(
        "mount the image on",
        root,
        read_only_overlay(&bottom_first, root),
    )
}

/// Mounts the overlay of `layers` (bottom first, the later winning) read-only, `nosuid`, `nodev` on `at`. Each
/// layer is its own `lowerdir+` (Linux 6.8), so an image of many layers is not limited by one option string's
/// page; older kernels get the one `lowerdir` string.
fn read_only_overlay(layers: &[PathBuf], at: &Path) -> io::Result<()> {
    use rustix::mount::{
        fsconfig_create, fsconfig_set_string, fsmount, fsopen, move_mount, FsMountFlags,
        FsOpenFlags, MountAttrFlags, MoveMountFlags,
    };
    let attrs = MountAttrFlags::MOUNT_ATTR_RDONLY
        | MountAttrFlags::MOUNT_ATTR_NOSUID
        | MountAttrFlags::MOUNT_ATTR_NODEV;
    let per_layer = (|| -> io::Result<std::os::fd::OwnedFd> {
        let fs = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)?;
        for dir in layers.iter().rev() {
            fsconfig_set_string(&fs, "lowerdir+", dir.as_os_str())?;
        }
        fsconfig_create(&fs)?;
        Ok(fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, attrs)?)
    })();
    let mounted = match per_layer {
        Ok(m) => m,
        Err(e) => {
            tracing::debug!("overlay with lowerdir+ failed ({e}); one lowerdir string");
            let fs = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)?;
            fsconfig_set_string(&fs, "lowerdir", overlay_lowerdir(layers))?;
            fsconfig_create(&fs)?;
            fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, attrs)?
        }
    };
    move_mount(
        &mounted,
        "",
        rustix::fs::CWD,
        at,
        MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
    )?;
    Ok(())
}

/// Opens `path` as a directory, refusing a symlink in its last component (`O_PATH`: nothing is read).
fn open_dir(path: &Path) -> io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{open, Mode, OFlags};
    Ok(open(
        path,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            let _ = fs::remove_file(&dst);
            symlink(fs::read_link(&src)?, &dst)?;
        } else if kind.is_dir() {
            fs::create_dir_all(&dst)?;
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// `struct loop_info64` of `<linux/loop.h>`.
#[repr(C)]
struct LoopInfo64 {
    device: u64,
    inode: u64,
    rdevice: u64,
    offset: u64,
    sizelimit: u64,
    number: u32,
    encrypt_type: u32,
    encrypt_key_size: u32,
    flags: u32,
    file_name: [u8; 64],
    crypt_name: [u8; 64],
    encrypt_key: [u8; 32],
    init: [u64; 2],
}

/// `struct loop_config` of `<linux/loop.h>` (LOOP_CONFIGURE, Linux 5.8).
#[repr(C)]
struct LoopConfig {
    fd: u32,
    block_size: u32,
    info: LoopInfo64,
    reserved: [u64; 8],
}

const LOOP_CONFIGURE: libc::c_ulong = 0x4C0A;
const LOOP_CTL_GET_FREE: libc::c_ulong = 0x4C82;
const LO_FLAGS_AUTOCLEAR: u32 = 4;

/// Attaches `image` to a free loop device that detaches itself when its last mount goes away.
///
/// The loop ioctls are used directly: util-linux has no library for this, and running `losetup` would need it
/// installed in every root filesystem.
fn attach_loop(image: &Path) -> io::Result<(PathBuf, fs::File)> {
    use std::os::fd::AsRawFd;
    let control = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/loop-control")?;
    let backing = fs::OpenOptions::new().read(true).write(true).open(image)?;
    for _ in 0..16 {
        // SAFETY: LOOP_CTL_GET_FREE takes no argument and returns a device number.
        let n = unsafe { libc::ioctl(control.as_raw_fd(), LOOP_CTL_GET_FREE) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let path = PathBuf::from(format!("/dev/loop{n}"));
        let device = fs::OpenOptions::new().read(true).write(true).open(&path)?;
        // SAFETY: LoopConfig is plain old data; all zeroes is a valid value.
        let mut config: LoopConfig = unsafe { std::mem::zeroed() };
        config.fd = backing.as_raw_fd() as u32;
        config.info.flags = LO_FLAGS_AUTOCLEAR;
        // SAFETY: LOOP_CONFIGURE reads a loop_config, which `config` is, alive for the call; it attaches the
        // backing file and sets the flags in one step, so the device is never half-configured.
        if unsafe { libc::ioctl(device.as_raw_fd(), LOOP_CONFIGURE, &config) } < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EBUSY) {
                continue; // another process took it between GET_FREE and CONFIGURE
            }
            return Err(e);
        }
        return Ok((path, device));
    }
    Err(io::Error::new(
        io::ErrorKind::WouldBlock,
        "no free loop device",
    ))
}

/// Brings `lo` up in the current network namespace.
fn loopback_up() -> io::Result<()> {
    // SAFETY: a plain datagram socket; the descriptor is owned by `sock` below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket() and is owned by nobody else.
    let sock = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    let raw = std::os::fd::AsRawFd::as_raw_fd(&sock);
    // SAFETY: SIOCGIFFLAGS reads into `req`, a valid ifreq that outlives the call.
    if unsafe { libc::ioctl(raw, libc::SIOCGIFFLAGS, &mut req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the union member for SIOCGIFFLAGS/SIOCSIFFLAGS is `ifru_flags`.
    unsafe {
        req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    }
    // SAFETY: SIOCSIFFLAGS reads `req`, a valid ifreq.
    if unsafe { libc::ioctl(raw, libc::SIOCSIFFLAGS, &req) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn root_read_only() -> rustix::io::Result<()> {
    mount_remount(
        "/",
        MountFlags::BIND | MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV,
        "",
    )
}

/// A prepared environment's assignment: waits for the function's trees, puts them in place, makes the root
/// read-only and answers the host. The init only waits meanwhile (the host sends it `Start` after the
/// answer). When the host closes the channel instead, the environment is being destroyed: nothing to do.
fn attach_function(channel: &std::os::fd::OwnedFd) {
    use std::os::fd::AsFd;
    let result = match crate::attach::receive(channel.as_fd()) {
        Ok(None) => return,
        Ok(Some(trees)) => trees
            .iter()
            .try_for_each(|(tree, fd)| {
                crate::attach::apply(tree, fd).map_err(|e| format!("{}: {e}", tree.target))
            })
            .and_then(|()| root_read_only().map_err(|e| format!("remount root read-only: {e}"))),
        Err(e) => Err(format!("receive: {e}")),
    };
    if let Err(e) = crate::attach::answer(channel.as_fd(), result) {
        eprintln!("lambkin-enter: answering the host: {e}");
    }
}

/// `sandbox-enter --plan JSON` as a process: parses the plan, runs it, and exits with the init's status (2 for
/// a plan that does not parse; failures are told on stderr, prefixed with `who`).
pub fn main(plan_json: &str, who: &str) -> std::process::ExitCode {
    use std::process::ExitCode;
    let plan: EnterPlan = match serde_json::from_str(plan_json) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{who}: invalid plan: {e}");
            return ExitCode::from(2);
        }
    };
    match run(plan) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("{who}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the environment's root, pivots into it and runs the init as PID 1; returns its exit code.
pub fn run(plan: EnterPlan) -> Result<i32, EnterError> {
    if let Some(fd) = plan.attach_fd {
        // The attach channel is this process's alone: the init must not inherit it.
        // SAFETY: F_SETFD on a descriptor number touches no memory.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
            return Err(EnterError {
                step: "keep the attach channel",
                path: fd.to_string(),
                source: io::Error::last_os_error(),
            });
        }
    }
    ctx(
        "make mounts private",
        "/",
        mount_change(
            "/",
            MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
        ),
    )?;
    let root = &plan.root_dir;
    ctx("mkdir", root, fs::create_dir_all(root))?;
    for op in &plan.root.ops {
        apply(root, op)?;
    }
    if !plan.root.is_image() {
        // An image root has its own directories; these are in lambkin's top layer over it.
        for dir in [
            "proc",
            "var/task",
            "opt",
            "var/runtime",
            "root",
            "home/sbx_user1051",
            ".lambkin/cgroup",
        ] {
            let at = root.join(dir);
            ctx("mkdir", &at, fs::create_dir_all(&at))?;
        }
        // Only root (the init) may look into /.lambkin: the init's binary and the environment's cgroup figures.
        let own = root.join(".lambkin");
        ctx(
            "chmod",
            &own,
            fs::set_permissions(&own, std::os::unix::fs::PermissionsExt::from_mode(0o700)),
        )?;
    }
    // Where the old root goes for pivot_root: a directory of the new root, removed after; an image root is
    // read-only already, so there it is a directory of lambkin's top layer, left empty.
    let old_inside = if plan.root.is_image() {
        crate::plan::IMAGE_OLD_ROOT
    } else {
        "/.old"
    };
    let old = inside(root, old_inside);
    ctx("mkdir", &old, fs::create_dir_all(&old))?;
    ctx(
        "pivot_root to",
        root,
        rustix::process::pivot_root(root, &old),
    )?;
    ctx("chdir", "/", std::env::set_current_dir("/"))?;
    ctx(
        "detach old root",
        old_inside,
        unmount(old_inside, UnmountFlags::DETACH),
    )?;
    if !plan.root.is_image() {
        ctx("rmdir", old_inside, fs::remove_dir(old_inside))?;
    }
    if plan.attach_fd.is_none() {
        ctx("remount root read-only", "/", root_read_only())?;
    }
    ctx("bring up", "lo", loopback_up())?;
    ctx(
        "sethostname",
        &plan.hostname,
        rustix::system::sethostname(plan.hostname.as_bytes()),
    )?;

    let mut cmd = match plan.root.init_through_loader() {
        // An image's root: the init runs on the host's loader and libraries, bound beside it.
        true => {
            let mut cmd = Command::new(INIT_LOADER);
            cmd.args(["--library-path", INIT_LIBRARIES, INIT_PATH]);
            cmd
        }
        false => Command::new(INIT_PATH),
    };
    cmd.args(&plan.init_args)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .current_dir("/")
        .stdin(Stdio::null());
    // SAFETY: prctl is async-signal-safe and touches no parent memory; the init dies with this process.
    unsafe {
        cmd.pre_exec(|| {
            lambkin_wire::process::die_with_parent()?;
            Ok(())
        });
    }
    let mut child = ctx("start the init", INIT_PATH, cmd.spawn())?;
    if let Some(fd) = plan.attach_fd {
        // SAFETY: the host passed this descriptor for this process alone; nothing else owns it.
        let channel = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        attach_function(&channel);
    }
    let status = ctx("wait for the init", INIT_PATH, child.wait())?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}
