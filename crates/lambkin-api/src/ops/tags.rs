//! Tags of a function (by its unqualified ARN), of an event source mapping or of a code signing configuration
//! (by its ARN, as Terraform's `aws_lambda_code_signing_config` reads and writes them): `ListTags`, `TagResource`, `UntagResource`.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::operation::{Body, TagInput};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::resolve::load;
use crate::service::Service;

use super::common::{parse_ref, save};
use super::{codesigning, mappings};

pub(crate) use super::common::{too_many, MAX_TAGS};

/// A code signing configuration's ARN (`arn:…:lambda:…:code-signing-config:csc-…`).
fn is_csc(raw: &str) -> bool {
    raw.split(':').nth(5) == Some("code-signing-config")
}

/// An event source mapping's ARN (`arn:…:lambda:…:event-source-mapping:<uuid>`).
fn is_esm(raw: &str) -> bool {
    raw.split(':').nth(5) == Some("event-source-mapping")
}

fn tag_target(service: &Service, raw: &str) -> ApiResult<String> {
    // Capacity providers are taggable, and lambkin has none: Lambda's 404 (LocalStack snapshot
    // test_tag_exceptions[capacity_provider]).
    if raw.split(':').nth(5) == Some("capacity-provider") {
        return Err(ApiError::not_found(format!(
            "Capacity provider not found: {raw}"
        )));
    }
    let r = parse_ref(service, raw)?;
    if !raw.starts_with("arn:") {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{raw}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:(function|code-signing-config|event-source-mapping|capacity-provider):.*"
        )));
    }
    if r.qualifier.is_some() {
        return Err(ApiError::invalid(
            "Tags on function aliases and versions are not supported. Please specify a function ARN.",
        ));
    }
    Ok(r.name)
}

/// `ListTags`.
pub(crate) async fn list_tags(ctx: &Ctx, raw: &str) -> ApiResult<Reply> {
    if is_csc(raw) {
        let tags = codesigning::tags(ctx, raw)?;
        return Ok(Reply::Json(StatusCode::OK, json!({ "Tags": tags })));
    }
    if is_esm(raw) {
        let tags = mappings::retag(ctx, raw, |_| Ok(())).await?;
        return Ok(Reply::Json(StatusCode::OK, json!({ "Tags": tags })));
    }
    let name = tag_target(&ctx.service, raw)?;
    let (record, _) = load(&ctx.service, &ctx.arns, &name)?;
    Ok(Reply::Json(StatusCode::OK, json!({"Tags": record.tags})))
}

/// The tags of a resource.
type Tags = std::collections::BTreeMap<String, String>;

/// An edit that adds `add` (Lambda refuses an empty `Tags`, LocalStack snapshot test_tag_exceptions,
/// tag_empty_tags) within [`MAX_TAGS`].
fn adding(add: Tags) -> ApiResult<impl FnOnce(&mut Tags) -> ApiResult<()>> {
    if add.is_empty() {
        return Err(ApiError::invalid(
            "An error occurred and the request cannot be processed.",
        ));
    }
    Ok(move |tags: &mut Tags| {
        tags.extend(add);
        if tags.len() > MAX_TAGS {
            return Err(too_many());
        }
        Ok(())
    })
}

/// An edit that removes `keys`.
fn removing(keys: &[String]) -> impl FnOnce(&mut Tags) -> ApiResult<()> + '_ {
    move |tags: &mut Tags| {
        for k in keys {
            tags.remove(k);
        }
        Ok(())
    }
}

/// Edits the tags of a code signing configuration or an event source mapping, which `raw` names.
async fn retag_other(
    ctx: &Ctx,
    raw: &str,
    change: impl FnOnce(&mut Tags) -> ApiResult<()>,
) -> ApiResult<()> {
    if is_csc(raw) {
        codesigning::retag(ctx, raw, change).await
    } else {
        mappings::retag(ctx, raw, change).await.map(|_| ())
    }
}

/// `TagResource`.
pub(crate) async fn tag(ctx: &Ctx, raw: &str, input: Body<TagInput>) -> ApiResult<Reply> {
    if is_csc(raw) || is_esm(raw) {
        retag_other(ctx, raw, adding(input?.tags.unwrap_or_default())?).await?;
        return Ok(Reply::Empty(StatusCode::NO_CONTENT));
    }
    let name = tag_target(&ctx.service, raw)?;
    let input = input?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, &ctx.arns, &name)?;
    adding(input.tags.unwrap_or_default())?(&mut record.tags)?;
    save(&ctx.service, &ctx.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `UntagResource`.
pub(crate) async fn untag(ctx: &Ctx, raw: &str, tag_keys: &[String]) -> ApiResult<Reply> {
    if is_csc(raw) || is_esm(raw) {
        retag_other(ctx, raw, removing(tag_keys)).await?;
        return Ok(Reply::Empty(StatusCode::NO_CONTENT));
    }
    let name = tag_target(&ctx.service, raw)?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load(&ctx.service, &ctx.arns, &name)?;
    removing(tag_keys)(&mut record.tags)?;
    save(&ctx.service, &ctx.arns, &record, rev)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
