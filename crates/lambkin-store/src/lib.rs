//! The embedded store of `lambkin serve`.
//!
//! Everything lives under one data directory:
//!
//! ```text
//! data_dir/
//!   lambkin.db            SQLite (WAL, synchronous=FULL): the `kv`, `seq`, `meta` and `blobs` tables
//!   blobs/<hh>/<hex>.zip  uploaded code/layer zips, named by the hex SHA-256 of their bytes
//!   code/<hex>/           the unpacked tree of blobs/<hh>/<hex>.zip (shared by every user of that zip)
//!   tmp/                  scratch space for unpacking and writing; emptied on every open
//!   logs/<function>/<stream>[.<base>].log   function logs in segments, one compact JSON object per line
//! ```
//!
//! # Crash-safety invariants
//!
//! * Metadata changes go through SQLite transactions (`BEGIN IMMEDIATE`, WAL,
//!   `synchronous=FULL`): a batch of [`Op`]s is applied completely or not at all.
//! * Nothing is ever built in place. A zip is unpacked into `tmp/<unique>/`, every file and
//!   directory is fsynced, and only then is the directory renamed to `code/<hex>` (rename is
//!   atomic), after which `code/` is fsynced. The zip itself is written to `tmp/`, fsynced and
//!   renamed into `blobs/`. So `code/<hex>` and `blobs/…/<hex>.zip` either do not exist or are
//!   complete; no marker files are needed.
//! * The zip is moved into `blobs/` only after its tree is in `code/`, and the `blobs` table row
//!   (which enables the "already stored" fast path) is written last. A crash in between merely
//!   causes the next upload of the same bytes to validate and unpack again (its copy is discarded
//!   because `code/<hex>` already exists).
//! * Deleting a tree first renames it into `tmp/` and then removes it, so a crash never leaves a
//!   partially deleted `code/<hex>`; leftovers in `tmp/` are removed by [`Store::open`].
//! * Log lines are appended with `O_APPEND`, one `write(2)` per line; readers only consume
//!   complete (newline-terminated) lines.

mod blobs;
mod logs;
mod logseg;
mod meta;
mod shared;
pub mod unzip;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

pub use blobs::CodeBlob;
pub use logs::{
    Backward, LogCursor, LogEvent, StreamInfo, StreamLine, StreamRead, StreamReadBack,
    DEFAULT_LOG_LIMIT,
};
pub use meta::{Expect, Op, Record};
pub use shared::{CodeShare, LogShare, Metadata, Shared};
pub use unzip::{safe_unzip, Unpacked, ZipError, ZipLimits};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite database failed.
    #[error("metadata database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A filesystem operation failed.
    #[error("store I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value could not be (de)serialized as JSON.
    #[error("stored value is not valid JSON for the expected type: {0}")]
    Json(#[from] serde_json::Error),
    /// An [`Expect`] condition of [`Store::apply`] did not hold; nothing was changed.
    #[error("conflicting concurrent change to {table}/{key}")]
    Conflict {
        /// Table of the failed condition.
        table: String,
        /// Key of the failed condition.
        key: String,
    },
    /// The requested object does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The cluster's shared store (NATS JetStream) failed or could not be reached.
    #[error("cluster store: {0}")]
    Cluster(String),
}

/// The embedded store: SQLite metadata, content-addressed code blobs and function logs.
///
/// `Store` is `Send + Sync`; share it behind an `Arc`.
pub struct Store {
    dir: PathBuf,
    conn: Mutex<Connection>,
    logs: Mutex<logs::LogFiles>,
    /// In cluster mode, the metadata, zips and logs every host shares; `None`: all of it in this directory.
    shared: Option<Shared>,
    /// Told each metadata operation's latency ([`Store::observe_latency`]).
    latency: std::sync::OnceLock<LatencyObserver>,
}

/// What is told the latency of each metadata read (`"read"`) and write batch (`"write"`).
pub type LatencyObserver = Box<dyn Fn(&'static str, std::time::Duration) + Send + Sync>;

/// Tells the observer how long an operation took when dropped.
pub(crate) struct Timed<'a> {
    store: &'a Store,
    operation: &'static str,
    since: std::time::Instant,
}

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        if let Some(observe) = self.store.latency.get() {
            observe(self.operation, self.since.elapsed());
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

impl Store {
    /// Opens (creating) the store under `data_dir`: `data_dir/lambkin.db` (WAL,
    /// synchronous=FULL), `data_dir/blobs/`, `data_dir/code/`, `data_dir/tmp/`,
    /// `data_dir/logs/`. Clears `data_dir/tmp/` leftovers on open (crash recovery).
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(data_dir, None)
    }

    /// Opens the store of a cluster's host: metadata, zips and logs are `shared`; `data_dir` keeps the host's
    /// caches (zips it used and their trees, the mirror of every host's logs).
    pub fn open_shared(data_dir: &Path, shared: Shared) -> Result<Store, StoreError> {
        Store::open_with(data_dir, Some(shared))
    }

    fn open_with(data_dir: &Path, shared: Option<Shared>) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        for sub in ["blobs", "code", "tmp", "logs"] {
            std::fs::create_dir_all(data_dir.join(sub))?;
        }
        clear_dir(&data_dir.join("tmp"))?;

        let conn = Connection::open(data_dir.join("lambkin.db"))?;
        conn.busy_timeout(Duration::from_millis(5000))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "SQLite refused WAL journal mode");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        meta::init_schema(&conn)?;

        Ok(Store {
            dir: data_dir.to_path_buf(),
            conn: Mutex::new(conn),
            logs: Mutex::new(logs::LogFiles::default()),
            shared,
            latency: std::sync::OnceLock::new(),
        })
    }

    /// Sets what is told each metadata operation's latency (once; later calls are ignored).
    pub fn observe_latency(&self, observer: LatencyObserver) {
        let _ = self.latency.set(observer);
    }

    /// Times one operation until the guard is dropped.
    pub(crate) fn timed(&self, operation: &'static str) -> Timed<'_> {
        Timed {
            store: self,
            operation,
            since: std::time::Instant::now(),
        }
    }

    /// Whether metadata, zips and logs are shared with other hosts (cluster mode).
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// The data directory this store was opened on.
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave the connection inconsistent (an open
        // transaction is rolled back when dropped), so poisoning is ignored.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh, unique path under `tmp/` (not created).
    fn tmp_path(&self, suffix: &str) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        self.dir
            .join("tmp")
            .join(format!("{}-{n}-{nanos:x}{suffix}", std::process::id()))
    }
}

/// Removes everything inside `dir` (not `dir` itself).
fn clear_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let result = if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match result {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// fsyncs a directory so that entries created or renamed in it are durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Store>();
    }

    #[test]
    fn open_creates_layout_and_clears_tmp() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert_eq!(store.data_dir(), dir.path());
        }
        for sub in ["blobs", "code", "tmp", "logs"] {
            assert!(dir.path().join(sub).is_dir(), "{sub}");
        }
        assert!(dir.path().join("lambkin.db").is_file());
        // simulate a crash mid-unpack
        let half = dir.path().join("tmp/123-0-abc");
        std::fs::create_dir_all(half.join("a/b")).unwrap();
        std::fs::write(half.join("a/b/c"), b"partial").unwrap();
        std::fs::write(dir.path().join("tmp/x.zip"), b"partial").unwrap();
        let _store = Store::open(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }
}
