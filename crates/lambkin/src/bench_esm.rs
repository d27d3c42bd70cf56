//! `lambkin bench esm`: event source mappings through `lambkin serve`, for each source — an SQS-compatible
//! queue (moto's standalone server) and a NATS JetStream stream (`nats-server -js`), both started here on free
//! ports with their data in a temporary directory. Measured: throughput (N messages queued first, then the
//! mapping created: messages per second until every one was consumed — the queue empty, or the consumer's ack
//! floor at the last sequence — and the function saw them all), at `BatchSize` 10 and 100; the latency from a
//! send to the start of the invoke that carries it, on an idle, already-polled queue; and moto alone (send,
//! receive + delete without lambkin), so that what lambkin costs can be told from what the server costs.
//!
//! The function is a `provided.al2023` bootstrap in Python against the Runtime API: for a batch it prints one
//! `BATCH <records>` line, and one `LAT <sent ms> <start ms>` line per record whose payload is `T<sent ms>`;
//! the benchmark reads those lines back through serve's log API.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::bench_common::{free_port, print_head, print_latency, print_row, Conn};
use crate::bench_proc;
use crate::bench_serve::{call, create_function, fmt, invocations, zip_file, Server};

const REGION: &str = "us-east-1";
/// moto's default account.
const ACCOUNT: &str = "123456789012";
/// How often a cheap condition is polled (an ack floor, a queue's depth once the function saw everything).
const FAST: Duration = Duration::from_millis(20);
/// How often the function's logs are read while a throughput run goes on (the reads cost `serve` CPU).
const SLOW: Duration = Duration::from_millis(100);

/// The function: a batch → one `BATCH <n>` line, a `T<sent ms>` record → one `LAT <sent ms> <start ms>` line.
const FUNCTION: &str = r#"#!/usr/bin/python3
import base64, http.client, json, os, time

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    start = time.time() * 1000.0
    raw = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    try:
        records = json.loads(raw).get("Records") or []
    except Exception:
        records = []
    lat = []
    for rec in records:
        body = rec.get("body")
        if body is None:
            body = base64.b64decode(rec.get("data", "")[:40]).decode("utf-8", "replace")
        if body.startswith("T"):
            lat.append("LAT %s %.3f" % (body[1:], start))
    print("\n".join(lat) if lat else "BATCH %d" % len(records), flush=True)
    conn.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, body="{}")
    conn.getresponse().read()
"#;

/// A source of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceKind {
    /// An SQS queue on moto.
    Sqs,
    /// A NATS JetStream stream.
    Nats,
}

/// What to measure.
#[derive(Debug, clap::Args)]
pub struct EsmBenchArgs {
    /// moto's standalone server (default: `.venv/bin/moto_server` of the current directory, then
    /// `moto_server` on PATH).
    #[arg(long)]
    pub moto: Option<PathBuf>,
    /// Messages queued before each NATS throughput run.
    #[arg(long, default_value_t = 2000)]
    pub messages: usize,
    /// Messages queued before each SQS throughput run and each moto-alone run. Fewer than NATS's by default:
    /// moto's work per message grows with the queue's depth (each receive and send walks the whole queue),
    /// so 2,000 take minutes and measure moto.
    #[arg(long, default_value_t = 500)]
    pub sqs_messages: usize,
    /// Send → invoke start samples per source.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Milliseconds between two latency samples.
    #[arg(long, default_value_t = 50)]
    pub gap_ms: u64,
    /// The sources measured.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [SourceKind::Sqs, SourceKind::Nats])]
    pub sources: Vec<SourceKind>,
    /// The function's `MemorySize` (1,769 MB = one vCPU).
    #[arg(long, default_value_t = 1769)]
    pub memory_mb: u32,
    /// `--isolation` of the server (`namespace`, its default, needs root).
    #[arg(long)]
    pub isolation: Option<String>,
}

/// A child process (moto, nats-server), killed when dropped.
struct Daemon {
    child: Child,
}

