//! Layer versions (table `layers`, read with `records::numbered` and `records::list`; numbers from the sequence
//! `layer:<region>/<name>`). Functions keep their own copy of what they use, so layers have no cascade.

use lambkin_store::{Expect, Op, Store, StoreError};

use super::{numbered_key, rows, Listed, Numbered, LAYERS};
use crate::model::LayerRecord;

impl Listed for LayerRecord {
    const TABLE: &'static str = LAYERS;
}

impl Numbered for LayerRecord {}

/// Every layer version of a region with its layer's name, by name then version.
pub(crate) fn all(store: &Store, region: &str) -> Result<Vec<(String, LayerRecord)>, StoreError> {
    let prefix = format!("{region}/");
    Ok(rows(store.list(LAYERS, &prefix, None, usize::MAX)?)?
        .into_iter()
        .map(|(k, l): (String, LayerRecord)| {
            let name = k
                .strip_prefix(&prefix)
                .and_then(|k| k.split('/').next())
                .unwrap_or_default()
                .to_owned();
            (name, l)
        })
        .collect())
}

/// The next version number of a layer (never reused).
pub(crate) fn next_version(store: &Store, region: &str, name: &str) -> Result<u64, StoreError> {
    store.next_sequence(&format!("layer:{region}/{name}"))
}

/// Stores a new layer version.
pub(crate) fn create(
    store: &Store,
    region: &str,
    name: &str,
    version: u64,
    rec: &LayerRecord,
) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        LAYERS,
        &numbered_key(region, name, version),
        rec,
        Expect::Absent,
    )?])
}

/// Deletes a layer version and its policy (a missing one is fine).
pub(crate) fn delete(
    store: &Store,
    region: &str,
    name: &str,
    version: u64,
) -> Result<(), StoreError> {
    store.apply(vec![
        Op::delete(LAYERS, &numbered_key(region, name, version), Expect::Any),
        super::settings::delete_layer_policy_op(region, name, version),
    ])
}
