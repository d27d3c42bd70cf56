//! Pulls from Debian's real registry (`/usr/bin/docker-registry`), anonymous and with basic
//! auth, after pushing a small two-layer image to it with `oci-client`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lambkin_image::{ImageError, ImageStore, RegistrySettings};
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest, Sha256};

const REGISTRY: &str = "/usr/bin/docker-registry";

/// A registry process on a free loopback port, killed on drop.
struct Registry {
    child: Child,
    addr: String,
    storage: PathBuf,
}

impl Registry {
    fn start(dir: &Path, htpasswd: Option<&Path>) -> Registry {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let storage = dir.join("storage");
        let mut cfg = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
            storage.display()
        );
        if let Some(h) = htpasswd {
            cfg.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: x\n    path: {}\n",
                h.display()
            ));
        }
        let cfg_path = dir.join("config.yml");
        std::fs::write(&cfg_path, cfg).unwrap();
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&cfg_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "the registry did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            child,
            addr,
            storage,
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn have_registry() -> bool {
    if Path::new(REGISTRY).exists() {
        return true;
    }
    // CI installs it (scripts/install-test-deps.sh): there a missing registry is a failure, never a skip.
    assert!(
        std::env::var_os("CI").is_none(),
        "{REGISTRY} is not installed (apt-get install docker-registry)"
    );
    eprintln!("SKIPPED: {REGISTRY} is not installed (apt-get install docker-registry)");
    false
}

fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (p, d) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(d.len() as u64);
        h.set_mode(0o755);
        h.set_cksum();
        b.append_data(&mut h, p, *d).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    g.write_all(b).unwrap();
    g.finish().unwrap()
}

/// Pushes a two-layer amd64 image as `addr/fn:latest`; returns its manifest digest.
async fn push(addr: &str, repo: &str, auth: &RegistryAuth) -> String {
    // The pushing client is built before any ImageStore installs the TLS provider.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let l1 = tar(&[("etc/base", b"base"), ("etc/old", b"old")]);
    let l2 = tar(&[
        ("var/task/app", b"#!/bin/sh\necho hi\n"),
        ("etc/.wh.old", b""),
    ]);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": ["/var/task/app"], "Env": ["PATH=/usr/bin"], "WorkingDir": "/var/task"},
        "rootfs": {"type": "layers", "diff_ids": [sha256(&l1), sha256(&l2)]},
    });
    let client = Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..ClientConfig::default()
    });
    let reference = Reference::with_tag(addr.to_string(), repo.to_string(), "latest".to_string());
    client
        .push(
            &reference,
            &[
                ImageLayer::oci_v1_gzip(gzip(&l1), None),
                ImageLayer::oci_v1(l2, None),
            ],
            Config::oci_v1(serde_json::to_vec(&config).unwrap(), None),
            auth,
            None,
        )
        .await
        .unwrap();
    client
        .fetch_manifest_digest(&reference, auth)
        .await
        .unwrap()
}

