//! Settings beyond a function's configuration (tables `fncodesigning`, `recursion`, `runtimemgmt`, `scaling`:
//! per-qualifier rows read and written with `per_qualifier`, owned by their function and removed with it),
//! code signing configurations (table `codesigning`, keyed `<region>/<csc id>`, owned by nobody) and layer
//! version policies (table `layerpolicies`, keyed as the layer version, removed with it).

use lambkin_store::{Expect, Op, Store, StoreError};

use super::per_qualifier::Row;
use super::{
    all_rows, numbered_key, read_row, values, Stored, CODE_SIGNING, FN_CODE_SIGNING,
    LAYER_POLICIES, RECURSION, RUNTIME_MANAGEMENT, SCALING,
};
use crate::shapes::{
    CodeSigningConfig, FunctionCodeSigning, FunctionScalingConfig, LayerPolicy, RecursionConfig,
    RuntimeManagement,
};

/// The qualifier under which a function-wide setting (code signing, recursion) is kept.
pub(crate) const FUNCTION_WIDE: &str = "$LATEST";

impl Row for FunctionCodeSigning {
    const TABLE: &'static str = FN_CODE_SIGNING;
}

impl Row for RecursionConfig {
    const TABLE: &'static str = RECURSION;
}

impl Row for RuntimeManagement {
    const TABLE: &'static str = RUNTIME_MANAGEMENT;
}

impl Row for FunctionScalingConfig {
    const TABLE: &'static str = SCALING;
}

fn csc_key(region: &str, id: &str) -> String {
    format!("{region}/{id}")
}

/// A code signing configuration and the store revision it was read at.
pub(crate) fn code_signing_config(
    store: &Store,
    region: &str,
    id: &str,
) -> Result<Option<(CodeSigningConfig, u64)>, StoreError> {
    read_row(store, CODE_SIGNING, &csc_key(region, id))
}

/// Code signing configurations of a region in id order, after the id `after`, at most `limit`.
pub(crate) fn code_signing_configs(
    store: &Store,
    region: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<CodeSigningConfig>, StoreError> {
    let after = after.map(|a| csc_key(region, a));
    values(
        store,
        CODE_SIGNING,
        &format!("{region}/"),
        after.as_deref(),
        limit,
    )
}

/// Writes a code signing configuration: `Absent` creates, `Revision` writes back what was read then.
pub(crate) fn put_code_signing_config(
    store: &Store,
    region: &str,
    csc: &CodeSigningConfig,
    expect: Expect,
) -> Result<(), StoreError> {
    let key = csc_key(region, &csc.code_signing_config_id);
    store.apply(vec![Op::put_json(CODE_SIGNING, &key, csc, expect)?])
}

/// Deletes a code signing configuration read at `revision`.
pub(crate) fn delete_code_signing_config(
    store: &Store,
    region: &str,
    id: &str,
    revision: u64,
) -> Result<(), StoreError> {
    store.apply(vec![Op::delete(
        CODE_SIGNING,
        &csc_key(region, id),
        Expect::Revision(revision),
    )])
}

/// Every function's code signing binding, under its key (`<region>/<name>/$LATEST`).
pub(crate) fn code_signing_bindings(
    store: &Store,
) -> Result<Vec<Stored<FunctionCodeSigning>>, StoreError> {
    all_rows(store, FN_CODE_SIGNING)
}

/// A layer version's policy and the store revision it was read at.
pub(crate) fn layer_policy(
    store: &Store,
    region: &str,
    layer: &str,
    version: u64,
) -> Result<Option<(LayerPolicy, u64)>, StoreError> {
    read_row(store, LAYER_POLICIES, &numbered_key(region, layer, version))
}

/// Writes a layer version's policy (`Absent` for the first statement, else the revision it was read at).
pub(crate) fn put_layer_policy(
    store: &Store,
    region: &str,
    layer: &str,
    version: u64,
    policy: &LayerPolicy,
    expect: Expect,
) -> Result<(), StoreError> {
    let key = numbered_key(region, layer, version);
    store.apply(vec![Op::put_json(LAYER_POLICIES, &key, policy, expect)?])
}

/// The op that removes a layer version's policy (with the layer version).
pub(super) fn delete_layer_policy_op(region: &str, layer: &str, version: u64) -> Op {
    Op::delete(
        LAYER_POLICIES,
        &numbered_key(region, layer, version),
        Expect::Any,
    )
}

/// A function's recursive loop setting: `Terminate` (Lambda's default) unless it was set to `Allow`.
pub(crate) fn recursive_loop(
    store: &Store,
    region: &str,
    name: &str,
) -> Result<String, StoreError> {
    Ok(
        super::per_qualifier::get::<RecursionConfig>(store, region, name, FUNCTION_WIDE)?
            .map(|c| c.recursive_loop)
            .unwrap_or_else(|| "Terminate".into()),
    )
}
