//! Layer version permissions: `AddLayerVersionPermission`, `GetLayerVersionPolicy`,
//! `RemoveLayerVersionPermission`, and the policy applied: a caller of another account (an access key
//! configured `AKID:SECRET:ACCOUNT`) reads a layer version only when a statement grants its account or `*`.
//!
//! lambkin serves one account. A caller of another account may read that account's layer versions shared
//! with it (`GetLayerVersion`, `GetLayerVersionByArn`) and nothing else: it has no functions or layers of its
//! own here, so every other operation is refused (`refuse_foreign`).

use http::StatusCode;
use lambkin_store::{Expect, StoreError};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::LayerRecord;
use crate::names;
use crate::operation::{Body, LayerPermissionInput};
use crate::records::{self, settings};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::shapes::LayerPolicy;

use super::common::{new_revision, required};

/// The one action a layer version policy grants.
const GET_LAYER_VERSION: &str = "lambda:GetLayerVersion";

fn precondition() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id",
    )
}

fn pattern_error(value: &str, member: &str, pattern: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
    ))
}

/// The layer version a request names: its name and number, after checking it exists (Lambda's 404 names the
/// layer version ARN).
fn layer_version(ctx: &Ctx, raw: &str, v: &str) -> ApiResult<(String, u64)> {
    let name = names::layer_name(raw, &ctx.service.config.account_id)?;
    let version: u64 = v.parse().map_err(|_| {
        ApiError::validation(format!(
            "1 validation error detected: Value '{v}' at 'versionNumber' failed to satisfy constraint: Member must be a number"
        ))
    })?;
    let store = &ctx.service.store;
    if records::numbered::<LayerRecord>(store, &ctx.arns.region, &name, version)?.is_none() {
        return Err(ApiError::not_found(format!(
            "Layer version {} does not exist.",
            ctx.arns.layer_version(&name, version)
        )));
    }
    Ok((name, version))
}

fn valid_principal(p: &str) -> bool {
    let digits12 = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    p == "*"
        || digits12(p)
        || p.strip_prefix("arn:")
            .and_then(|r| r.split_once(":iam::"))
            .is_some_and(|(partition, rest)| {
                partition.starts_with("aws") && rest.strip_suffix(":root").is_some_and(digits12)
            })
}

fn valid_org(o: &str) -> bool {
    o.strip_prefix("o-").is_some_and(|r| {
        (10..=32).contains(&r.len())
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// `AddLayerVersionPermission`.
pub(crate) async fn add(
    ctx: &Ctx,
    raw: &str,
    v: &str,
    revision_id: Option<&str>,
    input: Body<LayerPermissionInput>,
) -> ApiResult<Reply> {
    let input = input?;
    let sid = required(&input.statement_id, "statementId")?.to_owned();
    let action = required(&input.action, "action")?.to_owned();
    let principal = required(&input.principal, "principal")?.to_owned();
    if sid.is_empty()
        || sid.len() > 100
        || !sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(pattern_error(&sid, "statementId", "([a-zA-Z0-9-_]+)"));
    }
    if action != GET_LAYER_VERSION {
        return Err(pattern_error(&action, "action", GET_LAYER_VERSION));
    }
    if !valid_principal(&principal) {
        return Err(pattern_error(
            &principal,
            "principal",
            "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root",
        ));
    }
    if let Some(o) = input.organization_id.as_deref().filter(|o| !valid_org(o)) {
        return Err(pattern_error(o, "organizationId", "o-[a-z0-9]{10,32}"));
    }
    let (name, version) = layer_version(ctx, raw, v)?;
    let region = &ctx.arns.region;
    let store = &ctx.service.store;
    let _guard = ctx.service.writes.lock().await;
    let (mut policy, expect) = match settings::layer_policy(store, region, &name, version)? {
        Some((p, rev)) => (p, Expect::Revision(rev)),
        None => (LayerPolicy::default(), Expect::Absent),
    };
    if policy.statements.iter().any(|s| s["Sid"] == sid.as_str()) {
        return Err(ApiError::conflict(format!(
            "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
        )));
    }
    if revision_id.is_some_and(|r| r != policy.revision_id) {
        return Err(precondition());
    }
    let principal_json = if principal == "*" {
        json!("*")
    } else if principal.starts_with("arn:") {
        json!({ "AWS": principal })
    } else {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    };
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_json,
        "Action": action,
        "Resource": ctx.arns.layer_version(&name, version),
    });
    if let Some(o) = input.organization_id {
        statement["Condition"] = json!({"StringEquals": {"aws:PrincipalOrgID": o}});
    }
    policy.statements.push(statement.clone());
    policy.revision_id = new_revision();
    write(ctx, &name, version, &policy, expect)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"Statement": statement.to_string(), "RevisionId": policy.revision_id}),
    ))
}

fn write(
    ctx: &Ctx,
    name: &str,
    version: u64,
    policy: &LayerPolicy,
    expect: Expect,
) -> ApiResult<()> {
    let store = &ctx.service.store;
    settings::put_layer_policy(store, &ctx.arns.region, name, version, policy, expect).map_err(
        |e| match e {
            StoreError::Conflict { .. } => precondition(),
            e => e.into(),
        },
    )
}

