//! Provisioned-concurrency settings per version or alias (table `provisioned`).

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{function_prefix, qualifier_key, rows, PROVISIONED};
use crate::model::ProvisionedSetting;

/// The setting of `function:qualifier`.
pub(crate) fn get(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
) -> Result<Option<ProvisionedSetting>, StoreError> {
    match store.get(PROVISIONED, &qualifier_key(region, function, qualifier))? {
        Some(r) => Ok(Some(r.json()?)),
        None => Ok(None),
    }
}

/// Stores (replaces) a setting.
pub(crate) fn put(store: &Store, s: &ProvisionedSetting) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        PROVISIONED,
        &qualifier_key(&s.region, &s.function, &s.qualifier),
        s,
        Expect::Any,
    )?])
}

/// Deletes the setting of `function:qualifier` (a missing one is fine).
pub(crate) fn delete(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(
        PROVISIONED,
        &qualifier_key(region, function, qualifier),
        Expect::Any,
    )])
}

/// A function's settings.
pub(crate) fn list(
    store: &Store,
    region: &str,
    function: &str,
) -> Result<Vec<ProvisionedSetting>, StoreError> {
    Ok(rows(store.list(
        PROVISIONED,
        &function_prefix(region, function),
        None,
        usize::MAX,
    )?)?
    .into_iter()
    .map(|(_, s)| s)
    .collect())
}

/// A stored setting under its key, or why it cannot be read.
pub(crate) type Stored = (String, Result<ProvisionedSetting, StoreError>);

/// Every setting (applied again at startup); an unreadable one comes with its error.
pub(crate) fn all(store: &Store) -> Result<Vec<Stored>, StoreError> {
    Ok(store
        .list(PROVISIONED, "", None, usize::MAX)?
        .into_iter()
        .map(|(k, r)| (k, r.json()))
        .collect())
}
