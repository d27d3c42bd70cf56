//! Durable executions at work (the state machine is `lambkin-durable`'s; this drives it): starting executions,
//! invoking their function through the one invoke path — at most one invocation of an execution at a time, again
//! when a wait, a retry, a callback or a chained invoke is due, with backoff after a failed one —, the timers,
//! chained invokes of plain and durable functions, and the end: whoever waits is answered, a parent's chained
//! invoke completed, the row kept for the retention period.
//!
//! Every change of an execution is one read-modify-write of its row under its lock ([`change`]); what the change
//! asks for next (a timer, an invocation, a chained invoke, an end) is done after the row is written
//! ([`settle`]). The row is the truth: a `kill -9` loses at most an invocation in flight, which [`start`] runs
//! again (the handler replays from the log).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use lambkin_durable::execution::{parse_arn, InvocationResult, NewExecution, ParentLink};
use lambkin_durable::{DurableError, Effect, Execution, ExecutionStatus, InvocationOutcome};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::invoke::{self, Call, Refused, Target};
use crate::names::Arns;
use crate::records;
use crate::records::durable::key_of;
use crate::service::Service;
use crate::time_fmt::now_ms;

mod chained;
use chained::{chained, child_ended};
pub(crate) use chained::{function_deleted, preflight};

/// How long a synchronous start waits for the execution's end (Lambda's 15 minutes).
pub(crate) const SYNC_WAIT_MS: u64 = 15 * 60 * 1000;

/// Lambda's error for a refused durable request.
pub(crate) fn api_error(e: DurableError) -> ApiError {
    match e {
        DurableError::Invalid(m) => ApiError::invalid(m),
        DurableError::NotFound(m) => ApiError::not_found(m),
        DurableError::Conflict(m) => ApiError::conflict(m),
        DurableError::CallbackTimeout(m) => {
            ApiError::new(StatusCode::BAD_REQUEST, "CallbackTimeoutException", m)
        }
    }
}

fn store_error(e: lambkin_store::StoreError) -> ApiError {
    ApiError::service(format!("the store: {e}"))
}

/// Where an execution ARN points: its store key and its id, or Lambda's error for an ARN that is not one.
pub(crate) fn locate(arn: &str) -> Result<(String, String), DurableError> {
    let (region, _account, function, _version, name, id) = parse_arn(arn)
        .ok_or_else(|| DurableError::Invalid(format!("Invalid durable execution ARN: {arn}")))?;
    Ok((records::durable::key(&region, &function, &name), id))
}

/// Reads an execution by ARN (the id must match: a name reused after a deletion is another execution).
pub(crate) fn read(service: &Service, arn: &str) -> ApiResult<Option<Execution>> {
    let (key, id) = locate(arn).map_err(api_error)?;
    Ok(records::durable::get(&service.store, &key)
        .map_err(store_error)?
        .map(|(e, _)| e)
        .filter(|e| e.id == id))
}

/// The error for an execution that does not exist.
pub(crate) fn missing(arn: &str) -> DurableError {
    DurableError::NotFound(format!("Durable execution {arn} not found."))
}

/// The row under a key and its revision, read off the runtime's threads.
async fn row(service: &Service, key: &str) -> ApiResult<Option<(Execution, u64)>> {
    let (store, key) = (service.store.clone(), key.to_owned());
    tokio::task::spawn_blocking(move || records::durable::get(&store, &key))
        .await
        .map_err(|e| ApiError::service(format!("the store: {e}")))?
        .map_err(store_error)
}

/// Why a change finds no execution to change under its key.
#[derive(Debug, PartialEq)]
enum Missing {
    /// No row: the execution is gone.
    Gone,
    /// Another execution of that name (the one asked for was deleted and the name reused).
    Other,
}

/// The row read for a key, when it is the execution asked for (`id` `None`: whichever has the name).
fn found(row: Option<(Execution, u64)>, id: Option<&str>) -> Result<(Execution, u64), Missing> {
    match row {
        None => Err(Missing::Gone),
        Some((e, _)) if id.is_some_and(|id| e.id != id) => Err(Missing::Other),
        Some(row) => Ok(row),
    }
}

