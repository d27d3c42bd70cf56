//! Put/Get/Update/Delete/ListFunctionEventInvokeConfigs: retries, maximum event age and destinations of
//! asynchronous invocation, per function version or alias.

use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::{DestinationConfig, EventInvokeConfig};
use crate::names::{self, Arns};
use crate::reply::Reply;
use crate::request::ApiRequest;
use crate::resolve::{load, resolve};
use crate::{records, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Input {
    maximum_retry_attempts: Option<i64>,
    maximum_event_age_in_seconds: Option<i64>,
    destination_config: Option<DestinationConfig>,
}

fn target(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<(String, String)> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?.unwrap_or_else(|| "$LATEST".into());
    resolve(service, &req.arns, &r.name, Some(&q))?;
    Ok((r.name, q))
}

fn check(input: &Input, arns: &Arns, account: &str) -> ApiResult<()> {
    if let Some(n) = input.maximum_retry_attempts {
        if !(0..=2).contains(&n) {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value {}",
                if n < 0 { "greater than or equal to 0" } else { "less than or equal to 2" }
            )));
        }
    }
    if let Some(n) = input.maximum_event_age_in_seconds {
        if !(60..=21_600).contains(&n) {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value {}",
                if n < 60 { "greater than or equal to 60" } else { "less than or equal to 21600" }
            )));
        }
    }
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
    input: Input,
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
pub async fn put(
    service: &Service,
    req: &ApiRequest,
    raw: &str,
    replace: bool,
) -> ApiResult<Reply> {
    let _guard = service.writes.lock().await;
    let (name, q) = target(service, req, raw)?;
    let input: Input = req.json()?;
    check(&input, &req.arns, &service.config.account_id)?;
    let region = &req.arns.region;
    let old = match records::eventconfigs::get(&service.store, region, &name, &q)? {
        Some(c) => Some(c),
        None if !replace => {
            return Err(ApiError::not_found(format!(
                "The function {} doesn't have an EventInvokeConfig",
                req.arns.qualified(&name, &q)
            )))
        }
        None => None,
    };
    let cfg = merged(old, input, req.arns.qualified(&name, &q), replace);
    records::eventconfigs::put(&service.store, region, &name, &q, &cfg)?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(&cfg).unwrap_or_default(),
    ))
}

/// `GetFunctionEventInvokeConfig`.
pub async fn get(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let (name, q) = target(service, req, raw)?;
    let cfg = records::eventconfigs::get(&service.store, &req.arns.region, &name, &q)?.ok_or_else(
        || {
            ApiError::not_found(format!(
                "The function {} doesn't have an EventInvokeConfig",
                req.arns.qualified(&name, &q)
            ))
        },
    )?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(&cfg).unwrap_or_default(),
    ))
}

/// `DeleteFunctionEventInvokeConfig`.
pub async fn delete(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let _guard = service.writes.lock().await;
    let (name, q) = target(service, req, raw)?;
    let region = &req.arns.region;
    if records::eventconfigs::get(&service.store, region, &name, &q)?.is_none() {
        return Err(ApiError::not_found(format!(
            "The function {} doesn't have an EventInvokeConfig",
            req.arns.qualified(&name, &q)
        )));
    }
    records::eventconfigs::delete(&service.store, region, &name, &q)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `ListFunctionEventInvokeConfigs`.
pub async fn list(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    load(service, &req.arns, &r.name)?;
    let (max, marker) = req.page(50)?;
    let rows = records::eventconfigs::list(
        &service.store,
        &req.arns.region,
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

/// `GET /lambkin/v1/functions/{name}/dead-letters`: async events that exhausted their retries or aged out.
pub async fn dead_letters(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    let items = crate::records::events::dead_letters(&service.store, &req.arns.region, &r.name)?;
    Ok(Reply::Json(StatusCode::OK, json!({"deadLetters": items})))
}
