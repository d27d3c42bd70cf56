//! What several hosts share when lambkin runs as a cluster: the metadata, the code zips and the function logs.
//!
//! The embedded store keeps all three on its own disk. A cluster backend (`lambkin-cluster`, on NATS JetStream)
//! implements these traits and is handed to [`Store::open_shared`](crate::Store::open_shared); the store then
//! keeps on its disk only what a host caches: unpacked trees of zips it has used and a mirror of the logs.

use std::path::Path;

use crate::{Op, Record, StoreError};

/// The metadata of [`Store::get`](crate::Store::get), [`list`](crate::Store::list),
/// [`apply`](crate::Store::apply) and [`next_sequence`](crate::Store::next_sequence), with the same contract:
/// revisions increase store-wide on every put, a batch is applied completely or not at all and fails with
/// [`StoreError::Conflict`] when one of its conditions does not hold, and a read sees every batch that was
/// applied (on any host) before it began.
pub trait Metadata: Send + Sync {
    /// The record under `table`/`key`.
    fn get(&self, table: &str, key: &str) -> Result<Option<Record>, StoreError>;
    /// Keys of `table` with `prefix`, in byte order, after `after`, at most `limit`.
    fn list(
        &self,
        table: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Record)>, StoreError>;
    /// Applies the batch atomically.
    fn apply(&self, ops: Vec<Op>) -> Result<(), StoreError>;
    /// The next number of the named sequence (1 first).
    fn next_sequence(&self, name: &str) -> Result<u64, StoreError>;
}

/// Code and layer zips by the hex SHA-256 of their bytes.
pub trait CodeShare: Send + Sync {
    /// Makes the zip at `zip` available to every host under `sha256_hex` (nothing to do when it already is).
    fn publish(&self, sha256_hex: &str, zip: &Path) -> Result<(), StoreError>;
    /// The zip's bytes, if any host published it.
    fn fetch(&self, sha256_hex: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Function log lines, written on one host and read on every host.
pub trait LogShare: Send + Sync {
    /// Sends lines of a function's stream to every host's mirror (the mirror writes them with
    /// [`Store::mirror_logs`](crate::Store::mirror_logs)).
    fn publish(
        &self,
        function: &str,
        stream: &str,
        lines: &[(u64, &[u8])],
    ) -> Result<(), StoreError>;
    /// Asks every host to forget the function's logs ([`Store::mirror_delete_logs`](crate::Store::mirror_delete_logs)).
    fn delete(&self, function: &str) -> Result<(), StoreError>;
}

/// The shared parts of a cluster's store.
#[derive(Clone)]
pub struct Shared {
    /// Metadata of every host.
    pub metadata: std::sync::Arc<dyn Metadata>,
    /// Zips of every host.
    pub code: std::sync::Arc<dyn CodeShare>,
    /// Logs of every host.
    pub logs: std::sync::Arc<dyn LogShare>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}
