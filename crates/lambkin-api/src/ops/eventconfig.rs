//! Asynchronous invocation settings per version or alias: `PutFunctionEventInvokeConfig` (replace),
//! `UpdateFunctionEventInvokeConfig` (merge), `GetFunctionEventInvokeConfig`,
//! `DeleteFunctionEventInvokeConfig`, `ListFunctionEventInvokeConfigs`.

use http::StatusCode;
use lambkin_store::Expect;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::EventInvokeConfig;
use crate::names::{self, Arns};
use crate::operation::{Body, EventInvokeConfigInput, Page, Qualified};
use crate::records::per_qualifier;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};

use super::common::parse_qualified;

fn target(ctx: &Ctx, t: &Qualified) -> ApiResult<(String, String)> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    let q = q.unwrap_or_else(|| "$LATEST".into());
    resolve(&ctx.service, &ctx.arns, &r.name, Some(&q))?;
    Ok((r.name, q))
}

fn check(input: &EventInvokeConfigInput, arns: &Arns, account: &str) -> ApiResult<()> {
    if let Some(dc) = &input.destination_config {
        for d in [&dc.on_success.destination, &dc.on_failure.destination]
            .into_iter()
            .flatten()
        {
            let ok = d.starts_with(&format!("arn:aws:lambda:{}:", arns.region))
                && names::parse_function(d, account).is_ok();
            if !ok {
                return Err(ApiError::invalid(format!(
                    "The destination ARN {d} is invalid. lambkin delivers destinations to Lambda functions of the same region only (SQS, SNS, S3 and EventBridge destinations are not available)."
                )));
            }
        }
    }
    Ok(())
}

fn merged(
    old: Option<EventInvokeConfig>,
    input: EventInvokeConfigInput,
    arn: String,
    replace: bool,
) -> EventInvokeConfig {
    let base = if replace { None } else { old };
    EventInvokeConfig {
        last_modified: crate::time_fmt::now_ms() as f64 / 1000.0,
        function_arn: arn,
        maximum_retry_attempts: input
            .maximum_retry_attempts
            .map(|n| n as u32)
            .or(base.as_ref().and_then(|b| b.maximum_retry_attempts)),
        maximum_event_age_in_seconds: input
            .maximum_event_age_in_seconds
            .map(|n| n as u32)
            .or(base.as_ref().and_then(|b| b.maximum_event_age_in_seconds)),
        destination_config: input
            .destination_config
            .or(base.map(|b| b.destination_config))
            .unwrap_or_default(),
    }
}

/// `PutFunctionEventInvokeConfig` (replace) and `UpdateFunctionEventInvokeConfig` (merge).
pub(crate) async fn put(
    ctx: &Ctx,
    t: &Qualified,
    input: Body<EventInvokeConfigInput>,
    replace: bool,
) -> ApiResult<Reply> {
    let _guard = ctx.service.writes.lock().await;
    let (name, q) = target(ctx, t)?;
    let input = input?;
    check(&input, &ctx.arns, &ctx.service.config.account_id)?;
    let region = &ctx.arns.region;
    let old = match per_qualifier::get(&ctx.service.store, region, &name, &q)? {
        Some(c) => Some(c),
        None if !replace => {
            return Err(ApiError::not_found(format!(
                "The function {} doesn't have an EventInvokeConfig",
                ctx.arns.qualified(&name, &q)
            )))
        }
        None => None,
    };
    let cfg = merged(old, input, ctx.arns.qualified(&name, &q), replace);
    per_qualifier::write(&ctx.service.store, region, &name, &q, &cfg, Expect::Any)?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(&cfg).unwrap_or_default(),
    ))
}

/// `GetFunctionEventInvokeConfig`.
pub(crate) async fn get(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (name, q) = target(ctx, t)?;
    let cfg =
        per_qualifier::get::<EventInvokeConfig>(&ctx.service.store, &ctx.arns.region, &name, &q)?
            .ok_or_else(|| {
            ApiError::not_found(format!(
                "The function {} doesn't have an EventInvokeConfig",
                ctx.arns.qualified(&name, &q)
            ))
        })?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(&cfg).unwrap_or_default(),
    ))
}

/// `DeleteFunctionEventInvokeConfig`.
pub(crate) async fn delete(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let _guard = ctx.service.writes.lock().await;
    let (name, q) = target(ctx, t)?;
    let region = &ctx.arns.region;
    if per_qualifier::get::<EventInvokeConfig>(&ctx.service.store, region, &name, &q)?.is_none() {
        return Err(ApiError::not_found(format!(
            "The function {} doesn't have an EventInvokeConfig",
            ctx.arns.qualified(&name, &q)
        )));
    }
    per_qualifier::delete::<EventInvokeConfig>(&ctx.service.store, region, &name, &q)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `ListFunctionEventInvokeConfigs`.
pub(crate) async fn list(ctx: &Ctx, raw: &str, page: Page) -> ApiResult<Reply> {
    let r = names::parse_function(raw, &ctx.service.config.account_id)?;
    load(&ctx.service, &ctx.arns, &r.name)?;
    let (max, marker) = page?;
    let rows = per_qualifier::list::<EventInvokeConfig>(
        &ctx.service.store,
        &ctx.arns.region,
        &r.name,
        marker.as_deref(),
        max + 1,
    )?;
    let more = rows.len() > max;
    let mut items = Vec::new();
    let mut last = None;
    for (q, cfg) in rows.into_iter().take(max) {
        items.push(serde_json::to_value(&cfg).unwrap_or_default());
        last = Some(q);
    }
    let mut out = json!({"FunctionEventInvokeConfigs": items});
    if more {
        out["NextMarker"] = json!(last);
    }
    Ok(Reply::Json(StatusCode::OK, out))
}