fn no_policy() -> ApiError {
    ApiError::not_found("No policy is associated with the given resource.")
}

/// `GetLayerVersionPolicy`.
pub(crate) async fn get(ctx: &Ctx, raw: &str, v: &str) -> ApiResult<Reply> {
    let (name, version) = layer_version(ctx, raw, v)?;
    let (policy, _) = settings::layer_policy(&ctx.service.store, &ctx.arns.region, &name, version)?
        .filter(|(p, _)| !p.statements.is_empty())
        .ok_or_else(no_policy)?;
    let doc = json!({"Version": "2012-10-17", "Id": "default", "Statement": policy.statements});
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Policy": doc.to_string(), "RevisionId": policy.revision_id}),
    ))
}

/// `RemoveLayerVersionPermission`.
pub(crate) async fn remove(
    ctx: &Ctx,
    raw: &str,
    v: &str,
    sid: &str,
    revision_id: Option<&str>,
) -> ApiResult<Reply> {
    let (name, version) = layer_version(ctx, raw, v)?;
    let _guard = ctx.service.writes.lock().await;
    let missing =
        || ApiError::not_found(format!("Statement {sid} is not found in resource policy."));
    let (mut policy, rev) =
        settings::layer_policy(&ctx.service.store, &ctx.arns.region, &name, version)?
            .ok_or_else(missing)?;
    if revision_id.is_some_and(|r| r != policy.revision_id) {
        return Err(precondition());
    }
    let before = policy.statements.len();
    policy.statements.retain(|s| s["Sid"] != sid);
    if policy.statements.len() == before {
        return Err(missing());
    }
    policy.revision_id = new_revision();
    write(ctx, &name, version, &policy, Expect::Revision(rev))?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// Whether a statement grants `account` `lambda:GetLayerVersion`. A statement limited to an organization
/// grants nobody here: lambkin knows no organizations.
fn grants(statement: &serde_json::Value, account: &str) -> bool {
    let principal = &statement["Principal"];
    let who = principal == "*"
        || principal["AWS"] == "*"
        || principal["AWS"] == format!("arn:aws:iam::{account}:root").as_str();
    statement["Effect"] == "Allow"
        && statement["Action"] == GET_LAYER_VERSION
        && who
        && statement.get("Condition").is_none()
}

fn denied(caller: &str, action: &str, resource: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "AccessDeniedException",
        format!(
            "User: arn:aws:iam::{caller}:root is not authorized to perform: lambda:{action} on resource: {resource} because no resource-based policy allows the lambda:{action} action"
        ),
    )
}

/// A read of layer version `name:version` of `region` by the caller: the served account reads its own; a
/// caller of another account reads it only by ARN (a bare name is a layer of its own account, which has none
/// here) and only when the version's policy grants it.
pub(super) fn check_read(
    ctx: &Ctx,
    region: &str,
    by_arn: bool,
    name: &str,
    version: u64,
) -> ApiResult<()> {
    if ctx.caller == ctx.arns.account {
        return Ok(());
    }
    let resource = format!(
        "arn:aws:lambda:{region}:{}:layer:{name}:{version}",
        ctx.arns.account
    );
    if !by_arn {
        return Err(ApiError::not_found(format!(
            "The resource you requested does not exist. (arn:aws:lambda:{region}:{}:layer:{name}:{version})",
            ctx.caller
        )));
    }
    let granted = settings::layer_policy(&ctx.service.store, region, name, version)?
        .is_some_and(|(p, _)| p.statements.iter().any(|s| grants(s, &ctx.caller)));
    if granted {
        Ok(())
    } else {
        Err(denied(&ctx.caller, "GetLayerVersion", &resource))
    }
}

/// The answer to a caller of another account for anything but reading a shared layer version.
pub(super) fn refuse_foreign(ctx: &Ctx) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "AccessDeniedException",
        format!(
            "User: arn:aws:iam::{}:root is not authorized to perform this operation: lambkin serves account {} only; \
             a caller of another account may only read the layer versions shared with it (GetLayerVersion, GetLayerVersionByArn)",
            ctx.caller, ctx.arns.account
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_and_grants() {
        assert!(valid_principal("*"));
        assert!(valid_principal("210987654321"));
        assert!(valid_principal("arn:aws:iam::210987654321:root"));
        assert!(!valid_principal("arn:aws:iam::210987654321:user/x"));
        assert!(!valid_principal("2109"));
        assert!(valid_org("o-abcdefghij"));
        assert!(!valid_org("o-ABC"));
        let s = json!({"Effect": "Allow", "Action": GET_LAYER_VERSION,
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"}});
        assert!(grants(&s, "210987654321"));
        assert!(!grants(&s, "111111111111"));
        let all = json!({"Effect": "Allow", "Action": GET_LAYER_VERSION, "Principal": "*"});
        assert!(grants(&all, "111111111111"));
        let org = json!({"Effect": "Allow", "Action": GET_LAYER_VERSION, "Principal": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}});
        assert!(!grants(&org, "111111111111"));
    }
}
