//! What the operation modules share: function references, revisions, required members, range errors, the
//! store's conflicts in Lambda's words.

use lambkin_store::StoreError;

use crate::error::{ApiError, ApiResult};
use crate::model::FunctionRecord;
use crate::names::{self, Arns, FunctionRef};
use crate::operation::Qualified;
use crate::records;
use crate::request::Ctx;
use crate::resolve::load;
use crate::service::Service;

/// Parses a function reference (name, `name:qualifier`, partial or full ARN) of this account.
pub(crate) fn parse_ref(service: &Service, raw: &str) -> ApiResult<FunctionRef> {
    names::parse_function(raw, &service.config.account_id)
}

/// The function a [`Qualified`] names (as [`parse_ref`] reads it) and its qualifier, from the name or from
/// `?Qualifier=` (which must agree).
pub(crate) fn parse_qualified(
    service: &Service,
    t: &Qualified,
) -> ApiResult<(FunctionRef, Option<String>)> {
    let r = parse_ref(service, &t.function)?;
    let q = names::merge_qualifier(&r, t.qualifier.as_deref())?;
    Ok((r, q))
}

/// A function's record to change (read under the writes lock), when the client's `RevisionId`, if any, is
/// the current one.
pub(crate) fn load_current(
    ctx: &Ctx,
    name: &str,
    revision_id: Option<&str>,
) -> ApiResult<(FunctionRecord, u64)> {
    let (record, rev) = load(&ctx.service, &ctx.arns, name)?;
    check_revision(revision_id, &record.latest.config.revision_id)?;
    Ok((record, rev))
}

/// A fresh `RevisionId`.
pub(crate) fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A `RevisionId` the client gave must be the current one.
pub(crate) fn check_revision(given: Option<&str>, current: &str) -> ApiResult<()> {
    match given {
        Some(g) if g != current => Err(ApiError::precondition()),
        _ => Ok(()),
    }
}

/// A required member.
pub(crate) fn required<'a>(v: &'a Option<String>, field: &str) -> ApiResult<&'a str> {
    v.as_deref().ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// AWS's range validation message, when `value` is outside `min..=max`.
pub(crate) fn range_error(field: &str, value: i64, min: i64, max: i64) -> Option<ApiError> {
    if value < min {
        Some(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        )))
    } else if value > max {
        Some(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}"
        )))
    } else {
        None
    }
}

/// A change to a function's records, failing as Lambda does when a concurrent change got there first.
pub(crate) fn change(arns: &Arns, name: &str, result: Result<(), StoreError>) -> ApiResult<()> {
    result.map_err(|e| match e {
        StoreError::Conflict { .. } => ApiError::conflict(format!(
            "The operation cannot be performed at this time. An update is in progress for resource: {}",
            arns.function(name)
        )),
        e => e.into(),
    })
}

/// Writes a function's record back (read at `revision`), failing on a concurrent change.
pub(crate) fn save(
    service: &Service,
    arns: &Arns,
    record: &FunctionRecord,
    revision: u64,
) -> ApiResult<()> {
    change(
        arns,
        &record.latest.config.function_name,
        records::functions::save(&service.store, &arns.region, record, revision),
    )
}

/// The architecture of this host, in Lambda's words.
pub(crate) fn host_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "arm64",
        other => other,
    }
}

/// Lambda's limit of tags on a function, and its text when a create or a tag request passes it (LocalStack
/// snapshot test_tag_limits).
pub(crate) const MAX_TAGS: usize = 50;

/// Lambda's answer to more than [`MAX_TAGS`] tags.
pub(crate) fn too_many() -> ApiError {
    ApiError::invalid("Number of tags exceeds resource tag limit.")
}
