//! The store's layout on disk: blobs by digest, layers by diff_id, image records, names, and
//! the temp directory everything is built in before being renamed into place.
//!
//! Nothing is built in place: a layer is unpacked into `tmp/<unique>/`, synced, and renamed
//! (`RENAME_NOREPLACE`) to `layers/<hex>`, after its size was written to `layer-sizes/<hex>`;
//! a concurrent unpack of the same layer loses the rename race and discards its copy. An
//! image's record in `images/` is written last, once its blobs and layers are all in place,
//! so an image with a record is complete.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::digest::{hex_of, HashingReader};
use crate::{unpack, Image, ImageError};

/// What is recorded of a complete image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ImageRecord {
    pub reference: String,
    pub resolved: String,
    pub config_digest: String,
    pub diff_ids: Vec<String>,
    pub size: u64,
}

/// The on-disk store.
pub(crate) struct Store {
    root: PathBuf,
    /// Per-diff_id locks, so that one process unpacks a layer once.
    layer_locks: Mutex<BTreeMap<String, Arc<Mutex<()>>>>,
    /// Serialises read-modify-write of `names.json` within this process.
    names_lock: Mutex<()>,
}

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// Removes what processes that are gone left in `tmp` (their pid is in each name: [`Store::tmp_path`]). Another
/// process may share the store (`lambkin image import` next to a running `serve`): its work is left alone.
fn sweep_tmp(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let owner = name.split('-').nth(1).and_then(|p| p.parse::<i32>().ok());
        let alive = owner.is_some_and(|pid| {
            // SAFETY: kill(2) with signal 0 only checks that the process exists; no memory is involved.
            pid > 0 && (unsafe { libc::kill(pid, 0) } == 0 || io_errno() == libc::EPERM)
        });
        if !alive {
            let path = entry.path();
            let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
        }
    }
}

