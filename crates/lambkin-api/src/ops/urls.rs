//! Function URL configurations: `CreateFunctionUrlConfig`, `GetFunctionUrlConfig`,
//! `UpdateFunctionUrlConfig`, `DeleteFunctionUrlConfig`, `ListFunctionUrlConfigs` (the URLs themselves are
//! served by `urlserve.rs`).

use http::StatusCode;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::model::UrlConfig;
use crate::names::{self, Arns};
use crate::operation::{Body, Qualified, UrlConfigInput};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};
use crate::{records, time_fmt};

use super::common::parse_qualified;

fn port_of(ctx: &Ctx) -> String {
    ctx.base_url
        .rsplit_once(':')
        .map(|(_, p)| p.to_owned())
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| "80".into())
}

fn answer(c: &UrlConfig, ctx: &Ctx, with_modified: bool) -> Value {
    let arns = Arns {
        region: c.region.clone(),
        account: c.account.clone(),
    };
    let mut v = json!({
        "FunctionUrl": format!("http://{}.lambda-url.{}.localhost:{}/", c.id, c.region, port_of(ctx)),
        "FunctionArn": match &c.qualifier {
            Some(q) => arns.qualified(&c.function, q),
            None => arns.function(&c.function),
        },
        "AuthType": c.auth_type,
        "CreationTime": c.creation_time,
        "InvokeMode": c.invoke_mode,
    });
    if let Some(cors) = &c.cors {
        v["Cors"] = serde_json::to_value(cors).unwrap_or_default();
    }
    if with_modified {
        v["LastModifiedTime"] = json!(c.last_modified_time);
    }
    v
}

/// Create and Update answer `InvokeMode` only when the request gave one; Get and List always do (LocalStack
/// snapshot test_url_config_lifecycle).
fn without_default_mode(mut v: Value, given: bool) -> Value {
    if !given {
        if let Some(o) = v.as_object_mut() {
            o.remove("InvokeMode");
        }
    }
    v
}

/// The function and alias a request names. A function or alias that does not exist is Lambda's 404 "Function
/// does not exist" for Create and Update (`writes`), "The resource you requested does not exist." for Get and
/// Delete (LocalStack snapshot test_url_config_exceptions).
fn target(ctx: &Ctx, t: &Qualified, writes: bool) -> ApiResult<(String, Option<String>)> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    if let Some(q) = &q {
        if q.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid(
                "Function URLs are supported for $LATEST and aliases, not for published versions.",
            ));
        }
    }
    resolve(&ctx.service, &ctx.arns, &r.name, q.as_deref()).map_err(|e| match e.status {
        StatusCode::NOT_FOUND if writes => ApiError::not_found("Function does not exist"),
        StatusCode::NOT_FOUND => not_found(),
        _ => e,
    })?;
    Ok((r.name, q.filter(|q| q != "$LATEST")))
}

fn not_found() -> ApiError {
    ApiError::not_found("The resource you requested does not exist.")
}

/// The stored configuration of a target.
fn stored(ctx: &Ctx, name: &str, q: Option<&str>) -> ApiResult<(UrlConfig, u64)> {
    records::urls::get(&ctx.service.store, &ctx.arns.region, name, q)?.ok_or_else(not_found)
}

/// `CreateFunctionUrlConfig` (`create`) and `UpdateFunctionUrlConfig`: the same target and checks, then a new
/// configuration or the stored one changed.
pub(crate) async fn put(
    ctx: &Ctx,
    t: &Qualified,
    input: Body<UrlConfigInput>,
    create: bool,
) -> ApiResult<Reply> {
    let _guard = ctx.service.writes.lock().await;
    let (name, q) = target(ctx, t, true)?;
    let input = input?;
    if create {
        create_config(ctx, name, q, input)
    } else {
        update_config(ctx, &name, q.as_deref(), input)
    }
}

fn create_config(
    ctx: &Ctx,
    name: String,
    q: Option<String>,
    input: UrlConfigInput,
) -> ApiResult<Reply> {
    let Some(auth) = input.auth_type.clone() else {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null",
        ));
    };
    let now = time_fmt::iso_now();
    let mode_given = input.invoke_mode.is_some();
    let c = UrlConfig {
        id: uuid::Uuid::new_v4().simple().to_string(),
        region: ctx.arns.region.clone(),
        account: ctx.arns.account.clone(),
        function: name.clone(),
        qualifier: q,
        auth_type: auth,
        invoke_mode: input.invoke_mode.unwrap_or_else(|| "BUFFERED".into()),
        cors: input.cors,
        creation_time: now.clone(),
        last_modified_time: now,
    };
    match records::urls::create(&ctx.service.store, &c) {
        Ok(()) => Ok(Reply::Json(
            StatusCode::CREATED,
            without_default_mode(answer(&c, ctx, false), mode_given),
        )),
        Err(lambkin_store::StoreError::Conflict { .. }) => Err(ApiError::conflict(format!(
            "Failed to create function url config for [functionArn = {}]. Error message:  FunctionUrlConfig exists for this Lambda function",
            ctx.arns.function(&name)
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `GetFunctionUrlConfig`.
pub(crate) async fn get(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (name, q) = target(ctx, t, false)?;
    let (c, _) = stored(ctx, &name, q.as_deref())?;
    Ok(Reply::Json(StatusCode::OK, answer(&c, ctx, true)))
}

fn update_config(
    ctx: &Ctx,
    name: &str,
    q: Option<&str>,
    input: UrlConfigInput,
) -> ApiResult<Reply> {
    let (mut c, rev) = stored(ctx, name, q)?;
    let mode_given = input.invoke_mode.is_some();
    if let Some(a) = input.auth_type {
        c.auth_type = a;
    }
    if let Some(m) = input.invoke_mode {
        c.invoke_mode = m;
    }
    if let Some(cors) = input.cors {
        c.cors = Some(cors);
    }
    c.last_modified_time = time_fmt::iso_now();
    records::urls::update(&ctx.service.store, &c, rev)?;
    Ok(Reply::Json(
        StatusCode::OK,
        without_default_mode(answer(&c, ctx, true), mode_given),
    ))
}

/// `DeleteFunctionUrlConfig`.
pub(crate) async fn delete(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let _guard = ctx.service.writes.lock().await;
    let (name, q) = target(ctx, t, false)?;
    let (c, _) = stored(ctx, &name, q.as_deref())?;
    records::urls::delete(&ctx.service.store, &c)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `ListFunctionUrlConfigs`.
pub(crate) async fn list(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = names::parse_function(raw, &ctx.service.config.account_id)?;
    load(&ctx.service, &ctx.arns, &r.name)?;
    let items: Vec<Value> =
        records::list::<UrlConfig>(&ctx.service.store, &ctx.arns.region, &r.name)?
            .iter()
            .map(|c| answer(c, ctx, true))
            .collect();
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"FunctionUrlConfigs": items}),
    ))
}
