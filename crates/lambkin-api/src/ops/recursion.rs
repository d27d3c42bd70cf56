//! Recursive loop detection settings: `GetFunctionRecursionConfig`, `PutFunctionRecursionConfig`
//! (`Terminate`, Lambda's default, or `Allow`). The detection itself is the async queue's: an event that
//! reaches a function through more than 16 destination hops is stopped there (`queue.rs`) unless the
//! function's setting is `Allow`.

use http::StatusCode;
use lambkin_store::Expect;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::names::FunctionRef;
use crate::operation::{Body, RecursionInput};
use crate::records::{per_qualifier, settings};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::load;
use crate::shapes::RecursionConfig;

use super::common::{parse_ref, required};

/// An unqualified function name (these operations take no qualifier).
pub(super) fn unqualified(ctx: &Ctx, raw: &str) -> ApiResult<FunctionRef> {
    let r = parse_ref(&ctx.service, raw)?;
    if r.qualifier.is_some() {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}((-gov)|(-iso(b?)))?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)"
        )));
    }
    Ok(r)
}

/// `GetFunctionRecursionConfig`.
pub(crate) async fn get(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = unqualified(ctx, raw)?;
    load(&ctx.service, &ctx.arns, &r.name)?;
    let mode = settings::recursive_loop(&ctx.service.store, &ctx.arns.region, &r.name)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({ "RecursiveLoop": mode }),
    ))
}

/// `PutFunctionRecursionConfig`.
pub(crate) async fn put(ctx: &Ctx, raw: &str, input: Body<RecursionInput>) -> ApiResult<Reply> {
    let r = unqualified(ctx, raw)?;
    let input = input?;
    let mode = required(&input.recursive_loop, "recursiveLoop")?.to_owned();
    let _guard = ctx.service.writes.lock().await;
    load(&ctx.service, &ctx.arns, &r.name)?;
    let row = RecursionConfig {
        recursive_loop: mode,
    };
    per_qualifier::write(
        &ctx.service.store,
        &ctx.arns.region,
        &r.name,
        settings::FUNCTION_WIDE,
        &row,
        Expect::Any,
    )?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({ "RecursiveLoop": row.recursive_loop }),
    ))
}
