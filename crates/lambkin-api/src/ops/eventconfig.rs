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

/// The function and qualifier (`$LATEST` when none) a request names, not looked up: Lambda's Get and Delete
/// answer "The function …:Q doesn't have an EventInvokeConfig" whether the function, the version or only the
/// configuration is missing (LocalStack snapshot test_lambda_eventinvokeconfig_exceptions).
fn named(ctx: &Ctx, t: &Qualified) -> ApiResult<(String, String)> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    Ok((r.name, q.unwrap_or_else(|| "$LATEST".into())))
}

/// Lambda's 404 when Put, Update or List name a function or qualifier that does not exist.
fn no_function() -> ApiError {
    ApiError::not_found("The function doesn't exist.")
}

/// The target of a Put or Update, which must exist.
fn target(ctx: &Ctx, t: &Qualified) -> ApiResult<(String, String)> {
    let (name, q) = named(ctx, t)?;
    resolve(&ctx.service, &ctx.arns, &name, Some(&q)).map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            no_function()
        } else {
            e
        }
    })?;
    Ok((name, q))
}

fn check(input: &EventInvokeConfigInput, arns: &Arns, account: &str) -> ApiResult<()> {
    if let Some(dc) = &input.destination_config {
        // A service Lambda never delivers to: Lambda's own text, naming both destinations (LocalStack
        // snapshot put_destination_invalid_service_arn).
        let shown = |d: &Option<String>, kind: &str| match d {
            Some(d) => format!("{kind}(destination={d})"),
            None => "null".into(),
        };
        let service = |d: &str| d.split(':').nth(2).unwrap_or("").to_owned();
        // S3 takes failure records only.
        let foreign = [&dc.on_success.destination, &dc.on_failure.destination]
            .into_iter()
            .flatten()
            .any(|d| !["lambda", "sqs", "sns", "events", "s3"].contains(&service(d).as_str()))
            || dc
                .on_success
                .destination
                .as_deref()
                .is_some_and(|d| service(d) == "s3");
        if foreign {
            return Err(ApiError::invalid(format!(
                "The provided destination config DestinationConfig(onSuccess={}, onFailure={}) is invalid.",
                shown(&dc.on_success.destination, "OnSuccess"),
                shown(&dc.on_failure.destination, "OnFailure")
            )));
        }
        for d in [&dc.on_success.destination, &dc.on_failure.destination]
            .into_iter()
            .flatten()
        {
            let ok = if service(d) == "lambda" {
                d.starts_with(&format!("arn:aws:lambda:{}:", arns.region))
                    && names::parse_function(d, account).is_ok()
            } else {
                lambkin_destinations::Target::parse(d).is_some()
            };
            if !ok {
                return Err(ApiError::invalid(format!(
                    "The destination ARN {d} is invalid."
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
    let input = input?;
    let dc = input.destination_config.as_ref();
    if input.maximum_retry_attempts.is_none()
        && input.maximum_event_age_in_seconds.is_none()
        && dc.is_none()
    {
        return Err(ApiError::invalid(
            "You must specify at least one of error handling or destination setting.",
        ));
    }
    let _guard = ctx.service.writes.lock().await;
    let (name, q) = target(ctx, t)?;
    let own = ctx.arns.function(&name);
    let names_itself = dc
        .into_iter()
        .flat_map(|dc| [&dc.on_success.destination, &dc.on_failure.destination])
        .flatten()
        .any(|d| *d == own);
    if names_itself {
        return Err(ApiError::invalid(
            "You can't specify the function as a destination for itself.",
        ));
    }
    check(&input, &ctx.arns, &ctx.service.config.account_id)?;
    // A function destination must exist: Lambda answers "The destination ARN … is invalid." (LocalStack
    // snapshot put_destination_lambda_doesntexist).
    for d in dc
        .into_iter()
        .flat_map(|dc| [&dc.on_success.destination, &dc.on_failure.destination])
        .flatten()
        .filter(|d| d.split(':').nth(2) == Some("lambda"))
    {
        let r = names::parse_function(d, &ctx.service.config.account_id)?;
        if resolve(&ctx.service, &ctx.arns, &r.name, r.qualifier.as_deref()).is_err() {
            return Err(ApiError::invalid(format!(
                "The destination ARN {d} is invalid."
            )));
        }
    }
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
    let (name, q) = named(ctx, t)?;
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
    let (name, q) = named(ctx, t)?;
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
    load(&ctx.service, &ctx.arns, &r.name).map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            no_function()
        } else {
            e
        }
    })?;
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
