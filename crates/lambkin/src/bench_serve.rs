//! `lambkin bench serve`: measures `lambkin serve` with a real function through the Lambda REST API, as a
//! client sees it: CreateFunction + first invoke, cold starts, warm latency, throughput at concurrency 1, 2, 8.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::bench_common::{
    mean, per_second, print_head, print_latency, print_row, timed, Conn, FunctionBenchArgs,
    OneRequest, Port,
};
use crate::bench_proc;

/// What to measure.
#[derive(Debug, clap::Args)]
pub struct ServeBenchArgs {
    /// The function, its invokes, the seconds of each throughput run and its cold starts.
    #[command(flatten)]
    pub common: FunctionBenchArgs,
    /// The function's `MemorySize` (its CPU share follows: 1,769 MB = one vCPU, as on Lambda).
    #[arg(long, default_value_t = 1769)]
    pub memory_mb: u32,
    /// A response-streaming function (e.g. target/release/rust-stream) for time to first byte.
    #[arg(long)]
    pub stream_function: Option<PathBuf>,
    /// `--isolation` of the server (`namespace` needs root).
    #[arg(long)]
    pub isolation: Option<String>,
    /// Also measure a hello function on these managed runtimes (e.g. `python3.12,nodejs20.x`): cold start
    /// and warm invoke, next to the `provided` function.
    #[arg(long, value_delimiter = ',')]
    pub managed: Vec<String>,
}

/// A hello function for a managed runtime: (file name, source, handler).
fn hello(runtime: &str) -> Result<(&'static str, &'static str, &'static str)> {
    if runtime.starts_with("python") {
        Ok((
            "app.py",
            "def handler(event, context):\n    return {\"hello\": event}\n",
            "app.handler",
        ))
    } else if runtime.starts_with("nodejs") {
        Ok((
            "index.mjs",
            "export const handler = async (event) => ({ hello: event });\n",
            "index.handler",
        ))
    } else {
        bail!("--managed {runtime}: expected a python3.x or nodejsNN.x runtime")
    }
}

pub(crate) fn zip_file(name: &str, contents: &[u8], mode: u32) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default().unix_permissions(mode);
    z.start_file(name, opts)?;
    z.write_all(contents)?;
    z.finish()?;
    Ok(out.into_inner())
}

/// The Invoke path of function `name`.
pub(crate) fn invocations(name: &str) -> String {
    format!("/2015-03-31/functions/{name}/invocations")
}

/// CreateFunction of `name` with a base64 zip.
pub(crate) async fn create_function(
    send: &mut Conn,
    name: &str,
    runtime: &str,
    handler: &str,
    memory_mb: u32,
    zip_b64: &str,
) -> Result<()> {
    let body = serde_json::json!({
        "FunctionName": name, "Runtime": runtime, "Handler": handler,
        "Role": "arn:aws:iam::123456789012:role/bench", "MemorySize": memory_mb,
        "Code": {"ZipFile": zip_b64},
    });
    call(
        send,
        "POST",
        "/2015-03-31/functions",
        Bytes::from(body.to_string()),
    )
    .await?;
    Ok(())
}

