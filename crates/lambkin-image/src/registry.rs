//! Pulling from an OCI registry (v2 API) with `oci-client`: manifests, indexes, configs and
//! layers, every blob verified by digest and layers streamed to disk before unpacking.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use crate::digest::{hex_of, sha256};
use crate::reference::{is_loopback, ImageRef};
use crate::spec::{self, ManifestOrIndex};
use crate::store::{ImageRecord, Store};
use crate::{auth, Image, ImageError, RegistrySettings};

/// The largest manifest or config accepted, in bytes.
const MAX_DOCUMENT: u64 = 4 << 20;

/// A client of the registry that holds `r`, authenticated for pulling.
struct Session {
    client: Client,
    creds: RegistryAuth,
    registry: String,
}

impl Session {
    async fn open(settings: &RegistrySettings, r: &ImageRef) -> Result<Session, ImageError> {
        let registry = r
            .fetch_registry(settings.ecr_registry.as_deref())
            .to_string();
        let plain_http = is_loopback(&registry) || settings.insecure.iter().any(|i| i == &registry);
        let client = Client::new(ClientConfig {
            protocol: if plain_http {
                ClientProtocol::HttpsExcept(vec![registry.clone()])
            } else {
                ClientProtocol::Https
            },
            platform_resolver: None,
            connect_timeout: Some(std::time::Duration::from_secs(10)),
            read_timeout: Some(std::time::Duration::from_secs(60)),
            ..ClientConfig::default()
        });
        let file = auth::auth_file(settings.auth_file.as_deref());
        let creds = auth::credentials(file.as_deref(), settings.auth_file.is_some(), &registry)?;
        let session = Session {
            client,
            creds,
            registry,
        };
        let top = session.reference(r, r.digest.as_deref());
        session
            .client
            .auth(&top, &session.creds, RegistryOperation::Pull)
            .await
            .map_err(|e| {
                map_error(
                    e,
                    &format!("authenticating to {} for {r}", session.registry),
                )
            })?;
        Ok(session)
    }

    /// `r`'s repository at `digest`, else at its tag (`latest` when it has none).
    fn reference(&self, r: &ImageRef, digest: Option<&str>) -> Reference {
        let (registry, repository) = (self.registry.clone(), r.repository.clone());
        match (digest, &r.tag) {
            (Some(d), _) => Reference::with_digest(registry, repository, d.to_string()),
            (None, Some(t)) => Reference::with_tag(registry, repository, t.clone()),
            (None, None) => Reference::with_tag(registry, repository, "latest".into()),
        }
    }

    /// `r`'s image manifest for `arch` (through its index, if it has one): its bytes, digest and contents.
    async fn manifest(
        &self,
        r: &ImageRef,
        arch: &str,
    ) -> Result<(Vec<u8>, String, spec::Manifest), ImageError> {
        let name = r.to_string();
        let top = self.reference(r, r.digest.as_deref());
        let (bytes, digest) = fetch_manifest(&self.client, &self.creds, &top, &name).await?;
        if let Some(asked) = &r.digest {
            if &digest != asked {
                return Err(ImageError::Invalid(format!(
                    "manifest of {name}: the registry sent content with digest {digest}"
                )));
            }
        }
        match spec::parse_manifest(&bytes, &name)? {
            ManifestOrIndex::Manifest(m) => Ok((bytes, digest, m)),
            ManifestOrIndex::Index(index) => {
                let entry = spec::pick_platform(&index, arch, &name)?;
                let what = format!("{name} (linux/{arch})");
                let at = self.reference(r, Some(&entry.digest));
                let (b, d) = fetch_manifest(&self.client, &self.creds, &at, &what).await?;
                if d != entry.digest {
                    return Err(ImageError::Invalid(format!(
                        "manifest of {what}: the registry sent content with digest {d}, not {}",
                        entry.digest
                    )));
                }
                match spec::parse_manifest(&b, &what)? {
                    ManifestOrIndex::Manifest(m) => Ok((b, d, m)),
                    ManifestOrIndex::Index(_) => Err(ImageError::Invalid(format!(
                        "the index of {name} points at another index for linux/{arch}"
                    ))),
                }
            }
        }
    }
}

