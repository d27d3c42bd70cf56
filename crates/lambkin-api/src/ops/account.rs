//! `GetAccountSettings`: limits and usage of the account in the request's region.
//!
//! Usage is counted as Lambda counts it: every function, and as code size the zip of every version
//! (`$LATEST` and each published one, even when they share a zip) plus every layer version's zip. Limits are
//! lambkin's: 50 MB zipped uploads and 250 MB unzipped code with layers are enforced, concurrency is
//! `--concurrency-limit`; the 75 GB code storage is Lambda's default quota, reported but not enforced.

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
    // Layer archives count too, each version once (functions using a layer do not count it again).
    for (_, layer) in records::layers::all(&ctx.service.store, region)? {
        code += layer.version.content.code_size;
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
