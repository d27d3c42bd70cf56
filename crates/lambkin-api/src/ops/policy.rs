//! The resource policy: `AddPermission` (stored and returned; lambkin does not evaluate resource policies),
//! `GetPolicy`, `RemovePermission`.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::names::FunctionRef;
use crate::operation::PermissionInput;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};

use super::common::{check_revision, new_revision, parse_ref, required, save};

/// `AddPermission`: stored and returned (lambkin does not evaluate resource policies).
pub(crate) async fn add_permission(
    ctx: &Ctx,
    r: FunctionRef,
    q: Option<String>,
    input: PermissionInput,
) -> ApiResult<Reply> {
    let sid = required(&input.statement_id, "statementId")?.to_owned();
    let action = required(&input.action, "action")?.to_owned();
    let principal = required(&input.principal, "principal")?.to_owned();
    let arns = &ctx.arns;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, arns, &r.name)?;
    if let Some(q) = q.as_deref() {
        resolve(&ctx.service, arns, &r.name, Some(q))?;
    }
    check_revision(input.revision_id.as_deref(), &record.policy_revision)?;
    if record.policy.iter().any(|s| s["Sid"] == sid.as_str()) {
        return Err(ApiError::conflict(
            "The statement id (sid) provided already exists. Please choose a new statement id, or remove the existing statement.",
        ));
    }
    let principal_json = if principal == "*" {
        json!("*")
    } else if principal.ends_with(".amazonaws.com") {
        json!({"Service": principal})
    } else if principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({"AWS": format!("arn:aws:iam::{principal}:root")})
    } else {
        json!({"AWS": principal})
    };
    let resource = match &q {
        Some(q) => arns.qualified(&r.name, q),
        None => arns.function(&r.name),
    };
    let mut condition = serde_json::Map::new();
    if let Some(a) = input.source_arn {
        condition.insert("ArnLike".into(), json!({"AWS:SourceArn": a}));
    }
    let mut eq = serde_json::Map::new();
    if let Some(a) = input.source_account {
        eq.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(t) = input.event_source_token {
        eq.insert("lambda:EventSourceToken".into(), json!(t));
    }
    if let Some(o) = input.principal_org_id {
        eq.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(u) = input.function_url_auth_type {
        eq.insert("lambda:FunctionUrlAuthType".into(), json!(u));
    }
    if !eq.is_empty() {
        condition.insert("StringEquals".into(), serde_json::Value::Object(eq));
    }
    // `InvokedViaFunctionUrl` (the second statement Terraform's `aws_lambda_function_url` and the console add
    // for a public URL): Lambda's `Bool` condition, which Terraform reads back as `invoked_via_function_url`.
    if input.invoked_via_function_url == Some(true) {
        condition.insert(
            "Bool".into(),
            json!({"lambda:InvokedViaFunctionUrl": "true"}),
        );
    }
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_json,
        "Action": action,
        "Resource": resource,
    });
    if !condition.is_empty() {
        statement["Condition"] = serde_json::Value::Object(condition);
    }
    record.policy.push(statement.clone());
    record.policy_revision = new_revision();
    save(&ctx.service, arns, &record, rev)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"Statement": statement.to_string()}),
    ))
}

/// `GetPolicy`.
pub(crate) async fn get_policy(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let (record, _) = load(&ctx.service, &ctx.arns, &r.name)?;
    if record.policy.is_empty() {
        return Err(ApiError::not_found(
            "The resource you requested does not exist.",
        ));
    }
    let policy = json!({"Version": "2012-10-17", "Id": "default", "Statement": record.policy});
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Policy": policy.to_string(), "RevisionId": record.policy_revision}),
    ))
}

/// `RemovePermission`.
pub(crate) async fn remove_permission(
    ctx: &Ctx,
    raw: &str,
    sid: &str,
    revision_id: Option<&str>,
) -> ApiResult<Reply> {
    let r = parse_ref(&ctx.service, raw)?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, &ctx.arns, &r.name)?;
    check_revision(revision_id, &record.policy_revision)?;
    let before = record.policy.len();
    record.policy.retain(|s| s["Sid"] != sid);
    if record.policy.len() == before {
        return Err(ApiError::not_found(format!(
            "Statement {sid} is not found in resource policy."
        )));
    }
    record.policy_revision = new_revision();
    save(&ctx.service, &ctx.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