/// The one read-modify-write of an execution: under its lock, `f` changes it (or refuses, and nothing is
/// written), the row is written back, then what the change asks for is done ([`settle`]; `kick`: start an
/// invocation when one is needed).
pub(crate) async fn change<T>(
    service: &Arc<Service>,
    key: &str,
    id: Option<&str>,
    kick: bool,
    f: impl FnOnce(&mut Execution) -> Result<(T, Vec<Effect>), DurableError>,
) -> ApiResult<(T, Execution)> {
    let state = &service.durable;
    let _guard = state.lock(key).await;
    let (mut e, revision) = match found(row(service, key).await?, id) {
        Ok(row) => row,
        Err(missing) => {
            drop(_guard);
            // Only a missing row takes the key's timer and lock along: another execution that reused the name
            // (after a deletion) keeps its own.
            if missing == Missing::Gone {
                state.forget(key);
            }
            // The key is `<region>/<function>/<name>`.
            let mut parts = key.splitn(3, '/').skip(1);
            let (function, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            return Err(api_error(DurableError::NotFound(format!(
                "Durable execution {name} of {function} not found."
            ))));
        }
    };
    let before = e.clone();
    let (out, effects) = f(&mut e).map_err(api_error)?;
    if e != before {
        let store = service.store.clone();
        let written = e.clone();
        tokio::task::spawn_blocking(move || records::durable::update(&store, &written, revision))
            .await
            .map_err(|e| ApiError::service(format!("the store: {e}")))?
            .map_err(store_error)?;
    }
    drop(_guard);
    if e.status.is_terminal() {
        state.forget(key);
    }
    settle(service, &e, effects, kick);
    Ok((out, e))
}

/// After a change is written: the execution's timer, its chained invokes, its end, its next invocation.
fn settle(service: &Arc<Service>, e: &Execution, effects: Vec<Effect>, kick: bool) {
    let key = key_of(e);
    let state = &service.durable;
    if e.status.is_terminal() {
        state.arm(&key, e.expires_ms());
    } else {
        state.arm(&key, e.next_due());
    }
    for effect in effects {
        match effect {
            Effect::StartChained { op, target } => {
                let service = service.clone();
                let parent = e.arn.clone();
                let trace = e.trace_header.clone();
                let (region, account) = (e.region.clone(), e.account.clone());
                tokio::spawn(async move {
                    chained(&service, &region, &account, &parent, &op, target, trace).await;
                });
            }
            Effect::Ended => {
                state.notify_ended(&key);
                if let Some(parent) = e.parent.clone() {
                    let service = service.clone();
                    let child = e.clone();
                    tokio::spawn(async move { child_ended(&service, &parent, &child).await });
                }
            }
        }
    }
    if kick && e.needs_invocation(now_ms()) {
        self::kick(service, &key);
    }
}

/// Starts an invocation of the execution unless one runs (which then looks again when it ends).
pub(crate) fn kick(service: &Arc<Service>, key: &str) {
    if service.durable.claim(key) {
        let service = service.clone();
        let key = key.to_owned();
        tokio::spawn(async move { run(service, key).await });
    }
}

/// The invocations of one execution, one at a time, while it needs them.
async fn run(service: Arc<Service>, key: String) {
    loop {
        let begun = change(&service, &key, None, false, |e| {
            if e.needs_invocation(now_ms()) {
                Ok((Some(e.begin_invocation()?), Vec::new()))
            } else {
                Ok((None, Vec::new()))
            }
        })
        .await;
        let (event, e) = match begun {
            Ok((Some(event), e)) => (event, e),
            Ok((None, _)) => {
                if service.durable.release(&key) {
                    continue;
                }
                return;
            }
            Err(err) => {
                // The store failed: the timer tries again in a second (a missing execution is forgotten).
                if err.status != StatusCode::NOT_FOUND {
                    tracing::warn!("durable execution {key}: {}", err.message);
                    service.durable.arm(&key, Some(now_ms() + 1000));
                }
                service.durable.release(&key);
                return;
            }
        };
        let invocation = e.invocation.clone().unwrap_or_default();
        let started = now_ms();
        let (request_id, result) = invoke_once(&service, &e, event).await;
        let ended = now_ms();
        let finished = change(&service, &key, Some(&e.id), false, |e| {
            let Some(result) = result else {
                // Throttled: no invocation happened; try again in a second.
                if e.invocation.as_deref() != Some(invocation.as_str()) {
                    return Ok(((), Vec::new()));
                }
                e.invocation = None;
                e.retry_at_ms = Some(ended + 1000);
                return Ok(((), Vec::new()));
            };
            let effects =
                match e.finish_invocation(&invocation, result, &request_id, started, ended) {
                    InvocationOutcome::Ended => vec![Effect::Ended],
                    _ => Vec::new(),
                };
            Ok(((), effects))
        })
        .await;
        if let Err(err) = finished {
            tracing::warn!("durable execution {}: {}", e.arn, err.message);
        }
    }
}

/// Invokes the execution's function version with its event; `None`: throttled, try again.
async fn invoke_once(
    service: &Arc<Service>,
    e: &Execution,
    event: Value,
) -> (String, Option<InvocationResult>) {
    let request_id = invoke::new_request_id();
    let arns = Arns {
        region: e.region.clone(),
        account: e.account.clone(),
    };
    let call = Call {
        request_id: request_id.clone(),
        payload: Bytes::from(event.to_string()),
        trace_id: e.trace_header.clone(),
        invoked_function_arn: e.function_arn.clone(),
        ..Call::default()
    };
    let target = Target {
        arns: &arns,
        function: &e.function,
        qualifier: Some(&e.version),
        incarnation: None,
    };
    let result = match invoke::run(service, target, call).await {
        Ok(running) => {
            let c = running.collect().await;
            if c.failed {
                // Its type and message are read from the body when the invocation is finished.
                Some(InvocationResult::FunctionError {
                    error_type: "Unhandled".to_owned(),
                    body: c.body.to_vec(),
                })
            } else {
                Some(InvocationResult::Answered(c.body.to_vec()))
            }
        }
        Err(Refused::Engine(lambkin_engine::EngineError::Throttled { .. })) => None,
        Err(r) => {
            let e = r.into_api_error();
            let body = serde_json::json!({"errorType": e.error_type, "errorMessage": e.message});
            Some(InvocationResult::FunctionError {
                error_type: e.error_type.to_owned(),
                body: body.to_string().into_bytes(),
            })
        }
    };
    (request_id, result)
}

/// What `Invoke` asks of a durable function.
pub(crate) struct Start<'a> {
    /// The request's region and account.
    pub arns: &'a Arns,
    /// The function.
    pub function: &'a str,
    /// The qualifier invoked (a version, an alias or `$LATEST`).
    pub qualifier: &'a str,
    /// The version it resolved to.
    pub version: &'a str,
    /// The function's `DurableConfig`.
    pub config: &'a crate::model::DurableConfig,
    /// `X-Amz-Durable-Execution-Name`.
    pub name: Option<String>,
    /// The event.
    pub input: &'a [u8],
    /// `X-Amzn-Trace-Id`.
    pub trace_header: Option<String>,
    /// The chained invoke that starts it.
    pub parent: Option<ParentLink>,
}