fn settings(auth_file: Option<PathBuf>) -> RegistrySettings {
    RegistrySettings {
        auth_file,
        ..RegistrySettings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_from_a_real_registry() {
    if !have_registry() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::start(dir.path(), None);
    let digest = push(&reg.addr, "fn", &RegistryAuth::Anonymous).await;
    let empty_auth = dir.path().join("auth.json");
    std::fs::write(&empty_auth, "{}").unwrap();
    let store = ImageStore::open(
        &dir.path().join("store"),
        settings(Some(empty_auth.clone())),
    )
    .unwrap();
    let reference = format!("{}/fn:latest", reg.addr);

    let img = store.pull(&reference, "amd64").await.unwrap();
    assert_eq!(img.manifest_digest, digest);
    assert_eq!(img.reference, reference);
    assert_eq!(img.resolved, format!("{}/fn@{digest}", reg.addr));
    assert_eq!(img.config.entrypoint, ["/var/task/app"]);
    assert_eq!(img.config.working_dir, "/var/task");
    assert_eq!(img.layers.len(), 2);
    assert_eq!(
        std::fs::read(img.layers[0].join("etc/base")).unwrap(),
        b"base"
    );
    assert_eq!(
        std::fs::read(img.layers[1].join("var/task/app")).unwrap(),
        b"#!/bin/sh\necho hi\n"
    );
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    assert_eq!(
        std::fs::metadata(img.layers[1].join("var/task/app"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o755
    );
    assert!(std::fs::symlink_metadata(img.layers[1].join("etc/old"))
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(img.size > 0);
    assert_eq!(store.local(&digest), Some(img.clone()));

    // A second pull fetches nothing new: with the layer and config blobs gone from the
    // registry, only the manifest is fetched (the tag is resolved again).
    let blobs = reg.storage.join("docker/registry/v2/blobs/sha256");
    let mut removed = 0;
    for prefix in std::fs::read_dir(&blobs).unwrap() {
        for b in std::fs::read_dir(prefix.unwrap().path()).unwrap() {
            let b = b.unwrap();
            if format!("sha256:{}", b.file_name().to_string_lossy()) != digest {
                std::fs::remove_dir_all(b.path()).unwrap();
                removed += 1;
            }
        }
    }
    assert_eq!(removed, 3);
    let again = store.pull(&reference, "amd64").await.unwrap();
    assert_eq!(again, img);
    assert_eq!(
        std::fs::read_dir(store.root().join("tmp")).unwrap().count(),
        0
    );

    // Wrong architecture, missing tag, missing repository.
    let e = store.pull(&reference, "arm64").await.unwrap_err();
    assert!(
        matches!(&e, ImageError::WrongArchitecture(m) if m.contains("amd64, not arm64")),
        "{e}"
    );
    let e = store
        .pull(&format!("{}/fn:nope", reg.addr), "amd64")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ImageError::NotFound(m) if m.contains("fn:nope")),
        "{e}"
    );
    assert_eq!(e.reason_code(), "ImageDeleted");
    let e = store
        .pull(&format!("{}/nothere:1", reg.addr), "amd64")
        .await
        .unwrap_err();
    assert!(matches!(e, ImageError::NotFound(_)), "{e}");

    // An ECR reference mapped onto this registry.
    let ecr_store = ImageStore::open(
        &dir.path().join("store2"),
        RegistrySettings {
            ecr_registry: Some(reg.addr.clone()),
            ..settings(Some(empty_auth.clone()))
        },
    )
    .unwrap();
    let e = ecr_store
        .pull(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest",
            "amd64",
        )
        .await
        .unwrap_err();
    // (its layer blobs were removed above: the mapped registry was asked for them)
    assert!(matches!(e, ImageError::NotFound(_)), "{e}");

    // With the registry gone: a digest reference complete locally needs no network; a tag
    // is unreachable.
    drop(reg);
    let by_digest = store
        .pull(
            &format!("{}@{digest}", reference.trim_end_matches(":latest")),
            "amd64",
        )
        .await
        .unwrap();
    assert_eq!(by_digest.layers, img.layers);
    let e = store.pull(&reference, "amd64").await.unwrap_err();
    assert!(matches!(e, ImageError::Unreachable(_)), "{e}");
    assert_eq!(e.reason_code(), "InvalidImage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecr_references_map_to_the_configured_registry() {
    if !have_registry() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::start(dir.path(), None);
    let digest = push(&reg.addr, "team/fn", &RegistryAuth::Anonymous).await;
    let store = ImageStore::open(
        &dir.path().join("store"),
        RegistrySettings {
            ecr_registry: Some(reg.addr.clone()),
            auth_file: Some(dir.path().join("none.json")),
            ..RegistrySettings::default()
        },
    );
    // An explicitly named credentials file must exist.
    assert!(matches!(
        store
            .as_ref()
            .unwrap()
            .pull(&format!("{}/team/fn", reg.addr), "amd64")
            .await,
        Err(ImageError::Io(_))
    ));
    std::fs::write(dir.path().join("none.json"), "{}").unwrap();
    let ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/fn:latest";
    let img = store.unwrap().pull(ecr, "amd64").await.unwrap();
    assert_eq!(img.manifest_digest, digest);
    assert_eq!(img.reference, ecr);
    assert_eq!(
        img.resolved,
        format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/fn@{digest}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_registry() {
    if !have_registry() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let hash = bcrypt::hash_with_result("s3cret", 5)
        .unwrap()
        .format_for_version(bcrypt::Version::TwoY);
    let htpasswd = dir.path().join("htpasswd");
    std::fs::write(&htpasswd, format!("lambkin:{hash}\n")).unwrap();
    let reg = Registry::start(dir.path(), Some(&htpasswd));
    let creds = RegistryAuth::Basic("lambkin".into(), "s3cret".into());
    let digest = push(&reg.addr, "private/fn", &creds).await;
    let reference = format!("{}/private/fn:latest", reg.addr);

    // Without credentials: AccessDenied.
    let none = dir.path().join("none.json");
    std::fs::write(&none, "{}").unwrap();
    let store = ImageStore::open(&dir.path().join("s1"), settings(Some(none))).unwrap();
    let e = store.pull(&reference, "amd64").await.unwrap_err();
    assert!(matches!(e, ImageError::AccessDenied(_)), "{e}");
    assert_eq!(e.reason_code(), "ImageAccessDenied");

    // Wrong password: AccessDenied.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        format!(
            r#"{{"auths":{{"{}":{{"username":"lambkin","password":"nope"}}}}}}"#,
            reg.addr
        ),
    )
    .unwrap();
    let store = ImageStore::open(&dir.path().join("s2"), settings(Some(bad))).unwrap();
    let e = store.pull(&reference, "amd64").await.unwrap_err();
    assert!(matches!(e, ImageError::AccessDenied(_)), "{e}");

    // With credentials from the auth file (`auth`: base64 user:password): works.
    use base64::Engine;
    let good = dir.path().join("good.json");
    let b64 = base64::engine::general_purpose::STANDARD.encode("lambkin:s3cret");
    std::fs::write(
        &good,
        format!(
            r#"{{"auths":{{"http://{}":{{"auth":"{b64}"}}}}}}"#,
            reg.addr
        ),
    )
    .unwrap();
    let store = ImageStore::open(&dir.path().join("s3"), settings(Some(good))).unwrap();
    let img = store.pull(&reference, "amd64").await.unwrap();
    assert_eq!(img.manifest_digest, digest);
    assert_eq!(
        std::fs::read(img.layers[0].join("etc/base")).unwrap(),
        b"base"
    );

    // A missing tag, with credentials: NotFound.
    let e = store
        .pull(&format!("{}/private/fn:nope", reg.addr), "amd64")
        .await
        .unwrap_err();
    assert!(matches!(e, ImageError::NotFound(_)), "{e}");
}
