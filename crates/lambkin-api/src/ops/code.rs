//! Code: zips (decoded, validated, stored and unpacked off the async threads), the layers a function uses,
//! `UpdateFunctionCode`.

use base64::Engine as _;
use http::StatusCode;
use lambkin_store::{CodeBlob, ZipError, ZipLimits};

use crate::error::{ApiError, ApiResult};
use crate::model::{LayerRecord, LayerUse};
use crate::names::{self, Arns, FunctionRef};
use crate::operation::UpdateCodeInput;
use crate::reply::{json_reply, Reply};
use crate::request::Ctx;
use crate::service::Service;
use crate::{records, time_fmt};

use super::common::{load_current, new_revision};
use super::validate::check_architectures;
use super::versions::finish_update;

/// Largest unpacked code plus layers (AWS: 250 MB).
pub(crate) const MAX_UNPACKED: u64 = 262_144_000;

fn zip_error(e: ZipError) -> ApiError {
    match e {
        ZipError::TooLarge { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLargeException",
            format!("{e}"),
        ),
        ZipError::Io(_) | ZipError::Store(_) => ApiError::service(format!("{e}")),
        other => ApiError::invalid(format!("{other}")),
    }
}

/// Decodes a base64 zip from the request member `field` (`Code.ZipFile`, `Content.ZipFile`, …).
pub(crate) fn decode_zip(b64: &str, field: &str) -> ApiResult<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| ApiError::invalid(format!("{field} must be the zip's bytes, base64-encoded")))
}

/// Validates, stores and unpacks a zip (content-addressed), off the async threads.
pub(crate) async fn store_zip(service: &Service, zip: Vec<u8>) -> ApiResult<CodeBlob> {
    let store = service.store.clone();
    tokio::task::spawn_blocking(move || store.put_zip(&zip, &ZipLimits::default()))
        .await
        .map_err(|e| ApiError::service(format!("unzip task failed: {e}")))?
        .map_err(zip_error)
}

pub(super) fn resolve_layers(
    service: &Service,
    arns: &Arns,
    list: &[String],
) -> ApiResult<Vec<LayerUse>> {
    if list.len() > 5 {
        return Err(ApiError::invalid("Cannot reference more than 5 layers."));
    }
    let mut out = Vec::new();
    for arn in list {
        let Some((region, account, name, version)) = names::parse_layer_version_arn(arn) else {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '[{arn}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+]"
            )));
        };
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
            arn: arn.clone(),
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

/// The base64 zip of a code source, `member` (lambkin takes no S3 location: `no_s3` says so).
pub(crate) fn zip_source<'a>(
    s3_bucket: &Option<String>,
    zip_file: &'a Option<String>,
    no_s3: &str,
    member: &str,
) -> ApiResult<&'a str> {
    if s3_bucket.is_some() {
        return Err(ApiError::invalid(no_s3));
    }
    zip_file.as_deref().ok_or_else(|| {
        ApiError::invalid(format!(
            "Please provide a source for function code: {member}."
        ))
    })
}

/// `UpdateFunctionCode`.
pub(crate) async fn update_code(
    ctx: &Ctx,
    r: FunctionRef,
    input: UpdateCodeInput,
) -> ApiResult<Reply> {
    if input.image_uri.is_some() {
        return Err(ApiError::invalid(
            "Please don't provide ImageUri when updating a function with packageType Zip.",
        ));
    }
    let no_s3 = "lambkin has no S3: upload the code as ZipFile.";
    let zip_b64 = zip_source(&input.s3_bucket, &input.zip_file, no_s3, "ZipFile")?;
    check_architectures(input.architectures.as_deref().unwrap_or(&[]))?;
    super::codesigning::check_update(ctx, &r.name)?;
    let blob = store_zip(&ctx.service, decode_zip(zip_b64, "Code.ZipFile")?).await?;
    let _guard = ctx.service.writes.lock().await;
    let (mut record, rev) = load_current(ctx, &r.name, input.revision_id.as_deref())?;
    check_total_size(blob.unpacked_size, &record.latest.layers)?;
    if input.dry_run {
        let mut c = record.latest.config.clone();
        c.code_sha256 = blob.code_sha256;
        c.code_size = blob.size;
        return json_reply(StatusCode::OK, &c);
    }
    let l = &mut record.latest;
    l.code_hex = blob.sha256_hex;
    l.unpacked_size = blob.unpacked_size;
    l.config.code_sha256 = blob.code_sha256;
    l.config.code_size = blob.size;
    l.config.last_modified = time_fmt::now();
    l.config.revision_id = new_revision();
    let answer = finish_update(&ctx.service, &ctx.arns, record, rev, input.publish)?;
    json_reply(StatusCode::OK, &answer)
}

/// Where `GetFunction` says the code can be downloaded.
pub(super) fn code_location(ctx: &Ctx, hex: &str) -> String {
    format!("{}/lambkin/v1/code/{hex}", ctx.base_url)
}
