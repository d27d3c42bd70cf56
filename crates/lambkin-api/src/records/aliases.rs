//! Aliases (table `aliases`).

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{function_prefix, qualifier_key, rows, ALIASES};
use crate::model::AliasConfiguration;

/// An alias and the store revision it was read at.
pub(crate) fn get(
    store: &Store,
    region: &str,
    name: &str,
    alias: &str,
) -> Result<Option<(AliasConfiguration, u64)>, StoreError> {
    match store.get(ALIASES, &qualifier_key(region, name, alias))? {
        Some(r) => Ok(Some((r.json()?, r.revision))),
        None => Ok(None),
    }
}

/// A function's aliases in name order, after the alias named `after`.
pub(crate) fn list(
    store: &Store,
    region: &str,
    name: &str,
    after: Option<&str>,
) -> Result<Vec<AliasConfiguration>, StoreError> {
    let after = after.map(|a| qualifier_key(region, name, a));
    Ok(rows(store.list(
        ALIASES,
        &function_prefix(region, name),
        after.as_deref(),
        usize::MAX,
    )?)?
    .into_iter()
    .map(|(_, a)| a)
    .collect())
}

/// Creates an alias; `Conflict` if it exists.
pub(crate) fn create(
    store: &Store,
    region: &str,
    name: &str,
    alias: &AliasConfiguration,
) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        ALIASES,
        &qualifier_key(region, name, &alias.name),
        alias,
        Expect::Absent,
    )?])
}

/// Writes an alias back; `Conflict` if it changed since `revision`.
pub(crate) fn update(
    store: &Store,
    region: &str,
    name: &str,
    alias: &AliasConfiguration,
    revision: u64,
) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        ALIASES,
        &qualifier_key(region, name, &alias.name),
        alias,
        Expect::Revision(revision),
    )?])
}

/// Deletes an alias (a missing one is fine).
pub(crate) fn delete(
    store: &Store,
    region: &str,
    name: &str,
    alias: &str,
) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(
        ALIASES,
        &qualifier_key(region, name, alias),
        Expect::Any,
    )])
}
