//! Safe unpacking of a layer's tar stream into a directory in overlayfs format.
//!
//! Entries are read with the `tar` crate but written one by one here, never with its
//! `unpack`: paths lose a leading `/` and `./`, `..` components are refused, and every parent
//! directory is opened with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
//! RESOLVE_NO_MAGICLINKS)` from the layer root, so nothing is ever written through a symlink
//! (a layer with `x -> /etc` then `x/passwd` is refused). Symlinks are created as they are;
//! hard links may only name a regular file already unpacked in this layer; device nodes are
//! refused; FIFOs, modes (setuid included), owners (when running as root) and mtimes are kept.
//!
//! Whiteouts are converted as containerd's overlay snapshotter does: `.wh.<name>` becomes a
//! 0:0 character device `<name>`, `.wh..wh..opq` in a directory sets `trusted.overlay.opaque=y`
//! on it, other `.wh..wh.*` entries are ignored. A 0:0 character device in the tar is such a
//! whiteout already and is kept.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{
    AtFlags, FileType, Gid, Mode, OFlags, ResolveFlags, Timespec, Timestamps, Uid, XattrFlags,
};
use rustix::io::Errno;

use crate::ImageError;

/// How to unpack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Convert `.wh.*` entries to overlayfs whiteouts (layers); else keep them as files.
    pub whiteouts: bool,
    /// Keep entries' owners (needs root).
    pub chown: bool,
}

impl Options {
    /// For image layers: whiteouts converted, owners kept when running as root.
    pub(crate) fn layer() -> Options {
        Options {
            whiteouts: true,
            chown: rustix::process::geteuid().is_root(),
        }
    }
}

/// A reader that decompresses `reader` according to its magic bytes: gzip, zstd, or none.
pub(crate) fn decompress<'a, R: Read + 'a>(reader: R) -> io::Result<Box<dyn Read + 'a>> {
    let mut buf = BufReader::with_capacity(256 * 1024, reader);
    let head = buf.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(buf)))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Ok(Box::new(zstd::stream::read::Decoder::with_buffer(buf)?))
    } else {
        Ok(Box::new(buf))
    }
}

