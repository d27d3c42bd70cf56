//! Published versions (table `versions`; read with `records::numbered` and `records::list`).

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{numbered_key, Listed, Numbered, VERSIONS};
use crate::model::VersionRecord;

impl Listed for VersionRecord {
    const TABLE: &'static str = VERSIONS;
}

impl Numbered for VersionRecord {}

/// Whether version `n` exists.
pub(crate) fn exists(store: &Store, region: &str, name: &str, n: u64) -> Result<bool, StoreError> {
    Ok(store
        .get(VERSIONS, &numbered_key(region, name, n))?
        .is_some())
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
