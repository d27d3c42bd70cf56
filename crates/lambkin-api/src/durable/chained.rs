//! Chained invokes: a checkpoint's preflight of the target, the invoke itself (a durable target becomes a child
//! execution named after its parent and operation; a plain one is invoked and answers), and the end of a child
//! or of a deleted function's executions reported to the parent.

use std::sync::Arc;

use bytes::Bytes;
use lambkin_durable::execution::ParentLink;
use lambkin_durable::model::{ChainedInvokeOptions, ChainedTarget};
use lambkin_durable::{ErrorObject, Execution, ExecutionStatus, OpStatus};

use super::{change, key_of, locate, start_execution, Start};
use crate::invoke::{self, Call, Target};
use crate::names::{self, Arns};
use crate::service::Service;
use crate::time_fmt::now_ms;

/// Resolves a chained invoke's target: the version it runs and whether it is durable; the error the operation
/// fails with otherwise.
fn resolve_target(
    service: &Service,
    arns: &Arns,
    function_name: &str,
) -> Result<
    (
        String,
        Option<String>,
        String,
        Option<crate::model::DurableConfig>,
    ),
    ErrorObject,
> {
    let not_found = |m: String| ErrorObject::new("ResourceNotFoundException", m);
    let r = names::parse_function(function_name, &arns.account)
        .map_err(|e| ErrorObject::new("InvalidParameterValueException", e.message))?;
    let q = r.qualifier.clone();
    let res = crate::resolve::resolve(service, arns, &r.name, q.as_deref())
        .map_err(|e| not_found(e.message))?;
    let durable = res.version.config.durable_config.clone();
    if durable.is_some() && q.is_none() {
        return Err(ErrorObject::new(
            "InvalidParameterValueException",
            "You cannot invoke a durable function using an unqualified ARN.",
        ));
    }
    Ok((r.name, q, res.version.config.version.clone(), durable))
}

/// The checkpoint's preflight of a chained invoke: the version it will run, or why it fails at once.
pub(crate) fn preflight<'a>(
    service: &'a Service,
    arns: &Arns,
) -> impl FnMut(&ChainedInvokeOptions) -> Result<String, ErrorObject> + 'a {
    let arns = arns.clone();
    move |o: &ChainedInvokeOptions| {
        resolve_target(service, &arns, &o.function_name).map(|(_, _, version, _)| version)
    }
}