/// Unpacks the tar stream `reader` into the existing, empty directory `dir`, then reads the
/// stream to its end (so a digest of it covers everything) and hands it back. `what` names the
/// layer in errors.
pub(crate) fn unpack_tar<R: Read>(
    reader: R,
    dir: &Path,
    what: &str,
    opts: Options,
) -> Result<R, ImageError> {
    let root = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| ImageError::io(format!("{what}: opening {}", dir.display()), e.into()))?;
    let mut archive = tar::Archive::new(reader);
    // Directories' modes and mtimes are set last, so that read-only or later-touched
    // directories still end up as the tar says.
    let mut dirs: Vec<(Vec<Vec<u8>>, u32, u64)> = Vec::new();
    {
        let entries = archive.entries().map_err(|e| read_error(what, e))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| read_error(what, e))?;
            let raw = entry.path_bytes().into_owned();
            let shown = String::from_utf8_lossy(&raw).into_owned();
            let at = |why: String| ImageError::Invalid(format!("{what}: entry `{shown}` {why}"));
            let comps = components(&raw).map_err(at)?;
            let Some((name, parent)) = comps.split_last() else {
                continue; // the layer root itself
            };
            let kind = entry.header().entry_type();
            if opts.whiteouts && name.starts_with(b".wh.") {
                if kind.is_dir() {
                    return Err(at("is a whiteout but a directory".into()));
                }
                let pfd = open_dir(&root, parent, true).map_err(at)?;
                whiteout(&pfd, name).map_err(at)?;
                continue;
            }
            let header = entry.header();
            let mode = header
                .mode()
                .map_err(|e| at(format!("has a bad mode: {e}")))?
                & 0o7777;
            let uid = header.uid().unwrap_or(0);
            let gid = header.gid().unwrap_or(0);
            let mtime = header.mtime().unwrap_or(0);
            let owner = if opts.chown {
                Some((
                    u32::try_from(uid).map_err(|_| at(format!("has uid {uid} (too big)")))?,
                    u32::try_from(gid).map_err(|_| at(format!("has gid {gid} (too big)")))?,
                ))
            } else {
                None
            };
            let pfd = open_dir(&root, parent, true).map_err(at)?;
            let name_os = OsStr::from_bytes(name);
            use tar::EntryType as T;
            match kind {
                T::Regular | T::Continuous | T::GNUSparse => {
                    make_room(&pfd, name_os, false).map_err(at)?;
                    let fd = rustix::fs::openat(
                        &pfd,
                        name_os,
                        OFlags::WRONLY
                            | OFlags::CREATE
                            | OFlags::EXCL
                            | OFlags::NOFOLLOW
                            | OFlags::CLOEXEC,
                        Mode::from_raw_mode(0o600),
                    )
                    .map_err(|e| at(format!("could not be created: {e}")))?;
                    let mut file = File::from(fd);
                    io::copy(&mut entry, &mut file).map_err(|e| {
                        if e.kind() == io::ErrorKind::FileTooLarge {
                            too_big(what, &e)
                        } else {
                            at(format!("could not be written: {e}"))
                        }
                    })?;
                    if let Some((u, g)) = owner {
                        rustix::fs::fchown(&file, Some(uid_of(u)), Some(gid_of(g)))
                            .map_err(|e| at(format!("could not be chowned: {e}")))?;
                    }
                    rustix::fs::fchmod(&file, Mode::from_raw_mode(mode))
                        .map_err(|e| at(format!("could not be chmoded: {e}")))?;
                    rustix::fs::futimens(&file, &times(mtime))
                        .map_err(|e| at(format!("could not get its mtime: {e}")))?;
                }
                T::Directory => {
                    match rustix::fs::statat(&pfd, name_os, AtFlags::SYMLINK_NOFOLLOW) {
                        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Directory => {}
                        Ok(_) => {
                            make_room(&pfd, name_os, false).map_err(at)?;
                            mkdir(&pfd, name_os).map_err(at)?;
                        }
                        Err(Errno::NOENT) => mkdir(&pfd, name_os).map_err(at)?,
                        Err(e) => return Err(at(format!("could not be inspected: {e}"))),
                    }
                    if let Some((u, g)) = owner {
                        rustix::fs::chownat(
                            &pfd,
                            name_os,
                            Some(uid_of(u)),
                            Some(gid_of(g)),
                            AtFlags::SYMLINK_NOFOLLOW,
                        )
                        .map_err(|e| at(format!("could not be chowned: {e}")))?;
                    }
                    dirs.push((comps.clone(), mode, mtime));
                }
                T::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .ok_or_else(|| at("is a symlink without a target".into()))?
                        .into_owned();
                    make_room(&pfd, name_os, false).map_err(at)?;
                    rustix::fs::symlinkat(OsStr::from_bytes(&target), &pfd, name_os)
                        .map_err(|e| at(format!("could not be created as a symlink: {e}")))?;
                    set_owner_and_time(&pfd, name_os, owner, mtime).map_err(at)?;
                }
                T::Link => {
                    let target = entry
                        .link_name_bytes()
                        .ok_or_else(|| at("is a hard link without a target".into()))?
                        .into_owned();
                    let shown_target = String::from_utf8_lossy(&target).into_owned();
                    let tcomps = components(&target).map_err(|why| {
                        at(format!("is a hard link to `{shown_target}`, which {why}"))
                    })?;
                    let Some((tname, tparent)) = tcomps.split_last() else {
                        return Err(at("is a hard link to the layer root".into()));
                    };
                    let tfd = open_dir(&root, tparent, false).map_err(|why| {
                        at(format!(
                            "is a hard link to `{shown_target}`, whose path {why}"
                        ))
                    })?;
                    let tname_os = OsStr::from_bytes(tname);
                    match rustix::fs::statat(&tfd, tname_os, AtFlags::SYMLINK_NOFOLLOW) {
                        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile => {}
                        Ok(_) => {
                            return Err(at(format!(
                                "is a hard link to `{shown_target}`, which is not a regular file; lambkin only links regular files of the same layer"
                            )))
                        }
                        Err(e) => {
                            return Err(at(format!(
                                "is a hard link to `{shown_target}`, which is not in this layer ({e})"
                            )))
                        }
                    }
                    if tfd_same_entry(&tfd, tname, &pfd, name) {
                        continue;
                    }
                    make_room(&pfd, name_os, false).map_err(at)?;
                    rustix::fs::linkat(&tfd, tname_os, &pfd, name_os, AtFlags::empty())
                        .map_err(|e| at(format!("could not be linked to `{shown_target}`: {e}")))?;
                }
                T::Fifo => {
                    make_room(&pfd, name_os, false).map_err(at)?;
                    rustix::fs::mknodat(
                        &pfd,
                        name_os,
                        FileType::Fifo,
                        Mode::from_raw_mode(0o600),
                        0,
                    )
                    .map_err(|e| at(format!("could not be created as a FIFO: {e}")))?;
                    set_owner_and_time(&pfd, name_os, owner, mtime).map_err(at)?;
                    rustix::fs::chmodat(&pfd, name_os, Mode::from_raw_mode(mode), AtFlags::empty())
                        .map_err(|e| at(format!("could not be chmoded: {e}")))?;
                }
                T::Char | T::Block => {
                    let major = entry
                        .header()
                        .device_major()
                        .ok()
                        .flatten()
                        .unwrap_or(u32::MAX);
                    let minor = entry
                        .header()
                        .device_minor()
                        .ok()
                        .flatten()
                        .unwrap_or(u32::MAX);
                    if kind == T::Char && major == 0 && minor == 0 && opts.whiteouts {
                        make_room(&pfd, name_os, false).map_err(at)?;
                        rustix::fs::mknodat(
                            &pfd,
                            name_os,
                            FileType::CharacterDevice,
                            Mode::empty(),
                            rustix::fs::makedev(0, 0),
                        )
                        .map_err(|e| at(format!("(a whiteout) could not be created: {e}")))?;
                    } else {
                        let which = if kind == T::Char {
                            "a character"
                        } else {
                            "a block"
                        };
                        return Err(at(format!(
                            "is {which} device ({major}:{minor}); lambkin refuses device nodes"
                        )));
                    }
                }
                T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => {}
                other => {
                    return Err(at(format!(
                        "has an unsupported tar entry type {:?}",
                        other.as_byte() as char
                    )))
                }
            }
        }
    }
    for (comps, mode, mtime) in dirs.iter().rev() {
        let at = |why: String| {
            ImageError::Invalid(format!(
                "{what}: directory `{}` {why}",
                String::from_utf8_lossy(&comps.join(&b'/'))
            ))
        };
        let fd = open_dir(&root, comps, false).map_err(at)?;
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(*mode))
            .map_err(|e| at(format!("could not be chmoded: {e}")))?;
        rustix::fs::futimens(&fd, &times(*mtime))
            .map_err(|e| at(format!("could not get its mtime: {e}")))?;
    }
    let mut reader = archive.into_inner();
    io::copy(&mut reader, &mut io::sink()).map_err(|e| read_error(what, e))?;
    Ok(reader)
}

