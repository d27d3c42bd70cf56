//! Asynchronous invocation settings per version or alias (table `eventconfigs`).

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{function_prefix, qualifier_key, rows, EVENT_CONFIGS};
use crate::model::EventInvokeConfig;

/// The configuration of `function:qualifier`.
pub(crate) fn get(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
) -> Result<Option<EventInvokeConfig>, StoreError> {
    match store.get(EVENT_CONFIGS, &qualifier_key(region, function, qualifier))? {
        Some(r) => Ok(Some(r.json()?)),
        None => Ok(None),
    }
}

/// Stores (replaces) the configuration of `function:qualifier`.
pub(crate) fn put(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
    cfg: &EventInvokeConfig,
) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        EVENT_CONFIGS,
        &qualifier_key(region, function, qualifier),
        cfg,
        Expect::Any,
    )?])
}

/// Deletes the configuration of `function:qualifier` (a missing one is fine).
pub(crate) fn delete(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: &str,
) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(
        EVENT_CONFIGS,
        &qualifier_key(region, function, qualifier),
        Expect::Any,
    )])
}

/// A function's configurations in qualifier order after the qualifier `after`, at most `limit`, with their
/// qualifiers.
pub(crate) fn list(
    store: &Store,
    region: &str,
    function: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<(String, EventInvokeConfig)>, StoreError> {
    let prefix = function_prefix(region, function);
    let after = after.map(|a| qualifier_key(region, function, a));
    Ok(
        rows(store.list(EVENT_CONFIGS, &prefix, after.as_deref(), limit)?)?
            .into_iter()
            .map(|(k, c)| (k.strip_prefix(&prefix).unwrap_or_default().to_owned(), c))
            .collect(),
    )
}
