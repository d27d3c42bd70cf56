//! Safe extraction of untrusted zip archives.
//!
//! Rules:
//! * entry names must be relative and must not contain `..` components or NUL;
//! * regular files get mode 0644, or 0755 when the zip's unix mode has any exec bit;
//!   directories get 0755;
//! * files are opened with `O_NOFOLLOW | O_CREAT | O_EXCL` and parents are created with
//!   `mkdir`, checking that existing parents are real directories;
//! * symlinks are created last, after all files and directories, and only if their target is
//!   relative and stays inside the extracted tree: leading `..` components may climb at most to
//!   the root, and no `..` may follow a normal component (it could climb out of a symlink);
//! * declared sizes, entry count and per-entry compression ratios are checked before anything
//!   is written, and the bytes actually written are counted again while writing;
//! * a later duplicate entry overwrites an earlier one.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{Cursor, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zip::result::ZipError as RawZipError;
use zip::{CompressionMethod, ZipArchive};

use crate::StoreError;

const S_IFMT: u32 = 0o170_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;
/// Entries at or below this uncompressed size are exempt from the ratio check.
const RATIO_EXEMPT: u64 = 1024 * 1024;
/// Longest accepted symlink target.
const MAX_LINK_TARGET: u64 = 4096;

/// Limits applied to an uploaded zip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Largest accepted zip, in bytes.
    pub max_zipped: u64,
    /// Largest accepted total uncompressed size, in bytes.
    pub max_unpacked: u64,
    /// Largest accepted number of entries.
    pub max_entries: usize,
    /// Largest accepted uncompressed/compressed ratio of an entry above 1 MiB uncompressed.
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    /// Lambda's limits: 50 MiB zipped, 250 MiB unpacked; 20 000 entries, ratio 1000.
    fn default() -> Self {
        ZipLimits {
            max_zipped: 52_428_800,
            max_unpacked: 262_144_000,
            max_entries: 20_000,
            max_ratio: 1000,
        }
    }
}

/// Why an uploaded zip was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    /// The zip itself is too large.
    #[error("Unzipped size must be smaller than {max} bytes: the uploaded zip file is {size} bytes. Reduce the size of the deployment package (or use layers).")]
    TooLarge {
        /// Size of the upload in bytes.
        size: u64,
        /// Limit in bytes.
        max: u64,
    },
    /// The upload could not be parsed as a zip archive (Lambda's text exactly; the parser's reason is kept for
    /// `Debug` and logs).
    #[error("Could not unzip uploaded file. Please check your file, then try to upload again.")]
    NotAZip(String),
    /// An entry's name is absolute, contains `..` or NUL, or otherwise points outside the root.
    #[error("Could not unzip uploaded file: entry {0:?} has an absolute path or a '..' component that would place it outside the package root. Re-create the zip with relative paths.")]
    PathEscape(String),
    /// A symlink entry points outside the extracted tree.
    #[error("Could not unzip uploaded file: symlink {name:?} points to {target:?}, which is absolute or leaves the package root. Only relative symlinks that stay inside the package are allowed.")]
    SymlinkEscape {
        /// Name of the symlink entry.
        name: String,
        /// Its target.
        target: String,
    },
    /// The unpacked contents exceed the limit.
    #[error("Unzipped size must be smaller than {max} bytes: the package unpacks to at least {size} bytes. Reduce the size of the deployment package (or move dependencies into layers).")]
    UnpackedTooLarge {
        /// Size reached (declared, or written so far) in bytes.
        size: u64,
        /// Limit in bytes.
        max: u64,
    },
    /// The zip has too many entries.
    #[error("Could not unzip uploaded file: it has {count} entries, more than the limit of {max}. Reduce the number of files in the package.")]
    TooManyEntries {
        /// Number of entries.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// An entry's compression ratio is suspiciously high (a zip bomb).
    #[error("Could not unzip uploaded file: entry {name:?} has a compression ratio of {ratio}:1, which looks like a zip bomb. Re-create the zip without such an entry.")]
    Bomb {
        /// Name of the entry.
        name: String,
        /// Its uncompressed/compressed ratio.
        ratio: u64,
    },
    /// An entry is encrypted.
    #[error(
        "Could not unzip uploaded file: entry {0:?} is encrypted. Upload a zip without a password."
    )]
    Encrypted(String),
    /// An entry uses a compression method other than stored or deflate.
    #[error("Could not unzip uploaded file: {0}. Only 'stored' and 'deflate' compression are supported; re-create the zip with standard deflate compression.")]
    UnsupportedCompression(String),
    /// A filesystem error while storing the package.
    #[error("I/O error while storing the package: {0}")]
    Io(#[from] std::io::Error),
    /// A store error while recording the package.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Summary of a successful extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unpacked {
    /// Total bytes of regular files written.
    pub unpacked_size: u64,
    /// Number of entries in the zip.
    pub entries: usize,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Dir,
    File { exec: bool },
    Symlink,
}

