//! Resource-based policies by ARN (API 2026-07-09): `PutResourcePolicy`, `GetResourcePolicy`,
//! `DeleteResourcePolicy`, on a function, version or alias. It is the policy `AddPermission` adds to: a put
//! replaces the resource's statements (those whose `Resource` is its ARN), `GetPolicy` shows them. Stored and
//! answered; lambkin does not evaluate function policies (any caller of the served account may invoke).

use http::StatusCode;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::names;
use crate::operation::{Body, ResourcePolicyInput};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::{load, resolve};

use super::common::{check_revision, new_revision, required, save};

/// Longest policy document.
const MAX_POLICY: usize = 20_480;

/// The function and the ARN of the resource a `ResourceArn` names (a function, version or alias that
/// exists).
fn resource(ctx: &Ctx, arn: &str) -> ApiResult<(String, String)> {
    if arn.contains(":runtime/") {
        return Err(ApiError::invalid(format!(
            "lambkin keeps resource policies of functions, versions and aliases only: {arn} is a runtime, which lambkin does not have."
        )));
    }
    if !arn.starts_with("arn:") {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{arn}' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_])+)?|runtime/[a-zA-Z0-9-_./]+)"
        )));
    }
    let r = names::parse_function(arn, &ctx.service.config.account_id)?;
    resolve(&ctx.service, &ctx.arns, &r.name, r.qualifier.as_deref())?;
    let resource = match &r.qualifier {
        Some(q) => ctx.arns.qualified(&r.name, q),
        None => ctx.arns.function(&r.name),
    };
    Ok((r.name, resource))
}

fn no_policy() -> ApiError {
    ApiError::not_found("No policy is associated with the given resource.")
}

/// Whether a statement grants the world: any principal, no condition.
fn public(statement: &Value) -> bool {
    let p = &statement["Principal"];
    let anyone = p == "*"
        || p["AWS"] == "*"
        || p["AWS"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "*"));
    statement["Effect"] == "Allow" && anyone && statement.get("Condition").is_none()
}

/// The statements of a policy document, each about `resource` (given so, or filled in).
fn statements(policy: &str, resource: &str) -> ApiResult<Vec<Value>> {
    if policy.len() > MAX_POLICY {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "PolicyLengthExceededException",
            format!("The policy is {} bytes long; the most a resource policy may be is {MAX_POLICY} bytes.", policy.len()),
        ));
    }
    let doc: Value = serde_json::from_str(policy)
        .map_err(|e| ApiError::invalid(format!("The policy is not a valid JSON document: {e}")))?;
    let list = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        s @ Value::Object(_) => vec![s.clone()],
        _ => return Err(ApiError::invalid(
            "The policy must be a JSON object with a Statement (one statement or a list of them).",
        )),
    };
    let mut out = Vec::new();
    for mut s in list {
        let Some(obj) = s.as_object_mut() else {
            return Err(ApiError::invalid(
                "Every statement of the policy must be a JSON object.",
            ));
        };
        match obj.get("Resource") {
            None => {
                obj.insert("Resource".into(), json!(resource));
            }
            Some(r) if r == resource => {}
            Some(r) => {
                return Err(ApiError::invalid(format!(
                    "A statement's Resource ({r}) must be the resource the policy is put on, {resource}."
                )))
            }
        }
        if public(&s) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "PublicPolicyException",
                "The resource-based policy you tried to add to the Lambda resource would grant public access to it, which isn't allowed.",
            ));
        }
        out.push(s);
    }
    Ok(out)
}

fn document(statements: &[&Value]) -> String {
    json!({"Version": "2012-10-17", "Id": "default", "Statement": statements}).to_string()
}

/// `PutResourcePolicy`: replaces the resource's statements.
pub(crate) async fn put(
    ctx: &Ctx,
    arn: &str,
    input: Body<ResourcePolicyInput>,
) -> ApiResult<Reply> {
    let input = input?;
    let policy = required(&input.policy, "policy")?.to_owned();
    let (name, resource) = resource(ctx, arn)?;
    let new = statements(&policy, &resource)?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, &ctx.arns, &name)?;
    check_revision(input.revision_id.as_deref(), &record.policy_revision)?;
    record
        .policy
        .retain(|s| s["Resource"].as_str() != Some(resource.as_str()));
    record.policy.extend(new.iter().cloned());
    record.policy_revision = new_revision();
    save(&ctx.service, &ctx.arns, &record, rev)?;
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Policy": document(&new.iter().collect::<Vec<_>>()), "RevisionId": record.policy_revision}),
    ))
}

/// `GetResourcePolicy`.
pub(crate) async fn get(ctx: &Ctx, arn: &str) -> ApiResult<Reply> {
    let (name, resource) = resource(ctx, arn)?;
    let (record, _) = load(&ctx.service, &ctx.arns, &name)?;
    let mine: Vec<&Value> = record
        .policy
        .iter()
        .filter(|s| s["Resource"].as_str() == Some(resource.as_str()))
        .collect();
    if mine.is_empty() {
        return Err(no_policy());
    }
    Ok(Reply::Json(
        StatusCode::OK,
        json!({"Policy": document(&mine), "RevisionId": record.policy_revision}),
    ))
}

/// `DeleteResourcePolicy`.
pub(crate) async fn delete(ctx: &Ctx, arn: &str, revision_id: Option<&str>) -> ApiResult<Reply> {
    let (name, resource) = resource(ctx, arn)?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, &ctx.arns, &name)?;
    check_revision(revision_id, &record.policy_revision)?;
    let before = record.policy.len();
    record
        .policy
        .retain(|s| s["Resource"].as_str() != Some(resource.as_str()));
    if record.policy.len() == before {
        return Err(no_policy());
    }
    record.policy_revision = new_revision();
    save(&ctx.service, &ctx.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_about_the_resource() {
        let r = "arn:aws:lambda:us-east-1:123456789012:function:f";
        let s = statements(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:InvokeFunction"}}"#,
            r,
        )
        .expect("valid");
        assert_eq!(s[0]["Resource"], r);
        let public = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction"}]}"#;
        assert_eq!(
            statements(public, r).expect_err("public").error_type,
            "PublicPolicyException"
        );
        let other = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:g"}]}"#;
        assert!(statements(other, r).is_err());
        assert!(statements("nope", r).is_err());
    }
}
