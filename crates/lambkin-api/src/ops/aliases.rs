//! Aliases: `CreateAlias`, `GetAlias`, `ListAliases`, `UpdateAlias` (weighted routing), `DeleteAlias`.

use http::StatusCode;
use lambkin_store::Expect;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::{AliasConfiguration, RoutingConfig};
use crate::names::{Arns, FunctionRef};
use crate::operation::{AliasInput, Page};
use crate::records::per_qualifier;
use crate::reply::{json_reply, Reply};
use crate::request::Ctx;
use crate::resolve::load;
use crate::service::Service;

use super::common::{check_revision, new_revision, parse_ref, required};
use super::versions::check_version_exists;

fn check_routing(
    service: &Service,
    arns: &Arns,
    name: &str,
    primary: &str,
    rc: &RoutingConfig,
) -> ApiResult<()> {
    if rc.additional_version_weights.len() > 1 {
        return Err(ApiError::invalid(
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
        ));
    }
    for (v, w) in &rc.additional_version_weights {
        if !(0.0..=1.0).contains(w) {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{w}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"
            )));
        }
        if v == primary {
            return Err(ApiError::invalid(format!(
                "Invalid function version {v}. Function version {v} is already included in routing configuration."
            )));
        }
        if v == "$LATEST" || primary == "$LATEST" {
            return Err(ApiError::invalid(
                "$LATEST is not supported for an alias pointing to more than 1 version",
            ));
        }
        check_version_exists(service, arns, name, v)?;
    }
    Ok(())
}

/// `CreateAlias`.
pub(crate) async fn create_alias(ctx: &Ctx, r: FunctionRef, input: AliasInput) -> ApiResult<Reply> {
    let alias = required(&input.name, "name")?.to_owned();
    let version = required(&input.function_version, "functionVersion")?.to_owned();
    let arns = &ctx.arns;
    let _guard = ctx.service.writes.lock().await;
    load(&ctx.service, arns, &r.name)?;
    check_version_exists(&ctx.service, arns, &r.name, &version)?;
    if let Some(rc) = &input.routing_config {
        check_routing(&ctx.service, arns, &r.name, &version, rc)?;
    }
    let config = AliasConfiguration {
        alias_arn: arns.qualified(&r.name, &alias),
        name: alias.clone(),
        function_version: version,
        description: input.description.unwrap_or_default(),
        revision_id: new_revision(),
        routing_config: input.routing_config,
    };
    match per_qualifier::write(
        &ctx.service.store,
        &arns.region,
        &r.name,
        &alias,
        &config,
        Expect::Absent,
    ) {
        Ok(()) => json_reply(StatusCode::CREATED, &config),
        Err(lambkin_store::StoreError::Conflict { .. }) => Err(ApiError::conflict(format!(
            "Alias already exists: {}",
            config.alias_arn
        ))),
        Err(e) => Err(e.into()),
    }
}

fn load_alias(
    service: &Service,
    arns: &Arns,
    name: &str,
    alias: &str,
) -> ApiResult<(AliasConfiguration, u64)> {
    load(service, arns, name)?;
    per_qualifier::read(&service.store, &arns.region, name, alias)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "Cannot find alias arn: {}",
            arns.qualified(name, alias)
        ))
    })
}

/// `GetAlias`.
pub(crate) async fn get_alias(ctx: &Ctx, raw: &str, alias: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let (a, _) = load_alias(&ctx.service, &ctx.arns, &r.name, alias)?;
    json_reply(StatusCode::OK, &a)
}

/// `ListAliases` (optionally only those pointing at `FunctionVersion`).
pub(crate) async fn list_aliases(
    ctx: &Ctx,
    raw: &str,
    page: Page,
    function_version: Option<&str>,
) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let (max, marker) = page?;
    let arns = &ctx.arns;
    load(&ctx.service, arns, &r.name)?;
    let filter = function_version;
    let mut out = Vec::new();
    let mut next = None;
    let after = marker.as_deref();
    for (_, a) in per_qualifier::list::<AliasConfiguration>(
        &ctx.service.store,
        &arns.region,
        &r.name,
        after,
        usize::MAX,
    )? {
        if filter.is_some_and(|f| f != a.function_version) {
            continue;
        }
        if out.len() == max {
            next = out
                .last()
                .and_then(|v: &serde_json::Value| v.get("Name").cloned());
            break;
        }
        out.push(serde_json::to_value(&a).unwrap_or_default());
    }
    let mut body = json!({ "Aliases": out });
    if let Some(n) = next {
        body["NextMarker"] = n;
    }
    Ok(Reply::Json(StatusCode::OK, body))
}

/// `UpdateAlias`.
pub(crate) async fn update_alias(
    ctx: &Ctx,
    r: FunctionRef,
    alias: &str,
    input: AliasInput,
) -> ApiResult<Reply> {
    let arns = &ctx.arns;
    let _guard = ctx.service.writes.lock().await;
    // UpdateAlias names a missing alias its own way (LocalStack snapshot test_non_existent_alias_update).
    let (mut a, rev) = load_alias(&ctx.service, arns, &r.name, alias).map_err(|e| {
        if e.message.starts_with("Cannot find alias arn: ") {
            ApiError::not_found(format!(
                "Alias not found: {}",
                arns.qualified(&r.name, alias)
            ))
        } else {
            e
        }
    })?;
    check_revision(input.revision_id.as_deref(), &a.revision_id)?;
    if let Some(v) = input.function_version {
        check_version_exists(&ctx.service, arns, &r.name, &v)?;
        a.function_version = v;
    }
    if let Some(d) = input.description {
        a.description = d;
    }
    if let Some(rc) = input.routing_config {
        check_routing(&ctx.service, arns, &r.name, &a.function_version, &rc)?;
        a.routing_config = if rc.additional_version_weights.is_empty() {
            None
        } else {
            Some(rc)
        };
    }
    a.revision_id = new_revision();
    per_qualifier::write(
        &ctx.service.store,
        &arns.region,
        &r.name,
        &a.name,
        &a,
        Expect::Revision(rev),
    )?;
    json_reply(StatusCode::OK, &a)
}

/// `DeleteAlias`.
pub(crate) async fn delete_alias(ctx: &Ctx, raw: &str, alias: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let arns = &ctx.arns;
    load(&ctx.service, arns, &r.name)?;
    per_qualifier::delete::<AliasConfiguration>(&ctx.service.store, &arns.region, &r.name, alias)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
