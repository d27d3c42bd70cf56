//! The OCI / Docker JSON documents this crate reads: manifests, indexes, image configs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ImageError;

/// OCI image manifest.
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker image manifest (schema 2).
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// OCI image index.
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker manifest list.
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// OCI image config.
pub(crate) const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// The manifest media types asked of registries.
pub(crate) const ACCEPTED_MANIFESTS: &[&str] =
    &[OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_LIST];

/// Whether `media_type` is a layer (tar, gzip- or zstd-compressed) this crate unpacks.
pub(crate) fn is_layer_media_type(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/vnd.oci.image.layer.v1.tar"
            | "application/vnd.oci.image.layer.v1.tar+gzip"
            | "application/vnd.oci.image.layer.v1.tar+zstd"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
            | "application/vnd.docker.image.rootfs.diff.tar"
            | "application/vnd.docker.image.rootfs.diff.tar.gzip"
            | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    )
}

/// A content descriptor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A platform in an index entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// An image manifest, OCI or Docker schema 2.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Manifest {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

/// An image index or manifest list.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Index {
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
}

/// A manifest or an index, told apart by media type (or by shape when it has none).
pub(crate) enum ManifestOrIndex {
    Manifest(Manifest),
    Index(Index),
}

/// Parses manifest bytes; `what` names them in errors.
pub(crate) fn parse_manifest(bytes: &[u8], what: &str) -> Result<ManifestOrIndex, ImageError> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "schemaVersion", default)]
        schema_version: u32,
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
    }
    let invalid = |e: serde_json::Error| {
        ImageError::Invalid(format!("manifest of {what} is not valid JSON: {e}"))
    };
    let probe: Probe = serde_json::from_slice(bytes).map_err(invalid)?;
    if probe.schema_version != 2 {
        return Err(ImageError::Invalid(format!(
            "manifest of {what} has schemaVersion {} (only 2 is supported)",
            probe.schema_version
        )));
    }
    let is_index = match probe.media_type.as_deref() {
        Some(OCI_INDEX | DOCKER_LIST) => true,
        Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
        None => probe.manifests.is_some(),
        Some(other) => {
            return Err(ImageError::Invalid(format!(
                "manifest of {what} has media type `{other}`, not an image manifest or index"
            )))
        }
    };
    if is_index {
        Ok(ManifestOrIndex::Index(
            serde_json::from_slice(bytes).map_err(invalid)?,
        ))
    } else {
        let m: Manifest = serde_json::from_slice(bytes).map_err(invalid)?;
        for l in &m.layers {
            if !is_layer_media_type(&l.media_type) {
                return Err(ImageError::Invalid(format!(
                    "layer {} of {what} has media type `{}`, not an image layer",
                    l.digest, l.media_type
                )));
            }
            crate::digest::hex_of(&l.digest)
                .map_err(|e| e.context(format!("manifest of {what}")))?;
        }
        crate::digest::hex_of(&m.config.digest)
            .map_err(|e| e.context(format!("manifest of {what}")))?;
        Ok(ManifestOrIndex::Manifest(m))
    }
}

/// The entry of `index` for `linux/<arch>`, or `WrongArchitecture` listing what it has.
pub(crate) fn pick_platform<'a>(
    index: &'a Index,
    arch: &str,
    what: &str,
) -> Result<&'a Descriptor, ImageError> {
    let found = index.manifests.iter().find(|d| {
        d.platform.as_ref().is_some_and(|p| {
            p.os == "linux"
                && p.architecture == arch
                && (arch != "arm64" || matches!(p.variant.as_deref(), None | Some("v8")))
        }) && matches!(d.media_type.as_str(), OCI_MANIFEST | DOCKER_MANIFEST | "")
    });
    found.ok_or_else(|| {
        let have: Vec<String> = index
            .manifests
            .iter()
            .filter_map(|d| d.platform.as_ref())
            .map(|p| format!("{}/{}", p.os, p.architecture))
            .collect();
        ImageError::WrongArchitecture(format!(
            "the index of {what} has no linux/{arch} image (it has: {})",
            if have.is_empty() {
                "none".to_string()
            } else {
                have.join(", ")
            }
        ))
    })
}

/// What the image config says about running the image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    /// `ENTRYPOINT`, exec form.
    pub entrypoint: Vec<String>,
    /// `CMD`, exec form.
    pub cmd: Vec<String>,
    /// The environment, `K=V` each.
    pub env: Vec<String>,
    /// `WORKDIR`; empty when unset.
    pub working_dir: String,
    /// `USER`; empty when unset.
    pub user: String,
    /// `amd64` or `arm64`.
    pub architecture: String,
    /// `linux`.
    pub os: String,
}

/// The image config JSON (only the parts used).
#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    config: Option<RunConfig>,
    rootfs: RootFs,
}

#[derive(Debug, Default, Deserialize)]
struct RunConfig {
    #[serde(rename = "Entrypoint", default)]
    entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    cmd: Option<Vec<String>>,
    #[serde(rename = "Env", default)]
    env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir", default)]
    working_dir: Option<String>,
    #[serde(rename = "User", default)]
    user: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RootFs {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// Parses an image config: the run settings and the layers' diff_ids, checked to be linux on
/// `arch` (when given).
pub(crate) fn parse_config(
    bytes: &[u8],
    arch: Option<&str>,
    what: &str,
) -> Result<(ImageConfig, Vec<String>), ImageError> {
    let c: ConfigFile = serde_json::from_slice(bytes)
        .map_err(|e| ImageError::Invalid(format!("image config of {what} is not valid: {e}")))?;
    if c.rootfs.kind != "layers" {
        return Err(ImageError::Invalid(format!(
            "image config of {what} has rootfs type `{}` (expected `layers`)",
            c.rootfs.kind
        )));
    }
    for d in &c.rootfs.diff_ids {
        crate::digest::hex_of(d).map_err(|e| e.context(format!("image config of {what}")))?;
    }
    if c.os != "linux" {
        return Err(ImageError::WrongArchitecture(format!(
            "{what} is an image for os `{}`, not linux",
            c.os
        )));
    }
    if let Some(arch) = arch {
        if c.architecture != arch {
            return Err(ImageError::WrongArchitecture(format!(
                "{what} is an image for {}, not {arch}",
                c.architecture
            )));
        }
    }
    let rc = c.config.unwrap_or_default();
    Ok((
        ImageConfig {
            entrypoint: rc.entrypoint.unwrap_or_default(),
            cmd: rc.cmd.unwrap_or_default(),
            env: rc.env.unwrap_or_default(),
            working_dir: rc.working_dir.unwrap_or_default(),
            user: rc.user.unwrap_or_default(),
            architecture: c.architecture,
            os: c.os,
        },
        c.rootfs.diff_ids,
    ))
}