impl Daemon {
    /// Starts `cmd` and waits until 127.0.0.1:`port` accepts connections.
    fn start(mut cmd: Command, what: &str, port: u16, log: &Path) -> Result<Self> {
        let out = std::fs::File::create(log)?;
        cmd.stdout(out.try_clone()?)
            .stderr(out)
            .stdin(Stdio::null());
        let child = cmd.spawn().with_context(|| format!("start {what}"))?;
        let mut d = Self { child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = d.child.try_wait()? {
                bail!("{what} exited ({status}): {}", tail(log));
            }
            if Instant::now() > deadline {
                bail!("{what} did not listen on port {port}: {}", tail(log));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(d)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a log file.
fn tail(log: &Path) -> String {
    let s = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn moto_path(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_owned());
    }
    let venv = PathBuf::from(".venv/bin/moto_server");
    if venv.is_file() {
        return Ok(venv);
    }
    which("moto_server").ok_or_else(|| {
        anyhow!("moto_server is missing: pass --moto PATH (e.g. .venv/bin/moto_server after `pip install 'moto[server]'`)")
    })
}

/// The time of day in ms (fractional).
fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1e3)
        .unwrap_or(0.0)
}

/// A client of the SQS-compatible server at `endpoint`, with moto's `test` credentials.
async fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let sdk = lambkin_awssdk::load(&lambkin_awssdk::Settings {
        region: Some(REGION.into()),
        credentials: Some(lambkin_awssdk::Credentials::new(
            "test", "test", None, None, "bench",
        )),
        ..Default::default()
    })
    .await;
    let conf = aws_sdk_sqs::config::Builder::from(&sdk)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

/// An error of the SDK with its causes.
fn sdk_err(e: impl std::error::Error + Send + Sync + 'static) -> anyhow::Error {
    anyhow!(lambkin_awssdk::causes(&e))
}

/// Creates queue `name`: its URL and ARN.
async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> Result<(String, String)> {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(sdk_err)?
        .queue_url
        .ok_or_else(|| anyhow!("CreateQueue gave no URL"))?;
    Ok((url, format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")))
}

/// Sends `bodies`, ten per `SendMessageBatch`.
async fn send_all(sqs: &aws_sdk_sqs::Client, url: &str, bodies: &[String]) -> Result<()> {
    for chunk in bodies.chunks(10) {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(i, b)| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(b)
                    .build()
                    .map_err(sdk_err)
            })
            .collect::<Result<Vec<_>>>()?;
        let out = sqs
            .send_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(sdk_err)?;
        if !out.failed.is_empty() {
            bail!("SendMessageBatch failed for {:?}", out.failed);
        }
    }
    Ok(())
}

/// Visible + in flight + delayed messages of a queue.
async fn depth(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<u64> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .map_err(sdk_err)?;
    Ok(out
        .attributes
        .unwrap_or_default()
        .values()
        .filter_map(|v| v.parse::<u64>().ok())
        .sum())
}

/// A JetStream context on `url`.
async fn jetstream(url: &str) -> Result<async_nats::jetstream::Context> {
    let client = async_nats::connect(url)
        .await
        .with_context(|| format!("connect to NATS at {url}"))?;
    Ok(async_nats::jetstream::new(client))
}

/// Creates stream `name` on subjects `<lowercase name>.>`: its subject prefix.
async fn create_stream(js: &async_nats::jetstream::Context, name: &str) -> Result<String> {
    let subject = name.to_lowercase();
    js.create_stream(async_nats::jetstream::stream::Config {
        name: name.to_owned(),
        subjects: vec![format!("{subject}.>")],
        ..Default::default()
    })
    .await
    .map_err(|e| anyhow!("create stream {name}: {e}"))?;
    Ok(subject)
}

/// Publishes `bodies` (up to 256 awaiting their acknowledgement): the last stream sequence.
async fn publish_all(
    js: &async_nats::jetstream::Context,
    subject: &str,
    bodies: &[String],
) -> Result<u64> {
    let mut pending = VecDeque::new();
    let mut last = 0;
    for b in bodies {
        let ack = js
            .publish(format!("{subject}.m"), Bytes::from(b.clone()))
            .await
            .map_err(|e| anyhow!("publish: {e}"))?;
        pending.push_back(ack);
        if pending.len() >= 256 {
            if let Some(a) = pending.pop_front() {
                last = last.max(a.await.map_err(|e| anyhow!("publish ack: {e}"))?.sequence);
            }
        }
    }
    for a in pending {
        last = last.max(a.await.map_err(|e| anyhow!("publish ack: {e}"))?.sequence);
    }
    Ok(last)
}

/// The ack floor (stream sequence) of the consumer `consumer` of `stream`; 0 while it does not exist yet.
async fn ack_floor(js: &async_nats::jetstream::Context, stream: &str, consumer: &str) -> u64 {
    let Ok(s) = js.get_stream(stream).await else {
        return 0;
    };
    s.consumer_info(consumer)
        .await
        .map(|i| i.ack_floor.stream_sequence)
        .unwrap_or(0)
}

/// Every line the function `name` logged so far: (timestamp ms, line).
async fn log_lines(send: &mut Conn, name: &str) -> Result<Vec<(u64, String)>> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let body = call(
            send,
            "GET",
            &format!("/lambkin/v1/functions/{name}/logs?limit=10000&cursor={cursor}"),
            Bytes::new(),
        )
        .await?;
        let page: Value = serde_json::from_slice(&body)?;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        for e in &events {
            let ts = e["timestamp"].as_u64().unwrap_or(0);
            for line in e["message"].as_str().unwrap_or("").lines() {
                out.push((ts, line.trim().to_owned()));
            }
        }
        let next = page["nextCursor"].as_str().unwrap_or("");
        if events.len() < 10000 || next.is_empty() {
            return Ok(out);
        }
        cursor = next.to_owned();
    }
}

