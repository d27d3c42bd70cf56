//! `lambkin bench rie`: measures `lambkin rie` with a real function, as a client would see it.
//!
//! Warm latency and throughput over keep-alive connections, cold start from process launch to the first
//! response, and the init's private memory when idle. Prints a Markdown table for `BENCHMARKS.md`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// What to measure.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The function's bootstrap (e.g. target/release/echo-function).
    #[arg(long)]
    pub function: PathBuf,
    /// Sequential warm invokes measured.
    #[arg(long, default_value_t = 5000)]
    pub invokes: usize,
    /// Seconds of the concurrency-2 throughput run.
    #[arg(long, default_value_t = 3)]
    pub seconds: u64,
    /// Cold starts measured.
    #[arg(long, default_value_t = 30)]
    pub cold: usize,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

struct Rie {
    child: Child,
    port: u16,
}

impl Rie {
    fn spawn(function: &Path) -> Result<Self> {
        let port = free_port()?;
        let api = free_port()?;
        let child = Command::new(std::env::current_exe()?)
            .args([
                "rie",
                "--runtime-interface-emulator-address",
                &format!("127.0.0.1:{port}"),
                "--runtime-api-address",
                &format!("127.0.0.1:{api}"),
                "--extensions-dir",
                "/nonexistent",
            ])
            .arg(function)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("LOG_LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start lambkin rie")?;
        Ok(Self { child, port })
    }

    async fn connect(&self, patience: Duration) -> Result<SendRequest<Full<Bytes>>> {
        // Retried every 100 µs: the cold start is measured up to the moment the port answers.
        connect(
            self.port,
            patience,
            Duration::from_micros(100),
            "lambkin rie",
        )
        .await
    }
}

/// A keep-alive HTTP/1 connection (`TCP_NODELAY`) to a local port, retried every `retry` until `patience`
/// runs out.
pub(crate) async fn connect(
    port: u16,
    patience: Duration,
    retry: Duration,
    what: &str,
) -> Result<SendRequest<Full<Bytes>>> {
    let until = Instant::now() + patience;
    loop {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(s) => {
                s.set_nodelay(true)?;
                let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(s)).await?;
                tokio::spawn(conn);
                return Ok(send);
            }
            Err(_) if Instant::now() < until => tokio::time::sleep(retry).await,
            Err(e) => bail!("{what} did not listen: {e}"),
        }
    }
}

impl Drop for Rie {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn invoke(send: &mut SendRequest<Full<Bytes>>, payload: &Bytes) -> Result<()> {
    let req = http::Request::post("/2015-03-31/functions/function/invocations")
        .header("host", "localhost")
        .body(Full::new(payload.clone()))?;
    let resp = send.send_request(req).await?;
    if !resp.status().is_success() {
        bail!("invoke answered {}", resp.status());
    }
    resp.into_body().collect().await?;
    Ok(())
}

/// The `p` quantile of sorted durations.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn private_kib(pid: u32) -> Result<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    Ok(s.lines()
        .filter(|l| l.starts_with("Private_"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum())
}

/// Time from spawning the function to its first byte on a bare listener posing as the Runtime API.
async fn function_startup(function: &Path) -> Result<Duration> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let t = Instant::now();
    let mut child = tokio::process::Command::new(function)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let (mut stream, _) =
        tokio::time::timeout(Duration::from_secs(10), listener.accept()).await??;
    let mut byte = [0u8; 1];
    tokio::io::AsyncReadExt::read(&mut stream, &mut byte).await?;
    let elapsed = t.elapsed();
    child.kill().await?;
    Ok(elapsed)
}

/// Runs the benchmark and prints the table.
pub async fn run(args: BenchArgs) -> Result<()> {
    let payload = Bytes::from(format!("{{\"data\":\"{}\"}}", "x".repeat(100 - 11)));
    assert_eq!(payload.len(), 100);

    let rie = Rie::spawn(&args.function)?;
    let mut send = rie.connect(Duration::from_secs(10)).await?;
    for _ in 0..500 {
        invoke(&mut send, &payload).await?;
    }
    let mut lat = Vec::with_capacity(args.invokes);
    for _ in 0..args.invokes {
        let t = Instant::now();
        invoke(&mut send, &payload).await?;
        lat.push(t.elapsed());
    }
    lat.sort();

    let stop = Instant::now() + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for _ in 0..2 {
        let mut send = rie.connect(Duration::from_secs(1)).await?;
        let payload = payload.clone();
        workers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop {
                invoke(&mut send, &payload).await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let started = Instant::now();
    let mut total = 0;
    for w in workers {
        total += w.await??;
    }
    let throughput = total as f64 / started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_private = private_kib(rie.child.id())?;
    drop(send);
    drop(rie);

    let mut cold = Vec::with_capacity(args.cold);
    for _ in 0..args.cold {
        let t = Instant::now();
        let rie = Rie::spawn(&args.function)?;
        let mut send = rie.connect(Duration::from_secs(10)).await?;
        invoke(&mut send, &payload).await?;
        cold.push(t.elapsed());
    }
    cold.sort();

    // The function's own start-up: exec → its first request to a Runtime API, with nothing of lambkin involved.
    let mut startup = Vec::with_capacity(args.cold);
    for _ in 0..args.cold {
        startup.push(function_startup(&args.function).await?);
    }
    startup.sort();

    println!("| measure | p50 | p99 | other |");
    println!("|---|---|---|---|");
    println!(
        "| warm invoke, 100 B echo, keep-alive ({} invokes) | {} | {} | mean {} |",
        args.invokes,
        us(percentile(&lat, 0.5)),
        us(percentile(&lat, 0.99)),
        us(lat.iter().sum::<Duration>() / lat.len() as u32)
    );
    println!(
        "| warm throughput, concurrency 2, {} s | | | {:.0} invokes/s |",
        args.seconds, throughput
    );
    println!(
        "| cold start: launch `lambkin rie` → first response ({} runs) | {} | {} | min {} |",
        args.cold,
        us(percentile(&cold, 0.5)),
        us(percentile(&cold, 0.99)),
        us(cold[0])
    );
    println!(
        "| the function's own start-up: exec → first `/next` ({} runs) | {} | {} | cold p50 minus this: {} |",
        args.cold,
        us(percentile(&startup, 0.5)),
        us(percentile(&startup, 0.99)),
        us(percentile(&cold, 0.5).saturating_sub(percentile(&startup, 0.5)))
    );
    println!("| init private memory when idle (smaps_rollup Private_*) | | | {idle_private} KiB |");
    Ok(())
}
