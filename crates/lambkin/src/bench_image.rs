//! `lambkin bench image`: container-image functions against zip functions. A real registry (Debian's
//! `docker-registry`) started here holds an image of the benchmarked function plus an incompressible filler layer;
//! measured: pull and unpack into a fresh image store (time per MB of layers), then, through `lambkin serve`, cold
//! starts and warm invokes of the image function next to the same function deployed as a zip.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use bytes::Bytes;
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest, Sha256};

use crate::bench_common::{free_port, print_head, print_latency, print_row, Conn};
use crate::bench_serve::{
    call, cold_starts, create_function, fmt, invocations, warm_invokes, zip_bootstrap, Server,
};

/// Debian's registry (package `docker-registry`).
const REGISTRY: &str = "/usr/bin/docker-registry";

/// What to measure.
#[derive(Debug, clap::Args)]
pub struct ImageBenchArgs {
    /// The function's bootstrap (e.g. target/release/echo-function): the image's entry point, its shared
    /// libraries (from `ldd`) copied beside it.
    #[arg(long)]
    pub function: PathBuf,
    /// Size of the image's incompressible filler layer, in MB.
    #[arg(long, default_value_t = 64)]
    pub layer_mb: usize,
    /// Pulls measured (each into a fresh image store).
    #[arg(long, default_value_t = 5)]
    pub pulls: usize,
    /// Cold starts measured per function.
    #[arg(long, default_value_t = 20)]
    pub cold: usize,
    /// Warm invokes measured per function.
    #[arg(long, default_value_t = 2000)]
    pub invokes: usize,
}

/// The registry, stopped when dropped.
struct Registry {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Registry {
    fn start() -> Result<Self> {
        if !Path::new(REGISTRY).exists() {
            bail!("{REGISTRY} is missing: apt-get install docker-registry");
        }
        let dir =
            std::env::temp_dir().join(format!("lambkin-bench-registry-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let addr = format!("127.0.0.1:{}", free_port()?);
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
                dir.join("storage").display()
            ),
        )?;
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start docker-registry")?;
        let registry = Self { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&registry.addr).is_err() {
            if Instant::now() > deadline {
                bail!("the registry did not listen on {}", registry.addr);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(registry)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn diff_id(layer: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(layer)))
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    g.write_all(bytes)?;
    Ok(g.finish()?)
}

/// The shared libraries `ldd` names for `binary` (none for a static one).
fn shared_libraries(binary: &Path) -> Vec<PathBuf> {
    let Ok(out) = Command::new("ldd").arg(binary).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with('/'))
                .map(PathBuf::from)
        })
        .collect()
}

/// A tar of `(path inside the image, file)`s, each at mode 0755.
fn tar_of(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o755);
        h.set_cksum();
        b.append_data(&mut h, path, &data[..])?;
    }
    Ok(b.into_inner()?)
}

/// Pushes the image `addr/bench:1`: the function (and its libraries), then `filler_mb` of random bytes.
async fn push(addr: &str, function: &Path, filler_mb: usize) -> Result<()> {
    let mut files = vec![("var/task/bootstrap".to_owned(), std::fs::read(function)?)];
    for lib in shared_libraries(function) {
        let inside = lib.to_string_lossy().trim_start_matches('/').to_owned();
        files.push((inside, std::fs::read(std::fs::canonicalize(&lib)?)?));
    }
    let code = tar_of(&files)?;
    let mut filler = vec![0u8; filler_mb << 20];
    // Incompressible (an xorshift stream): the layer's compressed size is its size.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for chunk in filler.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let filler = tar_of(&[("opt/filler".to_owned(), filler)])?;
    lambkin_image::install_tls_provider();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": ["/var/task/bootstrap"], "WorkingDir": "/var/task"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id(&code), diff_id(&filler)]},
    });
    let client = Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..ClientConfig::default()
    });
    let reference = Reference::with_tag(addr.to_owned(), "bench".into(), "1".into());
    client
        .push(
            &reference,
            &[
                ImageLayer::oci_v1_gzip(gzip(&code)?, None),
                ImageLayer::oci_v1_gzip(gzip(&filler)?, None),
            ],
            Config::oci_v1(serde_json::to_vec(&config)?, None),
            &RegistryAuth::Anonymous,
            None,
        )
        .await
        .context("push the image")?;
    Ok(())
}

