//! Disk images for environments' `/tmp`: sparse ext4 files, prepared ahead and pooled per size, so that
//! `mkfs` is off the path of creating an environment.
//!
//! An image becomes visible in the pool only once complete (it is made under a temporary name and renamed),
//! and is taken by renaming it into the environment's state directory, which is atomic: two hosts never get
//! the same image. A half-made image's name carries its maker (`<owner>-<uuid>.partial`, see [`Owner`]):
//! [`sweep`] removes those whose maker died mid-`mkfs`.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::owner::Owner;

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
        let partial = dir.join(format!("{}-{id}.partial", Owner::me()));
        make(&partial, mb)?;
        std::fs::rename(&partial, dir.join(format!("{id}.img")))?;
    }
    Ok(())
}

/// Half-made images named by an older version (no owner in the name) are removed past this age (making one
/// takes well under a second).
const OLD_PARTIAL_AGE: Duration = Duration::from_secs(600);

/// Removes half-made images whose maker is dead. Hosts call it when they start.
pub fn sweep() {
    let removed = sweep_in(Path::new(POOL_DIR));
    if removed > 0 {
        tracing::info!("removed {removed} half-made /tmp image(s) of stopped hosts");
    }
}

fn sweep_in(pool: &Path) -> usize {
    let mut removed = 0;
    for size in std::fs::read_dir(pool).into_iter().flatten().flatten() {
        for e in std::fs::read_dir(size.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = e.path();
            let Some(stem) = path
                .file_name()
                .and_then(|f| f.to_str())
                .and_then(|f| f.strip_suffix(".partial"))
            else {
                continue;
            };
            let orphan = match Owner::split_name(stem) {
                Some((owner, _)) => !owner.is_alive(),
                None => e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > OLD_PARTIAL_AGE),
            };
            if orphan && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_made_images_of_dead_makers_go() {
        let pool = std::env::temp_dir().join(format!("lkb-img-{}", uuid::Uuid::new_v4().simple()));
        let size = pool.join("512");
        std::fs::create_dir_all(&size).expect("mkdir");
        let mut child = Command::new("true").spawn().expect("true");
        let dead = Owner::of(child.id());
        child.wait().expect("wait");
        let mine = size.join(format!("{}-a.partial", Owner::me()));
        let ready = size.join("b.img");
        let old_recent = size.join("c.partial");
        for f in [&mine, &ready, &old_recent] {
            std::fs::write(f, "").expect("write");
        }
        let dead_partial = dead.map(|d| size.join(format!("{d}-d.partial")));
        if let Some(f) = &dead_partial {
            std::fs::write(f, "").expect("write");
        }
        assert_eq!(sweep_in(&pool), usize::from(dead_partial.is_some()));
        assert!(mine.exists() && ready.exists() && old_recent.exists());
        let old = std::fs::File::options()
            .write(true)
            .open(&old_recent)
            .expect("open");
        old.set_modified(std::time::SystemTime::now() - 2 * OLD_PARTIAL_AGE)
            .expect("age it");
        assert_eq!(sweep_in(&pool), 1);
        assert!(!old_recent.exists() && mine.exists() && ready.exists());
        let _ = std::fs::remove_dir_all(&pool);
    }
}
