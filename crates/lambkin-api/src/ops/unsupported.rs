//! The operations of what lambkin does not have yet, each answering what Lambda would truthfully answer
//! here, or a specific error naming what is missing (never `UnknownOperationException`): capacity providers
//! (Lambda Managed Instances) and durable executions. The error types are ones botocore's model declares for each
//! operation.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::operation::{BeyondLambkin, Page, Qualified};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};

use super::common::parse_qualified;

const NO_CAPACITY: &str = "lambkin does not support capacity providers (Lambda Managed Instances) yet: functions run in lambkin's own execution environments on this host.";
const NO_DURABLE: &str = "lambkin does not support durable executions yet: functions run as ordinary invocations, without checkpoints or callbacks.";

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

/// `ListDurableExecutionsByFunction`: a function (that must exist) has none.
pub(crate) async fn list_durable_executions(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    if q.is_some() {
        resolve(&ctx.service, &ctx.arns, &r.name, q.as_deref())?;
    } else {
        load(&ctx.service, &ctx.arns, &r.name)?;
    }
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"DurableExecutions": []}),
    ))
}

/// The durable execution operations on an execution ARN: none exists. `GetDurableExecutionState` and
/// `CheckpointDurableExecution` declare no `ResourceNotFoundException`: they answer
/// `InvalidParameterValueException`.
pub(crate) fn durable_execution(arn: &str, not_found: bool) -> ApiResult<Reply> {
    let message = format!("Durable execution {arn} does not exist. {NO_DURABLE}");
    Err(if not_found {
        ApiError::not_found(message)
    } else {
        ApiError::invalid(message)
    })
}

/// `SendDurableExecutionCallback*`: no callback exists.
pub(crate) fn durable_callback(callback_id: &str) -> ApiResult<Reply> {
    Err(ApiError::not_found(format!(
        "Callback {callback_id} does not exist. {NO_DURABLE}"
    )))
}

/// Refuses the members of a function's input that lambkin cannot honour yet, naming the first one given and
/// what is missing (they are never silently ignored).
pub(crate) fn refuse_beyond(b: &BeyondLambkin) -> ApiResult<()> {
    let given = |v: &Option<serde_json::Value>| v.as_ref().is_some_and(|v| !v.is_null());
    let why = if given(&b.durable_config) {
        format!("DurableConfig: {NO_DURABLE}")
    } else if given(&b.capacity_provider_config) {
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
