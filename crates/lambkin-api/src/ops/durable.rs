//! The durable execution operations (`/2025-12-01/`), `Invoke` of a durable function, and `DurableConfig`'s
//! rules. Each reads its members from its `DurableCall`, changes an execution through `durable::change` (or
//! reads it), and answers in botocore's shapes.

use std::sync::Arc;

use http::{HeaderValue, StatusCode};
use lambkin_durable::token::CallbackId;
use lambkin_durable::{DurableError, Effect, ErrorObject, Execution, OperationUpdate};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::durable::{self, api_error, locate, Start, SYNC_WAIT_MS};
use crate::error::{ApiError, ApiResult};
use crate::model::DurableConfig;
use crate::operation::{DurableCall, DurableConfigInput, Qualified};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::resolve;
use crate::service::Service;
use crate::time_fmt::now_ms;

use super::common::parse_qualified;

/// `RetentionPeriodInDays` when not given.
const DEFAULT_RETENTION_DAYS: u32 = 14;

/// `DurableConfig` of `CreateFunction` (the ranges were checked by the model's constraints). In a cluster,
/// refused: executions are driven by one host's timers and locks, not yet shared between hosts.
pub(crate) fn config_for_create(
    given: Option<DurableConfigInput>,
    clustered: bool,
) -> ApiResult<Option<DurableConfig>> {
    let Some(g) = given else {
        return Ok(None);
    };
    if clustered {
        return Err(ApiError::invalid(
            "lambkin runs durable functions on one host only yet: start lambkin serve without --cluster to create one.",
        ));
    }
    let Some(execution_timeout) = g.execution_timeout else {
        return Err(ApiError::invalid(
            "DurableConfig.ExecutionTimeout is required to create a durable function.",
        ));
    };
    Ok(Some(DurableConfig {
        execution_timeout,
        retention_period_in_days: g.retention_period_in_days.unwrap_or(DEFAULT_RETENTION_DAYS),
        kms_key_arn: g.kms_key_arn.filter(|k| !k.is_empty()),
    }))
}

/// `DurableConfig` of `UpdateFunctionConfiguration`: a durable function's settings change; durability itself
/// is chosen when the function is created.
pub(crate) fn config_for_update(
    name: &str,
    current: Option<&DurableConfig>,
    given: DurableConfigInput,
) -> ApiResult<DurableConfig> {
    let Some(current) = current else {
        return Err(ApiError::invalid(format!(
            "DurableConfig can only be set when a function is created: {name} is not a durable function."
        )));
    };
    Ok(DurableConfig {
        execution_timeout: given.execution_timeout.unwrap_or(current.execution_timeout),
        retention_period_in_days: given
            .retention_period_in_days
            .unwrap_or(current.retention_period_in_days),
        kms_key_arn: match given.kms_key_arn {
            Some(k) if k.is_empty() => None,
            Some(k) => Some(k),
            None => current.kms_key_arn.clone(),
        },
    })
}

/// What `Invoke` of a durable function needs.
pub(crate) struct DurableInvoke<'a> {
    /// The function.
    pub name: &'a str,
    /// The qualifier invoked (`None`: unqualified, refused).
    pub qualifier: Option<&'a str>,
    /// The version it resolved to.
    pub version: &'a str,
    /// Its `DurableConfig`.
    pub config: &'a DurableConfig,
    /// `RequestResponse` or `Event`.
    pub invocation_type: &'a str,
    /// `X-Amz-Durable-Execution-Name`.
    pub execution_name: Option<String>,
    /// The event.
    pub payload: &'a [u8],
    /// `X-Amzn-Trace-Id`.
    pub trace_header: Option<String>,
}

