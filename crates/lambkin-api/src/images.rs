//! Container-image functions (`PackageType: Image`) as the API sees them: Lambda's rules for their inputs, the
//! pull that takes a function from `Pending` to `Active` (or `Failed`, with Lambda's `StateReasonCode` and what
//! went wrong) in the background, what `GetFunction` answers about their code, and what an environment of one
//! runs (the image's `ENTRYPOINT`, `CMD`, `WORKDIR` and `ENV` with the function's `ImageConfig` over them).
//!
//! A create records the function `Pending` with the image it asked for (`ImageRecord::pulling`) and starts the
//! pull; an `UpdateFunctionCode` keeps the running image (`Active`, `LastUpdateStatus: InProgress`) until the new
//! one is ready. Pulls in progress when the server stopped start again when it starts ([`resume`]). Versions pin
//! the image's digest: a host that lacks it pulls `repository@sha256:…`, never the tag again.

use std::sync::Arc;

use lambkin_engine::ImageRun;
use lambkin_image::{Image, ImageError};

use crate::error::{ApiError, ApiResult};
use crate::model::{FunctionRecord, ImageConfig, ImageRecord, VersionRecord};
use crate::records;
use crate::service::Service;

/// Lambda's reason while an image is being made ready.
pub(crate) const CREATING: &str = "The function is being created.";

/// The members of a create that are not for an image function, refused as Lambda does.
pub(crate) fn check_create(
    runtime: Option<&str>,
    handler: Option<&str>,
    layers: Option<&[String]>,
) -> ApiResult<()> {
    if runtime.is_some() || handler.is_some() {
        return Err(ApiError::invalid(
            "Runtime and Handler are not supported for functions with PackageType Image: the image's ENTRYPOINT and CMD (or ImageConfig) say what runs.",
        ));
    }
    if layers.is_some_and(|l| !l.is_empty()) {
        return Err(ApiError::invalid(
            "Layers are not supported for functions with PackageType Image: add the layer's contents to the image.",
        ));
    }
    Ok(())
}

/// Refuses image functions on a server whose environments are plain processes: an image is a whole root, which
/// only the sandbox can give a function.
pub(crate) fn check_isolation(service: &Service) -> ApiResult<()> {
    match service.config.isolation {
        lambkin_engine::Isolation::Namespace => Ok(()),
        lambkin_engine::Isolation::Process => Err(ApiError::invalid(
            "lambkin runs container-image functions only in its sandbox, whose root the image becomes: start lambkin serve as root (--isolation namespace).",
        )),
    }
}

/// The `ImageUri` of a create: required with `PackageType: Image`, refused with a zip.
pub(crate) fn create_uri(
    package_type: Option<&str>,
    uri: Option<&str>,
) -> ApiResult<Option<String>> {
    match (package_type, uri) {
        (Some("Image"), Some(u)) if !u.is_empty() => Ok(Some(u.to_owned())),
        (Some("Image"), _) => Err(ApiError::invalid(
            "Please provide ImageUri when creating a function with PackageType Image.",
        )),
        (_, Some(_)) => Err(ApiError::invalid(
            "Please don't provide ImageUri when creating a function with PackageType Zip (set PackageType to Image).",
        )),
        _ => Ok(None),
    }
}

/// An `ImageConfig` as stored: `None` when nothing was given.
pub(crate) fn image_config(
    given: Option<ImageConfig>,
) -> Option<crate::model::ImageConfigResponse> {
    given.map(|c| crate::model::ImageConfigResponse {
        image_config: Some(c),
    })
}

/// The record of an image function whose image `uri` is still to be pulled.
pub(crate) fn pending(uri: &str) -> ImageRecord {
    ImageRecord {
        uri: uri.to_owned(),
        pulling: Some(uri.to_owned()),
        ..Default::default()
    }
}

/// Records that `$LATEST` waits for a new image (`UpdateFunctionCode`): `LastUpdateStatus: InProgress` until the
/// pull ends, so `function_updated_v2` waits for it; a function whose first image never arrived is `Pending`
/// again meanwhile.
pub(crate) fn mark_updating(c: &mut crate::model::FunctionConfiguration, image: &ImageRecord) {
    c.last_update_status = "InProgress".into();
    c.last_update_status_reason = Some(CREATING.into());
    c.last_update_status_reason_code = Some("Creating".into());
    if image.resolved.is_empty() {
        c.state = "Pending".into();
        c.state_reason = Some(CREATING.into());
        c.state_reason_code = Some("Creating".into());
    }
}

