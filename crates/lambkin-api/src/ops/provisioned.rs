//! Put/Get/Delete/ListProvisionedConcurrencyConfigs: environments of a published version (or an alias's
//! version) initialised ahead of invokes and kept warm; `IN_PROGRESS` until they are all ready, then `READY`.
//! Settings are stored and applied again when the server starts. In a cluster, the function's home host
//! (the host its invokes go to) holds its provisioned environments: every host reconciles the stored settings
//! with what it runs each second ([`reconcile`]), so a setting made anywhere, or a home host that died, is
//! taken up by the right host within seconds; the status of a setting is its home host's, as its heartbeat
//! reports it.

use std::sync::Arc;

use http::StatusCode;
use lambkin_store::Expect;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::invoke;
use crate::model::ProvisionedSetting as Setting;
use crate::names::{self, Arns};
use crate::operation::{Body, ProvisionedInput, Qualified};
use crate::records::per_qualifier;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};
use crate::service::Service;
use crate::time_fmt;

use super::common::parse_qualified;

/// The function and qualifier of a request; `$LATEST` is refused with Lambda's text for a `put` or, for a
/// Get and Delete, "must be an alias or a published version" (LocalStack snapshot
/// test_provisioned_concurrency_exceptions).
fn qualifier(service: &Service, t: &Qualified, put: bool) -> ApiResult<(String, String)> {
    let (r, q) = parse_qualified(service, t)?;
    let Some(q) = q else {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null",
        ));
    };
    if q == "$LATEST" {
        return Err(ApiError::invalid(if put {
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
        } else {
            "The function resource provided must be an alias or a published version."
        }));
    }
    Ok((r.name, q))
}

/// A version has one provisioned configuration: given on the version itself or on an alias to it, not both
/// (LocalStack snapshot test_lambda_provisioned_lifecycle: 409 for either order).
fn check_overlap(ctx: &Ctx, name: &str, q: &str) -> ApiResult<()> {
    let store = &ctx.service.store;
    let region = &ctx.arns.region;
    let version_of = |qualifier: &str| -> ApiResult<String> {
        if qualifier.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(qualifier.to_owned());
        }
        Ok(
            per_qualifier::get::<crate::model::AliasConfiguration>(store, region, name, qualifier)?
                .map(|a| a.function_version)
                .unwrap_or_default(),
        )
    };
    let mine = version_of(q)?;
    let is_alias = !q.bytes().all(|b| b.is_ascii_digit());
    for (other, _) in per_qualifier::list::<Setting>(store, region, name, None, usize::MAX)? {
        if other == q || version_of(&other)? != mine {
            continue;
        }
        let other_is_alias = !other.bytes().all(|b| b.is_ascii_digit());
        if is_alias && !other_is_alias {
            return Err(ApiError::conflict(
                "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
            ));
        }
        if !is_alias && other_is_alias {
            return Err(ApiError::conflict(
                "Version is pointed by a Provisioned Concurrency alias",
            ));
        }
    }
    Ok(())
}

/// The version or alias must exist: Lambda's "Function not found: …:V" for a version, "Cannot find alias
/// arn: …:A" for an alias, also when the function itself does not exist.
fn must_exist(ctx: &Ctx, name: &str, q: &str) -> ApiResult<()> {
    match resolve(&ctx.service, &ctx.arns, name, Some(q)) {
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            let arn = ctx.arns.qualified(name, q);
            Err(ApiError::not_found(
                if q.bytes().all(|b| b.is_ascii_digit()) {
                    format!("Function not found: {arn}")
                } else {
                    format!("Cannot find alias arn: {arn}")
                },
            ))
        }
        other => other.map(|_| ()),
    }
}

/// Resolves the setting to a version (an alias's primary version: provisioned environments are not
/// weighted) and hands its spec to the engine, through the invoke path's spec stage (the managed runtime is
/// installed by then; dropping a setting needs none).
fn apply(service: &Service, s: &Setting) -> ApiResult<String> {
    if service.cluster.is_some() {
        // The home host applies it (`reconcile`).
        return Ok(String::new());
    }
    apply_here(service, s)
}

/// Applies a setting to this host's engine.
fn apply_here(service: &Service, s: &Setting) -> ApiResult<String> {
    let arns = Arns {
        region: s.region.clone(),
        account: s.account.clone(),
    };
    let res = resolve(service, &arns, &s.function, Some(&s.qualifier))?;
    let mut spec = invoke::base_spec(service, &res, &arns)?;
    if s.requested > 0 {
        invoke::with_runtime(service, res.version.config.runtime.as_deref(), &mut spec)?;
    }
    let version = spec.version.clone();
    service.engine.set_provisioned(&spec, s.requested);
    Ok(version)
}

