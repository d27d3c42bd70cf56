//! Where a function's code or a layer's content comes from: `ZipFile` (base64 in the request) or an S3 object
//! (`S3Bucket`, `S3Key`, `S3ObjectVersion`), each stored the same way (content-addressed, unpacked once, within
//! Lambda's limits).

use base64::Engine as _;
use http::StatusCode;
use lambkin_store::{CodeBlob, ZipError, ZipLimits};

use crate::error::{ApiError, ApiResult};
use crate::s3code::{S3Location, MAX_S3_ZIP};
use crate::service::Service;

/// Lambda's answer to a zip the store refused.
pub(crate) fn zip_error(e: ZipError) -> ApiError {
    match e {
        ZipError::UnpackedTooLarge { max, .. } => {
            ApiError::invalid(format!("Unzipped size must be smaller than {max} bytes"))
        }
        // Lambda's text (LocalStack snapshot test_oversized_zipped_create_lambda).
        ZipError::TooLarge { max, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLargeException",
            format!("Zipped size must be smaller than {max} bytes"),
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

/// A code source, checked: exactly one of a zip or an S3 object.
pub(crate) enum Source<'a> {
    /// The base64 zip.
    Zip(&'a str),
    /// An S3 object.
    S3(S3Location),
}

/// The members of a code source as the request gave them.
pub(crate) struct Members<'a> {
    pub zip_file: &'a Option<String>,
    pub s3_bucket: &'a Option<String>,
    pub s3_key: &'a Option<String>,
    pub s3_object_version: &'a Option<String>,
}

/// Lambda's checks of a code source: a zip alone, or an S3 bucket and key (with an optional version).
/// `None` when nothing was given (each operation answers that its own way).
pub(crate) fn source<'a>(m: Members<'a>) -> ApiResult<Option<Source<'a>>> {
    let any_s3 = m.s3_bucket.is_some() || m.s3_key.is_some() || m.s3_object_version.is_some();
    match (m.zip_file.as_deref(), m.s3_bucket, m.s3_key) {
        (Some(_), _, _) if any_s3 => Err(ApiError::invalid(
            "Please do not provide other FunctionCode parameters when providing a ZipFile.",
        )),
        (Some(zip), _, _) => Ok(Some(Source::Zip(zip))),
        (None, Some(bucket), Some(key)) => Ok(Some(Source::S3(S3Location {
            bucket: bucket.clone(),
            key: key.clone(),
            version: m.s3_object_version.clone(),
        }))),
        (None, _, _) if any_s3 => Err(ApiError::invalid(
            "Please provide a source for function code.",
        )),
        (None, _, _) => Ok(None),
    }
}

/// A function's code source (`Please provide a source for function code.` when there is none).
pub(crate) fn function_source<'a>(m: Members<'a>) -> ApiResult<Source<'a>> {
    source(m)?.ok_or_else(|| ApiError::invalid("Please provide a source for function code."))
}

/// Stores the zip of a source: decoded from the request, or downloaded from S3 into the store's `tmp/` and
/// stored from there (never whole in memory; up to Lambda's unzipped limit, zipped).
pub(crate) async fn store(service: &Service, src: Source<'_>, field: &str) -> ApiResult<CodeBlob> {
    match src {
        Source::Zip(b64) => store_zip(service, decode_zip(b64, field)?).await,
        Source::S3(loc) => {
            let tmp = service.store.data_dir().join("tmp");
            let file = service.s3.fetch(&loc, &tmp).await?;
            let store = service.store.clone();
            tokio::task::spawn_blocking(move || {
                let f = std::fs::File::open(&file.path).map_err(|e| {
                    ApiError::service(format!("cannot read the object from S3 on disk: {e}"))
                })?;
                if f.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
                    return store.put_zip(&[], &ZipLimits::default()).map_err(zip_error);
                }
                // SAFETY: the file is this request's own private temporary file under the store's tmp/; nothing
                // else writes to or truncates it while the map lives (it is removed after, with `file`).
                let map = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| {
                    ApiError::service(format!("cannot map the object from S3: {e}"))
                })?;
                let limits = ZipLimits {
                    max_zipped: MAX_S3_ZIP,
                    ..ZipLimits::default()
                };
                let blob = store.put_zip(&map, &limits).map_err(zip_error);
                drop(map);
                drop(file);
                blob
            })
            .await
            .map_err(|e| ApiError::service(format!("unzip task failed: {e}")))?
        }
    }
}
