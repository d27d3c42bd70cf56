//! Importing images from files: `docker save` archives (classic `<id>/layer.tar` and the
//! Docker 25+ OCI-style layout), OCI image layout directories, and OCI archives (a tar of a
//! layout, optionally gzip- or zstd-compressed).
//!
//! An archive is first unpacked (safely, like a layer but without whiteout conversion) into a
//! temp directory; files of a layout are then opened beneath it with `openat2(RESOLVE_BENEATH)`
//! (docker-save's symlinks between layers work, escapes do not). Docker-save images without a
//! manifest digest get one from a synthesised OCI manifest.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags};
use serde::Deserialize;

use crate::digest::{hex_of, sha256, HashingReader};
use crate::reference::ImageRef;
use crate::spec::{self, Descriptor, Manifest, ManifestOrIndex};
use crate::store::{ImageRecord, Store};
use crate::{unpack, Image, ImageError};

/// Imports the images at `path` for `arch`.
pub(crate) fn import(
    store: &Store,
    path: &Path,
    arch: &str,
    max: u64,
) -> Result<Vec<(String, Image)>, ImageError> {
    let shown = path.display().to_string();
    let meta =
        std::fs::metadata(path).map_err(|e| ImageError::io(format!("import of {shown}"), e))?;
    let mut staged = None;
    let dir = if meta.is_dir() {
        path.to_path_buf()
    } else {
        let tmp = store.tmp_path("import");
        std::fs::create_dir(&tmp)
            .map_err(|e| ImageError::io(format!("creating {}", tmp.display()), e))?;
        staged = Some(Cleanup(tmp.clone()));
        let file = File::open(path).map_err(|e| ImageError::io(format!("import of {shown}"), e))?;
        let reader = unpack::decompress(file)
            .map_err(|e| ImageError::Invalid(format!("import of {shown}: reading failed: {e}")))?;
        let limited = HashingReader::new(reader, max.saturating_add(64 << 20));
        let opts = unpack::Options {
            whiteouts: false,
            chown: false,
        };
        unpack::unpack_tar(limited, &tmp, &format!("archive {shown}"), opts)?;
        tmp
    };
    let layout = Layout::open(&dir, &shown, stem_of(path))?;
    let result = if layout.exists("index.json") {
        import_oci(store, &layout, arch, max)
    } else if layout.exists("manifest.json") {
        import_docker(store, &layout, arch, max)
    } else {
        Err(ImageError::Invalid(format!(
            "import of {shown}: neither an OCI layout (index.json) nor a docker save archive (manifest.json)"
        )))
    };
    drop(staged);
    result
}

/// Removes a temp directory when dropped.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory whose files are opened beneath it (symlinks inside it are fine, out of it not).
struct Layout {
    root: OwnedFd,
    shown: String,
    /// The repository name of images that carry only a tag, or no name: the file's or directory's name.
    stem: String,
}

/// A repository name made of `path`'s file name without its archive extensions (`fn.tar.gz` → `fn`):
/// lowercase, characters a repository name cannot hold made `-`.
fn stem_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut stem = name.as_str();
    for ext in [".gz", ".tgz", ".zst", ".tar", ".oci"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    let cleaned: String = stem
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '-',
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if cleaned.is_empty() {
        "image".into()
    } else {
        cleaned.to_owned()
    }
}