/// The error for a failure reading the (decompressed) tar stream.
fn read_error(what: &str, e: io::Error) -> ImageError {
    if e.kind() == io::ErrorKind::FileTooLarge {
        too_big(what, &e)
    } else {
        ImageError::Invalid(format!("{what}: reading the tar stream failed: {e}"))
    }
}

fn too_big(what: &str, e: &io::Error) -> ImageError {
    ImageError::TooBig(format!(
        "{what}: the image unpacks to {e} (max_unpacked_bytes)"
    ))
}

/// The components of an entry path: a leading `/` and `.` components dropped, `..` refused.
pub(crate) fn components(raw: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for c in raw.split(|b| *b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                return Err("has a `..` component; lambkin refuses paths out of the layer".into())
            }
            c if c.contains(&0) => return Err("has a NUL byte in its path".into()),
            c => out.push(c.to_vec()),
        }
    }
    Ok(out)
}

/// Opens the directory `comps` beneath `root` without following any symlink, creating
/// missing directories (mode 0755) when `create` is set.
fn open_dir(root: &OwnedFd, comps: &[Vec<u8>], create: bool) -> Result<OwnedFd, String> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    let path = if comps.is_empty() {
        b".".to_vec()
    } else {
        comps.join(&b'/')
    };
    match rustix::fs::openat2(
        root,
        OsStr::from_bytes(&path),
        flags,
        Mode::empty(),
        resolve,
    ) {
        Ok(fd) => return Ok(fd),
        Err(Errno::NOENT) if create => {}
        Err(e) => return Err(explain(root, comps, e)),
    }
    // Walk down, creating what is missing.
    let mut cur = rustix::io::fcntl_dupfd_cloexec(root, 0)
        .map_err(|e| format!("could not be opened: {e}"))?;
    for (i, c) in comps.iter().enumerate() {
        let c = OsStr::from_bytes(c);
        match rustix::fs::mkdirat(&cur, c, Mode::from_raw_mode(0o755)) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => {
                return Err(format!(
                    "needs directory `{}`, which could not be created: {e}",
                    String::from_utf8_lossy(&comps[..=i].join(&b'/'))
                ))
            }
        }
        cur = rustix::fs::openat2(&cur, c, flags, Mode::empty(), resolve)
            .map_err(|e| explain(root, &comps[..=i], e))?;
    }
    Ok(cur)
}

