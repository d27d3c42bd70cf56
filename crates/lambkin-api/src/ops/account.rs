//! `GetAccountSettings`: limits and usage of the account in the request's region.

use http::StatusCode;
use serde_json::json;

use crate::error::ApiResult;
use crate::model::VersionRecord;
use crate::records;
use crate::reply::Reply;
use crate::request::Ctx;

use super::code::MAX_UNPACKED;

/// `GetAccountSettings`.
pub(crate) async fn account_settings(ctx: &Ctx) -> ApiResult<Reply> {
    let mut count = 0u64;
    let mut code = 0u64;
    let mut reserved = 0u64;
    let region = &ctx.arns.region;
    for f in records::functions::all(&ctx.service.store, region)? {
        count += 1;
        code += f.latest.config.code_size;
        reserved += u64::from(f.reserved_concurrency.unwrap_or(0));
        for v in records::list::<VersionRecord>(
            &ctx.service.store,
            region,
            &f.latest.config.function_name,
        )? {
            code += v.config.code_size;
        }
    }
    let limit = u64::from(ctx.service.config.concurrency_limit);
    Ok(Reply::Json(
        StatusCode::OK,
        json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800u64,
                "CodeSizeUnzipped": MAX_UNPACKED,
                "CodeSizeZipped": 52_428_800u64,
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": limit.saturating_sub(reserved),
            },
            "AccountUsage": {"TotalCodeSize": code, "FunctionCount": count},
        }),
    ))
}