/// Starts an execution, or finds the one of that name started with the same input (idempotent starts by
/// name); `DurableExecutionAlreadyStartedException` when its input differs.
pub(crate) async fn start_execution(service: &Arc<Service>, s: Start<'_>) -> ApiResult<Execution> {
    let input = String::from_utf8_lossy(s.input).into_owned();
    let new = NewExecution {
        region: s.arns.region.clone(),
        account: s.arns.account.clone(),
        function: s.function.to_owned(),
        version: s.version.to_owned(),
        qualifier: s.qualifier.to_owned(),
        name: s.name.clone(),
        input: input.clone(),
        timeout_s: s.config.execution_timeout,
        retention_days: s.config.retention_period_in_days,
        parent: s.parent,
        trace_header: s.trace_header,
    };
    let e = Execution::new(new, now_ms());
    let k = key_of(&e);
    let _guard = service.durable.lock(&k).await;
    let (store, row, key) = (service.store.clone(), e.clone(), k.clone());
    let existing =
        tokio::task::spawn_blocking(move || match records::durable::get(&store, &key)? {
            Some((found, _)) => Ok(Some(found)),
            None => records::durable::create(&store, &row).map(|()| None),
        })
        .await
        .map_err(|e| ApiError::service(format!("the store: {e}")))?
        .map_err(store_error)?;
    if let Some(found) = existing {
        if found.input == input && s.name.is_some() {
            return Ok(found);
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "DurableExecutionAlreadyStartedException",
            format!(
                "Durable execution with name {} already exists for function {}.",
                found.name, found.function
            ),
        ));
    }
    drop(_guard);
    settle(service, &e, Vec::new(), true);
    Ok(e)
}