/// Why opening directory `comps` failed, in words.
fn explain(root: &OwnedFd, comps: &[Vec<u8>], e: Errno) -> String {
    // Find the first component that is not a plain directory, to name it.
    for i in 0..comps.len() {
        let prefix = comps[..=i].join(&b'/');
        let shown = String::from_utf8_lossy(&prefix).into_owned();
        match rustix::fs::statat(root, OsStr::from_bytes(&prefix), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => match FileType::from_raw_mode(st.st_mode) {
                FileType::Directory => continue,
                FileType::Symlink => {
                    return format!(
                        "goes through `{shown}`, a symlink; lambkin never writes through symlinks"
                    )
                }
                _ => return format!("goes through `{shown}`, which is not a directory"),
            },
            Err(Errno::NOENT) => return format!("goes through `{shown}`, which does not exist"),
            Err(_) => break,
        }
    }
    format!("could not be resolved beneath the layer root: {e}")
}

/// Removes whatever is at `name` in `dir` so a new entry can take its place; an existing
/// directory stays when `keep_dir` is set, and must be empty otherwise.
fn make_room(dir: &OwnedFd, name: &OsStr, keep_dir: bool) -> Result<(), String> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(format!("could not be inspected: {e}")),
        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Directory => {
            if keep_dir {
                return Ok(());
            }
            rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR)
                .map_err(|e| format!("replaces a directory that could not be removed: {e}"))
        }
        Ok(_) => rustix::fs::unlinkat(dir, name, AtFlags::empty())
            .map_err(|e| format!("replaces an entry that could not be removed: {e}")),
    }
}

/// Converts the whiteout entry `name` (`.wh.…`) in directory `dir`.
fn whiteout(dir: &OwnedFd, name: &[u8]) -> Result<(), String> {
    if name == b".wh..wh..opq" {
        return rustix::fs::fsetxattr(dir, "trusted.overlay.opaque", b"y", XattrFlags::empty())
            .map_err(|e| format!("(opaque marker) could not set trusted.overlay.opaque: {e}"));
    }
    if name.starts_with(b".wh..wh.") {
        return Ok(()); // other AUFS metadata: ignored, as containerd does
    }
    let hidden = &name[4..];
    if hidden.is_empty() || hidden == b"." || hidden == b".." {
        return Err("is a whiteout of nothing".into());
    }
    let hidden = OsStr::from_bytes(hidden);
    make_room(dir, hidden, false)?;
    rustix::fs::mknodat(
        dir,
        hidden,
        FileType::CharacterDevice,
        Mode::empty(),
        rustix::fs::makedev(0, 0),
    )
    .map_err(|e| format!("(a whiteout) could not be created as a 0:0 character device: {e}"))
}

