//! `lambkin bench rie`: measures `lambkin rie` with a real function, as a client would see it.
//!
//! Warm latency and throughput over keep-alive connections, cold start from process launch to the first
//! response, and the init's private memory when idle. Prints a Markdown table for `BENCHMARKS.md`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::bench_common::{
    free_port, mean, per_second, percentile, print_head, print_latency, print_row, timed, Conn,
    FunctionBenchArgs, Port,
};

struct Rie {
    child: Child,
    port: Port,
}

impl Rie {
    fn spawn(function: &Path) -> Result<Self> {
        // Retried every 100 µs: the cold start is measured up to the moment the port answers.
        let port = Port::free("lambkin rie", Duration::from_micros(100))?;
        let api = free_port()?;
        let child = Command::new(std::env::current_exe()?)
            .args([
                "rie",
                "--runtime-interface-emulator-address",
                &format!("127.0.0.1:{}", port.number),
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
}

impl Drop for Rie {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn invoke(send: &mut Conn, payload: &Bytes) -> Result<()> {
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

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
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
pub async fn run(args: FunctionBenchArgs) -> Result<()> {
    let payload = Bytes::from(format!("{{\"data\":\"{}\"}}", "x".repeat(100 - 11)));
    assert_eq!(payload.len(), 100);

    let rie = Rie::spawn(&args.function)?;
    let mut send = rie.port.connect(Duration::from_secs(10)).await?;
    for _ in 0..500 {
        invoke(&mut send, &payload).await?;
    }
    let lat = timed(args.invokes, async || invoke(&mut send, &payload).await).await?;

    let throughput = per_second(
        2,
        args.seconds,
        async || rie.port.connect(Duration::from_secs(1)).await,
        &payload,
        |send, payload| Box::pin(async move { invoke(send, &payload).await }),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_private = crate::bench_proc::private_kb(rie.child.id())?.all;
    drop(send);
    drop(rie);

    // Each server stops after its time is taken.
    let cold = timed(args.cold, async || {
        let rie = Rie::spawn(&args.function)?;
        let mut send = rie.port.connect(Duration::from_secs(10)).await?;
        invoke(&mut send, &payload).await?;
        Ok((send, rie))
    })
    .await?;

    // The function's own start-up: exec → its first request to a Runtime API, with nothing of lambkin involved.
    let mut startup = Vec::with_capacity(args.cold);
    for _ in 0..args.cold {
        startup.push(function_startup(&args.function).await?);
    }
    startup.sort();

    print_head();
    print_latency(
        &format!(
            "warm invoke, 100 B echo, keep-alive ({} invokes)",
            args.invokes
        ),
        &lat,
        us,
        &format!("mean {}", us(mean(&lat))),
    );
    print_row(&[
        &format!("warm throughput, concurrency 2, {} s", args.seconds),
        "",
        "",
        &format!("{throughput:.0} invokes/s"),
    ]);
    print_latency(
        &format!(
            "cold start: launch `lambkin rie` → first response ({} runs)",
            args.cold
        ),
        &cold,
        us,
        &format!("min {}", us(cold[0])),
    );
    print_latency(
        &format!(
            "the function's own start-up: exec → first `/next` ({} runs)",
            args.cold
        ),
        &startup,
        us,
        &format!(
            "cold p50 minus this: {}",
            us(percentile(&cold, 0.5).saturating_sub(percentile(&startup, 0.5)))
        ),
    );
    print_row(&[
        "init private memory when idle (smaps_rollup Private_*)",
        "",
        "",
        &format!("{idle_private} KiB"),
    ]);
    Ok(())
}