/// For the invoke paths other than `Invoke` — event source mappings and asynchronous deliveries (a destination
/// function): when the target is a durable function, the invoke starts an execution of it instead, as on Lambda
/// (unqualified, it is refused). `None`: not a durable function, invoke it as usual. `wait` (event source
/// mappings): answer at the execution's end, which comes within 15 minutes — its `ExecutionTimeout` is capped
/// there, as Lambda caps executions an event source mapping starts. `name`: an id the event keeps across its
/// deliveries, so a redelivery finds the execution it started.
pub(crate) async fn start_for(
    service: &Arc<Service>,
    target: &Target<'_>,
    payload: &[u8],
    wait: bool,
    name: Option<&str>,
) -> Option<ApiResult<Execution>> {
    let res =
        crate::resolve::resolve(service, target.arns, target.function, target.qualifier).ok()?;
    let mut config = res.version.config.durable_config.clone()?;
    if wait {
        config.execution_timeout = config.execution_timeout.min(SYNC_WAIT_MS / 1000);
    }
    let Some(qualifier) = target.qualifier else {
        return Some(Err(ApiError::invalid(
            "You cannot invoke a durable function using an unqualified ARN.",
        )));
    };
    let started = start_execution(
        service,
        Start {
            arns: target.arns,
            function: target.function,
            qualifier,
            version: &res.version.config.version,
            config: &config,
            name: name.map(str::to_owned),
            input: payload,
            trace_header: None,
            parent: None,
        },
    )
    .await;
    Some(match started {
        Ok(e) if wait => wait_end(service, &e.arn, now_ms() + SYNC_WAIT_MS)
            .await
            .map(|ended| ended.unwrap_or(e)),
        other => other,
    })
}

/// An execution as an invoke's answer: its result, or its error as a function error's payload (one still running
/// after 15 minutes: a timeout, as a synchronous invoke's).
pub(crate) fn as_answer(e: &Execution) -> (Bytes, bool) {
    match e.status {
        ExecutionStatus::Succeeded => (Bytes::from(e.result.clone().unwrap_or_default()), false),
        ExecutionStatus::Running | ExecutionStatus::Paused => {
            let body = serde_json::json!({
                "errorType": "Sandbox.Timedout",
                "errorMessage": format!(
                    "Durable execution {} is still {} after 900 seconds; it goes on (GetDurableExecution tells its end).",
                    e.arn,
                    e.status.as_str()
                ),
            });
            (Bytes::from(body.to_string()), true)
        }
        _ => {
            let err = e.error.clone().unwrap_or_default();
            let mut body = serde_json::json!({
                "errorType": err.error_type.unwrap_or_else(|| e.status.as_str().to_owned()),
                "errorMessage": err.error_message.unwrap_or_default(),
            });
            if let Some(d) = err.error_data {
                body["errorData"] = serde_json::json!(d);
            }
            if let Some(t) = err.stack_trace {
                body["stackTrace"] = serde_json::json!(t);
            }
            (Bytes::from(body.to_string()), true)
        }
    }
}

/// Waits until the execution ends or `until` (Unix ms) passes; the execution as last read.
pub(crate) async fn wait_end(
    service: &Arc<Service>,
    arn: &str,
    until: u64,
) -> ApiResult<Option<Execution>> {
    let (k, _) = locate(arn).map_err(api_error)?;
    loop {
        let ended = service.durable.ended(&k);
        let outcome = {
            let notified = ended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let e = read(service, arn);
            let now = now_ms();
            match &e {
                Ok(Some(x)) if !x.status.is_terminal() && now < until => {
                    let wait = Duration::from_millis(until.saturating_sub(now).min(5_000));
                    let _ = tokio::time::timeout(wait, notified).await;
                    None
                }
                _ => Some(e),
            }
        };
        if let Some(e) = outcome {
            service.durable.leave(&k, ended);
            return e;
        }
    }
}

/// Starts the timers and picks every execution up where the store has it (after a restart: invocations that
/// were running are run again, chained invokes of plain functions dispatched again, ended children reported
/// to their parents).
pub(crate) fn start(service: &Arc<Service>) {
    tokio::spawn(timers(service.clone()));
    let service = service.clone();
    tokio::spawn(async move {
        let store = service.store.clone();
        let rows = match tokio::task::spawn_blocking(move || records::durable::all(&store)).await {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => return tracing::warn!("durable executions: cannot read them: {e}"),
            Err(_) => return,
        };
        for (k, row) in rows {
            let e = match row {
                Ok(e) => e,
                Err(err) => {
                    tracing::warn!("durable execution {k} cannot be read: {err}");
                    continue;
                }
            };
            let key = key_of(&e);
            if e.status.is_terminal() {
                service.durable.arm(&key, e.expires_ms());
                // Reported again: the parent may have missed it (a parent that has the answer changes nothing).
                if let Some(parent) = e.parent.clone() {
                    let service = service.clone();
                    tokio::spawn(async move { child_ended(&service, &parent, &e).await });
                }
                continue;
            }
            service.durable.arm(&key, e.next_due());
            for (op, target) in e.running_chained() {
                if target.child_arn.is_none() {
                    let service = service.clone();
                    let (region, account, arn) =
                        (e.region.clone(), e.account.clone(), e.arn.clone());
                    let trace = e.trace_header.clone();
                    tokio::spawn(async move {
                        chained(&service, &region, &account, &arn, &op, target, trace).await;
                    });
                }
            }
            if e.needs_invocation(now_ms()) {
                kick(&service, &key);
            }
        }
    });
}

