//! The resource policy: `AddPermission` (stored and returned; lambkin does not evaluate resource policies),
//! `GetPolicy`, `RemovePermission`. Each qualifier has its own policy, as Lambda keeps them: the function's
//! (unqualified), a version's, an alias's — the statements whose `Resource` is that ARN, with their own
//! `RevisionId`. Lambda's texts are those of LocalStack's AWS-validated snapshots (test_permission_exceptions,
//! test_remove_multi_permissions, test_lambda_permission_fn_versioning, test_add_lambda_permission_fields).

use http::StatusCode;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::model::FunctionRecord;
use crate::names::{Arns, FunctionRef};
use crate::operation::{PermissionInput, Qualified};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::resolve;
use crate::service::Service;

use super::common::{new_revision, parse_qualified, required, save};

fn not_there() -> ApiError {
    ApiError::not_found("The resource you requested does not exist.")
}

fn stale() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
    )
}

/// The ARN a qualifier's policy is about (`$LATEST` is the function's).
fn resource(arns: &Arns, name: &str, q: Option<&str>) -> String {
    match q.filter(|q| *q != "$LATEST") {
        Some(q) => arns.qualified(name, q),
        None => arns.function(name),
    }
}

/// The function, and its version or alias, which must exist: a missing alias is Lambda's "Cannot find alias
/// arn: …", a missing version (or a qualifier no alias can be named) "Function not found: …:Q".
fn target(
    service: &Service,
    arns: &Arns,
    name: &str,
    q: Option<&str>,
) -> ApiResult<(FunctionRecord, u64)> {
    let Some((record, rev)) = crate::records::functions::get(&service.store, &arns.region, name)?
    else {
        return Err(crate::resolve::not_found_fn(arns, name));
    };
    if let Some(q) = q {
        if resolve(service, arns, name, Some(q)).is_err() {
            let is_alias = !q.bytes().all(|b| b.is_ascii_digit()) && !q.contains('$');
            return Err(ApiError::not_found(if is_alias {
                format!("Cannot find alias arn: {}", arns.qualified(name, q))
            } else {
                format!("Function not found: {}", arns.qualified(name, q))
            }));
        }
    }
    Ok((record, rev))
}

fn revision_of(record: &FunctionRecord, q: Option<&str>) -> Option<String> {
    match q.filter(|q| *q != "$LATEST") {
        Some(q) => record.qualifier_policy_revisions.get(q).cloned(),
        None => Some(record.policy_revision.clone()),
    }
}

fn set_revision(record: &mut FunctionRecord, q: Option<&str>) -> String {
    let new = new_revision();
    match q.filter(|q| *q != "$LATEST") {
        Some(q) => {
            record
                .qualifier_policy_revisions
                .insert(q.to_owned(), new.clone());
        }
        None => record.policy_revision = new.clone(),
    }
    new
}

/// A principal as Lambda accepts it: `*`, an account id, an ARN, or a service principal.
fn principal_json(principal: &str) -> ApiResult<Value> {
    let service = [".amazonaws.com", ".amazon.com", ".amazonaws.com.cn"]
        .iter()
        .any(|s| principal.ends_with(s));
    if principal == "*" {
        Ok(json!("*"))
    } else if service {
        Ok(json!({"Service": principal}))
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        Ok(json!({"AWS": format!("arn:aws:iam::{principal}:root")}))
    } else if principal.starts_with("arn:") {
        Ok(json!({"AWS": principal}))
    } else {
        Err(ApiError::invalid(
            "The provided principal was invalid. Please check the principal and try again.",
        ))
    }
}

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
    if q.as_deref() == Some("$LATEST") {
        return Err(ApiError::invalid(
            "We currently do not support adding policies for $LATEST.",
        ));
    }
    let arns = &ctx.arns;
    let q = q.as_deref();
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = target(&ctx.service, arns, &r.name, q)?;
    let principal_json = principal_json(&principal)?;
    if let Some(given) = input.revision_id.as_deref() {
        if revision_of(&record, q).as_deref() != Some(given) {
            return Err(stale());
        }
    }
    let resource = resource(arns, &r.name, q);
    if record
        .policy
        .iter()
        .any(|s| s["Sid"] == sid.as_str() && s["Resource"] == resource.as_str())
    {
        return Err(ApiError::conflict(format!(
            "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
        )));
    }
    let mut condition = serde_json::Map::new();
    let mut eq = serde_json::Map::new();
    if let Some(a) = input.source_account {
        eq.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(u) = input.function_url_auth_type {
        eq.insert("lambda:FunctionUrlAuthType".into(), json!(u));
    }
    if let Some(o) = input.principal_org_id {
        eq.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(t) = input.event_source_token {
        eq.insert("lambda:EventSourceToken".into(), json!(t));
    }
    if !eq.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(eq));
    }
    if let Some(a) = input.source_arn {
        condition.insert("ArnLike".into(), json!({"AWS:SourceArn": a}));
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
        statement["Condition"] = Value::Object(condition);
    }
    record.policy.push(statement.clone());
    set_revision(&mut record, q);
    save(&ctx.service, arns, &record, rev)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        json!({"Statement": statement.to_string()}),
    ))
}

/// `GetPolicy`: the qualifier's own statements; a function, version or policy that does not exist is
/// "The resource you requested does not exist.".
pub(crate) async fn get_policy(ctx: &Ctx, t: &Qualified) -> ApiResult<Reply> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    let q = q.as_deref();
    let (record, _) = target(&ctx.service, &ctx.arns, &r.name, q).map_err(|e| match e.status {
        StatusCode::NOT_FOUND => not_there(),
        _ => e,
    })?;
    let resource = resource(&ctx.arns, &r.name, q);
    let mine: Vec<&Value> = record
        .policy
        .iter()
        .filter(|s| s["Resource"] == resource.as_str())
        .collect();
    let Some(revision) = revision_of(&record, q).filter(|_| !mine.is_empty()) else {
        return Err(not_there());
    };
    let policy = json!({"Version": "2012-10-17", "Id": "default", "Statement": mine});
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Policy": policy.to_string(), "RevisionId": revision}),
    ))
}

/// `RemovePermission`.
pub(crate) async fn remove_permission(
    ctx: &Ctx,
    t: &Qualified,
    sid: &str,
    revision_id: Option<&str>,
) -> ApiResult<Reply> {
    let (r, q) = parse_qualified(&ctx.service, t)?;
    let q = q.as_deref();
    let arns = &ctx.arns;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = match target(&ctx.service, arns, &r.name, q) {
        Err(e)
            if e.error_type == "ResourceNotFoundException"
                && e.message.starts_with("Function not found") =>
        {
            return Err(ApiError::not_found(format!(
                "No policy found for: {}",
                resource(arns, &r.name, q)
            )))
        }
        other => other?,
    };
    let resource = resource(arns, &r.name, q);
    if !record
        .policy
        .iter()
        .any(|s| s["Resource"] == resource.as_str())
    {
        return Err(ApiError::not_found(
            "No policy is associated with the given resource.",
        ));
    }
    if let Some(given) = revision_id {
        if revision_of(&record, q).as_deref() != Some(given) {
            return Err(stale());
        }
    }
    let before = record.policy.len();
    record
        .policy
        .retain(|s| !(s["Sid"] == sid && s["Resource"] == resource.as_str()));
    if record.policy.len() == before {
        return Err(ApiError::not_found(format!(
            "Statement {sid} is not found in resource policy."
        )));
    }
    set_revision(&mut record, q);
    save(&ctx.service, arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