/// Whether `a` in `adir` and `b` in `bdir` are the same name in the same directory.
fn tfd_same_entry(adir: &OwnedFd, a: &[u8], bdir: &OwnedFd, b: &[u8]) -> bool {
    a == b
        && match (rustix::fs::fstat(adir), rustix::fs::fstat(bdir)) {
            (Ok(x), Ok(y)) => x.st_dev == y.st_dev && x.st_ino == y.st_ino,
            _ => false,
        }
}

fn mkdir(dir: &OwnedFd, name: &OsStr) -> Result<(), String> {
    rustix::fs::mkdirat(dir, name, Mode::from_raw_mode(0o700))
        .map_err(|e| format!("could not be created as a directory: {e}"))
}

fn set_owner_and_time(
    dir: &OwnedFd,
    name: &OsStr,
    owner: Option<(u32, u32)>,
    mtime: u64,
) -> Result<(), String> {
    if let Some((u, g)) = owner {
        rustix::fs::chownat(
            dir,
            name,
            Some(uid_of(u)),
            Some(gid_of(g)),
            AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(|e| format!("could not be chowned: {e}"))?;
    }
    rustix::fs::utimensat(dir.as_fd(), name, &times(mtime), AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| format!("could not get its mtime: {e}"))
}

fn uid_of(u: u32) -> Uid {
    Uid::from_raw(u)
}

fn gid_of(g: u32) -> Gid {
    Gid::from_raw(g)
}

fn times(mtime: u64) -> Timestamps {
    let t = Timespec {
        tv_sec: i64::try_from(mtime).unwrap_or(i64::MAX),
        tv_nsec: 0,
    };
    Timestamps {
        last_access: t,
        last_modification: t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{tar, E};
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
    use tar::EntryType;

    fn unpack(entries: &[E<'_>]) -> (tempfile::TempDir, Result<(), ImageError>) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = tar(entries);
        let r = unpack_tar(
            &bytes[..],
            dir.path(),
            "layer sha256:ab12 of t",
            Options::layer(),
        )
        .map(|_| ());
        (dir, r)
    }

    fn err(entries: &[E<'_>]) -> String {
        match unpack(entries).1 {
            Err(e @ ImageError::Invalid(_)) => e.to_string(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn unpacks_files_links_modes_owners() {
        let setuid = E {
            mode: 0o4755,
            uid: 1234,
            ..E::file("/usr/bin/su", b"#!")
        };
        let (dir, r) = unpack(&[
            E::dir("./usr/"),
            setuid,
            E::file("./etc/hosts", b"127.0.0.1 x\n"),
            E::symlink("etc/abs", "/etc/passwd"),
            E::hardlink("etc/hosts2", "./etc/hosts"),
            E::kind("run/fifo", EntryType::Fifo),
            E::file("etc/hosts", b"later wins\n"),
            E {
                mode: 0o555,
                ..E::dir("ro")
            },
            E::file("ro/inside", b"x"),
        ]);
        r.unwrap();
        let p = dir.path();
        let su = std::fs::symlink_metadata(p.join("usr/bin/su")).unwrap();
        assert_eq!(su.permissions().mode() & 0o7777, 0o4755);
        assert_eq!((su.uid(), su.gid()), (1234, 1234));
        assert_eq!(su.mtime(), 1_600_000_000);
        assert_eq!(
            std::fs::read_link(p.join("etc/abs")).unwrap(),
            Path::new("/etc/passwd")
        );
        assert_eq!(std::fs::read(p.join("etc/hosts")).unwrap(), b"later wins\n");
        assert_eq!(
            std::fs::read(p.join("etc/hosts2")).unwrap(),
            b"127.0.0.1 x\n"
        );
        assert!(std::fs::symlink_metadata(p.join("run/fifo"))
            .unwrap()
            .file_type()
            .is_fifo());
        let ro = std::fs::metadata(p.join("ro")).unwrap();
        assert_eq!(ro.permissions().mode() & 0o777, 0o555);
        assert_eq!(std::fs::read(p.join("ro/inside")).unwrap(), b"x");
    }

    #[test]
    fn refuses_dotdot() {
        let e = err(&[E::file("a/../../escape", b"x")]);
        assert!(
            e.contains("entry `a/../../escape` has a `..` component"),
            "{e}"
        );
    }

    #[test]
    fn refuses_writing_through_symlinks() {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().to_str().unwrap().to_string();
        let e = err(&[E::symlink("x", &target), E::file("x/passwd", b"pwned")]);
        assert!(
            e.contains("entry `x/passwd` goes through `x`, a symlink"),
            "{e}"
        );
        assert!(!outside.path().join("passwd").exists());
        // A relative symlink inside the layer is refused as a parent too.
        let e = err(&[E::dir("d"), E::symlink("l", "d"), E::file("l/f", b"x")]);
        assert!(e.contains("a symlink"), "{e}");
        // Replacing a symlink by a file never writes through it.
        let (dir, r) = unpack(&[
            E::symlink("s", &format!("{target}/victim")),
            E::file("s", b"mine"),
        ]);
        r.unwrap();
        assert!(!outside.path().join("victim").exists());
        assert_eq!(std::fs::read(dir.path().join("s")).unwrap(), b"mine");
    }

    #[test]
    fn refuses_device_nodes() {
        let e = err(&[E {
            dev: (8, 0),
            ..E::kind("dev/sda", EntryType::Block)
        }]);
        assert!(
            e.contains("layer sha256:ab12 of t: entry `dev/sda` is a block device (8:0); lambkin refuses device nodes"),
            "{e}"
        );
        let e = err(&[E {
            dev: (1, 3),
            ..E::kind("dev/null", EntryType::Char)
        }]);
        assert!(e.contains("is a character device (1:3)"), "{e}");
    }

    #[test]
    fn refuses_hard_links_out_of_the_layer() {
        let e = err(&[E::hardlink("h", "../../etc/passwd")]);
        assert!(e.contains("hard link to `../../etc/passwd`"), "{e}");
        let e = err(&[E::hardlink("h", "/etc/passwd")]);
        assert!(
            e.contains("whose path goes through `etc`, which does not exist"),
            "{e}"
        );
        let e = err(&[E::dir("etc"), E::hardlink("h", "/etc/passwd")]);
        assert!(e.contains("which is not in this layer"), "{e}");
        let e = err(&[E::symlink("s", "/etc/passwd"), E::hardlink("h", "s")]);
        assert!(e.contains("not a regular file"), "{e}");
        let e = err(&[E::symlink("d", "/etc"), E::hardlink("h", "d/passwd")]);
        assert!(e.contains("a symlink"), "{e}");
    }

    #[test]
    fn converts_whiteouts_to_overlayfs_format() {
        let (dir, r) = unpack(&[
            E::dir("etc"),
            E::file("etc/.wh.gone", b""),
            E::file("opq/.wh..wh..opq", b""),
            E::file("opq/kept", b"k"),
            E::file(".wh..wh.plnk", b""),
            E {
                dev: (0, 0),
                ..E::kind("already", EntryType::Char)
            },
        ]);
        r.unwrap();
        let p = dir.path();
        let w = std::fs::symlink_metadata(p.join("etc/gone")).unwrap();
        assert!(w.file_type().is_char_device());
        assert_eq!(w.rdev(), 0);
        assert!(!p.join("etc/.wh.gone").exists());
        let mut buf = [0u8; 8];
        let n =
            rustix::fs::getxattr(p.join("opq"), "trusted.overlay.opaque", &mut buf[..]).unwrap();
        assert_eq!(&buf[..n], b"y");
        assert!(!p.join("opq/.wh..wh..opq").exists());
        assert_eq!(std::fs::read(p.join("opq/kept")).unwrap(), b"k");
        assert!(!p.join(".wh..wh.plnk").exists() && !p.join("plnk").exists());
        assert!(std::fs::symlink_metadata(p.join("already"))
            .unwrap()
            .file_type()
            .is_char_device());
    }

    #[test]
    fn decompresses_by_magic() {
        let t = tar(&[E::file("f", b"zzz")]);
        for bytes in [
            t.clone(),
            crate::testutil::gzip(&t),
            zstd::encode_all(&t[..], 1).unwrap(),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let r = decompress(&bytes[..]).unwrap();
            unpack_tar(r, dir.path(), "l", Options::layer()).unwrap();
            assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"zzz");
        }
    }
}