/// Cold starts of function `name`: a configuration change drains its environments; the next invoke builds a
/// new one. Sorted.
pub(crate) async fn cold_starts(
    send: &mut Conn,
    name: &str,
    payload: &Bytes,
    runs: usize,
) -> Result<Vec<Duration>> {
    let mut cold = Vec::new();
    for i in 0..runs {
        let cfg = serde_json::json!({"Environment": {"Variables": {"RUN": i.to_string()}}});
        call(
            send,
            "PUT",
            &format!("/2015-03-31/functions/{name}/configuration"),
            Bytes::from(cfg.to_string()),
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let t = Instant::now();
        call(send, "POST", &invocations(name), payload.clone()).await?;
        cold.push(t.elapsed());
    }
    cold.sort();
    Ok(cold)
}

/// Sequential warm invokes of function `name` after `warmup` unmeasured ones. Sorted.
pub(crate) async fn warm_invokes(
    send: &mut Conn,
    name: &str,
    payload: &Bytes,
    warmup: usize,
    runs: usize,
) -> Result<Vec<Duration>> {
    let path = invocations(name);
    for _ in 0..warmup {
        call(send, "POST", &path, payload.clone()).await?;
    }
    timed(runs, async || {
        call(send, "POST", &path, payload.clone()).await
    })
    .await
}

/// Cold and warm invokes of a hello function on a managed runtime (its runtime directory is built by the
/// first, unmeasured invoke).
async fn managed(
    send: &mut Conn,
    runtime: &str,
    args: &ServeBenchArgs,
    payload: &Bytes,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let (file, source, handler) = hello(runtime)?;
    let name = format!("hello-{}", runtime.replace('.', "-"));
    let zip =
        base64::engine::general_purpose::STANDARD.encode(zip_file(file, source.as_bytes(), 0o644)?);
    create_function(send, &name, runtime, handler, args.memory_mb, &zip).await?;
    call(send, "POST", &invocations(&name), payload.clone()).await?;
    let cold = cold_starts(send, &name, payload, args.common.cold).await?;
    let warm = warm_invokes(send, &name, payload, 200, args.common.invokes.min(2000)).await?;
    Ok((cold, warm))
}

/// A `lambkin serve` started for a benchmark (stopped, its data removed, when dropped).
pub(crate) struct Server {
    child: Child,
    pub(crate) port: Port,
    data: PathBuf,
}

impl Server {
    /// Starts one with `--isolation` `isolation` (the server's default when `None`).
    pub(crate) fn spawn(isolation: Option<&str>) -> Result<Self> {
        Self::spawn_with(isolation, &[], &[])
    }

    /// Starts one with `--isolation` `isolation`, the further arguments `args` and the environment variables
    /// `env` (set on top of this process's).
    pub(crate) fn spawn_with(
        isolation: Option<&str>,
        args: &[String],
        env: &[(&str, String)],
    ) -> Result<Self> {
        let port = Port::free("lambkin serve", Duration::from_millis(5))?;
        let data = std::env::temp_dir().join(format!("lambkin-bench-{}", std::process::id()));
        let mut cmd = serve_command(&port, &data)?;
        if let Some(i) = isolation {
            cmd.args(["--isolation", i]);
        }
        cmd.args(args).envs(env.iter().map(|(k, v)| (k, v)));
        let child = cmd.spawn().context("cannot start lambkin serve")?;
        Ok(Self { child, port, data })
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// `lambkin serve` on `port` with the data directory `data`, quiet unless `LAMBKIN_BENCH_LOG` is set (its
/// level: `LOG_LEVEL`, default `warn`).
pub(crate) fn serve_command(port: &Port, data: &Path) -> Result<Command> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{}", port.number)])
        .arg("--data-dir")
        .arg(data)
        .env(
            "LOG_LEVEL",
            std::env::var("LOG_LEVEL").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("LAMBKIN_BENCH_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    Ok(cmd)
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

pub(crate) async fn call(send: &mut Conn, method: &str, path: &str, body: Bytes) -> Result<Bytes> {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(body))?;
    let resp = send.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!(
            "{method} {path} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(body)
}

pub(crate) fn zip_bootstrap(function: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(function).with_context(|| format!("read {}", function.display()))?;
    zip_file("bootstrap", &bytes, 0o755)
}

pub(crate) fn fmt(d: Duration) -> String {
    if d >= Duration::from_millis(10) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.0} µs", d.as_secs_f64() * 1e6)
    }
}

/// The Invoke path of the `bench` function.
const INVOKE: &str = "/2015-03-31/functions/bench/invocations";

/// Requests per second of `workers` connections to the server sending `one` for `seconds`.
async fn rate(
    server: &Server,
    payload: &Bytes,
    workers: usize,
    seconds: u64,
    one: OneRequest,
) -> Result<f64> {
    let connect = async || server.port.connect(Duration::from_secs(1)).await;
    per_second(workers, seconds, connect, payload, one).await
}

/// Synchronous invokes of the `bench` function per second.
async fn throughput(server: &Server, payload: &Bytes, workers: usize, seconds: u64) -> Result<f64> {
    rate(server, payload, workers, seconds, |send, payload| {
        Box::pin(async move { call(send, "POST", INVOKE, payload).await.map(drop) })
    })
    .await
}

pub(crate) async fn call_event(send: &mut Conn, payload: Bytes) -> Result<String> {
    let req = http::Request::post(INVOKE)
        .header("host", "localhost")
        .header("x-amz-invocation-type", "Event")
        .body(Full::new(payload))?;
    let resp = send.send_request(req).await?;
    let status = resp.status();
    let id = resp
        .headers()
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    resp.into_body().collect().await?;
    if status != http::StatusCode::ACCEPTED {
        bail!("Event invoke answered {status}");
    }
    Ok(id)
}

/// Event invokes accepted per second (each durable before its `202`), over `workers` connections.
async fn async_accepted(
    server: &Server,
    payload: &Bytes,
    workers: usize,
    seconds: u64,
) -> Result<f64> {
    rate(server, payload, workers, seconds, |send, payload| {
        Box::pin(async move { call_event(send, payload).await.map(drop) })
    })
    .await
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Accept → START of the invoke, from the START line's timestamp in the function's logs (ms resolution).
async fn async_latency(server: &Server, payload: &Bytes, runs: usize) -> Result<Vec<Duration>> {
    let mut send = server.port.connect(Duration::from_secs(1)).await?;
    let mut sent = Vec::new();
    let since = unix_ms();
    for _ in 0..runs {
        let t = unix_ms();
        let id = call_event(&mut send, payload.clone()).await?;
        sent.push((id, t));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let logs = call(
        &mut send,
        "GET",
        &format!("/lambkin/v1/functions/bench/logs?limit=10000&since={since}"),
        Bytes::new(),
    )
    .await?;
    let v: serde_json::Value = serde_json::from_slice(&logs)?;
    let mut out = Vec::new();
    for (id, t) in sent {
        let start = v["events"].as_array().and_then(|events| {
            events.iter().find(|e| {
                e["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("START") && m.contains(&id))
            })
        });
        if let Some(ts) = start.and_then(|e| e["timestamp"].as_u64()) {
            out.push(Duration::from_millis(ts.saturating_sub(t)));
        }
    }
    out.sort();
    Ok(out)
}

/// Time to the first streamed byte, warm: the function writes its first chunk at once.
async fn first_byte(server: &Server, send: &mut Conn, runs: usize) -> Result<Vec<Duration>> {
    let _ = server;
    let ev = serde_json::json!({"version": "2.0", "routeKey": "$default", "rawPath": "/",
        "rawQueryString": "delay_ms=50", "queryStringParameters": {"delay_ms": "50"}, "headers": {},
        "requestContext": {"http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1", "userAgent": "bench"}, "accountId": "anonymous", "apiId": "b",
            "domainName": "b", "domainPrefix": "b", "requestId": "r", "routeKey": "$default",
            "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0},
        "isBase64Encoded": false});
    let body = Bytes::from(ev.to_string());
    let mut out = Vec::new();
    for i in 0..runs + 5 {
        let req =
            http::Request::post("/2021-11-15/functions/streamer/response-streaming-invocations")
                .header("host", "localhost")
                .body(Full::new(body.clone()))?;
        let t = Instant::now();
        let resp = send.send_request(req).await?;
        let mut body = resp.into_body();
        let mut first = None;
        while let Some(frame) = body.frame().await {
            let frame = frame?;
            if frame.data_ref().is_some_and(|d| !d.is_empty()) && first.is_none() {
                first = Some(t.elapsed());
            }
        }
        if i >= 5 {
            if let Some(f) = first {
                out.push(f);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Runs the benchmark and prints the table.
pub async fn run(args: ServeBenchArgs) -> Result<()> {
    let payload = Bytes::from(format!("{{\"data\":\"{}\"}}", "x".repeat(100 - 11)));
    let zip =
        base64::engine::general_purpose::STANDARD.encode(zip_bootstrap(&args.common.function)?);
    let server = Server::spawn(args.isolation.as_deref())?;
    let mut send = server.port.connect(Duration::from_secs(30)).await?;

    // CreateFunction + first invoke, each a new function.
    let mut deploy = Vec::new();
    for i in 0..10 {
        let name = format!("deploy{i}");
        let t = Instant::now();
        create_function(
            &mut send,
            &name,
            "provided.al2023",
            "bootstrap",
            args.memory_mb,
            &zip,
        )
        .await?;
        call(&mut send, "POST", &invocations(&name), payload.clone()).await?;
        deploy.push(t.elapsed());
        call(
            &mut send,
            "DELETE",
            &format!("/2015-03-31/functions/{name}"),
            Bytes::new(),
        )
        .await?;
    }
    deploy.sort();

    create_function(
        &mut send,
        "bench",
        "provided.al2023",
        "bootstrap",
        args.memory_mb,
        &zip,
    )
    .await?;
    let cold = cold_starts(&mut send, "bench", &payload, args.common.cold).await?;
    warm_invokes(&mut send, "bench", &payload, 500, 0).await?;
    let serve_pid = server.child.id();
    let cpu_before = bench_proc::cpu_ticks(serve_pid);
    let warm = warm_invokes(&mut send, "bench", &payload, 0, args.common.invokes).await?;
    let cpu_per_invoke =
        bench_proc::cpu_since(serve_pid, &cpu_before) / args.common.invokes.max(1) as u32;
    // Idle long enough to be frozen.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let idle = bench_proc::idle_overhead(serve_pid);
    let mut runtimes = Vec::new();
    for rt in &args.managed {
        runtimes.push((rt.clone(), managed(&mut send, rt, &args, &payload).await?));
    }
    let mut rates = Vec::new();
    for c in [1, 2, 8] {
        throughput(&server, &payload, c, 1).await?; // warm every environment first
        rates.push((
            c,
            throughput(&server, &payload, c, args.common.seconds).await?,
        ));
    }
    let async_lat = async_latency(&server, &payload, 50).await?;
    let ttfb = match &args.stream_function {
        Some(f) => {
            let zip = base64::engine::general_purpose::STANDARD.encode(zip_bootstrap(f)?);
            create_function(
                &mut send,
                "streamer",
                "provided.al2023",
                "bootstrap",
                args.memory_mb,
                &zip,
            )
            .await?;
            Some(first_byte(&server, &mut send, 200).await?)
        }
        None => None,
    };
    // Last: they leave a backlog. First while the queue delivers to the function, then while the function is
    // throttled (reserved concurrency 0): the queue only accepts.
    let accepted = async_accepted(&server, &payload, 32, args.common.seconds).await?;
    call(
        &mut send,
        "PUT",
        "/2017-10-31/functions/bench/concurrency",
        Bytes::from_static(br#"{"ReservedConcurrentExecutions":0}"#),
    )
    .await?;
    let accepted_backlog = async_accepted(&server, &payload, 32, args.common.seconds).await?;

    println!(
        "Function `MemorySize` {} MB, isolation {}.\n",
        args.memory_mb,
        args.isolation.as_deref().unwrap_or("default")
    );
    print_head();
    print_latency(
        &format!(
            "warm invoke through `serve`, 100 B echo, keep-alive ({} invokes)",
            args.common.invokes
        ),
        &warm,
        fmt,
        &format!("mean {}", fmt(mean(&warm))),
    );
    print_row(&[
        "CPU time per warm invoke: serve, sandbox, init and function, client excluded (utime + stime)",
        "",
        "",
        &fmt(cpu_per_invoke),
    ]);
    if let Some(o) = idle {
        print_row(&[
            "idle (frozen) warm environment, private memory beyond the function's processes (smaps_rollup; all/dirty)",
            "",
            "",
            &format!(
                "{} KiB, {} dirty (init {}/{}, sandbox-enter {}/{}, pasta {}/{})",
                o.total().all,
                o.total().dirty,
                o.init.all,
                o.init.dirty,
                o.sandbox_enter.all,
                o.sandbox_enter.dirty,
                o.pasta.all,
                o.pasta.dirty
            ),
        ]);
    }
    let seconds = args.common.seconds;
    for (c, r) in rates {
        print_row(&[
            &format!("warm throughput, concurrency {c}, {seconds} s"),
            "",
            "",
            &format!("{r:.0} invokes/s"),
        ]);
    }
    print_row(&[
        &format!("async: Event invokes accepted (durable before 202), 32 connections, {seconds} s"),
        "",
        "",
        &format!("{accepted:.0} accepted/s"),
    ]);
    print_row(&[
        &format!("async: Event invokes accepted while the function is throttled (a backlog builds), 32 connections, {seconds} s"),
        "",
        "",
        &format!("{accepted_backlog:.0} accepted/s"),
    ]);
    if !async_lat.is_empty() {
        print_latency(
            &format!(
                "async: accepted → START of the invoke, idle queue ({} events, ms resolution)",
                async_lat.len()
            ),
            &async_lat,
            fmt,
            "",
        );
    }
    if let Some(t) = &ttfb {
        print_latency(
            &format!("streaming: request → first chunk, warm `lambda_http` function writing at once ({} runs)", t.len()),
            t,
            fmt,
            "",
        );
    }
    print_latency(
        &format!(
            "cold start: invoke on a new environment, client-observed ({} runs)",
            args.common.cold
        ),
        &cold,
        fmt,
        &format!("min {}", fmt(cold[0])),
    );
    for (rt, (cold, warm)) in &runtimes {
        print_latency(
            &format!(
                "{rt} hello: warm invoke through `serve`, 100 B ({} invokes)",
                warm.len()
            ),
            warm,
            fmt,
            &format!("mean {}", fmt(mean(warm))),
        );
        print_latency(
            &format!(
                "{rt} hello: cold start, client-observed ({} runs)",
                cold.len()
            ),
            cold,
            fmt,
            &format!("min {}", fmt(cold.first().copied().unwrap_or_default())),
        );
    }
    print_latency(
        &format!(
            "CreateFunction + first invoke, wall ({} functions)",
            deploy.len()
        ),
        &deploy,
        fmt,
        &format!("min {}", fmt(deploy[0])),
    );
    Ok(())
}