/// `Invoke` of a durable function: starts (or, by name, finds) the execution; `Event` answers 202 at once,
/// `RequestResponse` waits up to 15 minutes for its end and answers its result or error.
pub(crate) async fn invoke(ctx: &Ctx, d: DurableInvoke<'_>) -> ApiResult<Reply> {
    let Some(qualifier) = d.qualifier else {
        return Err(ApiError::invalid(
            "You cannot invoke a durable function using an unqualified ARN.",
        ));
    };
    let e = durable::start_execution(
        &ctx.service,
        Start {
            arns: &ctx.arns,
            function: d.name,
            qualifier,
            version: d.version,
            config: d.config,
            name: d.execution_name,
            input: d.payload,
            trace_header: d.trace_header,
            parent: None,
        },
    )
    .await?;
    let mut r = match d.invocation_type {
        "Event" => {
            let mut r = http::Response::new(lambkin_respond::full(bytes::Bytes::new()));
            *r.status_mut() = StatusCode::ACCEPTED;
            lambkin_respond::put_common(&mut r, &ctx.request_id, &e.version);
            r.headers_mut().remove("X-Amz-Executed-Version");
            r
        }
        _ => {
            let Some(ended) =
                durable::wait_end(&ctx.service, &e.arn, now_ms() + SYNC_WAIT_MS).await?
            else {
                // Deleted meanwhile (its function was).
                return Err(api_error(durable::missing(&e.arn)));
            };
            answer(&ended, &ctx.request_id)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&e.arn) {
        r.headers_mut().insert("X-Amz-Durable-Execution-Arn", v);
    }
    Ok(Reply::Raw(r))
}

/// A synchronous invoke's answer: the result, or the error as a function error.
fn answer(e: &Execution, request_id: &str) -> lambkin_respond::FrontResponse {
    let (body, failed) = durable::as_answer(e);
    let mut r = http::Response::new(lambkin_respond::full(body));
    lambkin_respond::put_common(&mut r, request_id, &e.version);
    if failed {
        r.headers_mut().insert(
            "X-Amz-Function-Error",
            HeaderValue::from_static("Unhandled"),
        );
    }
    r
}

fn json_body<T: for<'de> Deserialize<'de> + Default>(c: &DurableCall) -> ApiResult<T> {
    if c.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&c.body).map_err(|e| ApiError::invalid(format!("Invalid request: {e}")))
}

fn max_items(c: &DurableCall, default: usize) -> usize {
    c.query("MaxItems")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// The execution an ARN names, or Lambda's error (`not_found`: `ResourceNotFoundException`, otherwise
/// `InvalidParameterValueException`, for the operations whose model declares no not-found error).
fn read(ctx: &Ctx, arn: &str, not_found: bool) -> ApiResult<Execution> {
    match durable::read(&ctx.service, arn)? {
        Some(e) => Ok(e),
        None if not_found => Err(api_error(durable::missing(arn))),
        None => Err(ApiError::invalid(format!(
            "Durable execution {arn} not found."
        ))),
    }
}

/// `ListDurableExecutionsByFunction`.
pub(crate) async fn list(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let t = Qualified {
        function: c.target.clone(),
        qualifier: c.query("Qualifier").map(str::to_owned),
    };
    let (r, q) = parse_qualified(&ctx.service, &t)?;
    resolve(&ctx.service, &ctx.arns, &r.name, q.as_deref())?;
    let store = ctx.service.store.clone();
    let (region, name) = (ctx.arns.region.clone(), r.name.clone());
    let mut all =
        tokio::task::spawn_blocking(move || crate::records::durable::list(&store, &region, &name))
            .await
            .map_err(|e| ApiError::service(format!("the store: {e}")))?
            .map_err(|e| ApiError::service(format!("the store: {e}")))?;
    let statuses: Vec<&str> = c.queries("Statuses");
    let after = c.query("StartedAfter").map(parse_time).transpose()?;
    let before = c.query("StartedBefore").map(parse_time).transpose()?;
    let wanted_name = c.query("DurableExecutionName");
    all.retain(|e| {
        q.as_deref()
            .is_none_or(|q| e.version == q || e.function_arn.ends_with(&format!(":{q}")))
            && wanted_name.is_none_or(|n| e.name == n)
            && (statuses.is_empty() || statuses.contains(&e.status.as_str()))
            && after.is_none_or(|a| e.start_ms >= a)
            && before.is_none_or(|b| e.start_ms <= b)
    });
    // Newest first; `ReverseOrder` gives the chronological order (botocore's documentation of the member).
    all.sort_by(|a, b| (b.start_ms, &b.id).cmp(&(a.start_ms, &a.id)));
    if c.flag("ReverseOrder") == Some(true) {
        all.reverse();
    }
    let from = match c.query("Marker") {
        None => 0,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|&i| i <= all.len())
            .ok_or_else(|| ApiError::invalid("Invalid marker."))?,
    };
    let max = max_items(&c, 100);
    let page: Vec<Value> = all
        .iter()
        .skip(from)
        .take(max)
        .map(Execution::summary)
        .collect();
    let mut out = json!({ "DurableExecutions": page });
    if from + max < all.len() {
        out["NextMarker"] = json!((from + max).to_string());
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// A query timestamp: RFC 3339 (`2026-12-07T10:00:00Z`, `…T10:00:00.250+01:00`, as botocore sends it; without
/// an offset, UTC) or epoch seconds; Unix ms.
fn parse_time(s: &str) -> ApiResult<u64> {
    use time::format_description::well_known::Rfc3339;
    let bad = || ApiError::invalid(format!("Invalid timestamp: {s}"));
    if let Ok(secs) = s.parse::<f64>() {
        return Ok((secs * 1000.0).max(0.0) as u64);
    }
    let t = time::OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339))
        .map_err(|_| bad())?;
    u64::try_from(t.unix_timestamp_nanos() / 1_000_000).map_err(|_| bad())
}

