//! Disk images for environments' `/tmp`: sparse ext4 files, prepared ahead and pooled per size, so that
//! `mkfs` is off the path of creating an environment.
//!
//! An image becomes visible in the pool only once complete (it is made under a temporary name and renamed),
//! and is taken by renaming it into the environment's state directory, which is atomic: two hosts never get
//! the same image.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where prepared images wait.
pub const POOL_DIR: &str = "/run/lambkin/tmp-images";
/// Images kept ready per size.
pub const POOL_DEPTH: usize = 2;

fn size_dir(mb: u32) -> PathBuf {
    Path::new(POOL_DIR).join(mb.to_string())
}

/// Makes a sparse ext4 image at `path` offering at least `mb` MiB to files (no journal, no reserved blocks,
/// one inode per 64 KiB, ~3 % extra for metadata).
pub fn make(path: &Path, mb: u32) -> io::Result<()> {
    let bytes = u64::from(mb) * 1024 * 1024;
    let size = bytes + bytes / 32 + 4 * 1024 * 1024;
    let file = std::fs::File::create(path)?;
    file.set_len(size)?;
    drop(file);
    let out = Command::new("mkfs.ext4")
        .args([
            "-q",
            "-F",
            "-m",
            "0",
            "-i",
            "65536",
            "-O",
            "^has_journal",
            "-E",
            "nodiscard",
        ])
        .arg(path)
        .env("PATH", "/usr/sbin:/sbin:/usr/bin:/bin")
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        let _ = std::fs::remove_file(path);
        return Err(io::Error::other(format!(
            "mkfs.ext4 failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Puts an image of `mb` MiB at `dest`: a prepared one when the pool has one, else made now. Then tops the
/// pool up in the background.
pub fn take(mb: u32, dest: &Path) -> io::Result<()> {
    let dir = size_dir(mb);
    let taken = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "img"))
            .find(|p| std::fs::rename(p, dest).is_ok())
    });
    if taken.is_none() {
        make(dest, mb)?;
    }
    std::thread::spawn(move || {
        if let Err(e) = refill(mb, POOL_DEPTH) {
            tracing::debug!("preparing /tmp images: {e}");
        }
    });
    Ok(())
}

/// Makes images until `depth` of `mb` MiB are ready.
pub fn refill(mb: u32, depth: usize) -> io::Result<()> {
    let dir = size_dir(mb);
    std::fs::create_dir_all(&dir)?;
    let ready = std::fs::read_dir(&dir)?
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "img"))
        .count();
    for _ in ready..depth {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let partial = dir.join(format!("{id}.partial"));
        make(&partial, mb)?;
        std::fs::rename(&partial, dir.join(format!("{id}.img")))?;
    }
    Ok(())
}
