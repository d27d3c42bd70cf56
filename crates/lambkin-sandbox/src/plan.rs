//! What an environment's filesystem is made of, decided on the host as plain data.
//!
//! [`RootPlan::build`] turns an [`EnvironmentSpec`](crate::EnvironmentSpec) into an ordered list of
//! [`MountOp`]s; `enter.rs` executes them inside the new mount namespace. Keeping the decisions here, pure,
//! lets them be unit-tested without root (as youki separates its mount logic from its `Syscall` layer).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Host directories bound read-only into every environment unless an operator gives a root filesystem.
pub const HOST_DIRS: &[&str] = &[
    "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
];

/// Device nodes bound from the host into the environment's `/dev`.
pub const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

/// Where the init's executable appears inside the environment.
pub const INIT_PATH: &str = "/.lambkin/init";

/// In an image root, the host's ELF loader the init is started through (its own C library, never the image's).
pub const INIT_LOADER: &str = "/.lambkin/ld.so";
/// In an image root, the directory of the host's libraries the init needs.
pub const INIT_LIBRARIES: &str = "/.lambkin/lib";

/// Where an image root keeps the old root during `pivot_root` (a directory of lambkin's top layer, only root
/// may enter it).
pub const IMAGE_OLD_ROOT: &str = "/.lambkin/old";

/// One step of building the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MountOp {
    /// A tmpfs at `target` (relative to the new root) with mount options.
    Tmpfs {
        /// Mount point inside the new root.
        target: String,
        /// tmpfs options (`size=…,mode=…`).
        options: String,
    },
    /// A bind mount of a host path, read-only when `readonly`.
    Bind {
        /// Host path.
        source: PathBuf,
        /// Mount point inside the new root.
        target: String,
        /// Remounted read-only.
        readonly: bool,
        /// A file rather than a directory.
        file: bool,
    },
    /// A symbolic link inside the new root.
    Symlink {
        /// Link target (as stored in the link).
        to: String,
        /// Link path inside the new root.
        at: String,
    },
    /// Read-only overlay of several layers; the last one wins.
    Overlay {
        /// Layers in Lambda's order (the later wins).
        layers: Vec<PathBuf>,
        /// Mount point inside the new root.
        target: String,
    },
    /// An ext4 image attached to a loop device (detached automatically with its last mount) and mounted
    /// world-writable with the sticky bit: `/tmp` backed by disk, so its pages are not charged to the
    /// environment's memory as a tmpfs would be.
    Ext4Image {
        /// The image file on the host.
        image: PathBuf,
        /// Mount point inside the new root.
        target: String,
    },
    /// A host directory shared read-write (an operator's EFS access point mapping): a non-recursive bind,
    /// `nosuid`, `nodev`, its source checked to be a directory (not a symlink) when it is mounted.
    Shared {
        /// Host directory.
        source: PathBuf,
        /// Mount point inside the new root (`/mnt/<name>`).
        target: String,
    },
    /// A container image as the whole root: its unpacked layers (bottom first, the later winning) under lambkin's
    /// own top layer, `top`, merged read-only by overlayfs. `top` holds every directory and file the later steps
    /// mount on or write, so none of them is ever looked up in the image: a symlink in the image (`etc ->
    /// /host/path`) can never lead a mount or a write outside the root before `pivot_root`. Must be the first step.
    ImageRoot {
        /// Unpacked layers, bottom first.
        layers: Vec<PathBuf>,
        /// lambkin's top layer, made in a tmpfs before the overlay is mounted.
        top: Vec<TopEntry>,
    },
    /// A file written into the (still writable) new root.
    File {
        /// Path inside the new root.
        at: String,
        /// Contents.
        contents: String,
    },
}

/// One entry of lambkin's top layer over a container image ([`MountOp::ImageRoot`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopEntry {
    /// A directory (its parents are made `0755`).
    Dir {
        /// Path inside the root.
        at: String,
        /// Permission bits.
        mode: u32,
    },
    /// A file (its parents are made `0755`).
    File {
        /// Path inside the root.
        at: String,
        /// Contents.
        contents: String,
    },
}

impl TopEntry {
    /// Its path inside the root.
    pub fn at(&self) -> &str {
        match self {
            Self::Dir { at, .. } | Self::File { at, .. } => at,
        }
    }
}

