//! Layers: `PublishLayerVersion`, `GetLayerVersion`, `GetLayerVersionByArn`, `ListLayers`,
//! `ListLayerVersions`, `DeleteLayerVersion`.

use http::StatusCode;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::model::{LayerContent, LayerRecord, LayerVersion};
use crate::names;
use crate::operation::{Body, LayerFilter, Page, PublishLayerInput};
use crate::reply::Reply;
use crate::request::Ctx;
use crate::service::Service;
use crate::{records, time_fmt};

use super::code::code_location;
use super::source;

fn answer(ctx: &Ctx, rec: &LayerRecord) -> LayerVersion {
    let mut v = rec.version.clone();
    v.content.location = code_location(ctx, &rec.sha256_hex);
    v
}

/// `PublishLayerVersion`.
pub(crate) async fn publish(
    ctx: &Ctx,
    raw: &str,
    input: Body<PublishLayerInput>,
) -> ApiResult<Reply> {
    let name = names::layer_name(raw, &ctx.service.config.account_id)?;
    let input = input?;
    let content = input.content.unwrap_or_default();
    let Some(src) = source::source(source::Members {
        zip_file: &content.zip_file,
        s3_bucket: &content.s3_bucket,
        s3_key: &content.s3_key,
        s3_object_version: &content.s3_object_version,
    })?
    else {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null",
        ));
    };
    let blob = source::store(&ctx.service, src, "Content.ZipFile").await?;
    let region = &ctx.arns.region;
    let version = records::layers::next_version(&ctx.service.store, region, &name)?;
    let rec = LayerRecord {
        version: LayerVersion {
            content: LayerContent {
                location: String::new(),
                code_sha256: blob.code_sha256.clone(),
                code_size: blob.size,
            },
            layer_arn: ctx.arns.layer(&name),
            layer_version_arn: ctx.arns.layer_version(&name, version),
            description: input.description.unwrap_or_default(),
            created_date: time_fmt::now(),
            version,
            compatible_runtimes: input.compatible_runtimes,
            compatible_architectures: input.compatible_architectures,
            license_info: input.license_info,
        },
        sha256_hex: blob.sha256_hex,
        unpacked_size: blob.unpacked_size,
    };
    records::layers::create(&ctx.service.store, region, &name, version, &rec)?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        serde_json::to_value(answer(ctx, &rec)).unwrap_or_default(),
    ))
}

fn parse_version(v: &str) -> ApiResult<u64> {
    v.parse().map_err(|_| {
        ApiError::validation(format!(
            "1 validation error detected: Value '{v}' at 'versionNumber' failed to satisfy constraint: Member must be a number"
        ))
    })
}

fn load(
    service: &Service,
    region: &str,
    name: &str,
    version: u64,
    arn: &str,
) -> ApiResult<LayerRecord> {
    records::numbered::<LayerRecord>(&service.store, region, name, version)?.ok_or_else(|| {
        tracing::debug!("layer version {arn} not found");
        ApiError::not_found("The resource you requested does not exist.")
    })
}

/// `GetLayerVersion`.
pub(crate) async fn get(ctx: &Ctx, raw: &str, v: &str) -> ApiResult<Reply> {
    let name = names::layer_name(raw, &ctx.service.config.account_id)?;
    let version = parse_version(v)?;
    super::layerpolicy::check_read(
        ctx,
        &ctx.arns.region,
        raw.starts_with("arn:"),
        &name,
        version,
    )?;
    let rec = load(
        &ctx.service,
        &ctx.arns.region,
        &name,
        version,
        &ctx.arns.layer_version(&name, version),
    )?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(answer(ctx, &rec)).unwrap_or_default(),
    ))
}

