//! SAM templates registered by `lambkin deploy --template` (table `stacks`, keyed `<region>/<stack>`): what
//! `apis.rs` serves on `--api-listen` (the template's `Api`/`HttpApi` events), planned again at each start.

use std::collections::BTreeMap;

use lambkin_store::{Expect, Op, Store, StoreError};
use serde::{Deserialize, Serialize};

use super::{all_rows, STACKS};

/// A registered template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackRecord {
    /// The stack's name (the first part of the names of its functions).
    pub stack: String,
    /// Its region.
    pub region: String,
    /// The template's text.
    pub template: String,
    /// Its parameter overrides.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// When it was registered, Unix ms.
    pub updated_ms: u64,
}

fn key(region: &str, stack: &str) -> String {
    format!("{region}/{stack}")
}

/// Every registered stack; unreadable rows are skipped with a warning.
pub(crate) fn all(store: &Store) -> Result<Vec<StackRecord>, StoreError> {
    Ok(all_rows(store, STACKS)?
        .into_iter()
        .filter_map(|(k, r)| match r {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("stack {k} cannot be read: {e}");
                None
            }
        })
        .collect())
}

/// Registers (or replaces) a stack's template.
pub(crate) fn put(store: &Store, s: &StackRecord) -> Result<(), StoreError> {
    store.apply(vec![Op::put_json(
        STACKS,
        &key(&s.region, &s.stack),
        s,
        Expect::Any,
    )?])
}

/// Forgets a stack's template.
pub(crate) fn delete(store: &Store, region: &str, stack: &str) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(STACKS, &key(region, stack), Expect::Any)])
}