/// What an environment's system directories come from.
#[derive(Debug, Clone, Copy)]
pub enum Base<'a> {
    /// The host's `/usr`, `/lib*`, `/bin`, `/sbin`, bound read-only.
    Host,
    /// An operator's root filesystem: its `usr`, `lib`, `lib64`, `bin`, `sbin`.
    Rootfs(&'a Path),
    /// A container image's unpacked layers, bottom first: the whole root, its own `/etc` but for the files
    /// that describe the environment (`hosts`, `hostname`, `resolv.conf`). The init's loader and libraries (for
    /// a dynamically linked init) are bound at [`INIT_LOADER`] and [`INIT_LIBRARIES`].
    Image {
        /// The layers.
        layers: &'a [PathBuf],
        /// The init executable's loader and libraries on the host; `None` for a static init.
        init_deps: Option<&'a crate::initdeps::InitDeps>,
    },
}

impl MountOp {
    /// The path inside the root it mounts on or writes (`/` for an image root).
    pub fn target(&self) -> &str {
        match self {
            Self::Tmpfs { target, .. }
            | Self::Bind { target, .. }
            | Self::Overlay { target, .. }
            | Self::Ext4Image { target, .. }
            | Self::Shared { target, .. } => target,
            Self::Symlink { at, .. } | Self::File { at, .. } => at,
            Self::ImageRoot { .. } => "/",
        }
    }
}

/// The ordered mounts of one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootPlan {
    /// Steps in order.
    pub ops: Vec<MountOp>,
}

/// A host directory an environment sees read-write at `target`: an EFS access point as the operator mapped it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedDir {
    /// The host directory (absolute).
    pub source: PathBuf,
    /// Where the function sees it: `/mnt/<name>`, Lambda's `LocalMountPath`.
    pub target: String,
}