/// `GetLayerVersionByArn`.
pub(crate) async fn get_by_arn(ctx: &Ctx, arn: Option<&str>) -> ApiResult<Reply> {
    let arn = arn.unwrap_or("");
    let Some((region, account, name, version)) = names::parse_layer_version_arn(arn) else {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+)"
        )));
    };
    if account != ctx.service.config.account_id {
        return Err(ApiError::not_found(format!(
            "The resource you requested does not exist. ({arn})"
        )));
    }
    super::layerpolicy::check_read(ctx, &region, true, &name, version)?;
    let rec = load(&ctx.service, &region, &name, version, arn)?;
    Ok(Reply::Json(
        StatusCode::OK,
        serde_json::to_value(answer(ctx, &rec)).unwrap_or_default(),
    ))
}

fn matches(rec: &LayerRecord, filter: &LayerFilter) -> bool {
    let rt = filter.compatible_runtime.as_deref();
    let arch = filter.compatible_architecture.as_deref();
    let v = &rec.version;
    rt.is_none_or(|r| v.compatible_runtimes.iter().flatten().any(|x| x == r))
        && arch.is_none_or(|a| v.compatible_architectures.iter().flatten().any(|x| x == a))
}

fn version_item(ctx: &Ctx, rec: &LayerRecord) -> serde_json::Value {
    let v = answer(ctx, rec);
    let mut j = serde_json::to_value(&v).unwrap_or_default();
    if let Some(o) = j.as_object_mut() {
        o.remove("Content");
        o.remove("LayerArn");
    }
    j
}

/// `ListLayerVersions`: newest first.
pub(crate) async fn list_versions(
    ctx: &Ctx,
    raw: &str,
    page: Page,
    filter: &LayerFilter,
) -> ApiResult<Reply> {
    let name = names::layer_name(raw, &ctx.service.config.account_id)?;
    let (max, marker) = page?;
    let mut all: Vec<LayerRecord> =
        records::list::<LayerRecord>(&ctx.service.store, &ctx.arns.region, &name)?
            .into_iter()
            .filter(|rec| matches(rec, filter))
            .collect();
    all.reverse();
    let start = marker
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0)
        .min(all.len());
    let page: Vec<_> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|r| version_item(ctx, r))
        .collect();
    let mut out = json!({ "LayerVersions": page });
    if start + max < all.len() {
        out["NextMarker"] = json!((start + max).to_string());
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// `ListLayers`: each layer with its newest matching version.
pub(crate) async fn list_layers(ctx: &Ctx, page: Page, filter: &LayerFilter) -> ApiResult<Reply> {
    let (max, marker) = page?;
    let mut latest: std::collections::BTreeMap<String, LayerRecord> = Default::default();
    for (name, rec) in records::layers::all(&ctx.service.store, &ctx.arns.region)? {
        if matches(&rec, filter) {
            latest.insert(name, rec);
        }
    }
    let items: Vec<_> = latest
        .iter()
        .filter(|(n, _)| marker.as_ref().is_none_or(|m| n.as_str() > m.as_str()))
        .take(max + 1)
        .collect();
    let more = items.len() > max;
    let page: Vec<_> = items
        .iter()
        .take(max)
        .map(|(n, r)| {
            json!({
                "LayerName": n,
                "LayerArn": r.version.layer_arn,
                "LatestMatchingVersion": version_item(ctx, r),
            })
        })
        .collect();
    let mut out = json!({ "Layers": page });
    if more {
        if let Some((n, _)) = items.get(max - 1) {
            out["NextMarker"] = json!(n);
        }
    }
    Ok(Reply::Json(StatusCode::OK, out))
}

/// `DeleteLayerVersion`: idempotent, as on AWS. Functions already using it keep their copy.
pub(crate) async fn delete(ctx: &Ctx, raw: &str, v: &str) -> ApiResult<Reply> {
    let name = names::layer_name(raw, &ctx.service.config.account_id)?;
    let version = parse_version(v)?;
    records::layers::delete(&ctx.service.store, &ctx.arns.region, &name, version)?;
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}