/// `GetDurableExecution`.
pub(crate) async fn get(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let e = read(ctx, &c.target, true)?;
    let include = c.flag("IncludeExecutionData").unwrap_or(true);
    Ok(Reply::Json(StatusCode::OK, e.describe(include)))
}

/// `GetDurableExecutionHistory`.
pub(crate) async fn history(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let e = read(ctx, &c.target, true)?;
    let marker = match c.query("Marker") {
        None => None,
        Some(m) => Some(
            m.parse::<usize>()
                .map_err(|_| ApiError::invalid("Invalid marker."))?,
        ),
    };
    let (events, next) = lambkin_durable::history::page(
        &e.events,
        c.flag("IncludeExecutionData").unwrap_or(true),
        c.flag("ReverseOrder") == Some(true),
        marker,
        max_items(&c, 100),
    );
    let mut out = json!({ "Events": events });
    if let Some(n) = next {
        out["NextMarker"] = json!(n);
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// `GetDurableExecutionState`.
pub(crate) async fn state(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let e = read(ctx, &c.target, false)?;
    let token = c.query("CheckpointToken").unwrap_or_default();
    let page = e
        .state(
            token,
            c.query("Marker"),
            c.query("MaxItems").and_then(|m| m.parse().ok()),
        )
        .map_err(api_error)?;
    Ok(Reply::Json(StatusCode::OK, page))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct CheckpointInput {
    checkpoint_token: Option<String>,
    #[serde(default)]
    updates: Vec<OperationUpdate>,
    client_token: Option<String>,
}

/// `CheckpointDurableExecution`.
pub(crate) async fn checkpoint(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let input: CheckpointInput = json_body(&c)?;
    let (key, id) = located(&c.target)?;
    let token = input.checkpoint_token.unwrap_or_default();
    let service = &ctx.service;
    let arns = ctx.arns.clone();
    let answered = durable::change(service, &key, Some(&id), true, |e| {
        let mut preflight = durable::preflight(service, &arns);
        e.checkpoint(
            &token,
            input.client_token.as_deref(),
            input.updates,
            now_ms(),
            &mut preflight,
        )
    })
    .await;
    match answered {
        Ok((answer, _)) => Ok(Reply::Json(StatusCode::OK, answer.to_json())),
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            Err(ApiError::invalid("Invalid checkpoint token."))
        }
        Err(e) => Err(e),
    }
}

/// An `ErrorObject` body (`None`: empty, or an object with no member).
fn error_payload(c: &DurableCall) -> ApiResult<Option<ErrorObject>> {
    let e: ErrorObject = json_body(c)?;
    Ok(Some(e).filter(|e| *e != ErrorObject::default()))
}

/// The execution's key and id from its ARN, or `InvalidParameterValueException` for an ARN that is not one.
fn located(arn: &str) -> ApiResult<(String, String)> {
    locate(arn).map_err(api_error)
}

/// `StopDurableExecution`.
pub(crate) async fn stop(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let error = error_payload(&c)?;
    let (key, id) = located(&c.target)?;
    let (at, _) = durable::change(&ctx.service, &key, Some(&id), true, |e| {
        let running = !e.status.is_terminal();
        let at = e.stop(error, now_ms());
        let effects = if running {
            vec![Effect::Ended]
        } else {
            Vec::new()
        };
        Ok((at, effects))
    })
    .await?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"StopTimestamp": at as f64 / 1000.0}),
    ))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ReasonInput {
    reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PauseInput {
    reason: Option<String>,
    #[serde(default)]
    execution_timeout_paused: bool,
    client_token: Option<String>,
}

/// `PauseDurableExecution`.
pub(crate) async fn pause(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let input: PauseInput = json_body(&c)?;
    let (key, id) = located(&c.target)?;
    durable::change(&ctx.service, &key, Some(&id), false, |e| {
        e.pause(
            input.reason.as_deref(),
            input.execution_timeout_paused,
            input.client_token.as_deref(),
            now_ms(),
        )?;
        Ok(((), Vec::new()))
    })
    .await?;
    Ok(Reply::Json(StatusCode::ACCEPTED, json!({})))
}

/// `ResumeDurableExecution`.
pub(crate) async fn resume(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let input: ReasonInput = json_body(&c)?;
    let (key, id) = located(&c.target)?;
    durable::change(&ctx.service, &key, Some(&id), true, |e| {
        e.resume(input.reason.as_deref(), now_ms())?;
        // Whatever came due while it was paused is delivered now.
        e.complete_due(now_ms());
        Ok(((), Vec::new()))
    })
    .await?;
    Ok(Reply::Json(StatusCode::ACCEPTED, json!({})))
}

/// `DeleteDurableExecution`: an ended execution's record goes now instead of after its retention period.
pub(crate) async fn delete(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let e = read(ctx, &c.target, true)?;
    if !e.status.is_terminal() {
        return Err(ApiError::conflict(format!(
            "Durable execution {} is {}: stop it before deleting it.",
            e.arn,
            e.status.as_str()
        )));
    }
    durable::remove(&ctx.service, &crate::records::durable::key_of(&e), &e.id).await?;
    Ok(Reply::Json(
        StatusCode::ACCEPTED,
        json!({"DeletionRequestTimestamp": now_ms() as f64 / 1000.0}),
    ))
}

/// The execution and operation a callback id names.
fn callback(id: &str) -> ApiResult<(String, String, String)> {
    let not_found = || ApiError::not_found(format!("Callback {id} not found."));
    let c = CallbackId::decode(id).ok_or_else(not_found)?;
    let (key, exec_id) = located(&c.arn).map_err(|_| not_found())?;
    Ok((key, exec_id, c.op))
}

async fn complete_callback(
    service: &Arc<Service>,
    id: &str,
    f: impl FnOnce(&mut Execution, &str, &str) -> Result<(), DurableError>,
) -> ApiResult<Reply> {
    let (key, exec_id, op) = callback(id)?;
    let r = durable::change(service, &key, Some(&exec_id), true, |e| {
        f(e, &op, id)?;
        Ok(((), Vec::new()))
    })
    .await;
    match r {
        Ok(_) => Ok(Reply::Json(StatusCode::OK, json!({}))),
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            Err(ApiError::not_found(format!("Callback {id} not found.")))
        }
        Err(e) => Err(e),
    }
}

