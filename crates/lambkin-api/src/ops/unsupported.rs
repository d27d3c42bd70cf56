//! The operations of what lambkin does not have yet, each answering what Lambda would truthfully answer
//! here, or a specific error naming what is missing (never `UnknownOperationException`): event source
//! mappings (nothing polls SQS, Kinesis, DynamoDB, Kafka, MQ or DocumentDB), capacity providers (Lambda
//! Managed Instances) and durable executions. The error types are ones botocore's model declares for each
//! operation.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::operation::{BeyondLambkin, EventSourceMappingInput, Page, Qualified};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};

use super::common::{parse_qualified, parse_ref};

const NO_ESM: &str = "lambkin does not support event source mappings yet: nothing polls Amazon SQS, Kinesis, DynamoDB streams, Kafka, Amazon MQ or DocumentDB for a function. Invoke the function directly (Invoke, or InvocationType Event for asynchronous delivery) instead.";
const NO_CAPACITY: &str = "lambkin does not support capacity providers (Lambda Managed Instances) yet: functions run in lambkin's own execution environments on this host.";
const NO_DURABLE: &str = "lambkin does not support durable executions yet: functions run as ordinary invocations, without checkpoints or callbacks.";

/// `ListEventSourceMappings`: there are none (of a function that must exist, when one is named).
pub(crate) async fn list_event_source_mappings(
    ctx: &Ctx,
    page: Page,
    function: Option<&str>,
) -> ApiResult<Reply> {
    page?;
    if let Some(f) = function {
        let r = parse_ref(&ctx.service, f)?;
        resolve(&ctx.service, &ctx.arns, &r.name, r.qualifier.as_deref())?;
    }
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"EventSourceMappings": []}),
    ))
}

/// `CreateEventSourceMapping`: Lambda's own checks first — a mapping without an event source is
/// "Unrecognized event source.", one for a function that does not exist "Function does not exist" (LocalStack
/// snapshot test_event_source_mapping_exceptions) — then lambkin's refusal.
pub(crate) fn create_event_source_mapping(
    ctx: &Ctx,
    input: EventSourceMappingInput,
) -> ApiResult<Reply> {
    if input.event_source_arn.is_none() && input.self_managed_event_source.is_none() {
        return Err(ApiError::invalid("Unrecognized event source."));
    }
    if let Some(f) = &input.function_name {
        let r = parse_ref(&ctx.service, f)?;
        if resolve(&ctx.service, &ctx.arns, &r.name, r.qualifier.as_deref()).is_err() {
            return Err(ApiError::invalid("Function does not exist"));
        }
    }
    Err(ApiError::invalid(NO_ESM))
}

/// `Get`/`Update`/`DeleteEventSourceMapping`: no mapping exists.
pub(crate) fn event_source_mapping(_uuid: &str) -> ApiResult<Reply> {
    Err(ApiError::not_found(
        "The resource you requested does not exist.",
    ))
}

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