struct Entry {
    index: usize,
    name: String,
    parts: Vec<String>,
    kind: Kind,
    compressed: u64,
}

fn not_a_zip(e: RawZipError) -> ZipError {
    ZipError::NotAZip(e.to_string())
}

fn conflict(name: &str) -> ZipError {
    ZipError::NotAZip(format!(
        "entry {name:?} conflicts with another entry of a different type at the same path"
    ))
}

/// Splits an entry name into normal path components, rejecting anything that could escape.
fn split_name(name: &str) -> Result<Vec<String>, ZipError> {
    let escape = || ZipError::PathEscape(name.to_owned());
    if name.contains('\0') || name.starts_with('/') || name.starts_with('\\') {
        return Err(escape());
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Err(escape()); // `C:...`
    }
    let mut parts = Vec::new();
    for comp in name.split('/') {
        match comp {
            "" | "." => {}
            ".." => return Err(escape()),
            other => parts.push(other.to_owned()),
        }
    }
    Ok(parts)
}

fn ratio(size: u64, compressed: u64) -> u64 {
    size.checked_div(compressed).unwrap_or(u64::MAX)
}

/// Checks that a symlink at `link_parts` with `target` stays inside the root (lexically, with
/// `..` only allowed as leading components).
fn check_link_target(name: &str, link_parts: &[String], target: &str) -> Result<(), ZipError> {
    let escape = || ZipError::SymlinkEscape {
        name: name.to_owned(),
        target: target.to_owned(),
    };
    if target.is_empty() || target.contains('\0') || target.starts_with('/') {
        return Err(escape());
    }
    let depth = link_parts.len().saturating_sub(1);
    let mut ups = 0usize;
    let mut descended = false;
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                ups += 1;
                if descended || ups > depth {
                    return Err(escape());
                }
            }
            _ => descended = true,
        }
    }
    Ok(())
}

/// Creates `root/parts...` as real directories (0755), refusing anything that is not one.
fn ensure_dirs(
    root: &Path,
    parts: &[String],
    name: &str,
    created: &mut HashSet<PathBuf>,
) -> Result<(), ZipError> {
    let mut rel = PathBuf::new();
    for part in parts {
        rel.push(part);
        if created.contains(&rel) {
            continue;
        }
        let path = root.join(&rel);
        match fs::create_dir(&path) {
            Ok(()) => fs::set_permissions(&path, Permissions::from_mode(0o755))?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // symlink_metadata does not follow: a symlink here is refused.
                if !fs::symlink_metadata(&path)?.file_type().is_dir() {
                    return Err(conflict(name));
                }
            }
            Err(e) => return Err(e.into()),
        }
        created.insert(rel.clone());
    }
    Ok(())
}

