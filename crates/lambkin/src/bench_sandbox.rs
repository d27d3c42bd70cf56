//! `lambkin bench sandbox`: create → init ready, freeze+thaw round trip, destroy, environments per second.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use lambkin_sandbox::{Blank, Environment, EnvironmentShape, EnvironmentSpec, Network};
use lambkin_wire::client::{InitClient, LogSink};
use lambkin_wire::launch::InitCommand;
use lambkin_wire::{InitType, StartConfig};

use crate::bench_common::percentile;

/// What to measure.
#[derive(Debug, clap::Args)]
pub struct SandboxBenchArgs {
    /// Directory with the function's `bootstrap` (mounted at /var/task).
    #[arg(long)]
    pub code: PathBuf,
    /// Environments created and destroyed.
    #[arg(long, default_value_t = 50)]
    pub environments: usize,
    /// Freeze/thaw round trips.
    #[arg(long, default_value_t = 1000)]
    pub freezes: usize,
    /// MemorySize of the environments (CPU quota follows it: 1,769 MB = one vCPU).
    #[arg(long, default_value_t = 1769)]
    pub memory_mb: u32,
}

fn start_config(memory_mb: u32) -> StartConfig {
    let env = vec![
        (
            "AWS_LAMBDA_RUNTIME_API".to_owned(),
            "127.0.0.1:9001".to_owned(),
        ),
        ("AWS_LAMBDA_FUNCTION_NAME".to_owned(), "bench".to_owned()),
        (
            "AWS_LAMBDA_FUNCTION_VERSION".to_owned(),
            "$LATEST".to_owned(),
        ),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned(),
            "128".to_owned(),
        ),
        ("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned()),
    ];
    StartConfig {
        function_name: "bench".into(),
        function_version: "$LATEST".into(),
        memory_mb,
        timeout: std::time::Duration::from_secs(3),
        init_timeout: std::time::Duration::from_secs(10),
        handler: "".into(),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        log_group: "/aws/lambda/bench".into(),
        log_stream: "bench".into(),
        init_type: InitType::OnDemand,
        bootstrap: vec!["/var/task/bootstrap".into()],
        cwd: "/var/task".into(),
        extensions_dir: "/opt/extensions".into(),
        runtime_env: env.clone(),
        extension_env: env,
        api_address: "127.0.0.1:9001".into(),
        shutdown_window: std::time::Duration::from_secs(2),
        confine_children: true,
        json_system_log: None,
        lambda_api: false,
    }
}

fn spec(code: &std::path::Path, n: usize, memory_mb: u32) -> Result<EnvironmentSpec> {
    Ok(EnvironmentSpec {
        id: format!("bench-{}-{n}", std::process::id()),
        code_dir: code.to_path_buf(),
        layers: vec![],
        runtime_dir: None,
        host_binds: Vec::new(),
        shared_dirs: Vec::new(),
        image: None,
        memory_mb,
        shape: EnvironmentShape {
            ephemeral_mb: 512,
            network: Network::None,
            rootfs: None,
            state_dir: PathBuf::from("/run/lambkin/environments"),
            lambkin: std::env::current_exe()?,
            init: InitCommand::beside(&std::env::current_exe()?),
        },
    })
}

fn show(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{:.0} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    }
}

/// Starts the init on `channel` and waits until it is ready.
async fn ready(
    channel: std::os::unix::net::UnixStream,
    memory_mb: u32,
    logs: &LogSink,
) -> Result<InitClient> {
    let (client, started) = InitClient::start(channel, start_config(memory_mb), logs.clone())
        .await
        .map_err(anyhow::Error::msg)?;
    anyhow::ensure!(started.ready, "the init did not become ready");
    Ok(client)
}

/// Runs the benchmark and prints a Markdown table.
pub async fn run(args: SandboxBenchArgs) -> Result<()> {
    let code = args.code.canonicalize().context("--code")?;
    let quiet: LogSink = Arc::new(|_| {});
    let mut create = Vec::new();
    let mut destroy = Vec::new();
    let mut freeze = Vec::new();
    let mut thaw = Vec::new();
    let all = Instant::now();
    for n in 0..args.environments {
        let t = Instant::now();
        let (env, channel) = Environment::create(&spec(&code, n, args.memory_mb)?)?;
        let client = ready(channel, args.memory_mb, &quiet).await?;
        create.push(t.elapsed());
        if n == 0 {
            for _ in 0..args.freezes {
                let t = Instant::now();
                env.freeze()?;
                let frozen = t.elapsed();
                env.thaw()?;
                freeze.push(t.elapsed());
                thaw.push(t.elapsed() - frozen);
            }
        }
        drop(client);
        let t = Instant::now();
        env.destroy()?;
        destroy.push(t.elapsed());
    }
    let per_second = args.environments as f64 / all.elapsed().as_secs_f64();
    // Prepared environments (what `serve` keeps ready): built first, unmeasured; then a function assigned to
    // each and its init started, measured.
    let mut assign = Vec::new();
    let mut assigned_ready = Vec::new();
    for n in 0..args.environments {
        let spec = spec(&code, n, args.memory_mb)?;
        let blank = Blank::create(
            &format!("bench-prep-{}-{n}", std::process::id()),
            &spec.shape,
        )?;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t = Instant::now();
        let (env, channel) = blank.assign(&spec)?;
        assign.push(t.elapsed());
        let client = ready(channel, args.memory_mb, &quiet).await?;
        assigned_ready.push(t.elapsed());
        drop(client);
        env.destroy()?;
    }
    for v in [
        &mut create,
        &mut destroy,
        &mut freeze,
        &mut thaw,
        &mut assign,
        &mut assigned_ready,
    ] {
        v.sort();
    }
    println!("MemorySize {} MB", args.memory_mb);
    println!();
    println!("| measure | p50 | p99 |");
    println!("|---|---|---|");
    let row = |label: String, v: &[Duration]| {
        println!(
            "| {label} | {} | {} |",
            show(percentile(v, 0.5)),
            show(percentile(v, 0.99))
        );
    };
    let n = args.environments;
    row(format!("create → init ready ({n} environments)"), &create);
    row(
        format!("freeze + thaw round trip ({} times)", args.freezes),
        &freeze,
    );
    row(
        "destroy (kill, cgroup removal, state removal)".into(),
        &destroy,
    );
    row("thaw alone".into(), &thaw);
    println!("| environments created, readied and destroyed per second, one at a time | {per_second:.1}/s | |");
    row(
        format!(
            "prepared environment: assign (limits, the code attached, read-only root) ({n} environments)"
        ),
        &assign,
    );
    row(
        "prepared environment: assign → init ready".into(),
        &assigned_ready,
    );
    Ok(())
}
