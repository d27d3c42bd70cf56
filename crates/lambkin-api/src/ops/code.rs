//! Code: the layers a function uses, their combined size, `UpdateFunctionCode`, download locations (zips
//! themselves, from the request or S3, are `source`'s).

use http::StatusCode;

use crate::error::{ApiError, ApiResult};
use crate::model::{LayerRecord, LayerUse};
use crate::names::{self, Arns, FunctionRef};
use crate::operation::UpdateCodeInput;
use crate::reply::Reply;
use crate::request::Ctx;
use crate::service::Service;
use crate::{records, time_fmt};

use super::common::{load_current, new_revision};
use super::source;
use super::validate::architectures;
use super::versions::finish_update;

/// Largest unpacked code plus layers (AWS: 250 MB).
pub(crate) const MAX_UNPACKED: u64 = 262_144_000;

pub(super) fn resolve_layers(
    service: &Service,
    arns: &Arns,
    list: &[String],
) -> ApiResult<Vec<LayerUse>> {
    if list.len() > 5 {
        return Err(ApiError::invalid("Cannot reference more than 5 layers."));
    }
    let mut parsed = Vec::new();
    for arn in list {
        let Some(p) = names::parse_layer_version_arn(arn) else {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '[{arn}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+]"
            )));
        };
        parsed.push((arn, p));
    }
    // Lambda's checks of the list as a whole, before any layer is looked up (LocalStack snapshot
    // test_layer_function_exceptions): every layer in the function's region; no layer twice.
    if parsed
        .iter()
        .any(|(_, (region, ..))| *region != arns.region)
    {
        return Err(ApiError::invalid(format!(
            "Layers are not in the same region as the function. Layers are expected to be in region {}.",
            arns.region
        )));
    }
    for (j, (later, (_, account, name, _))) in parsed.iter().enumerate() {
        if let Some((first, _)) = parsed[..j]
            .iter()
            .find(|(_, (_, a, n, _))| a == account && n == name)
        {
            return Err(ApiError::invalid(format!(
                "Two different versions of the same layer are not allowed to be referenced in the same function. {first} and {later} are versions of the same layer."
            )));
        }
    }
    let mut out = Vec::new();
    for (arn, (region, account, name, version)) in parsed {
        let layer = if account == arns.account {
            records::numbered::<LayerRecord>(&service.store, &region, &name, version)?
        } else {
            None
        };
        let Some(layer) = layer else {
            return Err(ApiError::invalid(format!(
                "Layer version {arn} does not exist."
            )));
        };
        out.push(LayerUse {
            arn: arn.to_owned(),
            sha256_hex: layer.sha256_hex,
            code_size: layer.version.content.code_size,
            unpacked_size: layer.unpacked_size,
        });
    }
    Ok(out)
}

pub(super) fn check_total_size(code: u64, layers: &[LayerUse]) -> ApiResult<()> {
    let total = code + layers.iter().map(|l| l.unpacked_size).sum::<u64>();
    if total > MAX_UNPACKED {
        return Err(ApiError::invalid(format!(
            "Function code combined with layers exceeds the maximum allowed size of {MAX_UNPACKED} bytes. The actual size is {total} bytes."
        )));
    }
    Ok(())
}

