//! Durable executions (table `durable`, keyed `<region>/<function>/<execution name>`): the whole execution — its
//! operation log, history events and tokens — in one row, written back conditionally on the revision it was
//! read at. The name is the key because Lambda makes a name unique within a function (idempotent starts by
//! name); the ARN carries both.

use lambkin_durable::Execution;
use lambkin_store::{Expect, Op, Store, StoreError};

use super::{all_rows, read_row, values, Stored, DURABLE};

/// The key of an execution.
pub(crate) fn key(region: &str, function: &str, name: &str) -> String {
    format!("{region}/{function}/{name}")
}

/// The key of an execution's row.
pub(crate) fn key_of(e: &Execution) -> String {
    key(&e.region, &e.function, &e.name)
}

/// The execution under a key and its store revision.
pub(crate) fn get(store: &Store, key: &str) -> Result<Option<(Execution, u64)>, StoreError> {
    read_row(store, DURABLE, key)
}

/// Every execution of a function, in name order.
pub(crate) fn list(
    store: &Store,
    region: &str,
    function: &str,
) -> Result<Vec<Execution>, StoreError> {
    values(
        store,
        DURABLE,
        &format!("{region}/{function}/"),
        None,
        usize::MAX,
    )
}

/// Every execution (the driver's view at start); an unreadable one comes with its error.
pub(crate) fn all(store: &Store) -> Result<Vec<Stored<Execution>>, StoreError> {
    all_rows(store, DURABLE)
}

/// Stores a new execution; `Conflict` when one of that name exists.
pub(crate) fn create(store: &Store, e: &Execution) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(DURABLE, &key_of(e), e, Expect::Absent)?])
}

/// Writes an execution back; `Conflict` if it changed since `revision`.
pub(crate) fn update(store: &Store, e: &Execution, revision: u64) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        DURABLE,
        &key_of(e),
        e,
        Expect::Revision(revision),
    )?])
}

/// Removes an execution; `Conflict` if it changed since `revision`.
pub(crate) fn delete(store: &Store, e: &Execution, revision: u64) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(
        DURABLE,
        &key_of(e),
        Expect::Revision(revision),
    )])
}
