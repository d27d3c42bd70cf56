//! Code signing configurations: `Create`/`Get`/`List`/`Update`/`DeleteCodeSigningConfig`,
//! `Put`/`Get`/`DeleteFunctionCodeSigningConfig`, `ListFunctionsByCodeSigningConfig`, and the check at
//! deployment (`CreateFunction`, `UpdateFunctionCode`).
//!
//! lambkin has no AWS Signer: a zip uploaded to it carries no signature a signing profile could have made.
//! So a function whose configuration says `Enforce` refuses every code deployment with Lambda's
//! `CodeVerificationFailedException`, and one that says `Warn` deploys and logs a warning — what Lambda does
//! with unsigned code.

use http::StatusCode;
use lambkin_store::{Expect, StoreError};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::operation::{Body, CodeSigningConfigInput, FunctionCodeSigningInput, Page};
use crate::records::{per_qualifier, settings};
use crate::reply::{json_reply, Reply};
use crate::request::Ctx;
use crate::resolve::load;
use crate::shapes::{CodeSigningConfig, CodeSigningPolicies, FunctionCodeSigning};
use crate::time_fmt;

use super::common::parse_ref;

const ARN_PATTERN: &str = "arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}";

/// The id of a code signing configuration ARN of this account (region as the ARN says).
fn parse_arn(ctx: &Ctx, arn: &str) -> ApiResult<(String, String)> {
    let bad = || {
        ApiError::validation(format!(
            "1 validation error detected: Value '{arn}' at 'codeSigningConfigArn' failed to satisfy constraint: Member must satisfy regular expression pattern: {ARN_PATTERN}"
        ))
    };
    match arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", partition, "lambda", region, account, "code-signing-config", id]
            if partition.starts_with("aws")
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && id.strip_prefix("csc-").is_some_and(|h| {
                    h.len() == 17
                        && h.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                }) =>
        {
            if *account != ctx.arns.account {
                return Err(not_found(arn));
            }
            Ok(((*region).to_owned(), (*id).to_owned()))
        }
        _ => Err(bad()),
    }
}

fn not_found(arn: &str) -> ApiError {
    ApiError::not_found(format!(
        "The Lambda code signing configuration {arn} can not be found."
    ))
}

fn load_csc(ctx: &Ctx, arn: &str) -> ApiResult<(CodeSigningConfig, u64)> {
    let (region, id) = parse_arn(ctx, arn)?;
    settings::code_signing_config(&ctx.service.store, &region, &id)?.ok_or_else(|| not_found(arn))
}

fn policies(input: &CodeSigningConfigInput) -> ApiResult<Option<CodeSigningPolicies>> {
    let Some(p) = &input.code_signing_policies else {
        return Ok(None);
    };
    let v = p
        .untrusted_artifact_on_deployment
        .clone()
        .unwrap_or_else(|| "Warn".into());
    Ok(Some(CodeSigningPolicies {
        untrusted_artifact_on_deployment: v,
    }))
}

/// `CreateCodeSigningConfig`.
pub(crate) async fn create(ctx: &Ctx, input: Body<CodeSigningConfigInput>) -> ApiResult<Reply> {
    let input = input?;
    let Some(publishers) = input.allowed_publishers.clone() else {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'allowedPublishers' failed to satisfy constraint: Member must not be null",
        ));
    };
    let policies = policies(&input)?.unwrap_or_default();
    let hex = uuid::Uuid::new_v4().simple().to_string();
    let id = format!("csc-{}", &hex[..17]);
    let csc = CodeSigningConfig {
        code_signing_config_arn: format!(
            "arn:aws:lambda:{}:{}:code-signing-config:{id}",
            ctx.arns.region, ctx.arns.account
        ),
        code_signing_config_id: id,
        description: input.description.unwrap_or_default(),
        allowed_publishers: publishers,
        code_signing_policies: policies,
        last_modified: time_fmt::now(),
        tags: input.tags.unwrap_or_default(),
    };
    settings::put_code_signing_config(&ctx.service.store, &ctx.arns.region, &csc, Expect::Absent)?;
    json_reply(
        StatusCode::CREATED,
        &json!({ "CodeSigningConfig": answer(&csc) }),
    )
}

/// `GetCodeSigningConfig`.
pub(crate) async fn get(ctx: &Ctx, arn: &str) -> ApiResult<Reply> {
    let (csc, _) = load_csc(ctx, arn)?;
    json_reply(
        StatusCode::OK,
        &json!({ "CodeSigningConfig": answer(&csc) }),
    )
}

/// `UpdateCodeSigningConfig`: the members given change.
pub(crate) async fn update(
    ctx: &Ctx,
    arn: &str,
    input: Body<CodeSigningConfigInput>,
) -> ApiResult<Reply> {
    let (region, _) = parse_arn(ctx, arn)?;
    let input = input?;
    let policies = policies(&input)?;
    let _guard = ctx.service.writes.lock().await;
    let (mut csc, rev) = load_csc(ctx, arn)?;
    if let Some(d) = input.description {
        csc.description = d;
    }
    if let Some(p) = input.allowed_publishers {
        csc.allowed_publishers = p;
    }
    if let Some(p) = policies {
        csc.code_signing_policies = p;
    }
    csc.last_modified = time_fmt::now();
    settings::put_code_signing_config(&ctx.service.store, &region, &csc, Expect::Revision(rev))
        .map_err(|e| conflict(e, arn))?;
    json_reply(
        StatusCode::OK,
        &json!({ "CodeSigningConfig": answer(&csc) }),
    )
}

