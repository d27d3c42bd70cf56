//! What the `lambkin bench` commands share: the options of a benchmark of a real function, a keep-alive client,
//! timed runs, percentiles and the rows of the Markdown table they print.

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A keep-alive HTTP/1 connection.
pub(crate) type Conn = SendRequest<Full<Bytes>>;

/// One request of a throughput run on a connection, with the payload.
pub(crate) type OneRequest =
    for<'a> fn(&'a mut Conn, Bytes) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// What to measure of a real function (`bench rie`, `bench serve`).
#[derive(Debug, clap::Args)]
pub struct FunctionBenchArgs {
    /// The function's bootstrap (e.g. target/release/echo-function).
    #[arg(long)]
    pub function: PathBuf,
    /// Sequential warm invokes measured.
    #[arg(long, default_value_t = 5000)]
    pub invokes: usize,
    /// Seconds of each throughput run.
    #[arg(long, default_value_t = 3)]
    pub seconds: u64,
    /// Cold starts measured.
    #[arg(long, default_value_t = 30)]
    pub cold: usize,
}

/// A port of 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The local port a benchmarked `lambkin` listens on, and how often a connection to it is retried.
pub(crate) struct Port {
    /// The port number.
    pub(crate) number: u16,
    retry: Duration,
    what: &'static str,
}

impl Port {
    /// A port that was free a moment ago for `what` (e.g. `lambkin rie`); connections retried every `retry`.
    pub(crate) fn free(what: &'static str, retry: Duration) -> Result<Self> {
        let number = free_port()?;
        Ok(Self {
            number,
            retry,
            what,
        })
    }

    /// A keep-alive HTTP/1 connection (`TCP_NODELAY`), retried until `patience` runs out.
    pub(crate) async fn connect(&self, patience: Duration) -> Result<Conn> {
        let until = Instant::now() + patience;
        loop {
            match TcpStream::connect(("127.0.0.1", self.number)).await {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    let (send, conn) =
                        hyper::client::conn::http1::handshake(TokioIo::new(s)).await?;
                    tokio::spawn(conn);
                    return Ok(send);
                }
                Err(_) if Instant::now() < until => tokio::time::sleep(self.retry).await,
                Err(e) => bail!("{} did not listen: {e}", self.what),
            }
        }
    }
}

/// How long each of `runs` calls of `one` took, sorted. What a call returns is dropped after its time is taken.
pub(crate) async fn timed<T>(
    runs: usize,
    mut one: impl AsyncFnMut() -> Result<T>,
) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let kept = one().await?;
        times.push(t.elapsed());
        drop(kept);
    }
    times.sort();
    Ok(times)
}

/// Requests per second of `workers` connections (each from `connect`), every one sending `one` back to back
/// for `seconds`.
pub(crate) async fn per_second(
    workers: usize,
    seconds: u64,
    connect: impl AsyncFn() -> Result<Conn>,
    payload: &Bytes,
    one: OneRequest,
) -> Result<f64> {
    let stop = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let mut send = connect().await?;
        let payload = payload.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop {
                one(&mut send, payload.clone()).await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let started = Instant::now();
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// The `p` quantile of sorted durations.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The mean of durations (zero for none).
pub(crate) fn mean(times: &[Duration]) -> Duration {
    times.iter().sum::<Duration>() / times.len().max(1) as u32
}

/// Prints a row of the Markdown table; an empty cell stays empty (`| |`).
pub(crate) fn print_row(cells: &[&str]) {
    let mut line = String::from("|");
    for cell in cells {
        if !cell.is_empty() {
            line.push(' ');
            line.push_str(cell);
        }
        line.push_str(" |");
    }
    println!("{line}");
}

/// Prints the head of the table of `measure | p50 | p99 | other` rows.
pub(crate) fn print_head() {
    println!("| measure | p50 | p99 | other |");
    println!("|---|---|---|---|");
}

/// Prints the row of `measure` with the p50 and p99 of `sorted` as `show` writes them, and `other`.
pub(crate) fn print_latency(
    measure: &str,
    sorted: &[Duration],
    show: fn(Duration) -> String,
    other: &str,
) {
    let (p50, p99) = (
        show(percentile(sorted, 0.5)),
        show(percentile(sorted, 0.99)),
    );
    print_row(&[measure, &p50, &p99, other]);
}