impl SharedDir {
    /// Whether `target` is one directory directly under `/mnt` (Lambda's `^/mnt/[a-zA-Z0-9-_.]+$`, without
    /// `.` and `..`, which would name `/mnt` itself or the root).
    pub fn valid_target(target: &str) -> bool {
        target.strip_prefix("/mnt/").is_some_and(|name| {
            !name.is_empty()
                && name != "."
                && name != ".."
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
    }
}

/// The generated `/etc/passwd`: root for the init, `sbx_user1051` (993) for the function.
pub const PASSWD: &str = "root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:993:993::/home/sbx_user1051:/sbin/nologin\n";
/// The generated `/etc/group`.
pub const GROUP: &str = "root:x:0:\nsbx_user1051:x:993:\n";
/// The generated `/etc/hosts`: `sandbox.localdomain` is the environment's loopback.
pub const HOSTS: &str =
    "127.0.0.1\tlocalhost sandbox.localdomain sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n";
/// The generated `/etc/nsswitch.conf`.
pub const NSSWITCH: &str = "passwd: files\ngroup: files\nhosts: files dns\n";

impl RootPlan {
    /// Builds the plan for code, layers, runtime (with the host directories its interpreter needs, bound
    /// read-only at the same path), `/tmp` size, optional operator root filesystem and the init binary to
    /// expose.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        code: &Path,
        layers: &[PathBuf],
        runtime: Option<&Path>,
        host_binds: &[PathBuf],
        tmp_mb: u32,
        tmp_image: Option<&Path>,
        base: Base<'_>,
        init_binary: &Path,
        resolv_conf: &str,
    ) -> Self {
        let mut plan = Self::skeleton(tmp_mb, tmp_image, base, init_binary, resolv_conf);
        plan.ops
            .extend(Self::function(code, layers, runtime, host_binds).ops);
        plan
    }

    /// What every environment has whatever its function: the root tmpfs, the host's (or the operator's)
    /// system directories, the generated `/etc`, `/tmp`, `/dev` and the init's executable. A prepared
    /// environment is built from this alone; [`RootPlan::function`] is attached when a function is assigned.
    pub fn skeleton(
        tmp_mb: u32,
        tmp_image: Option<&Path>,
        base: Base<'_>,
        init_binary: &Path,
        resolv_conf: &str,
    ) -> Self {
        let mut ops = vec![match base {
            Base::Image { layers, .. } => MountOp::ImageRoot {
                layers: layers.to_vec(),
                // What the init mounts itself; the rest is added by `seal_image_top` from the later steps.
                top: vec![
                    TopEntry::Dir {
                        at: "/proc".into(),
                        mode: 0o555,
                    },
                    TopEntry::Dir {
                        at: "/.lambkin".into(),
                        mode: 0o700,
                    },
                    TopEntry::Dir {
                        at: "/.lambkin/cgroup".into(),
                        mode: 0o755,
                    },
                    TopEntry::Dir {
                        at: IMAGE_OLD_ROOT.into(),
                        mode: 0o700,
                    },
                ],
            },
            _ => MountOp::Tmpfs {
                target: "/".into(),
                options: "size=16m,mode=0755".into(),
            },
        }];
        let own_etc: &[&str] = match base {
            Base::Image { .. } => &["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"],
            _ => &[
                "/etc/passwd",
                "/etc/group",
                "/etc/hosts",
                "/etc/hostname",
                "/etc/nsswitch.conf",
                "/etc/resolv.conf",
            ],
        };
        match base {
            Base::Image { .. } => {}
            Base::Rootfs(root) => {
                for dir in ["usr", "lib", "lib64", "bin", "sbin"] {
                    let src = root.join(dir);
                    ops.push(MountOp::Bind {
                        source: src,
                        target: format!("/{dir}"),
                        readonly: true,
                        file: false,
                    });
                }
            }
            Base::Host => {
                for dir in HOST_DIRS {
                    let p = Path::new(dir);
                    match std::fs::read_link(p) {
                        // Merged-/usr hosts: /bin -> usr/bin. Keep the link, the target is bound anyway.
                        Ok(to) => ops.push(MountOp::Symlink {
                            to: to.to_string_lossy().into_owned(),
                            at: (*dir).to_owned(),
                        }),
                        Err(_) if p.is_dir() => ops.push(MountOp::Bind {
                            source: p.to_path_buf(),
                            target: (*dir).to_owned(),
                            readonly: true,
                            file: false,
                        }),
                        Err(_) => {}
                    }
                }
            }
        }
        for (at, contents) in [
            ("/etc/passwd", PASSWD.to_owned()),
            ("/etc/group", GROUP.to_owned()),
            ("/etc/hosts", HOSTS.to_owned()),
            ("/etc/hostname", "sandbox\n".to_owned()),
            ("/etc/nsswitch.conf", NSSWITCH.to_owned()),
            ("/etc/resolv.conf", resolv_conf.to_owned()),
        ] {
            if !own_etc.contains(&at) {
                continue;
            }
            ops.push(MountOp::File {
                at: at.into(),
                contents,
            });
        }
        ops.push(match tmp_image {
            Some(image) => MountOp::Ext4Image {
                image: image.to_path_buf(),
                target: "/tmp".into(),
            },
            None => MountOp::Tmpfs {
                target: "/tmp".into(),
                options: format!("size={tmp_mb}m,mode=1777"),
            },
        });
        ops.push(MountOp::Tmpfs {
            target: "/dev".into(),
            options: "size=64k,mode=0755".into(),
        });
        for dev in DEVICES {
            ops.push(MountOp::Bind {
                source: PathBuf::from(format!("/dev/{dev}")),
                target: format!("/dev/{dev}"),
                readonly: false,
                file: true,
            });
        }
        ops.push(MountOp::Tmpfs {
            target: "/dev/shm".into(),
            options: "size=64m,mode=1777".into(),
        });
        for (to, at) in [
            ("/proc/self/fd", "/dev/fd"),
            ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"),
            ("/proc/self/fd/2", "/dev/stderr"),
        ] {
            ops.push(MountOp::Symlink {
                to: to.into(),
                at: at.into(),
            });
        }
        ops.push(MountOp::Bind {
            source: init_binary.to_path_buf(),
            target: INIT_PATH.into(),
            readonly: true,
            file: true,
        });
        if let Base::Image {
            init_deps: Some(deps),
            ..
        } = base
        {
            let file = |source: &Path, target: String| MountOp::Bind {
                source: source.to_path_buf(),
                target,
                readonly: true,
                file: true,
            };
            ops.push(file(&deps.loader, INIT_LOADER.into()));
            for lib in &deps.libraries {
                if let Some(name) = lib.file_name() {
                    let at = format!("{INIT_LIBRARIES}/{}", name.to_string_lossy());
                    ops.push(file(lib, at));
                }
            }
        }
        Self { ops }
    }
}

impl RootPlan {
    /// The function's own parts: its code at `/var/task`, its runtime at `/var/runtime`, the host directories
    /// its interpreter needs (read-only, at the same path), its layers at `/opt` (one bound, several merged
    /// by overlayfs, the later winning).
    pub fn function(
        code: &Path,
        layers: &[PathBuf],
        runtime: Option<&Path>,
        host_binds: &[PathBuf],
    ) -> Self {
        let mut ops = Vec::new();
        ops.push(MountOp::Bind {
            source: code.to_path_buf(),
            target: "/var/task".into(),
            readonly: true,
            file: false,
        });
        if let Some(rt) = runtime {
            ops.push(MountOp::Bind {
                source: rt.to_path_buf(),
                target: "/var/runtime".into(),
                readonly: true,
                file: false,
            });
        }
        for dir in host_binds {
            // Only absolute paths outside what the environment already has; never over its own directories.
            let inside = dir.to_string_lossy().into_owned();
            let reserved = [
                "/var/task",
                "/var/runtime",
                "/opt",
                "/tmp",
                "/dev",
                "/proc",
                "/etc",
            ];
            if dir.is_absolute()
                && dir.parent().is_some()
                && !reserved
                    .iter()
                    .any(|r| dir.starts_with(r) || Path::new(r).starts_with(dir))
            {
                ops.push(MountOp::Bind {
                    source: dir.clone(),
                    target: inside,
                    readonly: true,
                    file: false,
                });
            }
        }
        match layers.len() {
            0 => {}
            1 => ops.push(MountOp::Bind {
                source: layers[0].clone(),
                target: "/opt".into(),
                readonly: true,
                file: false,
            }),
            _ => ops.push(MountOp::Overlay {
                layers: layers.to_vec(),
                target: "/opt".into(),
            }),
        }
        Self { ops }
    }