/// `SendDurableExecutionCallbackSuccess`: the body is the result, as given.
pub(crate) async fn callback_success(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let result = (!c.body.is_empty()).then(|| String::from_utf8_lossy(&c.body).into_owned());
    complete_callback(&ctx.service, &c.target, |e, op, id| {
        e.callback_succeed(op, id, result, now_ms())
    })
    .await
}

/// `SendDurableExecutionCallbackFailure`: the body is the `ErrorObject`.
pub(crate) async fn callback_failure(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    let error = error_payload(&c)?.unwrap_or_default();
    complete_callback(&ctx.service, &c.target, |e, op, id| {
        e.callback_fail(op, id, error, now_ms())
    })
    .await
}

/// `SendDurableExecutionCallbackHeartbeat`.
pub(crate) async fn callback_heartbeat(ctx: &Ctx, c: DurableCall) -> ApiResult<Reply> {
    complete_callback(&ctx.service, &c.target, |e, op, id| {
        e.callback_heartbeat(op, id, now_ms())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_timestamps() {
        assert_eq!(parse_time("1700000000").ok(), Some(1_700_000_000_000));
        assert_eq!(parse_time("1970-01-02T00:00:00Z").ok(), Some(86_400_000));
        assert_eq!(
            parse_time("2026-12-07T10:00:00.250Z").ok(),
            Some(1_796_637_600_250)
        );
        assert_eq!(
            parse_time("2026-12-07T11:00:00.250+01:00").ok(),
            Some(1_796_637_600_250)
        );
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-01-01T00:00:00.éé").is_err());
        assert!(parse_time("2026-13-01T00:00:00Z").is_err());
        assert_eq!(parse_time("1970-01-02T00:00:00").ok(), Some(86_400_000));
        assert!(parse_time("1969-12-31T23:59:59Z").is_err());
        assert!(parse_time("99999999999999999-01-01T00:00:00Z").is_err());
        assert!(parse_time("9999999999999999999-01-01T00:00:00+01:00").is_err());
        let bad = parse_time("2026-01-01T00:00:00Q").err();
        assert_eq!(
            bad.map(|e| (e.status, e.error_type, e.message)),
            Some((
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                "Invalid timestamp: 2026-01-01T00:00:00Q".to_owned()
            ))
        );
    }

    #[test]
    fn durable_config_rules() {
        let made = config_for_create(
            Some(DurableConfigInput {
                execution_timeout: Some(60),
                retention_period_in_days: None,
                kms_key_arn: None,
            }),
            false,
        )
        .ok()
        .flatten();
        assert_eq!(made.as_ref().map(|c| c.retention_period_in_days), Some(14));
        assert!(config_for_create(Some(DurableConfigInput::default()), false).is_err());
        let given = DurableConfigInput {
            execution_timeout: Some(60),
            ..DurableConfigInput::default()
        };
        assert!(config_for_create(Some(given), true).is_err());
        assert!(config_for_update("f", None, DurableConfigInput::default()).is_err());
        let updated = config_for_update(
            "f",
            made.as_ref(),
            DurableConfigInput {
                retention_period_in_days: Some(3),
                ..DurableConfigInput::default()
            },
        )
        .ok();
        assert_eq!(
            updated.map(|c| (c.execution_timeout, c.retention_period_in_days)),
            Some((60, 3))
        );
    }
}
