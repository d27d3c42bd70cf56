//! Content-addressed code/layer zips and their unpacked trees.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use base64::Engine as _;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::unzip::{safe_unzip, ZipError, ZipLimits};
use crate::{sync_dir, Store, StoreError};

/// A stored zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlob {
    /// Lowercase hex SHA-256 of the zip (the blob's id).
    pub sha256_hex: String,
    /// AWS's `CodeSha256`: base64 (standard, padded) of the raw SHA-256 digest of the zip.
    pub code_sha256: String,
    /// size of the zip in bytes (`CodeSize`)
    pub size: u64,
    /// total uncompressed size of the unpacked tree in bytes
    pub unpacked_size: u64,
}

fn valid_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    fn blob_path(&self, hex: &str) -> PathBuf {
        self.dir
            .join("blobs")
            .join(&hex[..2])
            .join(format!("{hex}.zip"))
    }

    fn code_path(&self, hex: &str) -> PathBuf {
        self.dir.join("code").join(hex)
    }

    /// `(size, unpacked_size, entries)` recorded for a completely stored blob.
    fn blob_row(&self, hex: &str) -> Result<Option<(u64, u64, u64)>, StoreError> {
        let conn = self.db();
        let row = conn
            .query_row(
                "SELECT size, unpacked_size, entries FROM blobs WHERE sha256 = ?1",
                params![hex],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(a, b, c)| {
            let u = |v: i64| u64::try_from(v).unwrap_or(0);
            (u(a), u(b), u(c))
        }))
    }

    /// Validates and stores a zip: computes SHA-256; if the zip and its unpacked tree are
    /// already stored, returns at once (unpacked once, shared). Otherwise safe-unzips into
    /// `tmp/<unique>/`, fsyncs, renames to `code/<hex>` (atomic), then writes the zip to tmp,
    /// fsyncs and renames it into `blobs/`. A crash at any point leaves either nothing or a
    /// complete entry. Concurrent calls with the same zip are safe.
    pub fn put_zip(&self, zip: &[u8], limits: &ZipLimits) -> Result<CodeBlob, ZipError> {
        let size = u64::try_from(zip.len()).unwrap_or(u64::MAX);
        if size > limits.max_zipped {
            return Err(ZipError::TooLarge {
                size,
                max: limits.max_zipped,
            });
        }
        let digest = Sha256::digest(zip);
        let hex = hex::encode(digest);
        let blob = |unpacked_size| CodeBlob {
            sha256_hex: hex.clone(),
            code_sha256: base64::engine::general_purpose::STANDARD.encode(digest),
            size,
            unpacked_size,
        };
        let blob_path = self.blob_path(&hex);
        let code_path = self.code_path(&hex);

        // Fast path: stored completely before (the row is written last).
        if let Some((_, unpacked, entries)) = self.blob_row(&hex)? {
            if blob_path.is_file() && code_path.is_dir() {
                // The same bytes pass the same checks, except against smaller limits.
                if unpacked > limits.max_unpacked {
                    return Err(ZipError::UnpackedTooLarge {
                        size: unpacked,
                        max: limits.max_unpacked,
                    });
                }
                let entries = usize::try_from(entries).unwrap_or(usize::MAX);
                if entries > limits.max_entries {
                    return Err(ZipError::TooManyEntries {
                        count: entries,
                        max: limits.max_entries,
                    });
                }
                return Ok(blob(unpacked));
            }
        }

        // Unpack (always, to validate) into tmp, then publish with one rename.
        let tmp = self.tmp_path("");
        fs::create_dir(&tmp)?;
        let unpacked = match safe_unzip(zip, &tmp, limits) {
            Ok(u) => u,
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        match fs::rename(&tmp, &code_path) {
            Ok(()) => sync_dir(&self.dir.join("code"))?,
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                // Lost a race (or a complete tree survived a crash): theirs is identical.
                if !code_path.is_dir() {
                    return Err(e.into());
                }
            }
        }

        // The zip itself: tmp + fsync + rename.
        if !blob_path.is_file() {
            let shard = self.dir.join("blobs").join(&hex[..2]);
            if !shard.is_dir() {
                fs::create_dir_all(&shard)?;
                sync_dir(&self.dir.join("blobs"))?;
            }
            let tmp_zip = self.tmp_path(".zip");
            let result = (|| -> std::io::Result<()> {
                let mut f = fs::File::create_new(&tmp_zip)?;
                f.write_all(zip)?;
                f.sync_all()?;
                fs::rename(&tmp_zip, &blob_path)?;
                sync_dir(&shard)
            })();
            if let Err(e) = result {
                let _ = fs::remove_file(&tmp_zip);
                return Err(e.into());
            }
        }

        // Shared before the row that makes later uploads of these bytes take the fast path.
        if let Some(shared) = &self.shared {
            shared
                .code
                .publish(&hex, &blob_path)
                .map_err(|e| ZipError::Io(std::io::Error::other(e.to_string())))?;
        }
        self.db()
            .execute(
                "INSERT INTO blobs (sha256, size, unpacked_size, entries) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (sha256) DO UPDATE SET size = excluded.size,
                 unpacked_size = excluded.unpacked_size, entries = excluded.entries",
                params![
                    hex,
                    to_i64(size),
                    to_i64(unpacked.unpacked_size),
                    to_i64(unpacked.entries as u64)
                ],
            )
            .map_err(StoreError::from)?;
        Ok(blob(unpacked.unpacked_size))
    }

    /// The unpacked tree of a stored zip (`data_dir/code/<hex>`); None if absent. In a cluster, a zip another
    /// host stored is fetched and unpacked here first (once per host; this blocks for the download).
    pub fn unpacked_dir(&self, sha256_hex: &str) -> Option<PathBuf> {
        if !valid_hex(sha256_hex) {
            return None;
        }
        let p = self.code_path(sha256_hex);
        if p.is_dir() || self.fetch_shared(sha256_hex) {
            return p.is_dir().then_some(p);
        }
        None
    }

    /// Where the stored zip lies (code downloads stream it from there); None if absent. In a cluster, fetched
    /// from the shared store first when this host does not have it.
    pub fn zip_path(&self, sha256_hex: &str) -> Option<PathBuf> {
        if !valid_hex(sha256_hex) {
            return None;
        }
        let p = self.blob_path(sha256_hex);
        if p.is_file() || self.fetch_shared(sha256_hex) {
            return p.is_file().then_some(p);
        }
        None
    }

    /// Fetches a zip another host published and stores it here as an upload would (checked, unpacked once).
    /// Whether it is here now.
    fn fetch_shared(&self, hex: &str) -> bool {
        let Some(shared) = &self.shared else {
            return false;
        };
        let zip = match shared.code.fetch(hex) {
            Ok(Some(zip)) => zip,
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!("code {hex}: cannot fetch it from the cluster: {e}");
                return false;
            }
        };
        if hex::encode(Sha256::digest(&zip)) != hex {
            tracing::warn!("code {hex}: the cluster's copy has another SHA-256; not used");
            return false;
        }
        match self.put_zip(&zip, &ZipLimits::default()) {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("code {hex}: cannot unpack the cluster's copy: {e}");
                false
            }
        }
    }

    /// The stored zip's bytes (for GetFunction's Code.Location / GetLayerVersion download).
    pub fn read_zip(&self, sha256_hex: &str) -> Result<Vec<u8>, StoreError> {
        let not_found = || StoreError::NotFound(format!("code blob {sha256_hex}"));
        let Some(path) = self.zip_path(sha256_hex) else {
            return Err(not_found());
        };
        match fs::read(path) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(not_found()),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes the blob and its unpacked tree (caller ensures nothing references it).
    /// Deleting a missing blob is not an error.
    pub fn delete_blob(&self, sha256_hex: &str) -> Result<(), StoreError> {
        if !valid_hex(sha256_hex) {
            return Err(StoreError::NotFound(format!("code blob {sha256_hex}")));
        }
        self.db()
            .execute("DELETE FROM blobs WHERE sha256 = ?1", params![sha256_hex])?;
        match fs::remove_file(self.blob_path(sha256_hex)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        // Move the tree out of code/ atomically, then remove it (tmp/ is cleared on open).
        let doomed = self.tmp_path(".del");
        match fs::rename(self.code_path(sha256_hex), &doomed) {
            Ok(()) => {
                sync_dir(&self.dir.join("code"))?;
                fs::remove_dir_all(&doomed)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unzip::tests::{build_zip, E};
    use std::os::unix::fs::MetadataExt;
    use std::sync::Arc;

    fn sample() -> Vec<u8> {
        build_zip(&[
            E::File("bootstrap", b"#!/bin/sh\n", 0o755),
            E::File("src/handler.py", b"def handler(e, c): return e\n", 0o644),
            E::Link("link", "src/handler.py"),
        ])
    }

    #[test]
    fn put_zip_content_addressed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let zip = sample();
        let b1 = store.put_zip(&zip, &ZipLimits::default()).unwrap();
        let digest = Sha256::digest(&zip);
        assert_eq!(b1.sha256_hex, hex::encode(digest));
        assert_eq!(
            b1.code_sha256,
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        assert_eq!(b1.code_sha256.len(), 44);
        assert_eq!(b1.size, zip.len() as u64);
        assert_eq!(b1.unpacked_size, 10 + 28);

        let code = store.unpacked_dir(&b1.sha256_hex).unwrap();
        assert_eq!(code, dir.path().join("code").join(&b1.sha256_hex));
        let bootstrap = code.join("bootstrap");
        assert_eq!(fs::metadata(&bootstrap).unwrap().mode() & 0o777, 0o755);
        let ino = fs::metadata(&bootstrap).unwrap().ino();
        assert_eq!(
            fs::read(code.join("link")).unwrap(),
            b"def handler(e, c): return e\n"
        );
        assert_eq!(store.read_zip(&b1.sha256_hex).unwrap(), zip);
        assert!(dir
            .path()
            .join("blobs")
            .join(&b1.sha256_hex[..2])
            .join(format!("{}.zip", b1.sha256_hex))
            .is_file());

        // same bytes: same blob, not unpacked again
        let b2 = store.put_zip(&zip, &ZipLimits::default()).unwrap();
        assert_eq!(b1, b2);
        assert_eq!(fs::metadata(&bootstrap).unwrap().ino(), ino);
        // and still after reopening
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.put_zip(&zip, &ZipLimits::default()).unwrap(), b1);
        assert_eq!(fs::metadata(&bootstrap).unwrap().ino(), ino);
        // stricter limits are still enforced on the fast path
        let strict = ZipLimits {
            max_entries: 1,
            ..ZipLimits::default()
        };
        assert!(matches!(
            store.put_zip(&zip, &strict),
            Err(ZipError::TooManyEntries { count: 3, max: 1 })
        ));
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn rejected_zip_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let zip = build_zip(&[E::File("ok", b"x", 0o644), E::File("../evil", b"x", 0o644)]);
        assert!(matches!(
            store.put_zip(&zip, &ZipLimits::default()),
            Err(ZipError::PathEscape(_))
        ));
        let hex = hex::encode(Sha256::digest(&zip));
        assert!(store.unpacked_dir(&hex).is_none());
        assert!(matches!(store.read_zip(&hex), Err(StoreError::NotFound(_))));
        for sub in ["tmp", "code", "blobs"] {
            assert_eq!(
                fs::read_dir(dir.path().join(sub)).unwrap().count(),
                0,
                "{sub}"
            );
        }
        let big = ZipLimits {
            max_zipped: 5,
            ..ZipLimits::default()
        };
        assert!(matches!(
            store.put_zip(&sample(), &big),
            Err(ZipError::TooLarge { .. })
        ));
        assert!(matches!(
            store.put_zip(b"nope", &ZipLimits::default()),
            Err(ZipError::NotAZip(_))
        ));
    }

    #[test]
    fn delete_blob_removes_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let b = store.put_zip(&sample(), &ZipLimits::default()).unwrap();
        store.delete_blob(&b.sha256_hex).unwrap();
        assert!(store.unpacked_dir(&b.sha256_hex).is_none());
        assert!(matches!(
            store.read_zip(&b.sha256_hex),
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        // idempotent; and it can be stored again
        store.delete_blob(&b.sha256_hex).unwrap();
        assert_eq!(store.put_zip(&sample(), &ZipLimits::default()).unwrap(), b);
        assert!(store.unpacked_dir(&b.sha256_hex).is_some());
    }

    #[test]
    fn bad_ids_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.unpacked_dir("../../etc").is_none());
        assert!(store.unpacked_dir("").is_none());
        assert!(matches!(
            store.read_zip("../lambkin.db"),
            Err(StoreError::NotFound(_))
        ));
        assert!(store.delete_blob("..").is_err());
    }

    #[test]
    fn crash_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let zip = sample();
        let hex = hex::encode(Sha256::digest(&zip));
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_zip(&zip, &ZipLimits::default()).unwrap();
        }
        // Simulate a crash after the tree was renamed into code/ but before the zip and the
        // row were written: the tree is complete (rename is atomic), the zip is missing, and a
        // half-unpacked copy of something else is left in tmp/.
        fs::remove_file(
            dir.path()
                .join("blobs")
                .join(&hex[..2])
                .join(format!("{hex}.zip")),
        )
        .unwrap();
        {
            let conn = rusqlite::Connection::open(dir.path().join("lambkin.db")).unwrap();
            conn.execute("DELETE FROM blobs", []).unwrap();
        }
        fs::create_dir_all(dir.path().join("tmp/999-1-dead/half")).unwrap();
        fs::write(dir.path().join("tmp/999-1-dead/half/f"), b"par").unwrap();

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        // Every entry in code/ is complete.
        assert_eq!(fs::read_dir(dir.path().join("code")).unwrap().count(), 1);
        assert!(matches!(store.read_zip(&hex), Err(StoreError::NotFound(_))));
        // Uploading again completes the entry (the duplicate unpack is discarded).
        let b = store.put_zip(&zip, &ZipLimits::default()).unwrap();
        assert_eq!(b.unpacked_size, 10 + 28);
        assert_eq!(store.read_zip(&hex).unwrap(), zip);
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        let code = store.unpacked_dir(&hex).unwrap();
        assert_eq!(fs::read(code.join("bootstrap")).unwrap(), b"#!/bin/sh\n");
    }

    #[test]
    fn concurrent_puts_of_the_same_zip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let zip = Arc::new(sample());
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (s, z) = (store.clone(), zip.clone());
                std::thread::spawn(move || s.put_zip(&z, &ZipLimits::default()).unwrap())
            })
            .collect();
        let blobs: Vec<CodeBlob> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(blobs.windows(2).all(|w| w[0] == w[1]));
        let code = store.unpacked_dir(&blobs[0].sha256_hex).unwrap();
        assert_eq!(fs::read(code.join("bootstrap")).unwrap(), b"#!/bin/sh\n");
        assert_eq!(fs::read_dir(dir.path().join("code")).unwrap().count(), 1);
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }
}