/// How long a create or update waits for the registry to say which image a tag names.
const RESOLVE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Pins what `image` waits for to the digest its `uri` names now, as Lambda resolves a tag when the function is
/// created or updated; answers the digest's hex (`CodeSha256`). When the registry cannot say (it refuses,
/// is unreachable, has no such tag), nothing is pinned: the pull in the background meets the same error and
/// records it as the function's state.
pub(crate) async fn pin(
    service: &Service,
    image: &mut ImageRecord,
    architectures: &[String],
) -> Option<String> {
    let arch = oci_architecture(architectures);
    let asked = service.images.resolve(&image.uri, arch);
    let resolved = match tokio::time::timeout(RESOLVE_PATIENCE, asked).await {
        Ok(Ok(resolved)) => resolved,
        Ok(Err(e)) => {
            tracing::info!("image {}: {e}", image.uri);
            return None;
        }
        Err(_) => return None,
    };
    let hex = resolved.rsplit_once("@sha256:").map(|(_, h)| h.to_owned());
    image.pulling = Some(resolved);
    hex
}

/// `GetFunction`'s `Code` of an image function.
pub(crate) fn code_answer(image: &ImageRecord) -> serde_json::Value {
    let mut code = serde_json::json!({"RepositoryType": "ECR", "ImageUri": image.uri});
    if !image.resolved.is_empty() {
        code["ResolvedImageUri"] = serde_json::json!(image.resolved);
    }
    code
}

/// The image architecture of a function's `Architectures`.
fn oci_architecture(function_arch: &[String]) -> &'static str {
    match function_arch.first().map(String::as_str) {
        Some("arm64") => "arm64",
        _ => "amd64",
    }
}

/// Starts pulling the image a function's `$LATEST` waits for, in the background.
pub(crate) fn start_pull(service: &Arc<Service>, region: &str, name: &str) {
    let (service, region, name) = (service.clone(), region.to_owned(), name.to_owned());
    tokio::spawn(async move { settle(&service, &region, &name).await });
}

/// Pulls the image `$LATEST` waits for and records the outcome: the image that runs, `Active`; or `Failed`
/// (a create) / `LastUpdateStatus: Failed` (an update, the old image still running) with Lambda's reason code.
/// Returns the record as written (`None`: the function is gone, or waits for another image now).
pub(crate) async fn settle(service: &Service, region: &str, name: &str) -> Option<FunctionRecord> {
    let (record, _) = records::functions::get(&service.store, region, name).ok()??;
    let uri = record.latest.image.as_ref()?.pulling.clone()?;
    tracing::info!("function {name}: pulling its image {uri}");
    let t0 = std::time::Instant::now();
    let outcome = pull(service, &uri, &record.latest.config.architectures).await;
    if let Ok(image) = &outcome {
        tracing::info!(
            "function {name}: image {} ready ({} layers, {} bytes) in {:?}",
            image.resolved,
            image.layers.len(),
            image.size,
            t0.elapsed()
        );
    }
    // The outcome is written only while the function still waits for this image.
    for _ in 0..20 {
        let _guard = service.writes.lock().await;
        let (mut record, rev) = records::functions::get(&service.store, region, name).ok()??;
        let waiting = record.latest.image.as_ref()?.pulling.as_deref() == Some(uri.as_str());
        if !waiting {
            return None;
        }
        record_outcome(&mut record.latest, &outcome);
        match records::functions::save(&service.store, region, &record, rev) {
            Ok(()) => {
                if outcome.is_ok() {
                    // Environments of the image that ran until now finish what they do and are replaced.
                    service.engine.drain(name, Some("$LATEST"));
                }
                return Some(record);
            }
            Err(lambkin_store::StoreError::Conflict { .. }) => continue,
            Err(e) => {
                tracing::warn!("function {name}: the image's outcome was not stored: {e}");
                return None;
            }
        }
    }
    None
}

/// Pulls the image `latest` waits for now and writes the outcome into it (a create that publishes version 1
/// at once: the version pins the digest).
pub(crate) async fn pull_now(service: &Service, latest: &mut VersionRecord) {
    let Some(uri) = latest.image.as_ref().and_then(|i| i.pulling.clone()) else {
        return;
    };
    let outcome = pull(service, &uri, &latest.config.architectures).await;
    record_outcome(latest, &outcome);
}