/// A configuration as Lambda answers it: its tags left out (`ListTags` answers them).
fn answer(csc: &CodeSigningConfig) -> serde_json::Value {
    let mut v = serde_json::to_value(csc).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("Tags");
    }
    v
}

/// The tags of the configuration `arn` (`ListTags` on its ARN; Terraform's read of a code signing
/// configuration lists them).
pub(crate) fn tags(ctx: &Ctx, arn: &str) -> ApiResult<std::collections::BTreeMap<String, String>> {
    Ok(load_csc(ctx, arn)?.0.tags)
}

/// `TagResource` / `UntagResource` on a configuration's ARN: `change` edits its tags.
pub(crate) async fn retag(
    ctx: &Ctx,
    arn: &str,
    change: impl FnOnce(&mut std::collections::BTreeMap<String, String>) -> ApiResult<()>,
) -> ApiResult<()> {
    let (region, _) = parse_arn(ctx, arn)?;
    let _guard = ctx.service.writes.lock().await;
    let (mut csc, rev) = load_csc(ctx, arn)?;
    change(&mut csc.tags)?;
    settings::put_code_signing_config(&ctx.service.store, &region, &csc, Expect::Revision(rev))
        .map_err(|e| conflict(e, arn))
}

fn conflict(e: StoreError, arn: &str) -> ApiError {
    match e {
        StoreError::Conflict { .. } => ApiError::conflict(format!(
            "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
        )),
        e => e.into(),
    }
}

/// The functions (ARNs, name order) bound to the configuration `arn`.
fn functions_using(ctx: &Ctx, arn: &str) -> ApiResult<Vec<String>> {
    let mut names: Vec<String> = settings::code_signing_bindings(&ctx.service.store)?
        .into_iter()
        .filter(|(key, _)| key.starts_with(&format!("{}/", ctx.arns.region)))
        .filter_map(|(_, row)| row.ok())
        .filter(|b| b.code_signing_config_arn == arn)
        .map(|b| b.function_name)
        .collect();
    names.sort();
    Ok(names.iter().map(|n| ctx.arns.function(n)).collect())
}