/// The digest of `r`'s image manifest for `arch`, as the registry answers now (nothing is downloaded but
/// manifests).
pub(crate) async fn resolve(
    settings: &RegistrySettings,
    r: &ImageRef,
    arch: &str,
) -> Result<String, ImageError> {
    let session = Session::open(settings, r).await?;
    let (_, digest, _) = session.manifest(r, arch).await?;
    Ok(digest)
}

/// Pulls `r` for `arch` into `store`.
pub(crate) async fn pull(
    store: &Arc<Store>,
    settings: &RegistrySettings,
    r: &ImageRef,
    arch: &str,
) -> Result<Image, ImageError> {
    let name = r.to_string();
    let session = Session::open(settings, r).await?;
    let (client, top) = (&session.client, session.reference(r, r.digest.as_deref()));
    let (manifest_bytes, manifest_digest, manifest) = session.manifest(r, arch).await?;
    let resolved = r.resolved(&manifest_digest);
    if let Some(mut image) = store.image(&manifest_digest)? {
        if image.config.architecture != arch {
            return Err(ImageError::WrongArchitecture(format!(
                "{name} is an image for {}, not {arch}",
                image.config.architecture
            )));
        }
        image.reference = name;
        image.resolved = resolved;
        return Ok(image);
    }

    // The config.
    let config_bytes = match store.blob(&manifest.config.digest)? {
        Some(b) => b,
        None => {
            let what = format!("config {} of {name}", manifest.config.digest);
            let tmp = store.tmp_path("config");
            download(
                client,
                &top,
                &manifest.config.digest,
                &tmp,
                MAX_DOCUMENT,
                &what,
            )
            .await?;
            let b = std::fs::read(&tmp)
                .map_err(|e| ImageError::io(format!("reading {}", tmp.display()), e));
            let _ = std::fs::remove_file(&tmp);
            b?
        }
    };
    let (_, diff_ids) = spec::parse_config(&config_bytes, Some(arch), &name)?;
    if diff_ids.len() != manifest.layers.len() {
        return Err(ImageError::Invalid(format!(
            "{name}: the manifest has {} layers but the config {} diff_ids",
            manifest.layers.len(),
            diff_ids.len()
        )));
    }
    let compressed: u64 = manifest.layers.iter().map(|l| l.size).sum();
    if compressed > settings.max_unpacked_bytes {
        return Err(ImageError::TooBig(format!(
            "{name}: its layers are {compressed} bytes compressed, more than max_unpacked_bytes ({})",
            settings.max_unpacked_bytes
        )));
    }

    // The layers, bottom first: the missing ones download up to DOWNLOADS_AHEAD at once, each unpacked in
    // order as soon as it and the ones below it are in.
    let what = |layer: &spec::Descriptor| format!("layer {} of {name}", layer.digest);
    let mut downloads = Downloads::default();
    let mut missing = Vec::new();
    for diff_id in &diff_ids {
        missing.push(store.layer_size(diff_id)?.is_none());
    }
    let mut started = 0;
    let mut used = 0u64;
    for (i, (layer, diff_id)) in manifest.layers.iter().zip(&diff_ids).enumerate() {
        while started < manifest.layers.len() && started <= i + DOWNLOADS_AHEAD {
            if missing[started] {
                let l = &manifest.layers[started];
                downloads.start(started, client, &top, l, store.tmp_path("blob"), what(l));
            }
            started += 1;
        }
        let size = match downloads.finish(i).await? {
            None => store.layer_size(diff_id)?.ok_or_else(|| {
                ImageError::Io(format!("{}: vanished from the store", what(layer)))
            })?,
            Some(tmp) => {
                let budget = settings.max_unpacked_bytes.saturating_sub(used);
                let unpacked = unpack_blocking(store, diff_id, &tmp, budget, &what(layer)).await;
                let _ = std::fs::remove_file(&tmp);
                unpacked?
            }
        };
        used = used.saturating_add(size);
        if used > settings.max_unpacked_bytes {
            return Err(ImageError::TooBig(format!(
                "{name}: its layers unpack to more than max_unpacked_bytes ({})",
                settings.max_unpacked_bytes
            )));
        }
    }

    store.put_blob(&manifest.config.digest, &config_bytes)?;
    store.put_blob(&manifest_digest, &manifest_bytes)?;
    let record = ImageRecord {
        reference: name.clone(),
        resolved: resolved.clone(),
        config_digest: manifest.config.digest.clone(),
        diff_ids: diff_ids.clone(),
        size: compressed,
    };
    store.put_image(&manifest_digest, &record)?;
    store.image(&manifest_digest)?.ok_or_else(|| {
        ImageError::Io(format!(
            "{name}: the image vanished from the store while being recorded"
        ))
    })
}