impl Layout {
    fn open(dir: &Path, shown: &str, stem: String) -> Result<Layout, ImageError> {
        let root = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| {
            ImageError::io(
                format!("import of {shown}: opening {}", dir.display()),
                e.into(),
            )
        })?;
        Ok(Layout {
            root,
            shown: shown.to_string(),
            stem,
        })
    }

    fn file(&self, rel: &str) -> Result<File, ImageError> {
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
        rustix::fs::openat2(
            &self.root,
            OsStr::from_bytes(rel.trim_start_matches('/').as_bytes()),
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
            resolve,
        )
        .map(File::from)
        .map_err(|e| match e {
            rustix::io::Errno::NOENT => {
                ImageError::NotFound(format!("import of {}: `{rel}` is missing", self.shown))
            }
            rustix::io::Errno::XDEV => ImageError::Invalid(format!(
                "import of {}: `{rel}` leads out of the archive",
                self.shown
            )),
            e => ImageError::io(
                format!("import of {}: opening `{rel}`", self.shown),
                e.into(),
            ),
        })
    }

    fn exists(&self, rel: &str) -> bool {
        self.file(rel).is_ok()
    }

    fn read(&self, rel: &str, max: u64) -> Result<Vec<u8>, ImageError> {
        let mut out = Vec::new();
        self.file(rel)?
            .take(max + 1)
            .read_to_end(&mut out)
            .map_err(|e| ImageError::io(format!("import of {}: reading `{rel}`", self.shown), e))?;
        if out.len() as u64 > max {
            return Err(ImageError::Invalid(format!(
                "import of {}: `{rel}` is larger than {max} bytes",
                self.shown
            )));
        }
        Ok(out)
    }

    fn blob_rel(digest: &str) -> Result<String, ImageError> {
        Ok(format!("blobs/sha256/{}", hex_of(digest)?))
    }

    /// The blob `digest`, verified.
    fn blob(&self, digest: &str) -> Result<Vec<u8>, ImageError> {
        let bytes = self.read(&Self::blob_rel(digest)?, MAX_DOCUMENT)?;
        let actual = sha256(&bytes);
        if actual != digest {
            return Err(ImageError::Invalid(format!(
                "import of {}: blob {digest} has digest {actual}",
                self.shown
            )));
        }
        Ok(bytes)
    }

    /// The digest and size of file `rel`.
    fn hash(&self, rel: &str) -> Result<(String, u64), ImageError> {
        let mut r = HashingReader::new(self.file(rel)?, u64::MAX);
        io::copy(&mut r, &mut io::sink())
            .map_err(|e| ImageError::io(format!("import of {}: reading `{rel}`", self.shown), e))?;
        Ok(r.finish())
    }
}

/// The largest manifest, index or config accepted, in bytes.
const MAX_DOCUMENT: u64 = 4 << 20;

const NAME_ANNOTATIONS: [&str; 2] = [
    "io.containerd.image.name",
    "org.opencontainers.image.ref.name",
];