/// Runs a chained invoke: a durable target becomes a child execution (its end completes the operation), a
/// plain one is invoked and its answer completes the operation.
pub(super) async fn chained(
    service: &Arc<Service>,
    region: &str,
    account: &str,
    parent: &str,
    op: &str,
    target: ChainedTarget,
    trace: Option<String>,
) {
    let arns = Arns {
        region: region.to_owned(),
        account: account.to_owned(),
    };
    // The parent by id too: a late answer must not complete a later execution that reused the name.
    let Ok((parent_key, parent_id)) = locate(parent) else {
        return;
    };
    let parent_id = parent_id.as_str();
    let payload = target.payload.clone().unwrap_or_default();
    let done = |status: OpStatus, result: Option<String>, error: Option<ErrorObject>| {
        let parent_key = parent_key.clone();
        let op = op.to_owned();
        async move {
            let r = change(service, &parent_key, Some(parent_id), true, |p| {
                p.chained_done(&op, status, result, error, now_ms());
                Ok(((), Vec::new()))
            })
            .await;
            if let Err(e) = r {
                tracing::debug!("chained invoke {op} of {parent_key}: {}", e.message);
            }
        }
    };
    let resolved = resolve_target(service, &arns, &target.function_name);
    let (name, qualifier, version, durable) = match resolved {
        Ok(r) => r,
        Err(error) => return done(OpStatus::Failed, None, Some(error)).await,
    };
    if let Some(config) = durable {
        let start = Start {
            arns: &arns,
            function: &name,
            qualifier: qualifier.as_deref().unwrap_or("$LATEST"),
            version: &version,
            config: &config,
            // Named after the parent and its operation: dispatched again after a restart, the start finds the
            // child it made before instead of making another.
            name: Some(child_name(parent, op)),
            input: payload.as_bytes(),
            trace_header: trace,
            parent: Some(ParentLink {
                arn: parent.to_owned(),
                op: op.to_owned(),
            }),
        };
        match start_execution(service, start).await {
            Ok(child) => {
                let child_arn = child.arn.clone();
                let _ = change(service, &parent_key, Some(parent_id), false, |p| {
                    p.chained_child(op, &child_arn);
                    Ok(((), Vec::new()))
                })
                .await;
            }
            Err(e) => {
                let error = ErrorObject::new(e.error_type, e.message);
                done(OpStatus::Failed, None, Some(error)).await;
            }
        }
        return;
    }
    let call = Call {
        request_id: invoke::new_request_id(),
        payload: Bytes::from(payload),
        tenant_id: target.tenant_id.clone(),
        trace_id: trace,
        invoked_function_arn: match &qualifier {
            Some(q) => arns.qualified(&name, q),
            None => arns.function(&name),
        },
        ..Call::default()
    };
    let t = Target {
        arns: &arns,
        function: &name,
        qualifier: qualifier.as_deref(),
        incarnation: None,
    };
    match invoke::run(service, t, call).await {
        Ok(running) => {
            let c = running.collect().await;
            let body = String::from_utf8_lossy(&c.body).into_owned();
            if c.failed {
                let mut error = ErrorObject::from_function_error(body.as_bytes(), "Unhandled");
                error.error_data = Some(body);
                done(OpStatus::Failed, None, Some(error)).await;
            } else {
                done(OpStatus::Succeeded, Some(body), None).await;
            }
        }
        Err(r) => {
            let e = r.into_api_error();
            done(
                OpStatus::Failed,
                None,
                Some(ErrorObject::new(e.error_type, e.message)),
            )
            .await;
        }
    }
}

/// The name of the execution a chained invoke starts: 32 hex digits of the SHA-256 of its parent and operation.
fn child_name(parent: &str, op: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{parent}\n{op}").as_bytes());
    hex::encode(&digest[..16])
}

/// A child execution ended: its parent's chained invoke completes with its result or error.
pub(super) async fn child_ended(service: &Arc<Service>, parent: &ParentLink, child: &Execution) {
    let Ok((parent_key, parent_id)) = locate(&parent.arn) else {
        return;
    };
    let status = match child.status {
        ExecutionStatus::Succeeded => OpStatus::Succeeded,
        ExecutionStatus::TimedOut => OpStatus::TimedOut,
        ExecutionStatus::Stopped => OpStatus::Stopped,
        _ => OpStatus::Failed,
    };
    let (result, error) = (child.result.clone(), child.error.clone());
    let op = parent.op.clone();
    let _ = change(service, &parent_key, Some(&parent_id), true, move |p| {
        p.chained_done(&op, status, result, error, now_ms());
        Ok(((), Vec::new()))
    })
    .await;
}

/// A function was deleted with its executions: whoever waits for one is answered (it is gone), and the chained
/// invoke of a parent execution that started one fails.
pub(crate) fn function_deleted(service: &Arc<Service>, executions: Vec<Execution>) {
    for mut e in executions {
        let key = key_of(&e);
        service.durable.notify_ended(&key);
        service.durable.forget(&key);
        if e.status.is_terminal() {
            continue;
        }
        if let Some(parent) = e.parent.clone() {
            e.status = ExecutionStatus::Failed;
            e.result = None;
            e.error = Some(ErrorObject::new(
                "ResourceNotFoundException",
                format!(
                    "Function {} was deleted with its durable executions.",
                    e.function
                ),
            ));
            let service = service.clone();
            tokio::spawn(async move { child_ended(&service, &parent, &e).await });
        }
    }
}