/// The `BATCH <n>` lines of `name`: (invokes with records, records).
async fn batches(send: &mut Conn, name: &str) -> Result<(usize, usize)> {
    let mut invokes = 0;
    let mut records = 0;
    for (_, line) in log_lines(send, name).await? {
        if let Some(n) = line.strip_prefix("BATCH ") {
            let n: usize = n.parse().unwrap_or(0);
            if n > 0 {
                invokes += 1;
                records += n;
            }
        }
    }
    Ok((invokes, records))
}

/// The `LAT <sent> <start>` lines of `name`: start − sent of each, sorted.
async fn latencies(send: &mut Conn, name: &str) -> Result<Vec<Duration>> {
    let mut out = Vec::new();
    for (_, line) in log_lines(send, name).await? {
        let mut w = line.split_whitespace();
        if w.next() != Some("LAT") {
            continue;
        }
        let (Some(Ok(sent)), Some(Ok(start))) = (
            w.next().map(str::parse::<f64>),
            w.next().map(str::parse::<f64>),
        ) else {
            continue;
        };
        out.push(Duration::from_secs_f64(((start - sent) / 1e3).max(0.0)));
    }
    out.sort();
    Ok(out)
}

/// Creates the function `name` and invokes it once (its environment warm before a mapping feeds it).
async fn create_warm_function(send: &mut Conn, name: &str, memory_mb: u32) -> Result<()> {
    let zip = base64::engine::general_purpose::STANDARD.encode(zip_file(
        "bootstrap",
        FUNCTION.as_bytes(),
        0o755,
    )?);
    create_function(send, name, "provided.al2023", "bootstrap", memory_mb, &zip).await?;
    call(send, "POST", &invocations(name), Bytes::from_static(b"{}")).await?;
    Ok(())
}

/// CreateEventSourceMapping: the mapping's UUID.
async fn create_mapping(send: &mut Conn, body: Value) -> Result<String> {
    let out = call(
        send,
        "POST",
        "/2015-03-31/event-source-mappings",
        Bytes::from(body.to_string()),
    )
    .await?;
    let v: Value = serde_json::from_slice(&out)?;
    v["UUID"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("CreateEventSourceMapping gave no UUID: {v}"))
}