/// Pulls `uri` for a function of `architectures` (failures logged).
pub(crate) async fn pull(
    service: &Service,
    uri: &str,
    architectures: &[String],
) -> Result<Image, ImageError> {
    let outcome = service
        .images
        .pull(uri, oci_architecture(architectures))
        .await;
    if let Err(e) = &outcome {
        tracing::warn!("image {uri}: {e}");
    }
    outcome
}

/// Writes a pull's outcome into `$LATEST`.
pub(crate) fn record_outcome(latest: &mut VersionRecord, outcome: &Result<Image, ImageError>) {
    let c = &mut latest.config;
    let Some(image) = latest.image.as_mut() else {
        return;
    };
    image.pulling = None;
    c.revision_id = uuid::Uuid::new_v4().to_string();
    match outcome {
        Ok(pulled) => {
            image.resolved = pulled.resolved.clone();
            image.entrypoint = pulled.config.entrypoint.clone();
            image.cmd = pulled.config.cmd.clone();
            image.working_dir = pulled.config.working_dir.clone();
            image.env = pulled.config.env.clone();
            c.code_sha256 = digest_hex(&pulled.manifest_digest);
            c.state = "Active".into();
            c.state_reason = None;
            c.state_reason_code = None;
            c.last_update_status = "Successful".into();
            c.last_update_status_reason = None;
            c.last_update_status_reason_code = None;
        }
        Err(e) => {
            let (code, reason) = (e.reason_code().to_owned(), e.to_string());
            if image.resolved.is_empty() {
                // A create: nothing can run.
                c.state = "Failed".into();
                c.state_reason = Some(reason.clone());
                c.state_reason_code = Some(code.clone());
            }
            c.last_update_status = "Failed".into();
            c.last_update_status_reason = Some(reason);
            c.last_update_status_reason_code = Some(code);
        }
    }
}

/// `CodeSha256` of an image function: its manifest digest's hex, as Lambda answers it.
fn digest_hex(digest: &str) -> String {
    digest.strip_prefix("sha256:").unwrap_or(digest).to_owned()
}

/// Starts again the pulls that were in progress when the server stopped.
pub(crate) fn resume(service: &Arc<Service>) {
    let all = match records::functions::everywhere(&service.store) {
        Ok(all) => all,
        Err(e) => {
            tracing::warn!("cannot look for image pulls to resume: {e}");
            return;
        }
    };
    for record in all {
        let c = &record.latest.config;
        if record
            .latest
            .image
            .as_ref()
            .is_some_and(|i| i.pulling.is_some())
        {
            let region = c.function_arn.split(':').nth(3).unwrap_or_default();
            start_pull(service, region, &c.function_name);
        }
    }
}

/// Refuses an invoke of an image function whose image is not ready (`Pending` or `Failed`), as Lambda does.
pub(crate) fn check_invocable(version: &VersionRecord) -> ApiResult<()> {
    match &version.image {
        Some(image) if image.resolved.is_empty() => Err(ApiError::conflict(format!(
            "The operation cannot be performed at this time. The function is currently in the following state: {}",
            version.config.state
        ))),
        _ => Ok(()),
    }
}

/// Refuses to publish while an image is being pulled (a create or an update in progress).
pub(crate) fn check_settled(record: &FunctionRecord, function_arn: &str) -> ApiResult<()> {
    match &record.latest.image {
        Some(image) if image.pulling.is_some() => Err(ApiError::conflict(format!(
            "The operation cannot be performed at this time. An update is in progress for resource: {function_arn}"
        ))),
        _ => Ok(()),
    }
}

/// Pulls a version's image by digest when this host lacks it (failures logged; the invoke then fails to start
/// its environment with what is missing).
pub(crate) async fn ensure_local(service: &Service, version: &VersionRecord) {
    let Some(image) = version.image.as_ref().filter(|i| !i.resolved.is_empty()) else {
        return;
    };
    if service.images.local(&digest_of(version)).is_none() {
        let _ = pull(service, &image.resolved, &version.config.architectures).await;
    }
}

/// The manifest digest of a version's image.
fn digest_of(version: &VersionRecord) -> String {
    format!("sha256:{}", version.config.code_sha256)
}