/// Layer downloads running ahead of the unpacking (Docker pulls three at once, too).
const DOWNLOADS_AHEAD: usize = 3;

/// Downloads in flight, by layer index; whatever is dropped unfinished is stopped and its file removed.
#[derive(Default)]
struct Downloads {
    running: std::collections::BTreeMap<
        usize,
        (tokio::task::JoinHandle<Result<(), ImageError>>, PathBuf),
    >,
}

impl Downloads {
    /// Starts downloading `layer` into `dest`.
    fn start(
        &mut self,
        i: usize,
        client: &Client,
        reference: &Reference,
        layer: &spec::Descriptor,
        dest: PathBuf,
        what: String,
    ) {
        let (client, reference, digest, to) = (
            client.clone(),
            reference.clone(),
            layer.digest.clone(),
            dest.clone(),
        );
        let max = layer.size.max(1);
        let task =
            tokio::spawn(
                async move { download(&client, &reference, &digest, &to, max, &what).await },
            );
        self.running.insert(i, (task, dest));
    }

    /// Waits for layer `i`'s download: its file, or `None` when it was not downloaded (already stored).
    async fn finish(&mut self, i: usize) -> Result<Option<PathBuf>, ImageError> {
        let Some((task, dest)) = self.running.remove(&i) else {
            return Ok(None);
        };
        let done = task
            .await
            .map_err(|e| ImageError::Io(format!("a layer download stopped: {e}")))
            .and_then(|r| r);
        match done {
            Ok(()) => Ok(Some(dest)),
            Err(e) => {
                let _ = std::fs::remove_file(&dest);
                Err(e)
            }
        }
    }
}

impl Drop for Downloads {
    fn drop(&mut self) {
        for (task, dest) in self.running.values() {
            task.abort();
            let _ = std::fs::remove_file(dest);
        }
    }
}

/// Unpacks the downloaded blob at `path` as layer `diff_id`, on a blocking thread.
async fn unpack_blocking(
    store: &Arc<Store>,
    diff_id: &str,
    path: &Path,
    budget: u64,
    what: &str,
) -> Result<u64, ImageError> {
    let (store, diff_id, path, what) = (
        Arc::clone(store),
        diff_id.to_string(),
        path.to_path_buf(),
        what.to_string(),
    );
    tokio::task::spawn_blocking(move || {
        store.ensure_layer(
            &diff_id,
            || {
                std::fs::File::open(&path)
                    .map_err(|e| ImageError::io(format!("{what}: opening {}", path.display()), e))
            },
            budget,
            &what,
        )
    })
    .await
    .map_err(|e| ImageError::Io(format!("unpacking a layer: the task failed: {e}")))?
}

