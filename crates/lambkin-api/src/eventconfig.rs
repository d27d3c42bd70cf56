//! Put/Get/Update/Delete/ListFunctionEventInvokeConfigs: retries, maximum event age and destinations of
//! asynchronous invocation, per function version or alias.

use http::StatusCode;
use lambkin_store::{Expect, Op};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::names::{self, Arns};
use crate::request::ApiRequest;
use crate::routes::Reply;
use crate::{functions, Service};

/// Table of configurations, keyed `<region>/<function>/<qualifier>`.
pub(crate) const EVENT_CONFIGS: &str = "eventconfigs";

/// `OnSuccess` / `OnFailure`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Destination {
    /// A function ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// `DestinationConfig`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationConfig {
    /// After a success.
    #[serde(default)]
    pub on_success: Destination,
    /// After the last failure.
    #[serde(default)]
    pub on_failure: Destination,
}

/// `FunctionEventInvokeConfig`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct EventInvokeConfig {
    /// Seconds since the epoch (the model's timestamp).
    pub last_modified: f64,
    /// Qualified function ARN.
    pub function_arn: String,
    /// 0–2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    /// 60–21,600.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<u32>,
    /// Destinations.
    pub destination_config: DestinationConfig,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Input {
    maximum_retry_attempts: Option<i64>,
    maximum_event_age_in_seconds: Option<i64>,
    destination_config: Option<DestinationConfig>,
}

/// What delivery uses.
#[derive(Debug, Clone)]
pub struct Effective {
    /// Retries after a function error.
    pub max_retries: u32,
    /// Oldest event delivered.
    pub max_age_secs: u32,
    /// Function ARN for successes.
    pub on_success: Option<String>,
    /// Function ARN for failures.
    pub on_failure: Option<String>,
}

fn key(region: &str, function: &str, qualifier: &str) -> String {
    format!("{region}/{function}/{qualifier}")
}

/// The configuration an async event of `function[:qualifier]` is delivered with (Lambda's defaults: 2
/// retries, 6 hours).
pub fn effective(
    service: &Service,
    region: &str,
    function: &str,
    qualifier: Option<&str>,
) -> Effective {
    let q = qualifier.unwrap_or("$LATEST");
    let cfg: Option<EventInvokeConfig> = service
        .store
        .get(EVENT_CONFIGS, &key(region, function, q))
        .ok()
        .flatten()
        .and_then(|r| r.json().ok());
    Effective {
        max_retries: cfg
            .as_ref()
            .and_then(|c| c.maximum_retry_attempts)
            .unwrap_or(2),
        max_age_secs: cfg
            .as_ref()
            .and_then(|c| c.maximum_event_age_in_seconds)
            .unwrap_or(21_600),
        on_success: cfg
            .as_ref()
            .and_then(|c| c.destination_config.on_success.destination.clone()),
        on_failure: cfg.and_then(|c| c.destination_config.on_failure.destination),
    }
}

fn target(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<(String, String)> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?.unwrap_or_else(|| "$LATEST".into());
    functions::resolve(service, &req.arns, &r.name, Some(&q))?;
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
    let k = key(&req.arns.region, &name, &q);
    let old: Option<EventInvokeConfig> = match service.store.get(EVENT_CONFIGS, &k)? {
        Some(r) => Some(r.json()?),
        None if !replace => {
            return Err(ApiError::not_found(format!(
                "The function {} doesn't have an EventInvokeConfig",
                req.arns.qualified(&name, &q)
            )))
        }
        None => None,
    };
    let cfg = merged(old, input, req.arns.qualified(&name, &q), replace);
    service
        .store
        .apply(vec![Op::put_json(EVENT_CONFIGS, &k, &cfg, Expect::Any)?])?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(&cfg).unwrap_or_default(),
    ))
}

/// `GetFunctionEventInvokeConfig`.
pub async fn get(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let (name, q) = target(service, req, raw)?;
    let cfg: EventInvokeConfig = service
        .store
        .get(EVENT_CONFIGS, &key(&req.arns.region, &name, &q))?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "The function {} doesn't have an EventInvokeConfig",
                req.arns.qualified(&name, &q)
            ))
        })?
        .json()?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(&cfg).unwrap_or_default(),
    ))
}

/// `DeleteFunctionEventInvokeConfig`.
pub async fn delete(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let _guard = service.writes.lock().await;
    let (name, q) = target(service, req, raw)?;
    let k = key(&req.arns.region, &name, &q);
    if service.store.get(EVENT_CONFIGS, &k)?.is_none() {
        return Err(ApiError::not_found(format!(
            "The function {} doesn't have an EventInvokeConfig",
            req.arns.qualified(&name, &q)
        )));
    }
    service.store.apply(vec![Op::Delete {
        table: EVENT_CONFIGS.into(),
        key: k,
        expect: Expect::Any,
    }])?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `ListFunctionEventInvokeConfigs`.
pub async fn list(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    functions::load(service, &req.arns, &r.name)?;
    let (max, marker) = req.page(50)?;
    let prefix = format!("{}/{}/", req.arns.region, r.name);
    let after = marker.map(|m| format!("{prefix}{m}"));
    let rows = service
        .store
        .list(EVENT_CONFIGS, &prefix, after.as_deref(), max + 1)?;
    let more = rows.len() > max;
    let mut items = Vec::new();
    let mut last = None;
    for (k, rec) in rows.into_iter().take(max) {
        let cfg: EventInvokeConfig = rec.json()?;
        items.push(serde_json::to_value(&cfg).unwrap_or_default());
        last = k.strip_prefix(&prefix).map(str::to_owned);
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
