//! Runtime management: `GetRuntimeManagementConfig`, `PutRuntimeManagementConfig` (per version: `Auto`
//! (Lambda's default), `FunctionUpdate`, or `Manual` with the runtime version pinned). Stored and answered;
//! lambkin serves a managed runtime with the host's interpreter of that runtime whatever the mode says.

use http::StatusCode;
use lambkin_store::Expect;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::operation::{Body, Qualified, RuntimeManagementInput};
use crate::records::per_qualifier;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::resolve;
use crate::shapes::RuntimeManagement;

use super::common::{parse_qualified, required};

/// The function and qualifier, which names a version: Lambda refuses aliases here.
fn version_of(ctx: &Ctx, t: &Qualified) -> ApiResult<(String, Option<String>)> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    if let Some(alias) = q
        .as_deref()
        .filter(|q| *q != "$LATEST" && !q.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::invalid(format!(
            "The provided function name {} is invalid. Aliases are not allowed.",
            ctx.arns.qualified(&r.name, alias)
        )));
    }
    Ok((r.name, q))
}

fn answer(
    ctx: &Ctx,
    name: &str,
    qualifier: Option<&str>,
    rm: &RuntimeManagement,
) -> serde_json::Value {
    let arn = match qualifier {
        Some(q) => ctx.arns.qualified(name, q),
        None => ctx.arns.function(name),
    };
    let mut out = json!({"UpdateRuntimeOn": rm.update_runtime_on, "FunctionArn": arn});
    if let Some(v) = &rm.runtime_version_arn {
        out["RuntimeVersionArn"] = json!(v);
    }
    out
}

/// `GetRuntimeManagementConfig` (`Auto` until set).
pub(crate) async fn get(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (name, q) = version_of(ctx, t)?;
    resolve(&ctx.service, &ctx.arns, &name, q.as_deref())?;
    let key = q.as_deref().unwrap_or("$LATEST");
    let rm =
        per_qualifier::get::<RuntimeManagement>(&ctx.service.store, &ctx.arns.region, &name, key)?
            .unwrap_or(RuntimeManagement {
                update_runtime_on: "Auto".into(),
                runtime_version_arn: None,
            });
    Ok(Reply::Json(
        StatusCode::OK,
        answer(ctx, &name, q.as_deref(), &rm),
    ))
}

/// `PutRuntimeManagementConfig`.
pub(crate) async fn put(
    ctx: &Ctx,
    t: &Qualified,
    input: Body<RuntimeManagementInput>,
) -> ApiResult<Reply> {
    let (name, q) = version_of(ctx, t)?;
    let input = input?;
    let mode = required(&input.update_runtime_on, "updateRuntimeOn")?.to_owned();
    match (mode.as_str(), &input.runtime_version_arn) {
        ("Manual", None) => {
            return Err(ApiError::invalid(
                "RuntimeVersionArn is required when UpdateRuntimeOn is Manual.",
            ))
        }
        ("Auto" | "FunctionUpdate", Some(_)) => {
            return Err(ApiError::invalid(format!(
                "RuntimeVersionArn can be given only when UpdateRuntimeOn is Manual, not {mode}."
            )))
        }
        _ => {}
    }
    let _guard = ctx.service.writes.lock().await;
    resolve(&ctx.service, &ctx.arns, &name, q.as_deref())?;
    let rm = RuntimeManagement {
        update_runtime_on: mode,
        runtime_version_arn: input.runtime_version_arn,
    };
    let key = q.as_deref().unwrap_or("$LATEST");
    per_qualifier::write(
        &ctx.service.store,
        &ctx.arns.region,
        &name,
        key,
        &rm,
        Expect::Any,
    )?;
    Ok(Reply::Json(
        StatusCode::OK,
        answer(ctx, &name, q.as_deref(), &rm),
    ))
}