/// `UpdateFunctionCode`.
pub(crate) async fn update_code(
    ctx: &Ctx,
    r: FunctionRef,
    input: UpdateCodeInput,
) -> ApiResult<Reply> {
    super::unsupported::refuse_beyond(&input.beyond)?;
    let (current, _) = crate::resolve::load(&ctx.service, &ctx.arns, &r.name)?;
    match (&current.latest.image, &input.image_uri) {
        (Some(_), Some(uri)) => return update_image(ctx, r, &input, uri).await,
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "Please provide ImageUri when updating a function with packageType Image.",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "Please don't provide ImageUri when updating a function with packageType Zip.",
            ))
        }
        (None, None) => {}
    }
    let src = source::function_source(source::Members {
        zip_file: &input.zip_file,
        s3_bucket: &input.s3_bucket,
        s3_key: &input.s3_key,
        s3_object_version: &input.s3_object_version,
    })?;
    super::codesigning::check_update(ctx, &r.name)?;
    let blob = source::store(&ctx.service, src, "ZipFile").await?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load_current(ctx, &r.name, input.revision_id.as_deref())?;
    crate::runtimes::check_current(record.latest.config.runtime.as_deref())?;
    check_total_size(blob.unpacked_size, &record.latest.layers)?;
    if let Some(given) = input.architectures.as_deref().filter(|a| !a.is_empty()) {
        record.latest.config.architectures = architectures(&r.name, Some(given));
    }
    if input.dry_run {
        let mut c = record.latest.config.clone();
        c.code_sha256 = blob.code_sha256;
        c.code_size = blob.size;
        return Ok(Reply::Json(StatusCode::OK, c.answer()));
    }
    let l = &mut record.latest;
    l.code_hex = blob.sha256_hex;
    l.unpacked_size = blob.unpacked_size;
    // Like Lambda: new code without a key is encrypted with Lambda's own key again.
    l.source_kms_key_arn = input.source_kms_key_arn.clone();
    l.config.code_sha256 = blob.code_sha256;
    l.config.code_size = blob.size;
    l.config.last_modified = time_fmt::now();
    l.config.revision_id = new_revision();
    let answer = finish_update(&ctx.service, &ctx.arns, record, rev, input.publish)?;
    Ok(Reply::Json(StatusCode::OK, answer.answer()))
}

/// `UpdateFunctionCode` of an image function: `$LATEST` keeps running its image (`LastUpdateStatus:
/// InProgress`) while the new one is pulled in the background. With `Publish` the image is pulled first, so
/// the version pins its digest.
async fn update_image(
    ctx: &Ctx,
    r: FunctionRef,
    input: &UpdateCodeInput,
    uri: &str,
) -> ApiResult<Reply> {
    if uri.is_empty() {
        return Err(ApiError::invalid(
            "Please provide ImageUri when updating a function with packageType Image.",
        ));
    }
    let (current, _) = crate::resolve::load(&ctx.service, &ctx.arns, &r.name)?;
    let archs = match input.architectures.as_deref().filter(|a| !a.is_empty()) {
        Some(given) => architectures(&r.name, Some(given)),
        None => current.latest.config.architectures,
    };
    // The tag is resolved now, as Lambda does; the image is pulled in the background (or now, to publish it).
    let mut asked = crate::images::pending(uri);
    let digest_hex = crate::images::pin(&ctx.service, &mut asked, &archs).await;
    let pulling = asked.pulling.clone().unwrap_or_else(|| uri.to_owned());
    let pulled = match input.publish && !input.dry_run {
        true => Some(crate::images::pull(&ctx.service, &pulling, &archs).await),
        false => None,
    };
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load_current(ctx, &r.name, input.revision_id.as_deref())?;
    if let Some(given) = input.architectures.as_deref().filter(|a| !a.is_empty()) {
        record.latest.config.architectures = architectures(&r.name, Some(given));
    }
    if input.dry_run {
        let mut c = record.latest.config.clone();
        c.code_sha256 = digest_hex.unwrap_or_default();
        return Ok(Reply::Json(StatusCode::OK, c.answer()));
    }
    let l = &mut record.latest;
    if let Some(image) = l.image.as_mut() {
        image.uri = uri.to_owned();
        image.pulling = Some(pulling.clone());
        crate::images::mark_updating(&mut l.config, image);
    }
    l.source_kms_key_arn = input.source_kms_key_arn.clone();
    l.config.last_modified = time_fmt::now();
    l.config.revision_id = new_revision();
    let publish = match &pulled {
        Some(outcome) => {
            crate::images::record_outcome(l, outcome);
            outcome.is_ok()
        }
        None => false,
    };
    let answer = finish_update(&ctx.service, &ctx.arns, record, rev, publish)?;
    if pulled.is_none() {
        crate::images::start_pull(&ctx.service, &ctx.arns.region, &r.name);
    }
    Ok(Reply::Json(StatusCode::OK, answer.answer()))
}

/// Where `GetFunction` (and `GetLayerVersion`) say the zip can be downloaded: a signed URL valid for
/// 10 minutes.
pub(super) fn code_location(ctx: &Ctx, hex: &str) -> String {
    ctx.service.code_urls.url(&ctx.base_url, hex)
}
