//! Function URL configurations (table `urls`, per `$LATEST` or alias) and their ids (table `urlids`: id →
//! configuration key). A configuration and its id are written and removed together.

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{function_prefix, list, qualifier_key, read_row, Listed, URLS, URL_IDS};
use crate::model::UrlConfig;

fn key(region: &str, function: &str, qualifier: Option<&str>) -> String {
    qualifier_key(region, function, qualifier.unwrap_or("$LATEST"))
}

/// The configuration of `$LATEST` (no qualifier) or an alias, and its store revision.
pub(crate) fn get(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Option<(UrlConfig, u64)>, StoreError> {
    read_row(store, URLS, &key(region, function, qualifier))
}

/// The configuration a URL id was made for, if it still exists.
pub(crate) fn by_id(store: &Store, id: &str) -> Result<Option<UrlConfig>, StoreError> {
    let Some(k) = store.get(URL_IDS, id)? else {
        return Ok(None);
    };
    let k: String = k.json()?;
    let Some(r) = store.get(URLS, &k)? else {
        return Ok(None);
    };
    let c: UrlConfig = r.json()?;
    Ok((c.id == id).then_some(c))
}

impl Listed for UrlConfig {
    const TABLE: &'static str = URLS;
}

/// Stores a new configuration and its id; `Conflict` if the function (or alias) has one.
pub(crate) fn create(store: &Store, c: &UrlConfig) -> Result<(), StoreError> {
    let k = key(&c.region, &c.function, c.qualifier.as_deref());
    store.apply(vec![
        Op::put_json(URLS, &k, c, Expect::Absent)?,
        Op::put_json(URL_IDS, &c.id, &k, Expect::Absent)?,
    ])
}

/// Writes a configuration back; `Conflict` if it changed since `revision`.
pub(crate) fn update(store: &Store, c: &UrlConfig, revision: u64) -> Result<(), StoreError> {
    let k = key(&c.region, &c.function, c.qualifier.as_deref());
    store.apply(vec![Op::put_json(URLS, &k, c, Expect::Revision(revision))?])
}

/// Deletes a configuration and its id.
pub(crate) fn delete(store: &Store, c: &UrlConfig) -> Result<(), StoreError> {
    store.apply(vec![
        Op::delete(
            URLS,
            &key(&c.region, &c.function, c.qualifier.as_deref()),
            Expect::Any,
        ),
        Op::delete(URL_IDS, &c.id, Expect::Any),
    ])
}

/// The ops that delete every URL configuration of a function and their ids.
pub(super) fn delete_all_ops(
    store: &Store,
    region: &str,
    function: &str,
) -> Result<Vec<Op>, StoreError> {
    let mut ops = vec![Op::delete_prefix(URLS, &function_prefix(region, function))];
    for c in list::<UrlConfig>(store, region, function)? {
        ops.push(Op::delete(URL_IDS, &c.id, Expect::Any));
    }
    Ok(ops)
}