fn import_oci(
    store: &Store,
    layout: &Layout,
    arch: &str,
    max: u64,
) -> Result<Vec<(String, Image)>, ImageError> {
    let index_bytes = layout.read("index.json", MAX_DOCUMENT)?;
    let what = format!("import of {}", layout.shown);
    let index = match spec::parse_manifest(&index_bytes, &format!("{what} (index.json)"))? {
        ManifestOrIndex::Index(i) => i,
        ManifestOrIndex::Manifest(_) => {
            return Err(ImageError::Invalid(format!(
                "{what}: index.json is not an image index"
            )))
        }
    };
    // Names docker-save puts in manifest.json, by config digest (for layouts whose index
    // carries no names).
    let docker_names: BTreeMap<String, Vec<String>> = if layout.exists("manifest.json") {
        docker_entries(layout)?
            .into_iter()
            .filter_map(|e| {
                let hex = e
                    .config
                    .rsplit('/')
                    .next()?
                    .trim_end_matches(".json")
                    .to_string();
                Some((format!("sha256:{hex}"), e.repo_tags.unwrap_or_default()))
            })
            .collect()
    } else {
        BTreeMap::new()
    };
    let mut out = Vec::new();
    let mut wrong = Vec::new();
    for entry in &index.manifests {
        if let Some(p) = &entry.platform {
            if p.os != "linux" || p.architecture != arch {
                wrong.push(format!("{}/{}", p.os, p.architecture));
                continue;
            }
        }
        let mut digest = entry.digest.clone();
        let mut bytes = layout.blob(&digest)?;
        let manifest = match spec::parse_manifest(&bytes, &format!("{what} ({digest})"))? {
            ManifestOrIndex::Manifest(m) => m,
            ManifestOrIndex::Index(inner) => {
                let picked = match spec::pick_platform(&inner, arch, &format!("{what} ({digest})"))
                {
                    Ok(p) => p.digest.clone(),
                    Err(e) => {
                        wrong.push(e.to_string());
                        continue;
                    }
                };
                digest = picked;
                bytes = layout.blob(&digest)?;
                match spec::parse_manifest(&bytes, &format!("{what} ({digest})"))? {
                    ManifestOrIndex::Manifest(m) => m,
                    ManifestOrIndex::Index(_) => {
                        return Err(ImageError::Invalid(format!(
                            "{what}: index {digest} nests another index"
                        )))
                    }
                }
            }
        };
        let config = layout.blob(&manifest.config.digest)?;
        match spec::parse_config(&config, Some(arch), &format!("{what} ({digest})")) {
            Err(ImageError::WrongArchitecture(m)) => {
                wrong.push(m);
                continue;
            }
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let mut names: Vec<String> = NAME_ANNOTATIONS
            .iter()
            .find_map(|k| entry.annotations.get(*k))
            .map(|n| vec![n.clone()])
            .unwrap_or_default();
        if names.is_empty() {
            names = docker_names
                .get(&manifest.config.digest)
                .cloned()
                .unwrap_or_default();
        }
        let image = install(
            store,
            layout,
            &bytes,
            &digest,
            &manifest,
            &config,
            arch,
            max,
            &names,
            |d| Layout::blob_rel(&d.digest),
        )?;
        out.extend(name_all(store, &layout.stem, &names, &image)?);
    }
    if out.is_empty() {
        return Err(ImageError::WrongArchitecture(format!(
            "{what}: no linux/{arch} image ({})",
            if wrong.is_empty() {
                "the index is empty".to_string()
            } else {
                wrong.join("; ")
            }
        )));
    }
    Ok(out)
}

/// One image of a docker-save `manifest.json`.
#[derive(Debug, Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

fn docker_entries(layout: &Layout) -> Result<Vec<DockerEntry>, ImageError> {
    let bytes = layout.read("manifest.json", MAX_DOCUMENT)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ImageError::Invalid(format!(
            "import of {}: manifest.json is not valid: {e}",
            layout.shown
        ))
    })
}

fn import_docker(
    store: &Store,
    layout: &Layout,
    arch: &str,
    max: u64,
) -> Result<Vec<(String, Image)>, ImageError> {
    let what = format!("import of {}", layout.shown);
    let mut out = Vec::new();
    for entry in docker_entries(layout)? {
        let config = layout.read(&entry.config, MAX_DOCUMENT)?;
        let config_digest = sha256(&config);
        let names = entry.repo_tags.clone().unwrap_or_default();
        let label = names
            .first()
            .cloned()
            .unwrap_or_else(|| config_digest.clone());
        spec::parse_config(&config, Some(arch), &format!("{what} ({label})"))?;
        // A manifest for the image as it is: the layer files' digests and media types.
        let mut layers = Vec::new();
        let mut files = BTreeMap::new();
        for rel in &entry.layers {
            let (digest, size) = layout.hash(rel)?;
            let media_type = sniff_media_type(layout.file(rel)?)
                .map_err(|e| ImageError::io(format!("{what}: reading `{rel}`"), e))?;
            files.insert(digest.clone(), rel.clone());
            layers.push(Descriptor {
                media_type: media_type.to_string(),
                digest,
                size,
                ..Descriptor::default()
            });
        }
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(spec::OCI_MANIFEST.to_string()),
            config: Descriptor {
                media_type: spec::OCI_CONFIG.to_string(),
                digest: config_digest.clone(),
                size: config.len() as u64,
                ..Descriptor::default()
            },
            layers,
        };
        let bytes = serde_json::to_vec(&manifest)
            .map_err(|e| ImageError::Io(format!("{what}: encoding a manifest: {e}")))?;
        let digest = sha256(&bytes);
        let image = install(
            store,
            layout,
            &bytes,
            &digest,
            &manifest,
            &config,
            arch,
            max,
            &names,
            |d| {
                files.get(&d.digest).cloned().ok_or_else(|| {
                    ImageError::Invalid(format!("{what}: no file for layer {}", d.digest))
                })
            },
        )?;
        out.extend(name_all(store, &layout.stem, &names, &image)?);
    }
    if out.is_empty() {
        return Err(ImageError::Invalid(format!(
            "{what}: manifest.json lists no image"
        )));
    }
    Ok(out)
}