/// Waits until mapping `uuid` is `Enabled`.
async fn wait_enabled(send: &mut Conn, uuid: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = call(
            send,
            "GET",
            &format!("/2015-03-31/event-source-mappings/{uuid}"),
            Bytes::new(),
        )
        .await?;
        let v: Value = serde_json::from_slice(&out)?;
        match v["State"].as_str() {
            Some("Enabled") => return Ok(()),
            _ if Instant::now() > deadline => bail!("mapping {uuid} is not Enabled: {v}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Deletes mapping `uuid` (its pollers stop) and gives them a moment to go.
async fn delete_mapping(send: &mut Conn, uuid: &str) -> Result<()> {
    call(
        send,
        "DELETE",
        &format!("/2015-03-31/event-source-mappings/{uuid}"),
        Bytes::new(),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

/// Polls `done` every `every` until it holds (or `patience` runs out: the error says `what`).
async fn until(
    every: Duration,
    patience: Duration,
    what: &str,
    mut done: impl AsyncFnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Instant::now() + patience;
    loop {
        if done().await? {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out waiting for {what}");
        }
        tokio::time::sleep(every).await;
    }
}

/// One throughput run's result.
struct Throughput {
    label: String,
    messages: usize,
    /// Messages queued per second (one client, sequential).
    queued_rate: f64,
    /// CreateEventSourceMapping → the last message settled.
    wall: Duration,
    invokes: usize,
    /// CPU time of `serve` (and its environments) and of the broker over the run.
    serve_cpu: Duration,
    broker_cpu: Duration,
}

impl Throughput {
    fn print(&self, broker: &str) {
        let per = |d: Duration| fmt(d / self.messages.max(1) as u32);
        print_row(&[
            &self.label,
            "",
            "",
            &format!(
                "{:.0} msg/s ({} msgs in {}; {} invokes, {:.1} records each; CPU per message: serve {}, {broker} {}; queued at {:.0} msg/s)",
                self.messages as f64 / self.wall.as_secs_f64(),
                self.messages,
                fmt(self.wall),
                self.invokes,
                self.messages as f64 / self.invokes.max(1) as f64,
                per(self.serve_cpu),
                per(self.broker_cpu),
                self.queued_rate,
            ),
        ]);
    }
}

/// What every measurement of a source shares.
struct Bench<'a> {
    args: &'a EsmBenchArgs,
    server: &'a Server,
    send: Conn,
}

impl Bench<'_> {
    fn bodies(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("m{i:06}")).collect()
    }

    /// SQS throughput at `batch` (a 1 s window above 10, as Lambda requires).
    async fn sqs_throughput(
        &mut self,
        sqs: &aws_sdk_sqs::Client,
        moto: u32,
        batch: usize,
    ) -> Result<Throughput> {
        let name = format!("esm-sqs-b{batch}");
        create_warm_function(&mut self.send, &name, self.args.memory_mb).await?;
        let (url, arn) = create_queue(sqs, &format!("bench-b{batch}")).await?;
        let t = Instant::now();
        let want = self.args.sqs_messages;
        send_all(sqs, &url, &Self::bodies(want)).await?;
        let queued_rate = want as f64 / t.elapsed().as_secs_f64();
        let window = if batch > 10 { 1 } else { 0 };
        let (serve_before, moto_before) = (
            bench_proc::cpu_ticks(self.server.pid()),
            bench_proc::cpu_ticks(moto),
        );
        let t = Instant::now();
        let uuid = create_mapping(
            &mut self.send,
            json!({"EventSourceArn": arn, "FunctionName": name, "BatchSize": batch,
                   "MaximumBatchingWindowInSeconds": window}),
        )
        .await?;
        // The function's logs first, the queue's depth then: moto answers GetQueueAttributes by walking the
        // whole queue, which a tight poll of a deep queue would keep it busy with.
        let send = &mut self.send;
        let mut seen = (0, 0);
        let saw = until(SLOW, Duration::from_secs(1200), "", async || {
            seen = batches(send, &name).await?;
            Ok(seen.1 >= want)
        })
        .await;
        if saw.is_err() {
            bail!(
                "{name}: the function logged {} of {want} records in 20 minutes",
                seen.1
            );
        }
        until(
            FAST,
            Duration::from_secs(60),
            "the queue to empty",
            async || Ok(depth(sqs, &url).await? == 0),
        )
        .await?;
        let wall = t.elapsed();
        let (serve_cpu, moto_cpu) = (
            bench_proc::cpu_since(self.server.pid(), &serve_before),
            bench_proc::cpu_since(moto, &moto_before),
        );
        delete_mapping(&mut self.send, &uuid).await?;
        let window = if window > 0 { ", 1 s window" } else { "" };
        Ok(Throughput {
            label: format!("SQS (moto): throughput, BatchSize {batch}{window}, queue filled first"),
            messages: want,
            queued_rate,
            wall,
            invokes: seen.0,
            serve_cpu,
            broker_cpu: moto_cpu,
        })
    }

    /// NATS throughput at `batch` (no window).
    async fn nats_throughput(
        &mut self,
        js: &async_nats::jetstream::Context,
        nats: u32,
        batch: usize,
    ) -> Result<Throughput> {
        let name = format!("esm-nats-b{batch}");
        create_warm_function(&mut self.send, &name, self.args.memory_mb).await?;
        let stream = format!("BENCH_B{batch}");
        let subject = create_stream(js, &stream).await?;
        let t = Instant::now();
        let last = publish_all(js, &subject, &Self::bodies(self.args.messages)).await?;
        let queued_rate = self.args.messages as f64 / t.elapsed().as_secs_f64();
        let (serve_before, nats_before) = (
            bench_proc::cpu_ticks(self.server.pid()),
            bench_proc::cpu_ticks(nats),
        );
        let t = Instant::now();
        let uuid = create_mapping(
            &mut self.send,
            json!({"EventSourceArn": format!("arn:aws:nats:{REGION}:{ACCOUNT}:stream/{stream}"),
                   "FunctionName": name, "BatchSize": batch, "StartingPosition": "TRIM_HORIZON"}),
        )
        .await?;
        let consumer = format!("lambkin-esm-{uuid}");
        until(
            FAST,
            Duration::from_secs(600),
            "the consumer's ack floor to reach the last sequence",
            async || Ok(ack_floor(js, &stream, &consumer).await >= last),
        )
        .await?;
        let wall = t.elapsed();
        let (serve_cpu, nats_cpu) = (
            bench_proc::cpu_since(self.server.pid(), &serve_before),
            bench_proc::cpu_since(nats, &nats_before),
        );
        let want = self.args.messages;
        let send = &mut self.send;
        let mut seen = (0, 0);
        let saw = until(SLOW, Duration::from_secs(30), "", async || {
            seen = batches(send, &name).await?;
            Ok(seen.1 >= want)
        })
        .await;
        if saw.is_err() {
            bail!(
                "{name}: every message is acked but the function logged {} of {want} records",
                seen.1
            );
        }
        delete_mapping(&mut self.send, &uuid).await?;
        Ok(Throughput {
            label: format!("NATS JetStream: throughput, BatchSize {batch}, stream filled first"),
            messages: want,
            queued_rate,
            wall,
            invokes: seen.0,
            serve_cpu,
            broker_cpu: nats_cpu,
        })
    }

    /// Sends `samples` messages `T<now ms>` one at a time, `gap_ms` apart, through `one`, to the function
    /// `name` of an already-running mapping: each one's send → invoke start, sorted.
    async fn latency(
        &mut self,
        name: &str,
        mut one: impl AsyncFnMut(String) -> Result<()>,
    ) -> Result<Vec<Duration>> {
        for _ in 0..self.args.samples {
            one(format!("T{:.3}", now_ms())).await?;
            tokio::time::sleep(Duration::from_millis(self.args.gap_ms)).await;
        }
        let want = self.args.samples;
        let send = &mut self.send;
        let mut got = Vec::new();
        let saw = until(SLOW, Duration::from_secs(30), "", async || {
            got = latencies(send, name).await?;
            Ok(got.len() >= want)
        })
        .await;
        if saw.is_err() {
            bail!(
                "{name}: {} of {want} samples reached the function",
                got.len()
            );
        }
        Ok(got)
    }

    /// Send → invoke start through a running SQS mapping (`BatchSize` 10, no window) on an idle queue.
    async fn sqs_latency(&mut self, sqs: &aws_sdk_sqs::Client) -> Result<Vec<Duration>> {
        let name = "esm-sqs-lat";
        create_warm_function(&mut self.send, name, self.args.memory_mb).await?;
        let (url, arn) = create_queue(sqs, "bench-lat").await?;
        let uuid = create_mapping(
            &mut self.send,
            json!({"EventSourceArn": arn, "FunctionName": name, "BatchSize": 10}),
        )
        .await?;
        wait_enabled(&mut self.send, &uuid).await?;
        // One message through first: the poller is in its long poll when the samples start.
        send_all(sqs, &url, &["warm".to_owned()]).await?;
        let send = &mut self.send;
        until(
            FAST,
            Duration::from_secs(30),
            "the first message",
            async || Ok(batches(send, name).await?.1 >= 1 && depth(sqs, &url).await? == 0),
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let out = self
            .latency(name, async |body| {
                sqs.send_message()
                    .queue_url(&url)
                    .message_body(body)
                    .send()
                    .await
                    .map_err(sdk_err)?;
                Ok(())
            })
            .await?;
        delete_mapping(&mut self.send, &uuid).await?;
        Ok(out)
    }

    /// Send → invoke start through a running NATS mapping (`BatchSize` 10, no window) on an idle stream.
    async fn nats_latency(&mut self, js: &async_nats::jetstream::Context) -> Result<Vec<Duration>> {
        let name = "esm-nats-lat";
        create_warm_function(&mut self.send, name, self.args.memory_mb).await?;
        let stream = "BENCH_LAT";
        let subject = create_stream(js, stream).await?;
        let uuid = create_mapping(
            &mut self.send,
            json!({"EventSourceArn": format!("arn:aws:nats:{REGION}:{ACCOUNT}:stream/{stream}"),
                   "FunctionName": name, "BatchSize": 10, "StartingPosition": "LATEST"}),
        )
        .await?;
        wait_enabled(&mut self.send, &uuid).await?;
        let consumer = format!("lambkin-esm-{uuid}");
        // The consumer exists before the first message (LATEST), and one message goes through first.
        until(
            FAST,
            Duration::from_secs(30),
            "the mapping's consumer",
            async || {
                let Ok(s) = js.get_stream(stream).await else {
                    return Ok(false);
                };
                Ok(s.consumer_info(&consumer).await.is_ok())
            },
        )
        .await?;
        let last = publish_all(js, &subject, &["warm".to_owned()]).await?;
        until(
            FAST,
            Duration::from_secs(30),
            "the first message",
            async || Ok(ack_floor(js, stream, &consumer).await >= last),
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let out = self
            .latency(name, async |body| {
                let ack = js
                    .publish(format!("{subject}.m"), Bytes::from(body))
                    .await
                    .map_err(|e| anyhow!("publish: {e}"))?;
                ack.await.map_err(|e| anyhow!("publish ack: {e}"))?;
                Ok(())
            })
            .await?;
        delete_mapping(&mut self.send, &uuid).await?;
        Ok(out)
    }
}

/// moto alone: one queue filled with `messages` (ten per `SendMessageBatch`), then emptied by `consumers`
/// concurrent clients (`ReceiveMessage` of up to ten, `DeleteMessageBatch`).
async fn moto_alone(
    sqs: &aws_sdk_sqs::Client,
    moto: u32,
    messages: usize,
    consumers: usize,
) -> Result<MotoAlone> {
    let (url, _) = create_queue(sqs, &format!("bench-raw-{consumers}")).await?;
    let bodies: Vec<String> = (0..messages).map(|i| format!("m{i:06}")).collect();
    let cpu_before = bench_proc::cpu_ticks(moto);
    let t = Instant::now();
    send_all(sqs, &url, &bodies).await?;
    let sent = messages as f64 / t.elapsed().as_secs_f64();
    let send_cpu = bench_proc::cpu_since(moto, &cpu_before) / (messages.max(1) as u32);
    let cpu_before = bench_proc::cpu_ticks(moto);
    let done = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..consumers {
        let (sqs, url, done) = (sqs.clone(), url.clone(), done.clone());
        tasks.spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(600);
            while done.load(Ordering::SeqCst) < messages {
                if Instant::now() > deadline {
                    bail!("moto alone: timed out receiving");
                }
                let got = sqs
                    .receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(0)
                    .send()
                    .await
                    .map_err(sdk_err)?
                    .messages
                    .unwrap_or_default();
                if got.is_empty() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                let entries = got
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                            .build()
                            .map_err(sdk_err)
                    })
                    .collect::<Result<Vec<_>>>()?;
                sqs.delete_message_batch()
                    .queue_url(&url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(sdk_err)?;
                done.fetch_add(got.len(), Ordering::SeqCst);
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let received = messages as f64 / t.elapsed().as_secs_f64();
    let receive_cpu = bench_proc::cpu_since(moto, &cpu_before) / (messages.max(1) as u32);
    Ok(MotoAlone {
        consumers,
        sent,
        send_cpu,
        received,
        receive_cpu,
    })
}

/// moto alone, latency: one client long-polls (as lambkin's poller does: up to ten messages, every attribute)
/// while another sends `samples` messages `T<now ms>`, `gap` apart: each one's send → received, sorted.
async fn moto_alone_latency(
    sqs: &aws_sdk_sqs::Client,
    samples: usize,
    gap: Duration,
) -> Result<Vec<Duration>> {
    let (url, _) = create_queue(sqs, "bench-raw-lat").await?;
    let (rsqs, rurl) = (sqs.clone(), url.clone());
    let receiver = tokio::spawn(async move {
        let mut out = Vec::new();
        while out.len() < samples {
            let got = rsqs
                .receive_message()
                .queue_url(&rurl)
                .max_number_of_messages(10)
                .wait_time_seconds(20)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .message_attribute_names("All")
                .send()
                .await
                .map_err(sdk_err)?;
            let now = now_ms();
            for m in got.messages.unwrap_or_default() {
                if let Some(sent) = m
                    .body()
                    .and_then(|b| b.strip_prefix('T'))
                    .and_then(|b| b.parse::<f64>().ok())
                {
                    out.push(Duration::from_secs_f64(((now - sent) / 1e3).max(0.0)));
                }
                rsqs.delete_message()
                    .queue_url(&rurl)
                    .receipt_handle(m.receipt_handle.unwrap_or_default())
                    .send()
                    .await
                    .map_err(sdk_err)?;
            }
        }
        anyhow::Ok(out)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..samples {
        sqs.send_message()
            .queue_url(&url)
            .message_body(format!("T{:.3}", now_ms()))
            .send()
            .await
            .map_err(sdk_err)?;
        tokio::time::sleep(gap).await;
    }
    let mut out = tokio::time::timeout(Duration::from_secs(60), receiver)
        .await
        .map_err(|_| anyhow!("moto alone: not every sample was received"))???;
    out.sort();
    Ok(out)
}

/// What moto alone did.
struct MotoAlone {
    consumers: usize,
    /// Messages sent per second, one client.
    sent: f64,
    /// moto's CPU per message sent.
    send_cpu: Duration,
    /// Messages received and deleted per second by `consumers` clients.
    received: f64,
    /// moto's CPU per message received and deleted.
    receive_cpu: Duration,
}

/// Runs the benchmark and prints the table.
pub async fn run(args: EsmBenchArgs) -> Result<()> {
    if args.messages == 0 || args.sqs_messages == 0 || args.samples == 0 {
        bail!("--messages, --sqs-messages and --samples must be at least 1");
    }
    let dir =
        TempDir(std::env::temp_dir().join(format!("lambkin-bench-esm-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let want_sqs = args.sources.contains(&SourceKind::Sqs);
    let want_nats = args.sources.contains(&SourceKind::Nats);

    let moto = if want_sqs {
        let path = moto_path(args.moto.as_deref())?;
        let port = free_port()?;
        let mut cmd = Command::new(&path);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        let d = Daemon::start(cmd, "moto_server", port, &dir.0.join("moto.log"))?;
        Some((d, format!("http://127.0.0.1:{port}")))
    } else {
        None
    };
    let nats = if want_nats {
        let path = which("nats-server")
            .or_else(|| Some(PathBuf::from("/usr/sbin/nats-server")).filter(|p| p.is_file()))
            .ok_or_else(|| anyhow!("nats-server is missing: apt-get install nats-server"))?;
        let port = free_port()?;
        let mut cmd = Command::new(&path);
        cmd.args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.0.join("nats"));
        let d = Daemon::start(cmd, "nats-server", port, &dir.0.join("nats.log"))?;
        Some((d, format!("nats://127.0.0.1:{port}")))
    } else {
        None
    };

    let mut serve_args = Vec::new();
    let mut env = vec![
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_DEFAULT_REGION", REGION.to_owned()),
        ("AWS_REGION", REGION.to_owned()),
    ];
    if let Some((_, endpoint)) = &moto {
        env.push(("AWS_ENDPOINT_URL", endpoint.clone()));
    }
    if let Some((_, url)) = &nats {
        serve_args.extend(["--nats-url".to_owned(), url.clone()]);
    }
    let server = Server::spawn_with(args.isolation.as_deref(), &serve_args, &env)?;
    let send = server.port.connect(Duration::from_secs(30)).await?;
    let mut bench = Bench {
        args: &args,
        server: &server,
        send,
    };

    let mut rows_sqs = None;
    if let Some((d, endpoint)) = &moto {
        let sqs = sqs_client(endpoint).await;
        let alone1 = moto_alone(&sqs, d.pid(), args.sqs_messages, 1).await?;
        let alone4 = moto_alone(&sqs, d.pid(), args.sqs_messages, 4).await?;
        let alone_lat =
            moto_alone_latency(&sqs, args.samples, Duration::from_millis(args.gap_ms)).await?;
        let t10 = bench.sqs_throughput(&sqs, d.pid(), 10).await?;
        let t100 = bench.sqs_throughput(&sqs, d.pid(), 100).await?;
        let lat = bench.sqs_latency(&sqs).await?;
        rows_sqs = Some((alone1, alone4, alone_lat, t10, t100, lat));
    }
    let mut rows_nats = None;
    if let Some((d, url)) = &nats {
        let js = jetstream(url).await?;
        let t10 = bench.nats_throughput(&js, d.pid(), 10).await?;
        let t100 = bench.nats_throughput(&js, d.pid(), 100).await?;
        let lat = bench.nats_latency(&js).await?;
        rows_nats = Some((t10, t100, lat));
    }

    println!(
        "Messages per throughput run: SQS {}, NATS {}; {} latency samples {} ms apart; function `MemorySize` {} MB, isolation {}.\n",
        args.sqs_messages,
        args.messages,
        args.samples,
        args.gap_ms,
        args.memory_mb,
        args.isolation.as_deref().unwrap_or("default")
    );
    print_head();
    if let Some((alone1, alone4, alone_lat, t10, t100, lat)) = &rows_sqs {
        for a in [alone1, alone4] {
            print_row(&[
                &format!(
                    "moto alone: {} msgs sent (SendMessageBatch of 10, 1 client), then received + deleted (ReceiveMessage of 10, DeleteMessageBatch) by {} client(s)",
                    args.sqs_messages, a.consumers
                ),
                "",
                "",
                &format!(
                    "sent {:.0} msg/s (moto CPU {} per message), received + deleted {:.0} msg/s (moto CPU {} per message)",
                    a.sent,
                    fmt(a.send_cpu),
                    a.received,
                    fmt(a.receive_cpu)
                ),
            ]);
        }
        print_latency(
            &format!(
                "moto alone: send → received by a waiting long poll (ReceiveMessage of 10, every attribute), idle queue ({} samples)",
                alone_lat.len()
            ),
            alone_lat,
            fmt,
            "",
        );
        t10.print("moto");
        t100.print("moto");
        print_latency(
            &format!(
                "SQS (moto): send → invoke start, idle queue, BatchSize 10 ({} samples)",
                lat.len()
            ),
            lat,
            fmt,
            "",
        );
    }
    if let Some((t10, t100, lat)) = &rows_nats {
        t10.print("nats-server");
        t100.print("nats-server");
        print_latency(
            &format!(
                "NATS JetStream: send → invoke start, idle stream, BatchSize 10 ({} samples)",
                lat.len()
            ),
            lat,
            fmt,
            "",
        );
    }
    drop(bench);
    drop(server);
    drop(nats);
    drop(moto);
    drop(dir);
    Ok(())
}