/// What an environment of this version runs: its image's layers in this host's image store ([`ensure_local`]
/// pulls them first; none when they are missing) with the function's `ImageConfig` over the image's own
/// configuration.
pub(crate) fn run(service: &Service, version: &VersionRecord) -> ImageRun {
    let image = version.image.clone().unwrap_or_default();
    let layers = service
        .images
        .local(&digest_of(version))
        .map(|i| i.layers)
        .unwrap_or_default();
    let overrides = version
        .config
        .image_config_response
        .as_ref()
        .and_then(|r| r.image_config.clone())
        .unwrap_or_default();
    image_run(&image, &overrides, layers)
}

/// The command, working directory and environment of an image with `overrides` over its own configuration:
/// `EntryPoint` replaces `ENTRYPOINT`, `Command` replaces `CMD`, `WorkingDirectory` replaces `WORKDIR` (`/`
/// when neither says).
fn image_run(
    image: &ImageRecord,
    overrides: &ImageConfig,
    layers: Vec<std::path::PathBuf>,
) -> ImageRun {
    let entrypoint = overrides
        .entry_point
        .clone()
        .unwrap_or_else(|| image.entrypoint.clone());
    let cmd = overrides
        .command
        .clone()
        .unwrap_or_else(|| image.cmd.clone());
    let working_dir = overrides
        .working_directory
        .clone()
        .filter(|w| !w.is_empty())
        .or_else(|| Some(image.working_dir.clone()).filter(|w| !w.is_empty()))
        .unwrap_or_else(|| "/".into());
    let env = image
        .env
        .iter()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    ImageRun {
        layers,
        command: entrypoint.into_iter().chain(cmd).collect(),
        working_dir,
        env,
    }
}

/// `_HANDLER` of an image function: the first of its command's arguments (what AWS's base images' entry
/// point takes as the handler).
pub(crate) fn handler(version: &VersionRecord) -> String {
    let Some(image) = &version.image else {
        return String::new();
    };
    version
        .config
        .image_config_response
        .as_ref()
        .and_then(|r| r.image_config.as_ref())
        .and_then(|c| c.command.clone())
        .unwrap_or_else(|| image.cmd.clone())
        .into_iter()
        .next()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> ImageRecord {
        ImageRecord {
            uri: "localhost:5000/fn:1".into(),
            resolved: "localhost:5000/fn@sha256:ab".into(),
            entrypoint: vec!["/lambda-entrypoint.sh".into()],
            cmd: vec!["app.handler".into()],
            working_dir: "/var/task".into(),
            env: vec!["PATH=/var/lang/bin:/usr/bin".into(), "BROKEN".into()],
            pulling: None,
        }
    }

    #[test]
    fn image_config_overrides_each_part_alone() {
        let run = image_run(&image(), &ImageConfig::default(), Vec::new());
        assert_eq!(run.command, ["/lambda-entrypoint.sh", "app.handler"]);
        assert_eq!(run.working_dir, "/var/task");
        assert_eq!(
            run.env,
            [("PATH".to_owned(), "/var/lang/bin:/usr/bin".to_owned())]
        );
        let overrides = ImageConfig {
            entry_point: None,
            command: Some(vec!["other.handler".into()]),
            working_directory: Some("/app".into()),
        };
        let run = image_run(&image(), &overrides, Vec::new());
        assert_eq!(run.command, ["/lambda-entrypoint.sh", "other.handler"]);
        assert_eq!(run.working_dir, "/app");
        let overrides = ImageConfig {
            entry_point: Some(vec!["sh".into(), "-c".into()]),
            command: Some(vec![]),
            working_directory: None,
        };
        let mut bare = image();
        bare.working_dir.clear();
        let run = image_run(&bare, &overrides, Vec::new());
        assert_eq!(run.command, ["sh", "-c"]);
        assert_eq!(run.working_dir, "/");
    }

    #[test]
    fn uri_rules_of_a_create() {
        assert_eq!(
            create_uri(Some("Image"), Some("r/x:1"))
                .ok()
                .flatten()
                .as_deref(),
            Some("r/x:1")
        );
        assert!(create_uri(Some("Image"), None).is_err());
        assert!(create_uri(None, Some("r/x:1")).is_err());
        assert!(create_uri(Some("Zip"), None).ok().flatten().is_none());
        assert!(check_create(Some("python3.12"), None, None).is_err());
        assert!(check_create(None, None, Some(&["arn".to_owned()])).is_err());
        assert!(check_create(None, None, Some(&[])).is_ok());
    }
}
