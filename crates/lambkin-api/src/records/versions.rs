//! Published versions (table `versions`).

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{function_prefix, numbered_key, rows, VERSIONS};
use crate::model::VersionRecord;

/// Published version `n` of a function.
pub(crate) fn get(
    store: &Store,
    region: &str,
    name: &str,
    n: u64,
) -> Result<Option<VersionRecord>, StoreError> {
    match store.get(VERSIONS, &numbered_key(region, name, n))? {
        Some(r) => Ok(Some(r.json()?)),
        None => Ok(None),
    }
}

/// Whether version `n` exists.
pub(crate) fn exists(store: &Store, region: &str, name: &str, n: u64) -> Result<bool, StoreError> {
    Ok(store
        .get(VERSIONS, &numbered_key(region, name, n))?
        .is_some())
}

/// Every published version of a function, in order.
pub(crate) fn list(
    store: &Store,
    region: &str,
    name: &str,
) -> Result<Vec<VersionRecord>, StoreError> {
    Ok(
        rows(store.list(VERSIONS, &function_prefix(region, name), None, usize::MAX)?)?
            .into_iter()
            .map(|(_, v)| v)
            .collect(),
    )
}

pub(super) fn put_op(
    region: &str,
    name: &str,
    n: u64,
    v: &VersionRecord,
    expect: Expect,
) -> Result<Op, StoreError> {
    Op::put_json(VERSIONS, &numbered_key(region, name, n), v, expect)
}

pub(super) fn delete_op(region: &str, name: &str, n: u64) -> Op {
    Op::delete(VERSIONS, &numbered_key(region, name, n), Expect::Any)
}
