//! `lambkin bench cluster`: two `lambkin serve` hosts on a 3-node NATS JetStream cluster (started here from
//! `nats-server` on the PATH, R3): a warm invoke routed from one host to the function's home host against one
//! sent to the home host itself, `Event` invokes accepted per second (each replicated before its `202`), and the
//! time from a host's death (SIGKILL) to its events running on the other host.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use bytes::Bytes;

use crate::bench_common::{
    free_port, per_second, print_head, print_latency, print_row, timed, Port,
};
use crate::bench_serve::{
    call, call_event, create_function, fmt, invocations, serve_command, zip_bootstrap, zip_file,
};

/// What to measure.
#[derive(Debug, clap::Args)]
pub struct ClusterBenchArgs {
    /// The function's bootstrap (e.g. target/release/echo-function).
    #[arg(long)]
    pub function: PathBuf,
    /// Sequential warm invokes measured, routed and local each.
    #[arg(long, default_value_t = 3000)]
    pub invokes: usize,
    /// Seconds of the async acceptance run.
    #[arg(long, default_value_t = 3)]
    pub seconds: u64,
    /// Events in flight on the host that is killed (a host delivers at most 4 of one function at once, so more
    /// wait for those to finish).
    #[arg(long, default_value_t = 4)]
    pub events: usize,
}

