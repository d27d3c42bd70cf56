//! Log groups' retention policies (table `logretention`, keyed `<region>/<group>`): set by CloudWatch Logs'
//! `PutRetentionPolicy`, owned by no function (as on AWS, a log group outlives its function).

use lambkin_store::{Expect, Op, Store, StoreError};
use serde::{Deserialize, Serialize};

use super::{all_rows, read_row, LOG_RETENTION};

/// A group's retention policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Retention {
    /// Days a line is kept.
    pub(crate) days: u32,
}

fn key(region: &str, group: &str) -> String {
    format!("{region}/{group}")
}

/// The retention policy of a group.
pub(crate) fn retention(
    store: &Store,
    region: &str,
    group: &str,
) -> Result<Option<u32>, StoreError> {
    Ok(read_row::<Retention>(store, LOG_RETENTION, &key(region, group))?.map(|(r, _)| r.days))
}

/// Every group's retention policy: `(region, group, days)`.
pub(crate) fn all(store: &Store) -> Result<Vec<(String, String, u32)>, StoreError> {
    let mut out = Vec::new();
    for (k, row) in all_rows::<Retention>(store, LOG_RETENTION)? {
        let (Some((region, group)), Ok(r)) = (k.split_once('/'), row) else {
            continue;
        };
        out.push((region.to_owned(), group.to_owned(), r.days));
    }
    Ok(out)
}

/// Sets a group's retention policy.
pub(crate) fn put(store: &Store, region: &str, group: &str, days: u32) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        LOG_RETENTION,
        &key(region, group),
        &Retention { days },
        Expect::Any,
    )?])
}

/// Removes a group's retention policy (none: nothing to do).
pub(crate) fn delete(store: &Store, region: &str, group: &str) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(
        LOG_RETENTION,
        &key(region, group),
        Expect::Any,
    )])
}