/// Pulls of `reference` into fresh image stores: (sorted times, compressed bytes of its layers).
async fn pulls(reference: &str, runs: usize) -> Result<(Vec<Duration>, u64)> {
    let mut times = Vec::new();
    let mut size = 0;
    for i in 0..runs {
        let root =
            std::env::temp_dir().join(format!("lambkin-bench-images-{}-{i}", std::process::id()));
        let store = lambkin_image::ImageStore::open(&root, Default::default())?;
        let t = Instant::now();
        let image = store.pull(reference, "amd64").await?;
        times.push(t.elapsed());
        size = image.size;
        drop(store);
        let _ = std::fs::remove_dir_all(&root);
    }
    times.sort();
    Ok((times, size))
}

/// Creates the image function `name` of `uri` and waits until it is `Active`.
async fn create_image_function(send: &mut Conn, name: &str, uri: &str) -> Result<()> {
    let body = serde_json::json!({
        "FunctionName": name, "PackageType": "Image", "Code": {"ImageUri": uri},
        "Role": "arn:aws:iam::123456789012:role/bench", "MemorySize": 1769,
    });
    call(
        send,
        "POST",
        "/2015-03-31/functions",
        Bytes::from(body.to_string()),
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got = call(
            send,
            "GET",
            &format!("/2015-03-31/functions/{name}/configuration"),
            Bytes::new(),
        )
        .await?;
        let cfg: serde_json::Value = serde_json::from_slice(&got)?;
        match cfg["State"].as_str() {
            Some("Active") => return Ok(()),
            Some("Failed") => bail!("{name} failed: {}", cfg["StateReason"]),
            _ if Instant::now() > deadline => bail!("{name} is not Active after 2 minutes"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Runs the benchmark and prints the table.
pub async fn run(args: ImageBenchArgs) -> Result<()> {
    let registry = Registry::start()?;
    push(&registry.addr, &args.function, args.layer_mb).await?;
    let uri = format!("{}/bench:1", registry.addr);
    let (pull_times, size) = pulls(&uri, args.pulls).await?;
    let mb = size as f64 / f64::from(1 << 20);
    let per_mb = |d: Duration| Duration::from_secs_f64(d.as_secs_f64() / mb.max(1e-9));

    let payload = Bytes::from(format!("{{\"data\":\"{}\"}}", "x".repeat(100 - 11)));
    let server = Server::spawn(None)?;
    let mut send = server.port.connect(Duration::from_secs(30)).await?;
    let zip = base64::engine::general_purpose::STANDARD.encode(zip_bootstrap(&args.function)?);
    create_function(
        &mut send,
        "zipfn",
        "provided.al2023",
        "bootstrap",
        1769,
        &zip,
    )
    .await?;
    let t = Instant::now();
    create_image_function(&mut send, "imagefn", &uri).await?;
    let to_active = t.elapsed();
    let t = Instant::now();
    call(&mut send, "POST", &invocations("imagefn"), payload.clone()).await?;
    let first_invoke = t.elapsed();
    call(&mut send, "POST", &invocations("zipfn"), payload.clone()).await?;

    let zip_cold = cold_starts(&mut send, "zipfn", &payload, args.cold).await?;
    let image_cold = cold_starts(&mut send, "imagefn", &payload, args.cold).await?;
    let zip_warm = warm_invokes(&mut send, "zipfn", &payload, 200, args.invokes).await?;
    let image_warm = warm_invokes(&mut send, "imagefn", &payload, 200, args.invokes).await?;

    print_head();
    let pulled = format!("{mb:.1} MB of layers, {} pulls", args.pulls);
    print_latency("image pull + unpack", &pull_times, fmt, &pulled);
    let per: Vec<Duration> = pull_times.iter().map(|d| per_mb(*d)).collect();
    print_latency("image pull + unpack, per MB", &per, fmt, "");
    print_row(&[
        "CreateFunction → Active (image pulled)",
        &fmt(to_active),
        "",
        "one run",
    ]);
    print_row(&[
        "first invoke of the image function",
        &fmt(first_invoke),
        "",
        "one run",
    ]);
    print_latency("cold start, zip", &zip_cold, fmt, "prepared environment");
    print_latency("cold start, image", &image_cold, fmt, "built whole");
    print_latency("warm invoke, zip", &zip_warm, fmt, "");
    print_latency("warm invoke, image", &image_warm, fmt, "");
    drop(registry);
    Ok(())
}
