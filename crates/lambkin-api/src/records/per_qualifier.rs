//! The per-qualifier tables (`aliases`, `eventconfigs`, `provisioned`): JSON rows keyed
//! `<region>/<name>/<qualifier>`, read and written the same way whatever they hold; the row's type names its
//! table.

use lambkin_store::{Expect, Op, Store, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{
    all_rows, function_prefix, qualifier_key, read_row, rows, Stored, ALIASES, EVENT_CONFIGS,
    PROVISIONED,
};
use crate::model::{AliasConfiguration, EventInvokeConfig, ProvisionedSetting};

/// What a per-qualifier table holds.
pub(crate) trait Row: Serialize + DeserializeOwned {
    /// The table.
    const TABLE: &'static str;
}

impl Row for AliasConfiguration {
    const TABLE: &'static str = ALIASES;
}

impl Row for EventInvokeConfig {
    const TABLE: &'static str = EVENT_CONFIGS;
}

impl Row for ProvisionedSetting {
    const TABLE: &'static str = PROVISIONED;
}

/// The row of `function:qualifier` and the store revision it was read at.
pub(crate) fn read<T: Row>(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
) -> Result<Option<(T, u64)>, StoreError> {
    read_row(store, T::TABLE, &qualifier_key(region, function, qualifier))
}

/// The row of `function:qualifier`.
pub(crate) fn get<T: Row>(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
) -> Result<Option<T>, StoreError> {
    Ok(read(store, region, function, qualifier)?.map(|(row, _)| row))
}

/// Writes the row of `function:qualifier`: `Any` replaces, `Absent` creates (`Conflict` if it exists),
/// `Revision` writes back a row read at that revision (`Conflict` if it changed since).
pub(crate) fn write<T: Row>(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
    row: &T,
    expect: Expect,
) -> Result<(), StoreError> {
    let key = qualifier_key(region, function, qualifier);
    store.apply(vec![Op::put_json(T::TABLE, &key, row, expect)?])
}

/// Deletes the row of `function:qualifier` (a missing one is fine).
pub(crate) fn delete<T: Row>(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
) -> Result<(), StoreError> {
    let key = qualifier_key(region, function, qualifier);
    store.apply(vec![Op::delete(T::TABLE, &key, Expect::Any)])
}

/// A function's rows in qualifier order after the qualifier `after`, at most `limit`, with their qualifiers.
pub(crate) fn list<T: Row>(
    store: &Store,
    region: &str,
    function: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<(String, T)>, StoreError> {
    let prefix = function_prefix(region, function);
    let after = after.map(|a| qualifier_key(region, function, a));
    let listed = rows(store.list(T::TABLE, &prefix, after.as_deref(), limit)?)?;
    Ok(listed
        .into_iter()
        .map(|(k, row)| (k.strip_prefix(&prefix).unwrap_or_default().to_owned(), row))
        .collect())
}

/// Every row of every function under its key; an unreadable one comes with its error.
pub(crate) fn all<T: Row>(store: &Store) -> Result<Vec<Stored<T>>, StoreError> {
    all_rows(store, T::TABLE)
}