/// The timer loop: wakes each execution when its next moment comes.
async fn timers(service: Arc<Service>) {
    loop {
        let notified = service.durable.wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let now = now_ms();
        let (due, next) = service.durable.take_due(now);
        for key in due {
            let service = service.clone();
            tokio::spawn(async move { wake(&service, &key).await });
        }
        let wait = next.map_or(60_000, |n| n.saturating_sub(now)).min(60_000);
        let _ = tokio::time::timeout(Duration::from_millis(wait), notified).await;
    }
}

/// One execution's timer came due: its timeout, waits and retries and callback timeouts that came due, a
/// failed invocation's retry — or, ended, the end of its retention.
async fn wake(service: &Arc<Service>, key: &str) {
    let now = now_ms();
    // An ended execution whose retention ran out goes at once (a change would arm its passed expiry again).
    let expired = match row(service, key).await {
        Ok(row) => row
            .map(|(e, _)| e)
            .filter(|e| e.status.is_terminal() && e.expires_ms().is_some_and(|x| x <= now)),
        Err(err) => return retry_wake(service, key, &err),
    };
    if let Some(e) = expired {
        if let Err(err) = remove(service, key, &e.id).await {
            retry_wake(service, key, &err);
        }
        return;
    }
    let r = change(service, key, None, true, |e| {
        if e.status.is_terminal() {
            return Ok(((), Vec::new()));
        }
        let mut effects = Vec::new();
        if e.time_out_if_due(now) {
            effects.push(Effect::Ended);
        }
        e.complete_due(now);
        Ok(((), effects))
    })
    .await;
    match r {
        Err(e) if e.status == StatusCode::NOT_FOUND => {}
        Err(e) => retry_wake(service, key, &e),
        Ok(_) => {}
    }
}

/// A wake that failed (the store did): its timer tries again in a second.
fn retry_wake(service: &Service, key: &str, err: &ApiError) {
    tracing::warn!("durable execution {key}: {}", err.message);
    service.durable.arm(key, Some(now_ms() + 1000));
}

/// Deletes an execution's row, under its lock, and forgets its key (`DeleteDurableExecution`, the end of its
/// retention). Only the execution of that id: another that reused the name since stays, its timer and lock too.
pub(crate) async fn remove(service: &Arc<Service>, key: &str, id: &str) -> ApiResult<()> {
    let guard = service.durable.lock(key).await;
    let (store, k, id) = (service.store.clone(), key.to_owned(), id.to_owned());
    let removed = tokio::task::spawn_blocking(move || match records::durable::get(&store, &k)? {
        Some((row, rev)) if row.id == id => {
            records::durable::delete(&store, &row, rev).map(|()| true)
        }
        Some(_) => Ok(false),
        None => Ok(true),
    })
    .await
    .map_err(|e| ApiError::service(format!("the store: {e}")))?
    .map_err(store_error)?;
    drop(guard);
    if removed {
        service.durable.forget(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution() -> Execution {
        Execution::new(
            NewExecution {
                region: "us-east-1".into(),
                account: "000000000000".into(),
                function: "f".into(),
                version: "1".into(),
                qualifier: "1".into(),
                name: Some("n".into()),
                input: "{}".into(),
                timeout_s: 60,
                retention_days: 1,
                parent: None,
                trace_header: None,
            },
            1_000,
        )
    }

    #[test]
    fn a_reused_name_is_another_execution_not_a_missing_one() {
        let e = execution();
        let id = e.id.clone();
        assert_eq!(found(None, Some(&id)).err(), Some(Missing::Gone));
        assert_eq!(found(None, None).err(), Some(Missing::Gone));
        let other = found(Some((e.clone(), 3)), Some("an-older-one"));
        assert_eq!(other.err(), Some(Missing::Other));
        let this = found(Some((e.clone(), 3)), Some(&id)).ok();
        assert_eq!(this.map(|(x, rev)| (x.id, rev)), Some((id.clone(), 3)));
        assert_eq!(found(Some((e, 3)), None).ok().map(|(_, rev)| rev), Some(3));
    }
}