/// The OCI layer media type of a file, from its magic bytes.
fn sniff_media_type(mut f: File) -> io::Result<&'static str> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(if head[..n].starts_with(&[0x1f, 0x8b]) {
        "application/vnd.oci.image.layer.v1.tar+gzip"
    } else if head[..n].starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "application/vnd.oci.image.layer.v1.tar+zstd"
    } else {
        "application/vnd.oci.image.layer.v1.tar"
    })
}

/// Unpacks the layers of one image (verifying each file's digest and each diff_id), stores
/// its manifest and config, and records it.
#[allow(clippy::too_many_arguments)]
fn install(
    store: &Store,
    layout: &Layout,
    manifest_bytes: &[u8],
    digest: &str,
    manifest: &Manifest,
    config_bytes: &[u8],
    arch: &str,
    max: u64,
    names: &[String],
    layer_file: impl Fn(&Descriptor) -> Result<String, ImageError>,
) -> Result<Image, ImageError> {
    let label = names.first().cloned().unwrap_or_else(|| digest.to_string());
    let what = format!("import of {} ({label})", layout.shown);
    let (_, diff_ids) = spec::parse_config(config_bytes, Some(arch), &what)?;
    if diff_ids.len() != manifest.layers.len() {
        return Err(ImageError::Invalid(format!(
            "{what}: the manifest has {} layers but the config {} diff_ids",
            manifest.layers.len(),
            diff_ids.len()
        )));
    }
    let mut used = 0u64;
    for (layer, diff_id) in manifest.layers.iter().zip(&diff_ids) {
        let lwhat = format!("layer {} of {label} ({})", layer.digest, layout.shown);
        let size = match store.layer_size(diff_id)? {
            Some(s) => s,
            None => {
                let rel = layer_file(layer)?;
                let (actual, _) = layout.hash(&rel)?;
                if actual != layer.digest {
                    return Err(ImageError::Invalid(format!(
                        "{lwhat}: `{rel}` has digest {actual}"
                    )));
                }
                store.ensure_layer(
                    diff_id,
                    || layout.file(&rel),
                    max.saturating_sub(used),
                    &lwhat,
                )?
            }
        };
        used = used.saturating_add(size);
        if used > max {
            return Err(ImageError::TooBig(format!(
                "{what}: its layers unpack to more than max_unpacked_bytes ({max})"
            )));
        }
    }
    store.put_blob(&manifest.config.digest, config_bytes)?;
    store.put_blob(digest, manifest_bytes)?;
    let (reference, resolved) = match names.first().map(|n| ImageRef::parse(n)) {
        Some(Ok(r)) => (r.to_string(), r.resolved(digest)),
        _ => (digest.to_string(), digest.to_string()),
    };
    let record = ImageRecord {
        reference,
        resolved,
        config_digest: manifest.config.digest.clone(),
        diff_ids,
        size: manifest.layers.iter().map(|l| l.size).sum(),
    };
    store.put_image(digest, &record)?;
    store.image(digest)?.ok_or_else(|| {
        ImageError::Io(format!(
            "{what}: the image vanished from the store while being recorded"
        ))
    })
}

