//! Test helpers: tar streams with arbitrary (hostile) entries, gzip, image configs.

use std::io::Write;

use tar::{EntryType, Header};

/// One tar entry to write.
pub(crate) struct E<'a> {
    pub path: &'a str,
    pub kind: EntryType,
    pub data: &'a [u8],
    pub link: &'a str,
    pub mode: u32,
    pub uid: u64,
    pub dev: (u32, u32),
}

impl<'a> E<'a> {
    pub(crate) fn file(path: &'a str, data: &'a [u8]) -> Self {
        E {
            path,
            kind: EntryType::Regular,
            data,
            link: "",
            mode: 0o644,
            uid: 0,
            dev: (0, 0),
        }
    }
    pub(crate) fn dir(path: &'a str) -> Self {
        E {
            kind: EntryType::Directory,
            mode: 0o755,
            ..E::file(path, b"")
        }
    }
    pub(crate) fn symlink(path: &'a str, target: &'a str) -> Self {
        E {
            kind: EntryType::Symlink,
            link: target,
            mode: 0o777,
            ..E::file(path, b"")
        }
    }
    pub(crate) fn hardlink(path: &'a str, target: &'a str) -> Self {
        E {
            kind: EntryType::Link,
            link: target,
            ..E::file(path, b"")
        }
    }
    pub(crate) fn kind(path: &'a str, kind: EntryType) -> Self {
        E {
            kind,
            ..E::file(path, b"")
        }
    }
}

/// A tar stream of `entries`, names and link names written raw (no validation).
pub(crate) fn tar(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = Header::new_gnu();
        h.set_entry_type(e.kind);
        h.set_size(e.data.len() as u64);
        h.set_mode(e.mode);
        h.set_uid(e.uid);
        h.set_gid(e.uid);
        h.set_mtime(1_600_000_000);
        if matches!(e.kind, EntryType::Char | EntryType::Block) {
            h.set_device_major(e.dev.0).unwrap();
            h.set_device_minor(e.dev.1).unwrap();
        }
        let old = h.as_old_mut();
        old.name[..e.path.len()].copy_from_slice(e.path.as_bytes());
        old.linkname[..e.link.len()].copy_from_slice(e.link.as_bytes());
        h.set_cksum();
        b.append(&h, e.data).unwrap();
    }
    b.into_inner().unwrap()
}

/// `bytes` gzip-compressed.
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    g.write_all(bytes).unwrap();
    g.finish().unwrap()
}

/// An image config for `arch` with these layers' uncompressed tars.
pub(crate) fn config(arch: &str, layers: &[&[u8]]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| crate::digest::sha256(l)).collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "config": {"Entrypoint": ["/app"], "Cmd": ["handler"], "Env": ["A=1"], "WorkingDir": "/w", "User": "1000"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap()
}
