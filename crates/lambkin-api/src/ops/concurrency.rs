//! Reserved concurrency: `PutFunctionConcurrency`, `GetFunctionConcurrency`, `DeleteFunctionConcurrency`.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::names::{Arns, FunctionRef};
use crate::operation::ConcurrencyInput;
use crate::records;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::load;
use crate::service::Service;

use super::common::{parse_ref, range_error, save};

/// Reserved concurrency of every function of the region but `except`.
pub(super) fn reserved_total(service: &Service, arns: &Arns, except: &str) -> ApiResult<u64> {
    let mut total = 0;
    for f in records::functions::all(&service.store, &arns.region)? {
        if f.latest.config.function_name != except {
            total += u64::from(f.reserved_concurrency.unwrap_or(0));
        }
    }
    Ok(total)
}

/// `PutFunctionConcurrency`.
pub(crate) async fn put_concurrency(
    ctx: &Ctx,
    r: FunctionRef,
    input: ConcurrencyInput,
) -> ApiResult<Reply> {
    let Some(n) = input.reserved_concurrent_executions else {
        return Err(ApiError::validation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null"));
    };
    if n < 0 {
        return Err(range_error("reservedConcurrentExecutions", n, 0, i64::MAX)
            .unwrap_or_else(|| ApiError::invalid("bad value")));
    }
    let arns = &ctx.arns;
    if r.qualifier.is_some() {
        return Err(ApiError::invalid("This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN."));
    }
    let _guard = ctx.service.writes.lock().await;
    // Lambda names `$LATEST` when the function does not exist (LocalStack snapshot
    // test_function_concurrency_exceptions).
    let (mut record, rev) = load(&ctx.service, arns, &r.name).map_err(|e| match e.status {
        StatusCode::NOT_FOUND => ApiError::not_found(format!(
            "Function not found: {}",
            arns.qualified(&r.name, "$LATEST")
        )),
        _ => e,
    })?;
    // Not below the function's provisioned concurrency, all qualifiers together (LocalStack snapshot
    // test_reserved_provisioned_overlap, Lambda's spacing kept).
    let provisioned: u32 = records::per_qualifier::list::<crate::model::ProvisionedSetting>(
        &ctx.service.store,
        &arns.region,
        &r.name,
        None,
        usize::MAX,
    )?
    .into_iter()
    .map(|(_, s)| s.requested)
    .sum();
    if (n as u64) < u64::from(provisioned) {
        return Err(ApiError::invalid(format!(
            " ReservedConcurrentExecutions  {n} should not be lower than function's total provisioned concurrency [{provisioned}]."
        )));
    }
    let limit = u64::from(ctx.service.config.concurrency_limit);
    let others = reserved_total(&ctx.service, arns, &r.name)?;
    if others + n as u64 + 100 > limit {
        return Err(ApiError::invalid("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."));
    }
    record.reserved_concurrency = Some(n as u32);
    save(&ctx.service, arns, &record, rev)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"ReservedConcurrentExecutions": n}),
    ))
}

/// `GetFunctionConcurrency`.
pub(crate) async fn get_concurrency(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let (record, _) = load(&ctx.service, &ctx.arns, &r.name)?;
    Ok(Reply::Json(
        StatusCode::OK,
        match record.reserved_concurrency {
            Some(n) => json!({"ReservedConcurrentExecutions": n}),
            None => json!({}),
        },
    ))
}

/// `DeleteFunctionConcurrency`.
pub(crate) async fn delete_concurrency(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, &ctx.arns, &r.name)?;
    record.reserved_concurrency = None;
    save(&ctx.service, &ctx.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