/// Records `image` under each of `names` (normalised); returns them with the image as each names it. A name that is only a tag (what `skopeo`, `umoci` and the OCI layout
/// convention put in `org.opencontainers.image.ref.name`) names `stem:<tag>`; an image without names is
/// `stem:latest`.
fn name_all(
    store: &Store,
    stem: &str,
    names: &[String],
    image: &Image,
) -> Result<Vec<(String, Image)>, ImageError> {
    let bare_tag = |n: &str| !n.contains(['/', ':', '@']);
    let names: Vec<String> = match names.is_empty() {
        true => vec![format!("{stem}:latest")],
        false => names
            .iter()
            .map(|n| match bare_tag(n) {
                true => format!("{stem}:{n}"),
                false => n.clone(),
            })
            .collect(),
    };
    let mut out = Vec::new();
    for n in &names {
        let r = ImageRef::parse(n)?;
        let name = r.to_string();
        store.set_name(&name, &image.manifest_digest)?;
        let mut img = image.clone();
        img.reference = name.clone();
        img.resolved = r.resolved(&image.manifest_digest);
        out.push((name, img));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{config, gzip, tar, E};

    #[test]
    fn names_from_the_file_name() {
        assert_eq!(stem_of(Path::new("/x/My_Fn.tar.gz")), "my_fn");
        assert_eq!(stem_of(Path::new("layout")), "layout");
        assert_eq!(stem_of(Path::new("img.oci.tar")), "img");
        assert_eq!(stem_of(Path::new("/x/@@.tar")), "image");
    }
    use crate::{ImageStore, RegistrySettings};
    use std::path::Path;

    fn store(dir: &Path) -> ImageStore {
        ImageStore::open(&dir.join("store"), RegistrySettings::default()).unwrap()
    }

    fn hex(bytes: &[u8]) -> String {
        sha256(bytes).trim_start_matches("sha256:").to_string()
    }

    /// Files of an archive: (path, contents) and symlinks (path -> target).
    fn archive(files: &[(String, Vec<u8>)], links: &[(&str, &str)]) -> Vec<u8> {
        let mut entries: Vec<E<'_>> = files.iter().map(|(p, d)| E::file(p, d)).collect();
        entries.extend(links.iter().map(|(p, t)| E::symlink(p, t)));
        tar(&entries)
    }

    fn layers() -> (Vec<u8>, Vec<u8>) {
        let l1 = tar(&[
            E::dir("etc"),
            E::file("etc/base", b"base"),
            E::file("etc/old", b"old"),
        ]);
        let l2 = tar(&[E::file("app", b"#!/bin/sh"), E::file("etc/.wh.old", b"")]);
        (l1, l2)
    }

    fn pull_local(s: &ImageStore, name: &str, arch: &str) -> Result<Image, ImageError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(s.pull(name, arch))
    }

    fn check_image(img: &Image) {
        assert_eq!(img.layers.len(), 2);
        assert_eq!(
            std::fs::read(img.layers[0].join("etc/base")).unwrap(),
            b"base"
        );
        assert_eq!(
            std::fs::read(img.layers[1].join("app")).unwrap(),
            b"#!/bin/sh"
        );
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::symlink_metadata(img.layers[1].join("etc/old"))
            .unwrap()
            .file_type()
            .is_char_device());
        assert_eq!(img.config.entrypoint, ["/app"]);
        assert_eq!(img.config.cmd, ["handler"]);
        assert_eq!(img.config.env, ["A=1"]);
        assert_eq!(img.config.working_dir, "/w");
        assert_eq!(img.config.user, "1000");
    }

    #[test]
    fn docker_save_classic_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let (l1, l2) = layers();
        let l2gz = gzip(&l2);
        let cfg = config("amd64", &[&l1, &l2]);
        let manifest = serde_json::json!([{
            "Config": format!("{}.json", hex(&cfg)),
            "RepoTags": ["fn:latest", "localhost:5000/fn:1"],
            "Layers": ["aaa/layer.tar", "bbb/layer.tar"],
        }]);
        let tarball = archive(
            &[
                (format!("{}.json", hex(&cfg)), cfg.clone()),
                ("aaa/layer.tar".into(), l1.clone()),
                ("real/layer.tar".into(), l2gz),
                (
                    "manifest.json".into(),
                    serde_json::to_vec(&manifest).unwrap(),
                ),
            ],
            // docker save links layers it already wrote
            &[("bbb/layer.tar", "../real/layer.tar")],
        );
        let path = dir.path().join("fn.tar");
        std::fs::write(&path, &tarball).unwrap();
        let s = store(dir.path());
        let got = s.import(&path, "amd64").unwrap();
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["fn:latest", "localhost:5000/fn:1"]);
        let img = &got[0].1;
        check_image(img);
        assert_eq!(img.reference, "fn:latest");
        assert_eq!(img.resolved, format!("fn@{}", img.manifest_digest));
        assert_eq!(
            got[1].1.resolved,
            format!("localhost:5000/fn@{}", img.manifest_digest)
        );
        assert_eq!(s.local(&img.manifest_digest).unwrap().layers, img.layers);
        // Imported names resolve without any registry (nothing listens on :5000).
        let pulled = pull_local(&s, "fn", "amd64").unwrap();
        assert_eq!(pulled.manifest_digest, img.manifest_digest);
        let pulled = pull_local(&s, "localhost:5000/fn:1", "amd64").unwrap();
        assert_eq!(pulled.reference, "localhost:5000/fn:1");
        let e = pull_local(&s, "fn:latest", "arm64").unwrap_err();
        assert!(matches!(e, ImageError::WrongArchitecture(_)), "{e}");
        // The same import again yields the same digest (the synthesised manifest is stable).
        let again = s.import(&path, "amd64").unwrap();
        assert_eq!(again[0].1.manifest_digest, img.manifest_digest);
        assert_eq!(
            std::fs::read_dir(s.root().join("layers")).unwrap().count(),
            2
        );
        // Wrong architecture.
        let e = s.import(&path, "arm64").unwrap_err();
        assert!(
            matches!(&e, ImageError::WrongArchitecture(m) if m.contains("is an image for amd64, not arm64")),
            "{e}"
        );
    }

    /// One image of a test layout: arch, two layers, and a name (`None`: in a nested index).
    type Entry<'a> = (&'a str, &'a [u8], &'a [u8], Option<&'a str>);

    /// An OCI layout's files: blobs, index.json, oci-layout.
    fn oci_layout(entries: &[Entry<'_>]) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![(
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        )];
        let mut index_entries = Vec::new();
        let mut platform_entries = Vec::new();
        for (arch, l1, l2, name) in entries {
            let l2gz = gzip(l2);
            let cfg = config(arch, &[l1, l2]);
            let manifest = serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2,
                "mediaType": spec::OCI_MANIFEST,
                "config": {"mediaType": spec::OCI_CONFIG, "digest": sha256(&cfg), "size": cfg.len()},
                "layers": [
                    {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha256(l1), "size": l1.len()},
                    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(&l2gz), "size": l2gz.len()},
                ],
            }))
            .unwrap();
            for b in [cfg, l1.to_vec(), l2gz, manifest.clone()] {
                files.push((format!("blobs/sha256/{}", hex(&b)), b));
            }
            let desc = serde_json::json!({
                "mediaType": spec::OCI_MANIFEST, "digest": sha256(&manifest), "size": manifest.len(),
                "platform": {"os": "linux", "architecture": arch},
            });
            match name {
                Some(n) => {
                    let mut d = desc.clone();
                    d["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": n});
                    index_entries.push(d);
                }
                None => platform_entries.push(desc),
            }
        }
        if !platform_entries.is_empty() {
            let inner = serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2, "mediaType": spec::OCI_INDEX, "manifests": platform_entries,
            }))
            .unwrap();
            index_entries.push(serde_json::json!({
                "mediaType": spec::OCI_INDEX, "digest": sha256(&inner), "size": inner.len(),
                "annotations": {"io.containerd.image.name": "docker.io/library/multi:2"},
            }));
            files.push((format!("blobs/sha256/{}", hex(&inner)), inner));
        }
        let index = serde_json::json!({"schemaVersion": 2, "mediaType": spec::OCI_INDEX, "manifests": index_entries});
        files.push(("index.json".into(), serde_json::to_vec(&index).unwrap()));
        files
    }

    fn write_dir(root: &Path, files: &[(String, Vec<u8>)]) {
        for (p, b) in files {
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b).unwrap();
        }
    }

    #[test]
    fn oci_layout_directory_and_archives() {
        let dir = tempfile::tempdir().unwrap();
        let (l1, l2) = layers();
        let other = tar(&[E::file("arm", b"arm")]);
        let files = oci_layout(&[
            ("amd64", &l1, &l2, None),
            ("arm64", &other, &l2, None),
            ("amd64", &l1, &l2, Some("localhost:5000/oci:v1")),
        ]);
        let layout = dir.path().join("layout");
        write_dir(&layout, &files);
        let s = store(dir.path());
        let got = s.import(&layout, "amd64").unwrap();
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["localhost:5000/oci:v1", "multi:2"]);
        check_image(&got[0].1);
        // Shared layers are unpacked once.
        assert_eq!(got[0].1.layers, got[1].1.layers);
        assert_eq!(
            std::fs::read_dir(s.root().join("layers")).unwrap().count(),
            2
        );
        // arm64 picks the arm64 entry of the nested index and skips the amd64-only one.
        let arm = s.import(&layout, "arm64").unwrap();
        assert_eq!(arm.len(), 1);
        assert_eq!(
            std::fs::read(arm[0].1.layers[0].join("arm")).unwrap(),
            b"arm"
        );

        // The same layout as a tar and as a tar.gz: same images.
        let t = archive(&files, &[]);
        for (name, bytes) in [("l.tar", t.clone()), ("l.tar.gz", gzip(&t))] {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let s2 = store(&dir.path().join(name).with_extension("d"));
            let got2 = s2.import(&p, "amd64").unwrap();
            assert_eq!(got2[1].1.manifest_digest, got[1].1.manifest_digest);
            assert_eq!(
                pull_local(&s2, "localhost:5000/oci:v1", "amd64")
                    .unwrap()
                    .manifest_digest,
                got[1].1.manifest_digest
            );
        }
    }

    #[test]
    fn docker_25_layout_uses_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let (l1, l2) = layers();
        let mut files = oci_layout(&[("amd64", &l1, &l2, Some("latest"))]);
        // Docker 25+: containerd's name annotation, plus a manifest.json pointing into blobs/.
        let index: serde_json::Value = serde_json::from_slice(&files.last().unwrap().1).unwrap();
        let mut index = index;
        index["manifests"][0]["annotations"]["io.containerd.image.name"] =
            "docker.io/library/fn:25".into();
        files.last_mut().unwrap().1 = serde_json::to_vec(&index).unwrap();
        files.push((
            "manifest.json".into(),
            br#"[{"Config":"blobs/sha256/00","RepoTags":["fn:25"],"Layers":[]}]"#.to_vec(),
        ));
        let p = dir.path().join("d25.tar");
        std::fs::write(&p, archive(&files, &[])).unwrap();
        let got = store(dir.path()).import(&p, "amd64").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "fn:25");
        check_image(&got[0].1);
    }

    #[test]
    fn tampered_blobs_and_escapes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (l1, l2) = layers();
        let mut files = oci_layout(&[("amd64", &l1, &l2, Some("t:1"))]);
        let l1_path = format!("blobs/sha256/{}", hex(&l1));
        for f in &mut files {
            if f.0 == l1_path {
                f.1 = tar(&[E::file("etc/base", b"evil")]);
            }
        }
        let layout = dir.path().join("bad");
        write_dir(&layout, &files);
        let e = store(dir.path()).import(&layout, "amd64").unwrap_err();
        assert!(
            matches!(&e, ImageError::Invalid(m) if m.contains(&format!("layer {} of t:1", sha256(&l1))) && m.contains("has digest")),
            "{e}"
        );
        // A layout whose blob is a symlink out of it.
        let mut files = oci_layout(&[("amd64", &l1, &l2, Some("t:2"))]);
        files.retain(|f| f.0 != l1_path);
        let t = archive(&files, &[(&l1_path, "/etc/passwd")]);
        let p = dir.path().join("escape.tar");
        std::fs::write(&p, t).unwrap();
        let e = store(&dir.path().join("s2"))
            .import(&p, "amd64")
            .unwrap_err();
        assert!(
            matches!(&e, ImageError::Invalid(m) if m.contains("leads out of the archive")),
            "{e}"
        );
    }
}
