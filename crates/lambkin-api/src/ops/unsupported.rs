//! The operations of what lambkin does not have yet, each answering what Lambda would truthfully answer
//! here, or a specific error naming what is missing (never `UnknownOperationException`): capacity providers
//! (Lambda Managed Instances). The error types are ones botocore's model declares for each
//! operation.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::operation::{BeyondLambkin, Page};
use crate::reply::Reply;

const NO_CAPACITY: &str = "lambkin does not support capacity providers (Lambda Managed Instances) yet: functions run in lambkin's own execution environments on this host.";

/// `ListCapacityProviders`: there are none.
pub(crate) fn list_capacity_providers(page: Page) -> ApiResult<Reply> {
    page?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"CapacityProviders": []}),
    ))
}

/// `CreateCapacityProvider`.
pub(crate) fn create_capacity_provider() -> ApiResult<Reply> {
    Err(ApiError::invalid(NO_CAPACITY))
}

/// `Get`/`Update`/`DeleteCapacityProvider`, `ListFunctionVersionsByCapacityProvider`: no provider exists.
pub(crate) fn capacity_provider(name: &str) -> ApiResult<Reply> {
    Err(ApiError::not_found(format!(
        "Capacity provider {name} does not exist. {NO_CAPACITY}"
    )))
}

/// Refuses the members of a function's input that lambkin cannot honour yet, naming the first one given and
/// what is missing (they are never silently ignored).
pub(crate) fn refuse_beyond(b: &BeyondLambkin) -> ApiResult<()> {
    let given = |v: &Option<serde_json::Value>| v.as_ref().is_some_and(|v| !v.is_null());
    let why = if given(&b.capacity_provider_config) {
        format!("CapacityProviderConfig: {NO_CAPACITY}")
    } else if given(&b.publish_to) {
        format!(
            "PublishTo: {NO_CAPACITY} Publish ordinary versions (Publish, PublishVersion) instead."
        )
    } else if given(&b.tenancy_config) {
        "TenancyConfig: lambkin does not support tenant isolation yet: execution environments are not dedicated to a tenant (X-Amz-Tenant-Id is passed to the function, nothing more).".to_owned()
    } else if given(&b.runtime_config) {
        "RuntimeConfig: lambkin does not support customer-managed runtimes yet: use a runtime identifier (Runtime), or provided.al2023 with your own bootstrap.".to_owned()
    } else if given(&b.accelerator_config) {
        "AcceleratorConfig: lambkin does not support accelerators: its execution environments get no accelerator devices.".to_owned()
    } else {
        return Ok(());
    };
    Err(ApiError::invalid(why))
}