fn answer(service: &Service, arns: &Arns, s: &Setting) -> serde_json::Value {
    let version = resolve(service, arns, &s.function, Some(&s.qualifier))
        .map(|r| r.version.config.version)
        .unwrap_or_default();
    let ready = match invoke::home(service, &s.region, &s.function) {
        Some(home) if home != service.engine_host() => service
            .cluster
            .as_ref()
            .and_then(|c| c.hosts().get(&home))
            .and_then(|h| {
                h.load
                    .provisioned
                    .get(&format!("{}:{version}", s.function))
                    .copied()
            })
            .unwrap_or(0),
        _ => service.engine.provisioned(&s.function, &version).0,
    };
    let status = if ready >= s.requested {
        "READY"
    } else {
        "IN_PROGRESS"
    };
    json!({
        "FunctionArn": arns.qualified(&s.function, &s.qualifier),
        "RequestedProvisionedConcurrentExecutions": s.requested,
        "AvailableProvisionedConcurrentExecutions": ready.min(s.requested),
        "AllocatedProvisionedConcurrentExecutions": ready.min(s.requested),
        "Status": status,
        "LastModified": s.last_modified,
    })
}

/// `PutProvisionedConcurrencyConfig`: `202`, `IN_PROGRESS`.
pub(crate) async fn put(
    ctx: &Ctx,
    t: &Qualified,
    input: Body<ProvisionedInput>,
) -> ApiResult<Reply> {
    let (name, q) = qualifier(&ctx.service, t, true)?;
    let input = input?;
    let n = match input.provisioned_concurrent_executions {
        Some(n) if n >= 1 => n as u32,
        Some(n) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )))
        }
        None => {
            return Err(ApiError::validation(
                "1 validation error detected: Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null",
            ))
        }
    };
    must_exist(ctx, &name, &q)?;
    let (record, _) = load(&ctx.service, &ctx.arns, &name)?;
    if record.reserved_concurrency.is_none() {
        // Provisioned out of the account's unreserved concurrency, which keeps at least 100 (LocalStack
        // snapshot test_provisioned_concurrency_limits).
        let limit = u64::from(ctx.service.config.concurrency_limit);
        let unreserved = limit.saturating_sub(super::concurrency::reserved_total(
            &ctx.service,
            &ctx.arns,
            "",
        )?);
        if u64::from(n) > unreserved {
            return Err(ApiError::invalid(format!(
                "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{unreserved}]."
            )));
        }
        if unreserved - u64::from(n) < 100 {
            return Err(ApiError::invalid("Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."));
        }
    }
    if let Some(reserved) = record.reserved_concurrency {
        // All of the function's provisioned concurrency together, this request's instead of what its
        // qualifier had (LocalStack snapshot test_reserved_provisioned_overlap).
        let others: u32 = per_qualifier::list::<Setting>(
            &ctx.service.store,
            &ctx.arns.region,
            &name,
            None,
            usize::MAX,
        )?
        .into_iter()
        .filter(|(other, _)| *other != q)
        .map(|(_, s)| s.requested)
        .sum();
        if others + n > reserved {
            return Err(ApiError::invalid(
                "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
            ));
        }
    }
    check_overlap(ctx, &name, &q)?;
    let s = Setting {
        region: ctx.arns.region.clone(),
        account: ctx.arns.account.clone(),
        function: name.clone(),
        qualifier: q.clone(),
        requested: n,
        last_modified: time_fmt::now(),
    };
    let res = resolve(&ctx.service, &ctx.arns, &name, Some(&q))?;
    invoke::ensure_runtime(&ctx.service, res.version.config.runtime.as_deref()).await?;
    // Written only while the function exists (DeleteFunction removes settings under the same lock).
    let _guard = ctx.service.writes.lock().await;
    resolve(&ctx.service, &ctx.arns, &name, Some(&q))?;
    per_qualifier::write(
        &ctx.service.store,
        &s.region,
        &s.function,
        &s.qualifier,
        &s,
        Expect::Any,
    )?;
    apply(&ctx.service, &s)?;
    let mut out = answer(&ctx.service, &ctx.arns, &s);
    out["Status"] = json!("IN_PROGRESS");
    Ok(Reply::Json(StatusCode::ACCEPTED, out))
}

fn load_setting(ctx: &Ctx, name: &str, q: &str) -> ApiResult<Setting> {
    must_exist(ctx, name, q)?;
    per_qualifier::get(&ctx.service.store, &ctx.arns.region, name, q)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function",
        )
    })
}

/// `GetProvisionedConcurrencyConfig`.
pub(crate) async fn get(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (name, q) = qualifier(&ctx.service, t, false)?;
    let s = load_setting(ctx, &name, &q)?;
    Ok(Reply::Json(
        StatusCode::OK,
        answer(&ctx.service, &ctx.arns, &s),
    ))
}