/// `DeleteCodeSigningConfig`: refused while a function uses it.
pub(crate) async fn delete(ctx: &Ctx, arn: &str) -> ApiResult<Reply> {
    let _guard = ctx.service.writes.lock().await;
    let (csc, rev) = load_csc(ctx, arn)?;
    let users = functions_using(ctx, arn)?;
    if !users.is_empty() {
        return Err(ApiError::conflict(format!(
            "The code signing configuration {arn} cannot be deleted because it is used by the following functions: [{}]. Remove it from them first (DeleteFunctionCodeSigningConfig).",
            users.join(", ")
        )));
    }
    let (region, _) = parse_arn(ctx, arn)?;
    settings::delete_code_signing_config(
        &ctx.service.store,
        &region,
        &csc.code_signing_config_id,
        rev,
    )
    .map_err(|e| conflict(e, arn))?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `ListCodeSigningConfigs`.
pub(crate) async fn list(ctx: &Ctx, page: Page) -> ApiResult<Reply> {
    let (max, marker) = page?;
    let mut rows = settings::code_signing_configs(
        &ctx.service.store,
        &ctx.arns.region,
        marker.as_deref(),
        max + 1,
    )?;
    let more = rows.len() > max;
    rows.truncate(max);
    let mut out = json!({ "CodeSigningConfigs": rows.iter().map(answer).collect::<Vec<_>>() });
    if more {
        if let Some(last) = rows.last() {
            out["NextMarker"] = json!(last.code_signing_config_id);
        }
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// `ListFunctionsByCodeSigningConfig`.
pub(crate) async fn list_functions(ctx: &Ctx, arn: &str, page: Page) -> ApiResult<Reply> {
    let (max, marker) = page?;
    load_csc(ctx, arn)?;
    let all = functions_using(ctx, arn)?;
    let start = marker
        .and_then(|m| all.iter().position(|a| *a == m).map(|i| i + 1))
        .unwrap_or(0);
    let page: Vec<&String> = all.iter().skip(start).take(max).collect();
    let mut out = json!({ "FunctionArns": page });
    if start + max < all.len() {
        if let Some(last) = page.last() {
            out["NextMarker"] = json!(last);
        }
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// `PutFunctionCodeSigningConfig`.
pub(crate) async fn put_function(
    ctx: &Ctx,
    raw: &str,
    input: Body<FunctionCodeSigningInput>,
) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let input = input?;
    let arn = super::common::required(&input.code_signing_config_arn, "codeSigningConfigArn")?;
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "CodeSigningConfigNotFoundException",
            format!("The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."),
        )
    };
    // Under the writes lock: a configuration being deleted is either gone or deleted after this binding (and
    // then refused, being in use).
    let _guard = ctx.service.writes.lock().await;
    let (csc, _) = load_csc(ctx, arn).map_err(|e| {
        if e.error_type == "ResourceNotFoundException" {
            missing()
        } else {
            e
        }
    })?;
    load(&ctx.service, &ctx.arns, &r.name)?;
    let binding = FunctionCodeSigning {
        code_signing_config_arn: csc.code_signing_config_arn,
        function_name: r.name.clone(),
    };
    bind(ctx, &binding)?;
    json_reply(StatusCode::OK, &binding)
}

fn bind(ctx: &Ctx, binding: &FunctionCodeSigning) -> ApiResult<()> {
    per_qualifier::write(
        &ctx.service.store,
        &ctx.arns.region,
        &binding.function_name,
        settings::FUNCTION_WIDE,
        binding,
        Expect::Any,
    )?;
    Ok(())
}

fn binding(ctx: &Ctx, name: &str) -> ApiResult<Option<FunctionCodeSigning>> {
    Ok(per_qualifier::get::<FunctionCodeSigning>(
        &ctx.service.store,
        &ctx.arns.region,
        name,
        settings::FUNCTION_WIDE,
    )?)
}

/// `GetFunctionCodeSigningConfig`: `{}` for a function without one, as Lambda answers.
pub(crate) async fn get_function(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    load(&ctx.service, &ctx.arns, &r.name)?;
    match binding(ctx, &r.name)? {
        Some(b) => json_reply(StatusCode::OK, &b),
        None => Ok(Reply::Json(StatusCode::OK, json!({}))),
    }
}

/// `DeleteFunctionCodeSigningConfig`.
pub(crate) async fn delete_function(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let _guard = ctx.service.writes.lock().await;
    load(&ctx.service, &ctx.arns, &r.name)?;
    per_qualifier::delete::<FunctionCodeSigning>(
        &ctx.service.store,
        &ctx.arns.region,
        &r.name,
        settings::FUNCTION_WIDE,
    )?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// Lambda's answer to code that fails the checks of an `Enforce` configuration.
fn verification_failed(function_arn: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "CodeVerificationFailedException",
        format!(
            "Lambda cannot deploy the function. The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for {function_arn}."
        ),
    )
}

/// The check of a code deployment to function `name` under configuration `csc`: lambkin's zips carry no
/// signature, so `Enforce` refuses and `Warn` logs.
fn check(ctx: &Ctx, name: &str, csc: &CodeSigningConfig) -> ApiResult<()> {
    if csc.code_signing_policies.untrusted_artifact_on_deployment == "Enforce" {
        return Err(verification_failed(&ctx.arns.function(name)));
    }
    tracing::warn!(
        "code signing: the code deployed to {name} carries no signature (lambkin has no AWS Signer); {} says Warn, so it is deployed",
        csc.code_signing_config_arn
    );
    Ok(())
}

/// `CreateFunction`'s `CodeSigningConfigArn`: the configuration (which must exist), after checking the code
/// against it. The caller binds it with [`bind_created`] once the function exists.
pub(crate) fn check_create(ctx: &Ctx, name: &str, arn: Option<&str>) -> ApiResult<Option<String>> {
    let Some(arn) = arn else {
        return Ok(None);
    };
    let (csc, _) = load_csc(ctx, arn).map_err(|e| {
        if e.error_type == "ResourceNotFoundException" {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "CodeSigningConfigNotFoundException",
                format!("The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."),
            )
        } else {
            e
        }
    })?;
    check(ctx, name, &csc)?;
    Ok(Some(csc.code_signing_config_arn))
}

/// Binds a function just created to the configuration [`check_create`] accepted (under the writes lock, as
/// `DeleteCodeSigningConfig` looks for users under it; one deleted meanwhile binds nothing).
pub(crate) async fn bind_created(ctx: &Ctx, name: &str, arn: Option<String>) -> ApiResult<()> {
    let Some(code_signing_config_arn) = arn else {
        return Ok(());
    };
    let _guard = ctx.service.writes.lock().await;
    if let Err(e) = load_csc(ctx, &code_signing_config_arn) {
        tracing::warn!(
            "{name} is not bound to {code_signing_config_arn}: {}",
            e.message
        );
        return Ok(());
    }
    bind(
        ctx,
        &FunctionCodeSigning {
            code_signing_config_arn,
            function_name: name.to_owned(),
        },
    )
}

/// The check of new code (`UpdateFunctionCode`) or layers (`UpdateFunctionConfiguration`) against the
/// function's configuration, if it has one.
pub(crate) fn check_update(ctx: &Ctx, name: &str) -> ApiResult<()> {
    let Some(b) = binding(ctx, name)? else {
        return Ok(());
    };
    match load_csc(ctx, &b.code_signing_config_arn) {
        Ok((csc, _)) => check(ctx, name, &csc),
        // Deleting a configuration in use is refused; one that vanished anyway checks nothing.
        Err(e) if e.error_type == "ResourceNotFoundException" => Ok(()),
        Err(e) => Err(e),
    }
}
