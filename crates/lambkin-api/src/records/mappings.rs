//! Event source mappings (table `mappings`, keyed `<region>/<uuid>`): what a mapping reads, where it
//! delivers, how, and its state. The pollers (`esm.rs`) and the API (`ops/mappings.rs`) read and write them
//! only through these functions.

use std::collections::BTreeMap;

use lambkin_store::{Expect, Op, Store, StoreError};
use serde::{Deserialize, Serialize};

use super::{all_rows, read_row, values, Stored, MAPPINGS};

/// One event source mapping as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MappingRecord {
    /// Its id.
    pub uuid: String,
    /// Region of the mapping and its function.
    pub region: String,
    /// Account.
    pub account: String,
    /// The function's name.
    pub function: String,
    /// The version or alias the mapping names, if any.
    pub qualifier: Option<String>,
    /// The function's ARN (qualified when the mapping names a qualifier).
    pub function_arn: String,
    /// What it reads.
    pub event_source_arn: String,
    /// `BatchSize`.
    pub batch_size: u32,
    /// `MaximumBatchingWindowInSeconds`.
    pub window_secs: u32,
    /// Whether it should deliver (`Enabled`).
    pub enabled: bool,
    /// Lambda's `State`: `Creating`, `Enabling`, `Enabled`, `Disabling`, `Disabled`, `Updating`, `Deleting`.
    pub state: String,
    /// `StateTransitionReason`.
    pub state_reason: String,
    /// `LastModified`, Unix ms.
    pub last_modified_ms: u64,
    /// `LastProcessingResult` (streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_result: Option<String>,
    /// `FunctionResponseTypes`.
    #[serde(default)]
    pub response_types: Vec<String>,
    /// `FilterCriteria.Filters[].Pattern`, as given (`None`: no `FilterCriteria`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<String>>,
    /// `ScalingConfig.MaximumConcurrency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// `DestinationConfig.OnFailure.Destination` (streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// `StartingPosition` (streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_position: Option<String>,
    /// `StartingPositionTimestamp`, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_position_timestamp: Option<f64>,
    /// `MaximumRetryAttempts` (streams; -1: until the record expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i64>,
    /// `MaximumRecordAgeInSeconds` (streams; -1: forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_record_age: Option<i64>,
    /// `ParallelizationFactor` (streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelization: Option<u32>,
    /// `BisectBatchOnFunctionError` (streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bisect: Option<bool>,
    /// Members kept and answered as given (`KMSKeyArn`, `MetricsConfig`, `LoggingConfig`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub kept: serde_json::Map<String, serde_json::Value>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Bumped by every change of what the poller does: a poller of an older generation is replaced.
    pub generation: u64,
}

fn key(region: &str, uuid: &str) -> String {
    format!("{region}/{uuid}")
}

/// A mapping and its store revision.
pub(crate) fn get(
    store: &Store,
    region: &str,
    uuid: &str,
) -> Result<Option<(MappingRecord, u64)>, StoreError> {
    read_row(store, MAPPINGS, &key(region, uuid))
}

/// Every mapping of a region, in UUID order.
pub(crate) fn list(store: &Store, region: &str) -> Result<Vec<MappingRecord>, StoreError> {
    values(store, MAPPINGS, &format!("{region}/"), None, usize::MAX)
}

/// Every mapping of every region (the pollers' view); an unreadable one comes with its error.
pub(crate) fn all(store: &Store) -> Result<Vec<Stored<MappingRecord>>, StoreError> {
    all_rows(store, MAPPINGS)
}

/// Stores a new mapping.
pub(crate) fn create(store: &Store, m: &MappingRecord) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        MAPPINGS,
        &key(&m.region, &m.uuid),
        m,
        Expect::Absent,
    )?])
}

/// Writes a mapping back; `Conflict` if it changed since `revision`.
pub(crate) fn update(store: &Store, m: &MappingRecord, revision: u64) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        MAPPINGS,
        &key(&m.region, &m.uuid),
        m,
        Expect::Revision(revision),
    )?])
}

/// Removes a mapping; `Conflict` if it changed since `revision`.
pub(crate) fn delete(store: &Store, m: &MappingRecord, revision: u64) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(
        MAPPINGS,
        &key(&m.region, &m.uuid),
        Expect::Revision(revision),
    )])
}
