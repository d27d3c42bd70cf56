//! `PutFunctionScalingConfig` / `GetFunctionScalingConfig` (Lambda Managed Instances' environment counts, per
//! published version or `$LATEST.PUBLISHED`): stored and answered. lambkin's own pools scale by demand and
//! reserved concurrency; these counts do not steer them.

use http::StatusCode;
use lambkin_store::Expect;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::operation::{Body, Qualified, ScalingInput};
use crate::records::per_qualifier;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};
use crate::shapes::FunctionScalingConfig;

use super::common::range_error;
use super::recursion::unqualified;

/// The function and its qualifier: required, `$LATEST.PUBLISHED` or a version number that exists.
fn target(ctx: &Ctx, t: &Qualified) -> ApiResult<(String, String)> {
    let r = unqualified(ctx, &t.function)?;
    let Some(q) = t.qualifier.clone() else {
        // Required by the constraint table; answered the same way if this is ever reached otherwise.
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null",
        ));
    };
    // The constraint table has checked the qualifier: `$LATEST.PUBLISHED` or a version number.
    if q == "$LATEST.PUBLISHED" {
        load(&ctx.service, &ctx.arns, &r.name)?;
    } else {
        resolve(&ctx.service, &ctx.arns, &r.name, Some(&q))?;
    }
    Ok((r.name, q))
}

fn count(field: &str, v: Option<i64>) -> ApiResult<Option<u32>> {
    match v {
        None => Ok(None),
        Some(n) => match range_error(field, n, 0, 15_000) {
            Some(e) => Err(e),
            None => Ok(Some(n as u32)),
        },
    }
}

/// `PutFunctionScalingConfig`.
pub(crate) async fn put(ctx: &Ctx, t: &Qualified, input: Body<ScalingInput>) -> ApiResult<Reply> {
    let (name, q) = target(ctx, t)?;
    let values = input?.function_scaling_config.unwrap_or_default();
    let cfg = FunctionScalingConfig {
        min_execution_environments: count(
            "functionScalingConfig.minExecutionEnvironments",
            values.min_execution_environments,
        )?,
        max_execution_environments: count(
            "functionScalingConfig.maxExecutionEnvironments",
            values.max_execution_environments,
        )?,
    };
    if let (Some(min), Some(max)) = (
        cfg.min_execution_environments,
        cfg.max_execution_environments,
    ) {
        if min > max {
            return Err(ApiError::invalid(format!(
                "MinExecutionEnvironments ({min}) must not be greater than MaxExecutionEnvironments ({max})."
            )));
        }
    }
    per_qualifier::write(
        &ctx.service.store,
        &ctx.arns.region,
        &name,
        &q,
        &cfg,
        Expect::Any,
    )?;
    Ok(Reply::Json(
        StatusCode::ACCEPTED,
        json!({ "FunctionState": "Active" }),
    ))
}

/// `GetFunctionScalingConfig`: what was asked for is what applies.
pub(crate) async fn get(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (name, q) = target(ctx, t)?;
    let mut out = json!({ "FunctionArn": ctx.arns.qualified(&name, &q) });
    if let Some(cfg) = per_qualifier::get::<FunctionScalingConfig>(
        &ctx.service.store,
        &ctx.arns.region,
        &name,
        &q,
    )? {
        out["AppliedFunctionScalingConfig"] = json!(cfg);
        out["RequestedFunctionScalingConfig"] = json!(cfg);
    }
    Ok(Reply::Json(StatusCode::OK, out))
}