/// Fetches the manifest `reference` names, verifying its digest; returns its bytes and digest.
async fn fetch_manifest(
    client: &Client,
    creds: &RegistryAuth,
    reference: &Reference,
    what: &str,
) -> Result<(Vec<u8>, String), ImageError> {
    let (bytes, _) = client
        .pull_manifest_raw(reference, creds, spec::ACCEPTED_MANIFESTS)
        .await
        .map_err(|e| map_error(e, &format!("manifest of {what}")))?;
    if bytes.len() as u64 > MAX_DOCUMENT {
        return Err(ImageError::Invalid(format!(
            "manifest of {what} is {} bytes, more than {MAX_DOCUMENT}",
            bytes.len()
        )));
    }
    let digest = sha256(&bytes);
    Ok((bytes.to_vec(), digest))
}

/// Streams blob `digest` of `reference`'s repository to the file `dest`, verifying its digest
/// and refusing more than `max` bytes.
async fn download(
    client: &Client,
    reference: &Reference,
    digest: &str,
    dest: &Path,
    max: u64,
    what: &str,
) -> Result<(), ImageError> {
    hex_of(digest)?;
    let mut stream = client
        .pull_blob_stream(reference, digest)
        .await
        .map_err(|e| map_error(e, what))?;
    let io = |e| ImageError::io(format!("{what}: writing {}", dest.display()), e);
    let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
    let mut hasher = Sha256::new();
    let mut count = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ImageError::Unreachable(format!("{what}: download failed: {e}")))?;
        count += chunk.len() as u64;
        if count > max {
            return Err(ImageError::Invalid(format!(
                "{what}: the registry sent more than the {max} bytes the manifest announces"
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
    if actual != digest {
        return Err(ImageError::Invalid(format!(
            "{what}: the registry sent content with digest {actual} ({count} bytes)"
        )));
    }
    Ok(())
}

/// Maps an `oci-client` error to an [`ImageError`] about `what`.
fn map_error(e: OciDistributionError, what: &str) -> ImageError {
    use OciDistributionError as E;
    match e {
        E::UnauthorizedError { url } => ImageError::AccessDenied(format!(
            "{what}: the registry answered 401 Unauthorized for {url}"
        )),
        E::AuthenticationFailure(m) => {
            ImageError::AccessDenied(format!("{what}: authentication failed: {m}"))
        }
        E::ImageManifestNotFoundError(m) => ImageError::NotFound(format!("{what}: {m}")),
        E::RegistryError { envelope, url } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|x| &x.code).collect();
            let text = envelope
                .errors
                .iter()
                .map(|x| format!("{:?}: {}", x.code, x.message))
                .collect::<Vec<_>>()
                .join("; ");
            let msg = format!("{what}: {url}: {text}");
            if codes
                .iter()
                .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
            {
                ImageError::AccessDenied(msg)
            } else if codes.iter().any(|c| {
                matches!(
                    c,
                    OciErrorCode::ManifestUnknown
                        | OciErrorCode::NameUnknown
                        | OciErrorCode::BlobUnknown
                        | OciErrorCode::NotFound
                        | OciErrorCode::ManifestBlobUnknown
                )
            }) {
                ImageError::NotFound(msg)
            } else {
                ImageError::Invalid(msg)
            }
        }
        E::ServerError { code, url, message } => {
            let msg = format!("{what}: {url} answered HTTP {code}: {}", message.trim());
            match code {
                401 | 403 => ImageError::AccessDenied(msg),
                404 => ImageError::NotFound(msg),
                _ => ImageError::Unreachable(msg),
            }
        }
        E::RequestError(r) => {
            let msg = format!("{what}: {}", error_chain(&r));
            match r.status().map(|s| s.as_u16()) {
                Some(401 | 403) => ImageError::AccessDenied(msg),
                Some(404) => ImageError::NotFound(msg),
                _ => ImageError::Unreachable(msg),
            }
        }
        E::IoError(io) => ImageError::Unreachable(format!("{what}: {io}")),
        E::DigestError(d) => ImageError::Invalid(format!("{what}: {d}")),
        other => ImageError::Invalid(format!("{what}: {other}")),
    }
}

/// An error and its sources, `: `-separated (reqwest's own message hides the cause).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