fn io_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl Store {
    /// Opens (creating) the store at `root` and empties its `tmp/`.
    pub(crate) fn open(root: &Path) -> Result<Store, ImageError> {
        sweep_tmp(&root.join("tmp"));
        for d in ["blobs/sha256", "layers", "layer-sizes", "images", "tmp"] {
            let p = root.join(d);
            fs::create_dir_all(&p)
                .map_err(|e| ImageError::io(format!("creating {}", p.display()), e))?;
        }
        Ok(Store {
            root: root.to_path_buf(),
            layer_locks: Mutex::new(BTreeMap::new()),
            names_lock: Mutex::new(()),
        })
    }

    /// The store's root directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// A fresh, unique path in `tmp/` (not created), named after this process (`<what>-<pid>-…`).
    pub(crate) fn tmp_path(&self, what: &str) -> PathBuf {
        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        self.root
            .join("tmp")
            .join(format!("{what}-{}-{n}-{nanos}", std::process::id()))
    }

    /// Where the blob `digest` is kept.
    pub(crate) fn blob_path(&self, digest: &str) -> Result<PathBuf, ImageError> {
        Ok(self.root.join("blobs/sha256").join(hex_of(digest)?))
    }

    /// The blob `digest`, if stored.
    pub(crate) fn blob(&self, digest: &str) -> Result<Option<Vec<u8>>, ImageError> {
        let p = self.blob_path(digest)?;
        match fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ImageError::io(format!("reading {}", p.display()), e)),
        }
    }

    /// Stores `bytes` as blob `digest` (which the caller has verified).
    pub(crate) fn put_blob(&self, digest: &str, bytes: &[u8]) -> Result<(), ImageError> {
        let p = self.blob_path(digest)?;
        if p.exists() {
            return Ok(());
        }
        self.write_atomically(&p, bytes)
    }

    /// Writes `bytes` to a temp file, syncs it, and renames it to `dest`.
    fn write_atomically(&self, dest: &Path, bytes: &[u8]) -> Result<(), ImageError> {
        let tmp = self.tmp_path("file");
        let io = |e| ImageError::io(format!("writing {}", dest.display()), e);
        let mut f = fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        fs::rename(&tmp, dest).map_err(io)
    }

    /// The directory of layer `diff_id` (which may not exist yet).
    pub(crate) fn layer_dir(&self, diff_id: &str) -> Result<PathBuf, ImageError> {
        Ok(self.root.join("layers").join(hex_of(diff_id)?))
    }

    /// The unpacked size of layer `diff_id` if it is complete in the store.
    pub(crate) fn layer_size(&self, diff_id: &str) -> Result<Option<u64>, ImageError> {
        let hex = hex_of(diff_id)?;
        if !self.root.join("layers").join(hex).is_dir() {
            return Ok(None);
        }
        let p = self.root.join("layer-sizes").join(hex);
        let s = fs::read_to_string(&p)
            .map_err(|e| ImageError::io(format!("reading {}", p.display()), e))?;
        s.trim()
            .parse()
            .map(Some)
            .map_err(|_| ImageError::Io(format!("{} does not hold a number", p.display())))
    }

    /// Unpacks layer `diff_id` from `blob` (a possibly compressed tar) unless it is already in
    /// the store, verifying the uncompressed digest and allowing at most `budget` bytes;
    /// returns the layer's unpacked size. `what` names the layer in errors.
    pub(crate) fn ensure_layer<R: Read>(
        &self,
        diff_id: &str,
        blob: impl FnOnce() -> Result<R, ImageError>,
        budget: u64,
        what: &str,
    ) -> Result<u64, ImageError> {
        let lock = {
            let mut locks = self.layer_locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(diff_id.to_string()).or_default().clone()
        };
        let _held = lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(size) = self.layer_size(diff_id)? {
            return Ok(size);
        }
        let dest = self.layer_dir(diff_id)?;
        let tmp = self.tmp_path("layer");
        fs::create_dir(&tmp)
            .map_err(|e| ImageError::io(format!("creating {}", tmp.display()), e))?;
        let result = (|| {
            let reader = unpack::decompress(blob()?).map_err(|e| {
                ImageError::Invalid(format!("{what}: reading the blob failed: {e}"))
            })?;
            let hashed = HashingReader::new(reader, budget);
            let hashed = unpack::unpack_tar(hashed, &tmp, what, unpack::Options::layer())?;
            let (actual, size) = hashed.finish();
            if actual != diff_id {
                return Err(ImageError::Invalid(format!(
                    "{what}: the uncompressed layer has digest {actual}, but the config's diff_id is {diff_id}"
                )));
            }
            let sizes = self.root.join("layer-sizes").join(hex_of(diff_id)?);
            self.write_atomically(&sizes, size.to_string().as_bytes())?;
            let dir = fs::File::open(&tmp)
                .map_err(|e| ImageError::io(format!("opening {}", tmp.display()), e))?;
            rustix::fs::syncfs(&dir)
                .map_err(|e| ImageError::io(format!("syncing {}", tmp.display()), e.into()))?;
            match rustix::fs::renameat_with(
                rustix::fs::CWD,
                &tmp,
                rustix::fs::CWD,
                &dest,
                rustix::fs::RenameFlags::NOREPLACE,
            ) {
                Ok(()) => Ok(size),
                // Another process put the same layer in place first.
                Err(rustix::io::Errno::EXIST | rustix::io::Errno::NOTEMPTY) => Ok(size),
                Err(e) => Err(ImageError::io(
                    format!("renaming {} to {}", tmp.display(), dest.display()),
                    e.into(),
                )),
            }
        })();
        if tmp.exists() {
            let _ = fs::remove_dir_all(&tmp);
        }
        result
    }

    /// Records the complete image with manifest `digest`.
    pub(crate) fn put_image(&self, digest: &str, record: &ImageRecord) -> Result<(), ImageError> {
        let p = self
            .root
            .join("images")
            .join(format!("{}.json", hex_of(digest)?));
        let bytes = serde_json::to_vec_pretty(record)
            .map_err(|e| ImageError::Io(format!("encoding image record: {e}")))?;
        self.write_atomically(&p, &bytes)
    }

    /// The image with manifest `digest`, if it is complete in the store.
    pub(crate) fn image(&self, digest: &str) -> Result<Option<Image>, ImageError> {
        let p = self
            .root
            .join("images")
            .join(format!("{}.json", hex_of(digest)?));
        let bytes = match fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ImageError::io(format!("reading {}", p.display()), e)),
        };
        let rec: ImageRecord = serde_json::from_slice(&bytes).map_err(|e| {
            ImageError::Io(format!("{} is not a valid image record: {e}", p.display()))
        })?;
        let Some(config) = self.blob(&rec.config_digest)? else {
            return Ok(None);
        };
        let (config, _) = crate::spec::parse_config(&config, None, &rec.reference)?;
        let mut layers = Vec::with_capacity(rec.diff_ids.len());
        for d in &rec.diff_ids {
            if self.layer_size(d)?.is_none() {
                return Ok(None);
            }
            layers.push(self.layer_dir(d)?);
        }
        Ok(Some(Image {
            reference: rec.reference,
            resolved: rec.resolved,
            manifest_digest: digest.to_string(),
            config,
            layers,
            size: rec.size,
        }))
    }

    /// The manifest digest an imported `name` (normalised) stands for.
    pub(crate) fn name(&self, name: &str) -> Result<Option<String>, ImageError> {
        Ok(self.names()?.remove(name))
    }

    fn names(&self) -> Result<BTreeMap<String, String>, ImageError> {
        let p = self.root.join("names.json");
        match fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| ImageError::Io(format!("{} is not valid: {e}", p.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(ImageError::io(format!("reading {}", p.display()), e)),
        }
    }

    /// Records that the imported `name` (normalised) stands for manifest `digest`.
    pub(crate) fn set_name(&self, name: &str, digest: &str) -> Result<(), ImageError> {
        let _held = self.names_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut names = self.names()?;
        names.insert(name.to_string(), digest.to_string());
        let bytes = serde_json::to_vec_pretty(&names)
            .map_err(|e| ImageError::Io(format!("encoding names.json: {e}")))?;
        self.write_atomically(&self.root.join("names.json"), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{gzip, tar, E};

    fn blob<'a>(bytes: &'a [u8]) -> impl FnOnce() -> Result<&'a [u8], ImageError> + 'a {
        move || Ok(bytes)
    }

    #[test]
    fn opening_sweeps_only_what_dead_processes_left() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        let live = tmp.join(format!("layer-{}-0-0", std::process::id()));
        let dead = tmp.join("layer-2147483646-0-0");
        let odd = tmp.join("leftover");
        for d in [&live, &dead, &odd] {
            fs::create_dir_all(d).unwrap();
        }
        Store::open(dir.path()).unwrap();
        assert!(live.exists(), "a live process's work was removed");
        assert!(!dead.exists() && !odd.exists());
    }

    #[test]
    fn layers_are_verified_unpacked_once_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = tar(&[E::file("f", b"data")]);
        let diff_id = crate::digest::sha256(&t);
        let gz = gzip(&t);

        // A wrong diff_id: refused, nothing left behind.
        let wrong = crate::digest::sha256(b"other");
        let e = store
            .ensure_layer(&wrong, blob(&gz), u64::MAX, "layer sha256:1 of t")
            .unwrap_err();
        assert!(
            matches!(&e, ImageError::Invalid(m) if m.contains(&format!("has digest {diff_id}, but the config's diff_id is {wrong}"))),
            "{e}"
        );
        assert!(store.layer_size(&wrong).unwrap().is_none());
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );

        // Over budget: TooBig.
        let e = store
            .ensure_layer(&diff_id, blob(&gz), 100, "l")
            .unwrap_err();
        assert!(matches!(e, ImageError::TooBig(_)), "{e}");

        // Unpacked once, then found.
        let size = store
            .ensure_layer(&diff_id, blob(&gz), u64::MAX, "l")
            .unwrap();
        assert_eq!(size, t.len() as u64);
        let again = store
            .ensure_layer(
                &diff_id,
                || -> Result<&[u8], ImageError> { panic!("fetched twice") },
                u64::MAX,
                "l",
            )
            .unwrap();
        assert_eq!(again, size);
        assert_eq!(
            std::fs::read(store.layer_dir(&diff_id).unwrap().join("f")).unwrap(),
            b"data"
        );
    }

    #[test]
    fn concurrent_unpacks_of_one_layer() {
        let dir = tempfile::tempdir().unwrap();
        let t = tar(&[E::file("a/b", b"x"), E::file("c", b"y")]);
        let diff_id = crate::digest::sha256(&t);
        // Two stores on one root stand for two processes (no shared in-process lock).
        let stores = [
            Store::open(dir.path()).unwrap(),
            Store::open(dir.path()).unwrap(),
        ];
        std::thread::scope(|s| {
            for store in &stores {
                for _ in 0..3 {
                    let (t, d) = (&t, &diff_id);
                    s.spawn(move || store.ensure_layer(d, blob(t), u64::MAX, "l").unwrap());
                }
            }
        });
        let layer = stores[0].layer_dir(&diff_id).unwrap();
        assert_eq!(std::fs::read(layer.join("a/b")).unwrap(), b"x");
        assert_eq!(
            std::fs::read_dir(dir.path().join("layers"))
                .unwrap()
                .count(),
            1
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }
}
