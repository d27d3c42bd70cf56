//! Put/Get/Delete/ListProvisionedConcurrencyConfigs: environments of a published version (or an alias's
//! version) initialised ahead of invokes and kept warm; `IN_PROGRESS` until they are all ready, then `READY`.
//! Settings are stored and applied again when the server starts.

use std::sync::Arc;

use http::StatusCode;
use lambkin_store::{Expect, Op};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::names::{self, Arns};
use crate::request::ApiRequest;
use crate::routes::Reply;
use crate::{functions, time_fmt, Service};

/// Table of settings, keyed `<region>/<function>/<qualifier>`.
pub(crate) const PROVISIONED: &str = "provisioned";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Setting {
    region: String,
    account: String,
    function: String,
    qualifier: String,
    requested: u32,
    last_modified: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Input {
    provisioned_concurrent_executions: Option<i64>,
}

fn key(region: &str, function: &str, qualifier: &str) -> String {
    format!("{region}/{function}/{qualifier}")
}

fn qualifier(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<(String, String)> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    let q = names::merge_qualifier(&r, req.query("Qualifier"))?;
    let Some(q) = q else {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null",
        ));
    };
    if q == "$LATEST" {
        return Err(ApiError::invalid(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        ));
    }
    Ok((r.name, q))
}

/// Resolves the setting to a version and hands it to the engine.
fn apply(service: &Service, s: &Setting) -> ApiResult<String> {
    let arns = Arns {
        region: s.region.clone(),
        account: s.account.clone(),
    };
    let res = functions::resolve(service, &arns, &s.function, Some(&s.qualifier))?;
    let spec = crate::invoke::spec_for(service, &res, &arns)?;
    let version = spec.version.clone();
    service.engine.set_provisioned(&spec, s.requested);
    Ok(version)
}

fn answer(service: &Service, arns: &Arns, s: &Setting) -> serde_json::Value {
    let version = functions::resolve(service, arns, &s.function, Some(&s.qualifier))
        .map(|r| r.version.config.version)
        .unwrap_or_default();
    let (ready, _) = service.engine.provisioned(&s.function, &version);
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
pub async fn put(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let (name, q) = qualifier(service, req, raw)?;
    let input: Input = req.json()?;
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
    let (record, _) = functions::load(service, &req.arns, &name)?;
    if let Some(reserved) = record.reserved_concurrency {
        if n > reserved {
            return Err(ApiError::invalid(format!(
                "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function ({reserved})."
            )));
        }
    }
    let s = Setting {
        region: req.arns.region.clone(),
        account: req.arns.account.clone(),
        function: name.clone(),
        qualifier: q.clone(),
        requested: n,
        last_modified: time_fmt::now(),
    };
    let res = functions::resolve(service, &req.arns, &name, Some(&q))?;
    crate::runtimes::ensure(service, res.version.config.runtime.as_deref()).await?;
    // Written only while the function exists (DeleteFunction removes settings under the same lock).
    let _guard = service.writes.lock().await;
    functions::resolve(service, &req.arns, &name, Some(&q))?;
    service.store.apply(vec![Op::put_json(
        PROVISIONED,
        &key(&s.region, &name, &q),
        &s,
        Expect::Any,
    )?])?;
    apply(service, &s)?;
    let mut out = answer(service, &req.arns, &s);
    out["Status"] = json!("IN_PROGRESS");
    Ok(Reply::Json(StatusCode::ACCEPTED, out))
}

fn load(service: &Service, req: &ApiRequest, name: &str, q: &str) -> ApiResult<Setting> {
    functions::load(service, &req.arns, name)?;
    Ok(service
        .store
        .get(PROVISIONED, &key(&req.arns.region, name, q))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function",
            )
        })?
        .json()?)
}

/// `GetProvisionedConcurrencyConfig`.
pub async fn get(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let (name, q) = qualifier(service, req, raw)?;
    let s = load(service, req, &name, &q)?;
    Ok(Reply::Json(StatusCode::OK, answer(service, &req.arns, &s)))
}

/// `DeleteProvisionedConcurrencyConfig`.
pub async fn delete(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let (name, q) = qualifier(service, req, raw)?;
    let _guard = service.writes.lock().await;
    let mut s = load(service, req, &name, &q)?;
    service.store.apply(vec![Op::Delete {
        table: PROVISIONED.into(),
        key: key(&req.arns.region, &name, &q),
        expect: Expect::Any,
    }])?;
    s.requested = 0;
    let _ = apply(service, &s);
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `ListProvisionedConcurrencyConfigs`.
pub async fn list(service: &Service, req: &ApiRequest, raw: &str) -> ApiResult<Reply> {
    let r = names::parse_function(raw, &service.config.account_id)?;
    functions::load(service, &req.arns, &r.name)?;
    let prefix = format!("{}/{}/", req.arns.region, r.name);
    let mut items = Vec::new();
    for (_, rec) in service.store.list(PROVISIONED, &prefix, None, 10_000)? {
        let s: Setting = rec.json()?;
        items.push(answer(service, &req.arns, &s));
    }
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"ProvisionedConcurrencyConfigs": items}),
    ))
}

/// Applies every stored setting (at startup).
pub fn restore(service: &Arc<Service>) {
    let rows = match service.store.list(PROVISIONED, "", None, 100_000) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("cannot read provisioned concurrency settings: {e}");
            return;
        }
    };
    // In a task: a managed runtime missing from the data directory is built first.
    let service = service.clone();
    tokio::spawn(async move {
        for (k, rec) in rows {
            match rec.json::<Setting>() {
                Ok(s) => {
                    let arns = Arns {
                        region: s.region.clone(),
                        account: s.account.clone(),
                    };
                    if let Ok(res) =
                        functions::resolve(&service, &arns, &s.function, Some(&s.qualifier))
                    {
                        let runtime = res.version.config.runtime.as_deref();
                        let _ = crate::runtimes::ensure(&service, runtime).await;
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
