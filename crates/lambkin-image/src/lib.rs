//! Container images for Lambda functions (`PackageType: Image`), without Docker.
//!
//! An [`ImageStore`] pulls images from OCI registries (registry v2 API, through `oci-client`),
//! imports `docker save` archives and OCI image layouts, verifies every blob by its digest,
//! and unpacks each layer once, safely, into a directory in overlayfs format (whiteouts as
//! 0:0 character devices, opaque directories marked with `trusted.overlay.opaque=y`). The
//! caller stacks [`Image::layers`] with overlayfs as a sandbox's read-only root.
//!
//! ```text
//! root/
//!   blobs/sha256/<hex>     manifests and image configs, by digest
//!   layers/<hex>/          unpacked layers, by diff_id (uncompressed digest)
//!   layer-sizes/<hex>      the uncompressed size of layers/<hex>, in decimal
//!   images/<hex>.json      one record per complete image, by manifest digest (written last)
//!   names.json             imported names -> manifest digest
//!   tmp/                   downloads and unpacks in progress; emptied on open
//! ```
//!
//! The crate knows nothing of Lambda's API, lambkin's store or its sandbox.

mod auth;
mod digest;
mod error;
mod import;
mod reference;
mod registry;
mod spec;
mod store;
#[cfg(test)]
mod testutil;
mod unpack;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::ImageError;
pub use reference::ImageRef;
pub use spec::ImageConfig;

/// Lambda's limit on an image's unpacked size: 10 GiB.
pub const DEFAULT_MAX_UNPACKED_BYTES: u64 = 10 << 30;

/// Where registries are and how to reach them.
#[derive(Debug, Clone)]
pub struct RegistrySettings {
    /// Registries (`host[:port]`) allowed over plain HTTP besides loopback ones
    /// (`localhost`, `127.0.0.0/8`, `[::1]`), which always use plain HTTP.
    pub insecure: Vec<String>,
    /// The `host[:port]` that `<account>.dkr.ecr.<region>.amazonaws.com[/...]` references map to
    /// (the repository path is kept). `None` contacts ECR itself.
    pub ecr_registry: Option<String>,
    /// A docker `config.json`-format credentials file; else `$DOCKER_CONFIG/config.json` or
    /// `~/.docker/config.json`.
    pub auth_file: Option<PathBuf>,
    /// Images whose layers unpack to more than this are refused as [`ImageError::TooBig`].
    pub max_unpacked_bytes: u64,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            insecure: Vec::new(),
            ecr_registry: None,
            auth_file: None,
            max_unpacked_bytes: DEFAULT_MAX_UNPACKED_BYTES,
        }
    }
}

/// A complete image in the local store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The normalised reference as asked (e.g. `localhost:5000/fn:latest`).
    pub reference: String,
    /// `repository@sha256:<manifest digest>` (Lambda's `ResolvedImageUri`).
    pub resolved: String,
    /// The manifest digest, `sha256:<hex>`.
    pub manifest_digest: String,
    /// What the image config says about running the image.
    pub config: ImageConfig,
    /// The unpacked layer directories, bottom first (overlayfs wants `lowerdir` top first).
    pub layers: Vec<PathBuf>,
    /// The total compressed size of the layers, in bytes.
    pub size: u64,
}

/// The local image store: pulls, imports and keeps images. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct ImageStore {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<store::Store>,
    settings: RegistrySettings,
}

impl std::fmt::Debug for ImageStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageStore")
            .field("root", &self.inner.store.root())
            .finish_non_exhaustive()
    }
}