    /// Adds the shared directories (EFS mappings), read-write, each at its `/mnt/<name>`. Targets that are not
    /// one directory directly under `/mnt` and sources that are not absolute are left out, so nothing of the
    /// host lands anywhere else in the root.
    pub fn with_shared(mut self, dirs: &[SharedDir]) -> Self {
        for d in dirs {
            if SharedDir::valid_target(&d.target) && d.source.is_absolute() {
                self.ops.push(MountOp::Shared {
                    source: d.source.clone(),
                    target: d.target.clone(),
                });
            } else {
                tracing::warn!(
                    "shared directory {} at {:?} left out: the target must be /mnt/<name>",
                    d.source.display(),
                    d.target
                );
            }
        }
        self
    }
}

impl RootPlan {
    /// Whether the root is a container image's.
    pub fn is_image(&self) -> bool {
        matches!(self.ops.first(), Some(MountOp::ImageRoot { .. }))
    }

    /// Whether the init is started through the host's loader bound at [`INIT_LOADER`].
    pub fn init_through_loader(&self) -> bool {
        self.ops.iter().any(|op| op.target() == INIT_LOADER)
    }

    /// For an image root, completes lambkin's top layer from the steps after it: every mount target not
    /// inside an earlier step's mount becomes a directory (or, for a file bind, an empty file) of the top
    /// layer, and every written file moves into it; their parents become directories. Then nothing the later
    /// steps touch is looked up in the image. Other roots are returned as they are.
    pub fn seal_image_top(mut self) -> Self {
        let Some(MountOp::ImageRoot { top, .. }) = self.ops.first_mut() else {
            return self;
        };
        let mut entries = std::mem::take(top);
        let mut mounted: Vec<String> = Vec::new();
        let mut kept = Vec::new();
        for op in self.ops.drain(1..) {
            let target = op.target().to_owned();
            let inside_a_mount = mounted
                .iter()
                .any(|m| target != *m && Path::new(&target).starts_with(m));
            match &op {
                MountOp::File { contents, .. } if !inside_a_mount => {
                    let contents = contents.clone();
                    add_top(
                        &mut entries,
                        TopEntry::File {
                            at: target,
                            contents,
                        },
                    );
                    continue;
                }
                // Written inside one of lambkin's own mounts (a symlink on the image itself would fail: the
                // root is read-only).
                MountOp::File { .. } | MountOp::Symlink { .. } | MountOp::ImageRoot { .. } => {}
                MountOp::Bind { file: true, .. } => {
                    if !inside_a_mount {
                        let contents = String::new();
                        add_top(
                            &mut entries,
                            TopEntry::File {
                                at: target.clone(),
                                contents,
                            },
                        );
                    }
                    mounted.push(target);
                }
                _ => {
                    if !inside_a_mount {
                        let mode = 0o755;
                        add_top(
                            &mut entries,
                            TopEntry::Dir {
                                at: target.clone(),
                                mode,
                            },
                        );
                    }
                    mounted.push(target);
                }
            }
            kept.push(op);
        }
        if let Some(MountOp::ImageRoot { top, .. }) = self.ops.first_mut() {
            *top = entries;
        }
        self.ops.extend(kept);
        self
    }
}

/// Adds `entry` and its missing parents to a top layer (an entry already there stays as it is).
fn add_top(entries: &mut Vec<TopEntry>, entry: TopEntry) {
    let mut parents: Vec<String> = Path::new(entry.at())
        .ancestors()
        .skip(1)
        .filter(|p| *p != Path::new("/"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    parents.reverse();
    for at in parents {
        if !entries.iter().any(|e| e.at() == at) {
            entries.push(TopEntry::Dir { at, mode: 0o755 });
        }
    }
    if !entries.iter().any(|e| e.at() == entry.at()) {
        entries.push(entry);
    }
}

/// The overlayfs `lowerdir` option for layers in Lambda's order: overlayfs lists the top layer first.
pub fn overlay_lowerdir(layers: &[PathBuf]) -> String {
    layers
        .iter()
        .rev()
        .map(|p| p.to_string_lossy().replace(':', "\\:"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(layers: &[&str]) -> RootPlan {
        let layers: Vec<PathBuf> = layers.iter().map(PathBuf::from).collect();
        RootPlan::build(
            Path::new("/data/code"),
            &layers,
            None,
            &[
                PathBuf::from("/root/.pyenv/versions/3.12.1"),
                PathBuf::from("/opt"),
            ],
            512,
            None,
            Base::Host,
            Path::new("/usr/bin/lambkin"),
            "",
        )
    }

    #[test]
    fn later_layers_win() {
        let layers = vec![
            PathBuf::from("/l/1"),
            PathBuf::from("/l/2"),
            PathBuf::from("/l/3"),
        ];
        assert_eq!(overlay_lowerdir(&layers), "/l/3:/l/2:/l/1");
    }

    #[test]
    fn code_is_read_only_and_tmp_is_sized() {
        let p = plan(&["/a", "/b"]);
        assert!(p.ops.contains(&MountOp::Bind {
            source: "/data/code".into(),
            target: "/var/task".into(),
            readonly: true,
            file: false
        }));
        assert!(p.ops.contains(&MountOp::Tmpfs {
            target: "/tmp".into(),
            options: "size=512m,mode=1777".into()
        }));
        assert!(p
            .ops
            .iter()
            .any(|o| matches!(o, MountOp::Overlay { target, .. } if target == "/opt")));
        assert!(p.ops.contains(&MountOp::Bind {
            source: "/root/.pyenv/versions/3.12.1".into(),
            target: "/root/.pyenv/versions/3.12.1".into(),
            readonly: true,
            file: false
        }));
        // A host directory never replaces one of the environment's own.
        assert!(!p
            .ops
            .iter()
            .any(|o| matches!(o, MountOp::Bind { target, .. } if target == "/opt")));
        assert_eq!(
            p.ops[0],
            MountOp::Tmpfs {
                target: "/".into(),
                options: "size=16m,mode=0755".into()
            }
        );
    }

    #[test]
    fn shared_dirs_only_directly_under_mnt() {
        let dirs = [
            SharedDir {
                source: "/srv/efs/shared".into(),
                target: "/mnt/shared".into(),
            },
            SharedDir {
                source: "/srv/x".into(),
                target: "/mnt/..".into(),
            },
            SharedDir {
                source: "/srv/y".into(),
                target: "/etc".into(),
            },
            SharedDir {
                source: "relative".into(),
                target: "/mnt/rel".into(),
            },
            SharedDir {
                source: "/srv/z".into(),
                target: "/mnt/a/b".into(),
            },
        ];
        let p = plan(&[]).with_shared(&dirs);
        let shared: Vec<_> = p
            .ops
            .iter()
            .filter(|o| matches!(o, MountOp::Shared { .. }))
            .collect();
        assert_eq!(
            shared,
            vec![&MountOp::Shared {
                source: "/srv/efs/shared".into(),
                target: "/mnt/shared".into()
            }]
        );
        assert!(SharedDir::valid_target("/mnt/a-b_c.d"));
        assert!(!SharedDir::valid_target("/mnt/"));
        assert!(!SharedDir::valid_target("/mnt/."));
        assert!(!SharedDir::valid_target("/mnt/a b"));
    }

    #[test]
    fn an_image_root_touches_only_its_top_layer() {
        let layers = [PathBuf::from("/images/l1"), PathBuf::from("/images/l2")];
        let shared = [SharedDir {
            source: "/srv/efs".into(),
            target: "/mnt/efs".into(),
        }];
        let image = RootPlan::skeleton(
            512,
            None,
            Base::Image {
                layers: &layers,
                init_deps: Some(&crate::initdeps::InitDeps {
                    loader: "/lib64/ld-linux-x86-64.so.2".into(),
                    libraries: vec!["/lib/x86_64-linux-gnu/libc.so.6".into()],
                }),
            },
            Path::new("/usr/bin/lambkin-init"),
            "nameserver 10.0.0.1\n",
        )
        .with_shared(&shared)
        .seal_image_top();
        assert!(image.is_image());
        let MountOp::ImageRoot { layers: got, top } = &image.ops[0] else {
            panic!("not an image root: {:?}", image.ops[0]);
        };
        assert_eq!(got, &layers);
        let at = |p: &str| top.iter().find(|e| e.at() == p);
        // Every mount point and written file outside lambkin's own mounts is in the top layer…
        for dir in [
            "/proc",
            "/tmp",
            "/dev",
            "/mnt",
            "/mnt/efs",
            "/.lambkin/cgroup",
            IMAGE_OLD_ROOT,
        ] {
            assert!(
                matches!(at(dir), Some(TopEntry::Dir { .. })),
                "{dir} missing"
            );
        }
        assert!(matches!(
            at("/.lambkin"),
            Some(TopEntry::Dir { mode: 0o700, .. })
        ));
        assert!(matches!(at(INIT_PATH), Some(TopEntry::File { .. })));
        // The init runs on the host's C library, bound beside it, never on the image's.
        assert!(matches!(at(INIT_LOADER), Some(TopEntry::File { .. })));
        assert!(matches!(
            at("/.lambkin/lib/libc.so.6"),
            Some(TopEntry::File { .. })
        ));
        assert!(image.init_through_loader());
        assert!(matches!(
            at("/etc/resolv.conf"),
            Some(TopEntry::File { contents, .. }) if contents == "nameserver 10.0.0.1\n"
        ));
        // … the image keeps its own users and groups, and nothing inside /dev's tmpfs is in the top layer.
        assert!(at("/etc/passwd").is_none());
        assert!(at("/dev/null").is_none());
        // No step after the root writes a file outside a mount, nor binds a host system directory.
        for op in &image.ops[1..] {
            let target = op.target();
            assert!(
                !matches!(op, MountOp::File { .. }),
                "{target} written on the image"
            );
            assert!(!HOST_DIRS.contains(&target), "{target} bound from the host");
            if let MountOp::Symlink { at, .. } = op {
                assert!(at.starts_with("/dev/"), "symlink {at} on the image");
            }
        }
        // Other roots are unchanged by sealing.
        let host = plan(&[]);
        assert_eq!(host.clone().seal_image_top(), host);
    }

    #[test]
    fn sandbox_host_name_is_loopback() {
        assert!(HOSTS.contains("127.0.0.1\tlocalhost sandbox.localdomain"));
        assert!(PASSWD.contains("sbx_user1051:x:993:"));
    }
}