/// `DeleteProvisionedConcurrencyConfig`.
pub(crate) async fn delete(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (name, q) = qualifier(&ctx.service, t, false)?;
    let _guard = ctx.service.writes.lock().await;
    let mut s = load_setting(ctx, &name, &q)?;
    per_qualifier::delete::<Setting>(&ctx.service.store, &ctx.arns.region, &name, &q)?;
    s.requested = 0;
    let _ = apply(&ctx.service, &s);
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `ListProvisionedConcurrencyConfigs`.
pub(crate) async fn list(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = names::parse_function(raw, &ctx.service.config.account_id)?;
    load(&ctx.service, &ctx.arns, &r.name)?;
    let items: Vec<serde_json::Value> = per_qualifier::list::<Setting>(
        &ctx.service.store,
        &ctx.arns.region,
        &r.name,
        None,
        usize::MAX,
    )?
    .iter()
    .map(|(_, s)| answer(&ctx.service, &ctx.arns, s))
    .collect();
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"ProvisionedConcurrencyConfigs": items}),
    ))
}

/// In a cluster, once a second: the stored settings of functions this host is home to are applied here, and
/// the ones it applied that are gone or belong to another host now are dropped.
pub(crate) async fn reconcile(service: Arc<Service>) {
    // (region, function, qualifier) → the setting applied here, and its version.
    let mut applied: std::collections::HashMap<(String, String, String), (Setting, String)> =
        std::collections::HashMap::new();
    let me = service.engine_host().to_owned();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        let rows = match per_qualifier::all::<Setting>(&service.store) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("cluster: cannot read provisioned concurrency settings: {e}");
                continue;
            }
        };
        let mut wanted = std::collections::HashMap::new();
        for (_, s) in rows.into_iter().filter_map(|(k, s)| s.ok().map(|s| (k, s))) {
            if invoke::home(&service, &s.region, &s.function).as_deref() == Some(me.as_str()) {
                wanted.insert(
                    (s.region.clone(), s.function.clone(), s.qualifier.clone()),
                    s,
                );
            }
        }
        let gone: Vec<_> = applied
            .keys()
            .filter(|k| !wanted.contains_key(*k))
            .cloned()
            .collect();
        for k in gone {
            if let Some((mut s, _)) = applied.remove(&k) {
                s.requested = 0;
                let _ = apply_here(&service, &s);
            }
        }
        for (k, s) in wanted {
            let arns = Arns {
                region: s.region.clone(),
                account: s.account.clone(),
            };
            let resolved = resolve(&service, &arns, &s.function, Some(&s.qualifier));
            let same = applied.get(&k).is_some_and(|(a, v)| {
                a.requested == s.requested
                    && resolved
                        .as_ref()
                        .is_ok_and(|r| r.version.config.version == *v)
            });
            if same {
                continue;
            }
            if let Ok(res) = &resolved {
                let _ =
                    invoke::ensure_runtime(&service, res.version.config.runtime.as_deref()).await;
            }
            if let Some((mut old, _)) = applied.remove(&k) {
                // A new version or count: the old environments go first.
                old.requested = 0;
                let _ = apply_here(&service, &old);
            }
            match apply_here(&service, &s) {
                Ok(version) => {
                    tracing::info!(
                        "cluster: provisioned concurrency {}:{} ({}) now on this host",
                        s.function,
                        s.qualifier,
                        s.requested
                    );
                    applied.insert(k, (s, version));
                }
                Err(e) => tracing::warn!(
                    "provisioned concurrency {}:{}: {}",
                    s.function,
                    s.qualifier,
                    e.message
                ),
            }
        }
    }
}

/// Applies every stored setting (at startup).
pub(crate) fn restore(service: &Arc<Service>) {
    if service.cluster.is_some() {
        tokio::spawn(reconcile(service.clone()));
        return;
    }
    let rows = match per_qualifier::all::<Setting>(&service.store) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("cannot read provisioned concurrency settings: {e}");
            return;
        }
    };
    // In a task: a managed runtime missing from the data directory is built first.
    let service = service.clone();
    tokio::spawn(async move {
        for (k, setting) in rows {
            match setting {
                Ok(s) => {
                    let arns = Arns {
                        region: s.region.clone(),
                        account: s.account.clone(),
                    };
                    if let Ok(res) = resolve(&service, &arns, &s.function, Some(&s.qualifier)) {
                        let runtime = res.version.config.runtime.as_deref();
                        let _ = invoke::ensure_runtime(&service, runtime).await;
                    }
                    if let Err(e) = apply(&service, &s) {
                        tracing::warn!("provisioned concurrency {k}: {}", e.message);
                    }
                }
                Err(e) => tracing::warn!("provisioned concurrency {k}: {e}"),
            }
        }
    });
}
