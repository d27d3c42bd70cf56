//! What lambkin keeps in the store, and nothing else: table names, keys, record shapes' places and cascades.
//! Every other module reads and writes the store through the typed functions here; only this module names a
//! table or builds a key.
//!
//! Tables (all keys start with the region, so regions never meet):
//!
//! | table | key | value |
//! |---|---|---|
//! | `functions` | `<region>/<name>` | `FunctionRecord` (`$LATEST`, concurrency, policy, tags) |
//! | `versions` | `<region>/<name>/<version, 10 digits>` | `VersionRecord` |
//! | `aliases` | `<region>/<name>/<alias>` | `AliasConfiguration` |
//! | `urls` | `<region>/<name>/<$LATEST or alias>` | `UrlConfig` |
//! | `urlids` | `<url id>` | the `urls` key |
//! | `eventconfigs` | `<region>/<name>/<qualifier>` | `EventInvokeConfig` |
//! | `provisioned` | `<region>/<name>/<qualifier>` | `ProvisionedSetting` |
//! | `events` | `<due ms, 13 digits>/<request id>` | `QueuedEvent` |
//! | `deadletters` | `<region>/<name>/<ms, 13 digits>/<request id>` | the failure record |
//! | `layers` | `<region>/<name>/<version, 10 digits>` | `LayerRecord` |
//!
//! A function owns its rows of every table but `layers`; `functions::delete` removes them all in one batch.

pub(crate) mod aliases;
pub(crate) mod eventconfigs;
pub(crate) mod events;
pub(crate) mod functions;
pub(crate) mod layers;
pub(crate) mod provisioned;
pub(crate) mod urls;
pub(crate) mod versions;

#[cfg(test)]
mod tests;

const FUNCTIONS: &str = "functions";
const VERSIONS: &str = "versions";
const ALIASES: &str = "aliases";
const URLS: &str = "urls";
const URL_IDS: &str = "urlids";
const EVENT_CONFIGS: &str = "eventconfigs";
const PROVISIONED: &str = "provisioned";
const EVENTS: &str = "events";
const DEAD_LETTERS: &str = "deadletters";
const LAYERS: &str = "layers";

/// Every table (the cascade tests look in all of them).
#[cfg(test)]
const TABLES: &[&str] = &[
    FUNCTIONS,
    VERSIONS,
    ALIASES,
    URLS,
    URL_IDS,
    EVENT_CONFIGS,
    PROVISIONED,
    EVENTS,
    DEAD_LETTERS,
    LAYERS,
];

/// Applies a batch of ops made by this module's functions (the queue groups them: many events' changes in
/// one transaction), atomically.
pub(crate) fn apply(
    store: &lambkin_store::Store,
    ops: Vec<lambkin_store::Op>,
) -> Result<(), lambkin_store::StoreError> {
    store.apply(ops)
}

/// `<region>/<name>`: a function's key, and with `/` the prefix of everything keyed under it.
fn function_key(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

/// `<region>/<name>/`.
fn function_prefix(region: &str, name: &str) -> String {
    format!("{region}/{name}/")
}

/// `<region>/<name>/<qualifier>`: the key of a per-qualifier setting (aliases, URL, event-invoke and
/// provisioned configurations).
fn qualifier_key(region: &str, name: &str, qualifier: &str) -> String {
    format!("{region}/{name}/{qualifier}")
}

/// A numbered item (version, layer version) under `<region>/<name>/`, ordered by number.
fn numbered_key(region: &str, name: &str, n: u64) -> String {
    format!("{region}/{name}/{n:010}")
}

/// Reads JSON rows of a listing.
fn rows<T: serde::de::DeserializeOwned>(
    listed: Vec<(String, lambkin_store::Record)>,
) -> Result<Vec<(String, T)>, lambkin_store::StoreError> {
    listed
        .into_iter()
        .map(|(k, r)| Ok((k, r.json()?)))
        .collect()
}
