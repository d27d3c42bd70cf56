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
//! | `layerpolicies` | `<region>/<name>/<version, 10 digits>` | `LayerPolicy` |
//! | `codesigning` | `<region>/<csc id>` | `CodeSigningConfig` |
//! | `fncodesigning` | `<region>/<name>/$LATEST` | `FunctionCodeSigning` |
//! | `recursion` | `<region>/<name>/$LATEST` | `RecursionConfig` |
//! | `runtimemgmt` | `<region>/<name>/<qualifier>` | `RuntimeManagement` |
//! | `scaling` | `<region>/<name>/<qualifier>` | `FunctionScalingConfig` |
//! | `mappings` | `<region>/<uuid>` | `MappingRecord` (event source mappings) |
//! | `logretention` | `<region>/<log group>` | `Retention` (CloudWatch Logs' retention policy of a log group) |
//! | `stacks` | `<region>/<stack>` | `StackRecord` (a SAM template `lambkin deploy --template` registered: its APIs) |
//! | `durable` | `<region>/<name>/<execution name>` | `lambkin_durable::Execution` (a durable execution: log, history, tokens) |
//!
//! A function owns its rows of every table but `layers`, `layerpolicies`, `codesigning`, `logretention`, `stacks` and `mappings` (as on
//! Lambda, a mapping outlives its function: it then reports the function missing);
//! `functions::delete` removes them all in one batch. A layer version's policy goes with the layer version.

pub(crate) mod durable;
pub(crate) mod events;
pub(crate) mod functions;
pub(crate) mod layers;
pub(crate) mod loggroups;
pub(crate) mod mappings;
pub(crate) mod per_qualifier;
pub(crate) mod settings;
pub(crate) mod stacks;
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
const LAYER_POLICIES: &str = "layerpolicies";
const CODE_SIGNING: &str = "codesigning";
const FN_CODE_SIGNING: &str = "fncodesigning";
const RECURSION: &str = "recursion";
const RUNTIME_MANAGEMENT: &str = "runtimemgmt";
const SCALING: &str = "scaling";
const MAPPINGS: &str = "mappings";
const LOG_RETENTION: &str = "logretention";
const DURABLE: &str = "durable";
const STACKS: &str = "stacks";

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
    LAYER_POLICIES,
    CODE_SIGNING,
    FN_CODE_SIGNING,
    RECURSION,
    RUNTIME_MANAGEMENT,
    SCALING,
    MAPPINGS,
    LOG_RETENTION,
    DURABLE,
    STACKS,
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

/// A table keyed under `<region>/<name>/` and listed per name: versions and layer versions (numbered), URL
/// configurations.
pub(crate) trait Listed: serde::de::DeserializeOwned {
    /// The table.
    const TABLE: &'static str;
}

/// A table of numbered items (versions, layer versions: [`numbered_key`]).
pub(crate) trait Numbered: Listed {}

/// Every row of `name`, in key order (numbered items oldest first).
pub(crate) fn list<T: Listed>(
    store: &lambkin_store::Store,
    region: &str,
    name: &str,
) -> Result<Vec<T>, lambkin_store::StoreError> {
    values(
        store,
        T::TABLE,
        &function_prefix(region, name),
        None,
        usize::MAX,
    )
}

/// Item `n` of `name`.
pub(crate) fn numbered<T: Numbered>(
    store: &lambkin_store::Store,
    region: &str,
    name: &str,
    n: u64,
) -> Result<Option<T>, lambkin_store::StoreError> {
    Ok(read_row(store, T::TABLE, &numbered_key(region, name, n))?.map(|(row, _)| row))
}

/// The JSON row of `table` under `key` and the store revision it was read at.
fn read_row<T: serde::de::DeserializeOwned>(
    store: &lambkin_store::Store,
    table: &str,
    key: &str,
) -> Result<Option<(T, u64)>, lambkin_store::StoreError> {
    match store.get(table, key)? {
        Some(r) => Ok(Some((r.json()?, r.revision))),
        None => Ok(None),
    }
}

/// The JSON values of `table` under `prefix` in key order, after the key `after`, at most `limit`.
fn values<T: serde::de::DeserializeOwned>(
    store: &lambkin_store::Store,
    table: &str,
    prefix: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<T>, lambkin_store::StoreError> {
    let listed = rows(store.list(table, prefix, after, limit)?)?;
    Ok(listed.into_iter().map(|(_, v)| v).collect())
}

/// A row under its key, or why it cannot be read.
pub(crate) type Stored<T> = (String, Result<T, lambkin_store::StoreError>);

/// Every row of `table`, in key order.
fn all_rows<T: serde::de::DeserializeOwned>(
    store: &lambkin_store::Store,
    table: &str,
) -> Result<Vec<Stored<T>>, lambkin_store::StoreError> {
    Ok(store
        .list(table, "", None, usize::MAX)?
        .into_iter()
        .map(|(k, r)| (k, r.json()))
        .collect())
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