/// A child process killed (SIGKILL) and reaped when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A 3-node NATS cluster with JetStream, each node with its own store under `dir`.
fn nats_cluster(dir: &std::path::Path) -> Result<(Vec<Proc>, String)> {
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect::<Result<_>>()?;
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect::<Result<_>>()?;
    let mut nodes = Vec::new();
    for i in 0..3 {
        let others: Vec<String> = (0..3)
            .filter(|j| *j != i)
            .map(|j| format!("nats://127.0.0.1:{}", routes[j]))
            .collect();
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-n", &format!("n{i}")])
            .args(["-p", &ports[i].to_string()])
            .arg("-sd")
            .arg(dir.join(format!("n{i}")))
            .args(["--cluster_name", "bench"])
            .args(["--cluster", &format!("nats://127.0.0.1:{}", routes[i])])
            .args(["--routes", &others.join(",")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start nats-server (is it installed?)")?;
        nodes.push(Proc(child));
    }
    for p in &ports {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", *p)).is_err() {
            if Instant::now() > deadline {
                bail!("nats-server did not listen on {p}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("nats://127.0.0.1:{p}"))
        .collect();
    Ok((nodes, urls.join(",")))
}

/// Host `id` of the cluster.
fn host(id: &str, nats: &str, dir: &std::path::Path) -> Result<(Proc, Port)> {
    let port = Port::free("lambkin serve", Duration::from_millis(20))?;
    let child = serve_command(&port, &dir.join(id))?
        .args(["--cluster", nats, "--host-id", id])
        .args(["--async-delay-scale", "0.01"])
        .spawn()
        .context("cannot start lambkin serve")?;
    Ok((Proc(child), port))
}

/// A function that prints `run <id> <unix ms>` when an event starts, then sleeps its `sleep` seconds (Debian's
/// Python, standard library only).
const SLEEPER: &str = r#"#!/usr/bin/python3
import http.client, json, os, time
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
while True:
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse()
    ev = json.loads(r.read() or b"{}")
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    print(f"run {ev.get('id')} {int(time.time() * 1000)}", flush=True)
    time.sleep(float(ev.get("sleep", 0)))
    c.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=b"{}")
    c.getresponse().read()
"#;

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `run <id> <ms>` lines of `function` that a host's log mirror holds.
async fn runs(port: &Port, function: &str) -> Result<Vec<(String, u64)>> {
    let mut send = port.connect(Duration::from_secs(5)).await?;
    let path = format!("/lambkin/v1/functions/{function}/logs");
    let body = call(&mut send, "GET", &path, Bytes::new()).await?;
    let v: serde_json::Value = serde_json::from_slice(&body)?;
    let mut out = Vec::new();
    for e in v["events"].as_array().into_iter().flatten() {
        let m = e["message"].as_str().unwrap_or("");
        let mut parts = m.split_whitespace();
        if let (Some("run"), Some(id), Some(ms)) = (parts.next(), parts.next(), parts.next()) {
            if let Ok(ms) = ms.parse() {
                out.push((id.to_owned(), ms));
            }
        }
    }
    Ok(out)
}

/// Runs the benchmark and prints its Markdown rows.
pub async fn run(args: ClusterBenchArgs) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("lambkin-bench-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&args, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(args: &ClusterBenchArgs, dir: &std::path::Path) -> Result<()> {
    let (_nats, urls) = nats_cluster(dir)?;
    let (h1, p1) = host("h1", &urls, dir)?;
    let (h2, p2) = host("h2", &urls, dir)?;
    let mut hosts = [(Some(h1), p1), (Some(h2), p2)];
    let mut send = hosts[0].1.connect(Duration::from_secs(90)).await?;
    hosts[1].1.connect(Duration::from_secs(90)).await?;
    let zip = base64::engine::general_purpose::STANDARD.encode(zip_bootstrap(&args.function)?);
    create_function(
        &mut send,
        "bench",
        "provided.al2023",
        "bootstrap",
        1769,
        &zip,
    )
    .await?;
    let payload = Bytes::from(format!("{{\"data\":\"{}\"}}", "x".repeat(100 - 11)));
    call(&mut send, "POST", &invocations("bench"), payload.clone()).await?;
    let home = if lambkin_cluster::rank("us-east-1/bench", ["h1", "h2"])[0] == "h1" {
        0
    } else {
        1
    };
    let other = 1 - home;

    print_head();
    let mut routed = hosts[other].1.connect(Duration::from_secs(5)).await?;
    let mut local = hosts[home].1.connect(Duration::from_secs(5)).await?;
    for _ in 0..300 {
        call(&mut routed, "POST", &invocations("bench"), payload.clone()).await?;
        call(&mut local, "POST", &invocations("bench"), payload.clone()).await?;
    }
    let t = timed(args.invokes, async || {
        call(&mut local, "POST", &invocations("bench"), payload.clone()).await
    })
    .await?;
    print_latency(
        "cluster: warm invoke, sent to the function's home host",
        &t,
        fmt,
        "",
    );
    let t = timed(args.invokes, async || {
        call(&mut routed, "POST", &invocations("bench"), payload.clone()).await
    })
    .await?;
    print_latency(
        "cluster: warm invoke, routed from another host to its home host",
        &t,
        fmt,
        "",
    );

    // A host dies with events running on it.
    let zip = base64::engine::general_purpose::STANDARD.encode(zip_file(
        "bootstrap",
        SLEEPER.as_bytes(),
        0o755,
    )?);
    let body = serde_json::json!({
        "FunctionName": "sleeper", "Runtime": "provided.al2023", "Handler": "bootstrap",
        "Role": "arn:aws:iam::123456789012:role/bench", "Timeout": 120, "Code": {"ZipFile": zip},
    });
    call(
        &mut send,
        "POST",
        "/2015-03-31/functions",
        Bytes::from(body.to_string()),
    )
    .await?;
    call(
        &mut send,
        "POST",
        &invocations("sleeper"),
        Bytes::from(r#"{"id":"warm"}"#),
    )
    .await?;
    // The sleeper's home host, ranked as every host ranks it.
    let victim = if lambkin_cluster::rank("us-east-1/sleeper", ["h1", "h2"])[0] == "h1" {
        0
    } else {
        1
    };
    let survivor = 1 - victim;
    let mut events = hosts[survivor].1.connect(Duration::from_secs(5)).await?;
    for i in 0..args.events {
        let ev = serde_json::json!({"id": format!("e{i}"), "sleep": 60});
        let req = http::Request::post(invocations("sleeper"))
            .header("host", "localhost")
            .header("x-amz-invocation-type", "Event")
            .body(http_body_util::Full::new(Bytes::from(ev.to_string())))?;
        let resp = events.send_request(req).await?;
        if resp.status() != http::StatusCode::ACCEPTED {
            bail!("Event invoke answered {}", resp.status());
        }
        let _ = http_body_util::BodyExt::collect(resp.into_body()).await;
    }
    // Every event started on the victim (its home host) before it dies.
    let started = Instant::now();
    while runs(&hosts[survivor].1, "sleeper").await?.len() < args.events + 1 {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the events did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let killed_ms = unix_ms();
    drop(hosts[victim].0.take());
    let mut again: Vec<u64> = Vec::new();
    while again.len() < args.events {
        if unix_ms() - killed_ms > 180_000 {
            bail!("only {} of {} events ran again", again.len(), args.events);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let seen = runs(&hosts[survivor].1, "sleeper").await?;
        again = (0..args.events)
            .filter_map(|i| {
                let id = format!("e{i}");
                seen.iter()
                    .filter(|(e, ms)| *e == id && *ms > killed_ms)
                    .map(|(_, ms)| ms - killed_ms)
                    .min()
            })
            .collect();
    }
    let mut delays: Vec<Duration> = again.into_iter().map(Duration::from_millis).collect();
    delays.sort();
    print_latency(
        "cluster: host killed → each of its events running on the other host",
        &delays,
        fmt,
        &format!("{} events", args.events),
    );
    // Event invokes accepted (replicated to 3 NATS nodes before each 202), the function throttled so that
    // deliveries do not compete.
    let mut send = hosts[survivor].1.connect(Duration::from_secs(5)).await?;
    call(
        &mut send,
        "PUT",
        "/2017-10-31/functions/bench/concurrency",
        Bytes::from(r#"{"ReservedConcurrentExecutions":0}"#),
    )
    .await?;
    for workers in [1usize, 8] {
        let port = &hosts[survivor].1;
        let connect = async || port.connect(Duration::from_secs(1)).await;
        let rate = per_second(workers, args.seconds, connect, &payload, |send, payload| {
            Box::pin(async move { call_event(send, payload).await.map(drop) })
        })
        .await?;
        print_row(&[
            &format!("cluster: Event invokes accepted per second, {workers} connection(s)"),
            "",
            "",
            &format!("{rate:.0}/s"),
        ]);
    }

    Ok(())
}