/// Makes ring the process's TLS provider unless one is installed: `oci-client`'s HTTP client is built without
/// a provider of its own (aws-lc is a long C build). [`ImageStore::open`] calls it; call it before building an
/// `oci_client::Client` of your own.
pub fn install_tls_provider() {
    // rustls deprecates ring's provider only for lacking post-quantum key exchange.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl ImageStore {
    /// Opens (creating if needed) the store under `root`; leftovers of interrupted work in
    /// `root/tmp` are removed.
    pub fn open(root: &Path, settings: RegistrySettings) -> Result<ImageStore, ImageError> {
        install_tls_provider();
        let store = Arc::new(store::Store::open(root)?);
        Ok(ImageStore {
            inner: Arc::new(Inner { store, settings }),
        })
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        self.inner.store.root()
    }

    /// Resolves `reference` (e.g. `localhost:5000/fn:latest`, `repo@sha256:…`, an ECR URI, or
    /// the name of an image imported with [`ImageStore::import`]) for `arch` (`amd64` |
    /// `arm64`), fetches whatever layers are missing (verified), unpacks them once, and
    /// returns the image. An image index / manifest list is resolved to `linux/<arch>`.
    ///
    /// Imported names and digest references complete in the store are answered without
    /// contacting any registry; a tag is otherwise always resolved against the registry.
    pub async fn pull(&self, reference: &str, arch: &str) -> Result<Image, ImageError> {
        check_arch(arch)?;
        let r = ImageRef::parse(reference)?;
        let name = r.to_string();
        if let Some(digest) = self.inner.store.name(&name)? {
            if let Some(mut image) = self.local(&digest) {
                if image.config.architecture != arch {
                    return Err(ImageError::WrongArchitecture(format!(
                        "{name} (imported) is for {}, not {arch}",
                        image.config.architecture
                    )));
                }
                image.resolved = r.resolved(&digest);
                image.reference = name;
                return Ok(image);
            }
        }
        if let Some(digest) = r.digest.as_deref() {
            if let Some(mut image) = self.local(digest) {
                if image.config.architecture == arch {
                    image.reference = name;
                    image.resolved = r.resolved(digest);
                    return Ok(image);
                }
            }
        }
        registry::pull(&self.inner.store, &self.inner.settings, &r, arch).await
    }

    /// The `repository@sha256:…` that `reference` names for `arch` now: a tag resolved against its registry
    /// (only manifests are fetched), an imported name against the store, a digest reference as it is. Pulling
    /// the answer later gets exactly this image, whatever the tag names by then.
    pub async fn resolve(&self, reference: &str, arch: &str) -> Result<String, ImageError> {
        check_arch(arch)?;
        let r = ImageRef::parse(reference)?;
        if let Some(digest) = self.inner.store.name(&r.to_string())? {
            return Ok(r.resolved(&digest));
        }
        if let Some(digest) = &r.digest {
            return Ok(r.resolved(digest));
        }
        let digest = registry::resolve(&self.inner.settings, &r, arch).await?;
        Ok(r.resolved(&digest))
    }

    /// The image with this manifest digest if it is complete in the local store (no network).
    pub fn local(&self, manifest_digest: &str) -> Option<Image> {
        self.inner.store.image(manifest_digest).ok().flatten()
    }

    /// Loads a `docker save` archive (the classic layout with `<id>/layer.tar` and the Docker
    /// 25+ OCI-style one), an OCI image layout directory, or an OCI archive (a tar of a layout,
    /// optionally gzip-compressed) into the store; returns the images imported with the names
    /// they carry (`RepoTags` / `io.containerd.image.name` / `org.opencontainers.image.ref.name`),
    /// normalised. The names are recorded so that [`ImageStore::pull`] finds them locally.
    pub fn import(&self, path: &Path, arch: &str) -> Result<Vec<(String, Image)>, ImageError> {
        check_arch(arch)?;
        import::import(
            &self.inner.store,
            path,
            arch,
            self.inner.settings.max_unpacked_bytes,
        )
    }
}

fn check_arch(arch: &str) -> Result<(), ImageError> {
    match arch {
        "amd64" | "arm64" => Ok(()),
        other => Err(ImageError::WrongArchitecture(format!(
            "architecture `{other}` is not one Lambda runs (amd64 or arm64)"
        ))),
    }
}