/// Where entry `e` goes below `dest`, its parent directories made (or checked) first.
fn place(dest: &Path, e: &Entry, created: &mut HashSet<PathBuf>) -> Result<PathBuf, ZipError> {
    let Some((last, parents)) = e.parts.split_last() else {
        return Err(ZipError::PathEscape(e.name.clone()));
    };
    ensure_dirs(dest, parents, &e.name, created)?;
    let mut path = dest.to_path_buf();
    path.extend(parents);
    path.push(last);
    Ok(path)
}

/// Opens `path` for writing without ever following a symlink, creating it or truncating an
/// earlier duplicate regular file.
fn open_new_file(path: &Path, name: &str) -> Result<File, ZipError> {
    let created = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path);
    match created {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if !fs::symlink_metadata(path)?.file_type().is_file() {
                return Err(conflict(name));
            }
            Ok(OpenOptions::new()
                .write(true)
                .truncate(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(path)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Safely extracts `zip` into the existing, empty directory `dest`, fsyncing every file and
/// directory written. On error `dest` may hold a partial tree; the caller removes it.
pub fn safe_unzip(zip: &[u8], dest: &Path, limits: &ZipLimits) -> Result<Unpacked, ZipError> {
    let zipped = u64::try_from(zip.len()).unwrap_or(u64::MAX);
    if zipped > limits.max_zipped {
        return Err(ZipError::TooLarge {
            size: zipped,
            max: limits.max_zipped,
        });
    }
    let mut archive = ZipArchive::new(Cursor::new(zip)).map_err(not_a_zip)?;
    let count = archive.len();
    if count > limits.max_entries {
        return Err(ZipError::TooManyEntries {
            count,
            max: limits.max_entries,
        });
    }

    // Pass 1: validate every header before writing anything.
    let mut entries = Vec::with_capacity(count);
    let mut declared: u64 = 0;
    for index in 0..count {
        let f = archive.by_index_raw(index).map_err(not_a_zip)?;
        let name = f.name().to_owned();
        if f.encrypted() {
            return Err(ZipError::Encrypted(name));
        }
        match f.compression() {
            CompressionMethod::Stored | CompressionMethod::Deflated => {}
            other => {
                return Err(ZipError::UnsupportedCompression(format!(
                    "entry {name:?} uses compression method {other}"
                )))
            }
        }
        let mode = f.unix_mode();
        let ftype = mode.map_or(0, |m| m & S_IFMT);
        let kind = if name.ends_with('/') || ftype == S_IFDIR {
            Kind::Dir
        } else if ftype == S_IFLNK {
            Kind::Symlink
        } else {
            Kind::File {
                exec: mode.is_some_and(|m| m & 0o111 != 0),
            }
        };
        let parts = split_name(&name)?;
        if parts.is_empty() && !matches!(kind, Kind::Dir) {
            return Err(ZipError::PathEscape(name));
        }
        let size = f.size();
        let compressed = f.compressed_size();
        if size > RATIO_EXEMPT && ratio(size, compressed) > limits.max_ratio {
            return Err(ZipError::Bomb {
                ratio: ratio(size, compressed),
                name,
            });
        }
        declared = declared.saturating_add(size);
        entries.push(Entry {
            index,
            name,
            parts,
            kind,
            compressed,
        });
    }
    if declared > limits.max_unpacked {
        return Err(ZipError::UnpackedTooLarge {
            size: declared,
            max: limits.max_unpacked,
        });
    }

    // Pass 2: directories and regular files, in archive order.
    let mut created: HashSet<PathBuf> = HashSet::new();
    let mut written: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for e in &entries {
        match e.kind {
            Kind::Symlink => {}
            Kind::Dir => ensure_dirs(dest, &e.parts, &e.name, &mut created)?,
            Kind::File { exec } => {
                let path = place(dest, e, &mut created)?;
                let mut out = open_new_file(&path, &e.name)?;
                let mut zf = archive.by_index(e.index).map_err(|err| match err {
                    RawZipError::UnsupportedArchive(RawZipError::PASSWORD_REQUIRED) => {
                        ZipError::Encrypted(e.name.clone())
                    }
                    other => not_a_zip(other),
                })?;
                let mut entry_written: u64 = 0;
                loop {
                    let n = zf
                        .read(&mut buf)
                        .map_err(|err| ZipError::NotAZip(format!("entry {:?}: {err}", e.name)))?;
                    if n == 0 {
                        break;
                    }
                    let n64 = n as u64;
                    entry_written += n64;
                    written = written.saturating_add(n64);
                    if written > limits.max_unpacked {
                        return Err(ZipError::UnpackedTooLarge {
                            size: written,
                            max: limits.max_unpacked,
                        });
                    }
                    if entry_written > RATIO_EXEMPT
                        && ratio(entry_written, e.compressed) > limits.max_ratio
                    {
                        return Err(ZipError::Bomb {
                            name: e.name.clone(),
                            ratio: ratio(entry_written, e.compressed),
                        });
                    }
                    out.write_all(&buf[..n])?;
                }
                let mode = if exec { 0o755 } else { 0o644 };
                out.set_permissions(Permissions::from_mode(mode))?;
                out.sync_all()?;
            }
        }
    }

    // Pass 3: symlinks, last, so nothing above was ever written through one.
    for e in &entries {
        if !matches!(e.kind, Kind::Symlink) {
            continue;
        }
        let mut target = Vec::new();
        {
            let zf = archive.by_index(e.index).map_err(not_a_zip)?;
            zf.take(MAX_LINK_TARGET + 1)
                .read_to_end(&mut target)
                .map_err(|err| ZipError::NotAZip(format!("entry {:?}: {err}", e.name)))?;
        }
        let target = String::from_utf8_lossy(&target).into_owned();
        if target.len() as u64 > MAX_LINK_TARGET {
            return Err(ZipError::SymlinkEscape {
                name: e.name.clone(),
                target,
            });
        }
        check_link_target(&e.name, &e.parts, &target)?;
        let path = place(dest, e, &mut created)?;
        match std::os::unix::fs::symlink(&target, &path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                // A later duplicate symlink wins; anything else at that path is a conflict.
                if !fs::symlink_metadata(&path)?.file_type().is_symlink() {
                    return Err(conflict(&e.name));
                }
                fs::remove_file(&path)?;
                std::os::unix::fs::symlink(&target, &path)?;
            }
            Err(err) => return Err(err.into()),
        }
    }

    // Make every directory entry durable (files were synced as they were written).
    for rel in &created {
        crate::sync_dir(&dest.join(rel))?;
    }
    crate::sync_dir(dest)?;

    Ok(Unpacked {
        unpacked_size: written,
        entries: count,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use zip::write::SimpleFileOptions;

    /// An entry for [`build_zip`].
    pub(crate) enum E<'a> {
        File(&'a str, &'a [u8], u32),
        Dir(&'a str),
        Link(&'a str, &'a str),
    }

    pub(crate) fn build_zip(entries: &[E<'_>]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for e in entries {
            match e {
                E::File(name, data, mode) => {
                    let opts = SimpleFileOptions::default()
                        .compression_method(CompressionMethod::Deflated)
                        .unix_permissions(*mode);
                    w.start_file(*name, opts).unwrap();
                    w.write_all(data).unwrap();
                }
                E::Dir(name) => w
                    .add_directory(*name, SimpleFileOptions::default())
                    .unwrap(),
                E::Link(name, target) => w
                    .add_symlink(*name, *target, SimpleFileOptions::default())
                    .unwrap(),
            }
        }
        w.finish().unwrap().into_inner()
    }

    fn unzip(zip: &[u8], limits: &ZipLimits) -> (tempfile::TempDir, Result<Unpacked, ZipError>) {
        let dir = tempfile::tempdir().unwrap();
        let r = safe_unzip(zip, dir.path(), limits);
        (dir, r)
    }

    fn find(hay: &[u8], sig: &[u8]) -> Vec<usize> {
        hay.windows(sig.len())
            .enumerate()
            .filter(|(_, w)| *w == sig)
            .map(|(i, _)| i)
            .collect()
    }

    /// Patches a u16 at `local_off` in every local header and `central_off` in every central
    /// header.
    fn patch_u16(zip: &mut [u8], local_off: usize, central_off: usize, f: impl Fn(u16) -> u16) {
        for (sig, off) in [(b"PK\x03\x04", local_off), (b"PK\x01\x02", central_off)] {
            for at in find(zip, sig) {
                let p = at + off;
                let v = u16::from_le_bytes([zip[p], zip[p + 1]]);
                zip[p..p + 2].copy_from_slice(&f(v).to_le_bytes());
            }
        }
    }

    #[test]
    fn extracts_files_dirs_modes_and_links() {
        let zip = build_zip(&[
            E::File("bootstrap", b"#!/bin/sh\necho hi\n", 0o755),
            E::File("lib/a/b/c.txt", b"deep", 0o644),
            E::Dir("empty/"),
            E::File("node_modules/pkg/bin/cli.js", b"js", 0o744),
            E::Link("node_modules/.bin/cli", "../pkg/bin/cli.js"),
            E::Link("current", "./lib/a"),
            E::File("readonly", b"r", 0o400),
        ]);
        let (dir, r) = unzip(&zip, &ZipLimits::default());
        let u = r.unwrap();
        assert_eq!(u.entries, 7);
        assert_eq!(u.unpacked_size, 18 + 4 + 2 + 1);
        let root = dir.path();
        let mode = |p: &str| fs::symlink_metadata(root.join(p)).unwrap().mode() & 0o7777;
        assert_eq!(mode("bootstrap"), 0o755);
        assert_eq!(mode("lib/a/b/c.txt"), 0o644);
        assert_eq!(mode("readonly"), 0o644);
        assert_eq!(mode("node_modules/pkg/bin/cli.js"), 0o755);
        assert_eq!(mode("lib/a/b"), 0o755);
        assert_eq!(mode("empty"), 0o755);
        assert!(root.join("empty").is_dir());
        assert_eq!(fs::read(root.join("lib/a/b/c.txt")).unwrap(), b"deep");
        let link = root.join("node_modules/.bin/cli");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_link(&link).unwrap(),
            Path::new("../pkg/bin/cli.js")
        );
        assert_eq!(fs::read(&link).unwrap(), b"js");
        assert_eq!(fs::read(root.join("current/b/c.txt")).unwrap(), b"deep");
    }

    #[test]
    fn later_duplicate_wins() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("a", SimpleFileOptions::default()).unwrap();
        w.write_all(b"first, longer").unwrap();
        w.start_file("b", SimpleFileOptions::default()).unwrap();
        w.write_all(b"second").unwrap();
        let mut zip = w.finish().unwrap().into_inner();
        // rename entry "b" to "a" in both headers (same length): a duplicate name
        for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
            let at = *find(&zip, sig).last().unwrap();
            let name_off = if sig == b"PK\x03\x04" { 30 } else { 46 };
            assert_eq!(zip[at + name_off], b'b');
            zip[at + name_off] = b'a';
        }
        let (dir, r) = unzip(&zip, &ZipLimits::default());
        r.unwrap();
        let got = fs::read(dir.path().join("a")).unwrap();
        // whichever entry the zip reader exposes last is what is on disk, never a mix
        assert!(got == b"second" || got == b"first, longer", "{got:?}");
    }

    #[test]
    fn rejects_dotdot_absolute_and_nul() {
        for name in ["../x", "a/../../x", "a/b/../c", "/etc/x", "a\0b"] {
            let zip = build_zip(&[E::File(name, b"x", 0o644)]);
            let (dir, r) = unzip(&zip, &ZipLimits::default());
            assert!(
                matches!(&r, Err(ZipError::PathEscape(n)) if n == name),
                "{name}: {r:?}"
            );
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }

    #[test]
    fn rejects_absolute_symlink() {
        let zip = build_zip(&[E::Link("passwd", "/etc/passwd")]);
        let (dir, r) = unzip(&zip, &ZipLimits::default());
        assert!(
            matches!(&r, Err(ZipError::SymlinkEscape { name, target }) if name == "passwd" && target == "/etc/passwd"),
            "{r:?}"
        );
        assert!(fs::symlink_metadata(dir.path().join("passwd")).is_err());
    }

    #[test]
    fn rejects_climbing_symlinks() {
        for (name, target) in [
            ("a/link", "../../x"),
            ("link", ".."),
            ("a/b/link", "../../../etc"),
            ("a/link", "b/../../.."),
            ("a/link", "s/../x"),
        ] {
            let zip = build_zip(&[E::Link(name, target)]);
            let (_dir, r) = unzip(&zip, &ZipLimits::default());
            assert!(
                matches!(&r, Err(ZipError::SymlinkEscape { .. })),
                "{name} -> {target}: {r:?}"
            );
        }
        // allowed: climbing exactly to the root
        let zip = build_zip(&[E::File("x", b"x", 0o644), E::Link("a/b/link", "../../x")]);
        let (dir, r) = unzip(&zip, &ZipLimits::default());
        r.unwrap();
        assert_eq!(fs::read(dir.path().join("a/b/link")).unwrap(), b"x");
    }

    #[test]
    fn files_are_never_written_through_symlinks() {
        // A symlink "d" -> "real" followed by a file "d/x": the file phase creates "d" as a
        // directory, so the symlink then conflicts instead of redirecting writes.
        let zip = build_zip(&[
            E::Dir("real/"),
            E::Link("d", "real"),
            E::File("d/x", b"x", 0o644),
        ]);
        let (dir, r) = unzip(&zip, &ZipLimits::default());
        assert!(matches!(r, Err(ZipError::NotAZip(_))), "{r:?}");
        assert!(!dir.path().join("real/x").exists());
        // A symlink nested under another symlink is refused too.
        let zip = build_zip(&[E::Dir("real/"), E::Link("d", "real"), E::Link("d/y", "z")]);
        let (dir, r) = unzip(&zip, &ZipLimits::default());
        assert!(matches!(r, Err(ZipError::NotAZip(_))), "{r:?}");
        assert!(fs::symlink_metadata(dir.path().join("real/y")).is_err());
    }

    #[test]
    fn rejects_bomb_by_header() {
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let zip = build_zip(&[E::File("zeros", &zeros, 0o644)]);
        let limits = ZipLimits {
            max_ratio: 100,
            ..ZipLimits::default()
        };
        let (dir, r) = unzip(&zip, &limits);
        assert!(
            matches!(&r, Err(ZipError::Bomb { name, ratio }) if name == "zeros" && *ratio > 100),
            "{r:?}"
        );
        assert!(!dir.path().join("zeros").exists());
        // small entries are exempt from the ratio check
        let zip = build_zip(&[E::File("small", &zeros[..1024 * 1024], 0o644)]);
        let (_dir, r) = unzip(&zip, &limits);
        r.unwrap();
    }

    #[test]
    fn counts_actual_bytes_not_headers() {
        // Declare a tiny uncompressed size for a 4 MiB entry: the header checks pass, the
        // writer must still stop.
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let mut zip = build_zip(&[E::File("liar", &zeros, 0o644)]);
        for (sig, off) in [(&b"PK\x03\x04"[..], 22), (&b"PK\x01\x02"[..], 24)] {
            for at in find(&zip, sig) {
                zip[at + off..at + off + 4].copy_from_slice(&10u32.to_le_bytes());
            }
        }
        let limits = ZipLimits {
            max_unpacked: 1024 * 1024,
            ..ZipLimits::default()
        };
        let (dir, r) = unzip(&zip, &limits);
        assert!(
            matches!(r, Err(ZipError::UnpackedTooLarge { max: 1048576, .. })),
            "{r:?}"
        );
        let written = fs::metadata(dir.path().join("liar")).map_or(0, |m| m.len());
        assert!(written <= 1024 * 1024, "{written}");
        // and the ratio is checked on the bytes actually produced, too
        let limits = ZipLimits {
            max_ratio: 100,
            ..ZipLimits::default()
        };
        let (_dir, r) = unzip(&zip, &limits);
        assert!(
            matches!(&r, Err(ZipError::Bomb { name, .. }) if name == "liar"),
            "{r:?}"
        );
    }

    #[test]
    fn rejects_unpacked_too_large() {
        let zip = build_zip(&[
            E::File("a", &[1u8; 600], 0o644),
            E::File("b", &[2u8; 600], 0o644),
        ]);
        let limits = ZipLimits {
            max_unpacked: 1000,
            ..ZipLimits::default()
        };
        let (_dir, r) = unzip(&zip, &limits);
        assert!(
            matches!(
                r,
                Err(ZipError::UnpackedTooLarge {
                    size: 1200,
                    max: 1000
                })
            ),
            "{r:?}"
        );
    }

    #[test]
    fn rejects_too_many_entries() {
        let zip = build_zip(&[
            E::File("a", b"a", 0o644),
            E::File("b", b"b", 0o644),
            E::File("c", b"c", 0o644),
        ]);
        let limits = ZipLimits {
            max_entries: 2,
            ..ZipLimits::default()
        };
        let (_dir, r) = unzip(&zip, &limits);
        assert!(
            matches!(r, Err(ZipError::TooManyEntries { count: 3, max: 2 })),
            "{r:?}"
        );
    }

    #[test]
    fn rejects_not_a_zip() {
        let (_dir, r) = unzip(b"definitely not a zip file", &ZipLimits::default());
        let err = r.unwrap_err();
        assert!(matches!(err, ZipError::NotAZip(_)), "{err:?}");
        assert!(err.to_string().starts_with(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ));
    }

    #[test]
    fn rejects_too_large() {
        let zip = build_zip(&[E::File("a", &[7u8; 100], 0o644)]);
        let limits = ZipLimits {
            max_zipped: 10,
            ..ZipLimits::default()
        };
        let (_dir, r) = unzip(&zip, &limits);
        assert!(
            matches!(r, Err(ZipError::TooLarge { max: 10, .. })),
            "{r:?}"
        );
    }

    #[test]
    fn rejects_encrypted() {
        let mut zip = build_zip(&[E::File("secret", b"s3cr3t", 0o644)]);
        patch_u16(&mut zip, 6, 8, |flags| flags | 1);
        let (_dir, r) = unzip(&zip, &ZipLimits::default());
        assert!(
            matches!(&r, Err(ZipError::Encrypted(n)) if n == "secret"),
            "{r:?}"
        );
    }

    #[test]
    fn rejects_unsupported_compression() {
        let mut zip = build_zip(&[E::File("f", b"data", 0o644)]);
        patch_u16(&mut zip, 8, 10, |_| 12); // bzip2
        let (_dir, r) = unzip(&zip, &ZipLimits::default());
        assert!(
            matches!(r, Err(ZipError::UnsupportedCompression(_))),
            "{r:?}"
        );
    }

    #[test]
    fn error_messages_say_what_to_fix() {
        let e = ZipError::SymlinkEscape {
            name: "l".into(),
            target: "/etc/passwd".into(),
        };
        assert!(e.to_string().contains("/etc/passwd"));
        let e = ZipError::UnpackedTooLarge {
            size: 300,
            max: 250,
        };
        assert!(e.to_string().contains("250"));
    }
}
