//! Functions (table `functions`: `$LATEST` with its concurrency, policy and tags) and the cascades over
//! everything a function owns.

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{
    events, function_key, function_prefix, qualifier_key, read_row, urls, values, versions,
    ALIASES, DURABLE, EVENT_CONFIGS, FN_CODE_SIGNING, FUNCTIONS, PROVISIONED, RECURSION,
    RUNTIME_MANAGEMENT, SCALING, VERSIONS,
};
use crate::model::{FunctionRecord, VersionRecord};

/// A function and the store revision it was read at.
pub(crate) fn get(
    store: &Store,
    region: &str,
    name: &str,
) -> Result<Option<(FunctionRecord, u64)>, StoreError> {
    read_row(store, FUNCTIONS, &function_key(region, name))
}

/// Whether the function exists.
pub(crate) fn exists(store: &Store, region: &str, name: &str) -> Result<bool, StoreError> {
    Ok(store.get(FUNCTIONS, &function_key(region, name))?.is_some())
}

/// Functions of a region in name order, after the function named `after`, at most `limit`.
pub(crate) fn list(
    store: &Store,
    region: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<FunctionRecord>, StoreError> {
    let prefix = format!("{region}/");
    let after = after.map(|a| function_key(region, a));
    values(store, FUNCTIONS, &prefix, after.as_deref(), limit)
}

/// Every function of a region.
pub(crate) fn all(store: &Store, region: &str) -> Result<Vec<FunctionRecord>, StoreError> {
    list(store, region, None, usize::MAX)
}

/// Every function of every region.
pub(crate) fn everywhere(store: &Store) -> Result<Vec<FunctionRecord>, StoreError> {
    values(store, FUNCTIONS, "", None, usize::MAX)
}

/// Creates a function (and its version 1 when published at once); fails with `Conflict` if it exists.
/// Anything left under its name (by a store written before deletes cascaded) is cleared in the same batch.
pub(crate) fn create(
    store: &Store,
    region: &str,
    record: &FunctionRecord,
    published: Option<&VersionRecord>,
) -> Result<(), StoreError> {
    let name = &record.latest.config.function_name;
    let mut ops = owned_ops(store, region, name)?;
    ops.push(Op::put_json(
        FUNCTIONS,
        &function_key(region, name),
        record,
        Expect::Absent,
    )?);
    if let Some(v) = published {
        ops.push(versions::put_op(region, name, 1, v, Expect::Any)?);
    }
    store.apply(ops)
}

/// Writes the function back; `Conflict` if it changed since `revision`.
pub(crate) fn save(
    store: &Store,
    region: &str,
    record: &FunctionRecord,
    revision: u64,
) -> Result<(), StoreError> {
    store.apply(vec![put_op(region, record, revision)?])
}

/// Writes the function back with a new published version `n` (its `last_version`).
pub(crate) fn save_and_publish(
    store: &Store,
    region: &str,
    record: &FunctionRecord,
    revision: u64,
    n: u64,
    version: &VersionRecord,
) -> Result<(), StoreError> {
    let name = &record.latest.config.function_name;
    store.apply(vec![
        put_op(region, record, revision)?,
        versions::put_op(region, name, n, version, Expect::Absent)?,
    ])
}

fn put_op(region: &str, record: &FunctionRecord, revision: u64) -> Result<Op, StoreError> {
    Op::put_json(
        FUNCTIONS,
        &function_key(region, &record.latest.config.function_name),
        record,
        Expect::Revision(revision),
    )
}

/// Deletes the function (read at `revision`) and everything it owns, in one batch: its versions, aliases,
/// URL configurations of every qualifier and their URL ids, event-invoke and provisioned-concurrency
/// configurations, its code signing binding, recursion, runtime management and scaling settings, queued events
/// and dead letters. (Concurrency, policy and tags are part of its record.)
pub(crate) fn delete(
    store: &Store,
    region: &str,
    name: &str,
    revision: u64,
) -> Result<(), StoreError> {
    let mut ops = vec![Op::delete(
        FUNCTIONS,
        &function_key(region, name),
        Expect::Revision(revision),
    )];
    ops.extend(owned_ops(store, region, name)?);
    store.apply(ops)
}

/// Everything a function owns but its own row.
fn owned_ops(store: &Store, region: &str, name: &str) -> Result<Vec<Op>, StoreError> {
    let prefix = function_prefix(region, name);
    let mut ops: Vec<Op> = [
        VERSIONS,
        ALIASES,
        EVENT_CONFIGS,
        PROVISIONED,
        FN_CODE_SIGNING,
        RECURSION,
        RUNTIME_MANAGEMENT,
        SCALING,
        DURABLE,
    ]
    .into_iter()
    .map(|t| Op::delete_prefix(t, &prefix))
    .collect();
    ops.extend(urls::delete_all_ops(store, region, name)?);
    ops.extend(events::drop_ops(store, region, name, None)?);
    Ok(ops)
}

/// Deletes published version `n` and what hangs off it, in one batch: its event-invoke,
/// provisioned-concurrency, runtime management and scaling configurations and its queued events; `updated` writes the function back too (its
/// policy without the statements naming the version). Aliases are not looked at: one referencing the version
/// must be refused before.
pub(crate) fn delete_version(
    store: &Store,
    region: &str,
    name: &str,
    n: u64,
    updated: Option<(&FunctionRecord, u64)>,
) -> Result<(), StoreError> {
    let q = n.to_string();
    let mut ops = vec![
        versions::delete_op(region, name, n),
        Op::delete(EVENT_CONFIGS, &qualifier_key(region, name, &q), Expect::Any),
        Op::delete(PROVISIONED, &qualifier_key(region, name, &q), Expect::Any),
        Op::delete(
            RUNTIME_MANAGEMENT,
            &qualifier_key(region, name, &q),
            Expect::Any,
        ),
        Op::delete(SCALING, &qualifier_key(region, name, &q), Expect::Any),
    ];
    if let Some((record, revision)) = updated {
        ops.push(put_op(region, record, revision)?);
    }
    ops.extend(events::drop_ops(store, region, name, Some(&q))?);
    store.apply(ops)
}
