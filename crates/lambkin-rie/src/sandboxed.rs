//! `lambkin rie --isolation namespace`: the same emulator, with the init as PID 1 of a sandboxed environment.
//!
//! The task root (`--task-root`, default the current directory) becomes `/var/task`; the host's `/opt` (layers,
//! `/opt/extensions`) and `/var/runtime`, when present, appear at the same places, read-only.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lambkin_sandbox::{Environment, EnvironmentSpec, Network};
use lambkin_wire::client::{InitClient, LogSink};
use lambkin_wire::launch::InitCommand;
use lambkin_wire::StartConfig;

use crate::args::RieArgs;
use crate::backend::{Backend, Sandboxed};

/// The Runtime API inside the environment (its own loopback).
const SANDBOX_API: &str = "127.0.0.1:9001";
/// Where environments keep their state.
const STATE_DIR: &str = "/run/lambkin/environments";

fn inside(path: &str, task_root: &Path) -> String {
    match Path::new(path).strip_prefix(task_root) {
        Ok(rel) => Path::new("/var/task")
            .join(rel)
            .to_string_lossy()
            .into_owned(),
        Err(_) => path.to_owned(),
    }
}

fn remap_env(vars: &[(String, String)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(k, v)| match k.as_str() {
            "AWS_LAMBDA_RUNTIME_API" => (k.clone(), SANDBOX_API.to_owned()),
            "LAMBDA_TASK_ROOT" => (k.clone(), "/var/task".to_owned()),
            _ => (k.clone(), v.clone()),
        })
        .collect()
}

/// Builds the environment and starts its init.
pub async fn start(args: &RieArgs, cfg: StartConfig) -> Result<Backend, String> {
    if !rustix::process::geteuid().is_root() {
        return Err(
            "--isolation namespace needs root (namespaces, cgroups, mounts); \
                    run as root, or use --isolation process, which enforces none of them"
                .into(),
        );
    }
    let task_root = match &args.task_root {
        Some(t) => PathBuf::from(t),
        None => std::env::current_dir().map_err(|e| format!("current directory: {e}"))?,
    };
    let task_root = task_root
        .canonicalize()
        .map_err(|e| format!("--task-root {}: {e}", task_root.display()))?;
    let layers: Vec<PathBuf> = [PathBuf::from("/opt")]
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    let runtime_dir = Some(PathBuf::from("/var/runtime")).filter(|p| p.is_dir());
    let lambkin = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let spec = EnvironmentSpec {
        id: format!("rie-{}", uuid::Uuid::new_v4().simple()),
        code_dir: task_root.clone(),
        layers,
        runtime_dir,
        host_binds: Vec::new(),
        memory_mb: cfg.memory_mb,
        ephemeral_mb: args.ephemeral_mb,
        network: args.network.unwrap_or_else(Network::default_for_host),
        rootfs: None,
        state_dir: PathBuf::from(STATE_DIR),
        init: InitCommand::beside(&lambkin),
        lambkin,
    };
    tracing::info!(
        "network: {}{}",
        spec.network.name(),
        if spec.network == Network::None {
            " (loopback only; install passt for egress)"
        } else {
            " (egress through pasta; the host's loopback stays unreachable)"
        }
    );
    // Environments left behind by an emulator or server killed with SIGKILL.
    lambkin_sandbox::environment::sweep_orphans(&spec.state_dir);
    let (environment, channel) =
        Environment::create(&spec).map_err(|e| format!("cannot create the environment: {e}"))?;
    let bootstrap: Vec<String> = cfg
        .bootstrap
        .iter()
        .map(|a| inside(a, &task_root))
        .collect();
    let start = StartConfig {
        bootstrap,
        cwd: "/var/task".into(),
        extensions_dir: "/opt/extensions".into(),
        runtime_env: remap_env(&cfg.runtime_env),
        extension_env: remap_env(&cfg.extension_env),
        api_address: SANDBOX_API.into(),
        confine_children: true,
        json_system_log: None,
        ..cfg.clone()
    };
    let logs: LogSink = Arc::new(|_source, line| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    });
    let (client, started) = InitClient::start(channel, start, logs).await?;
    if !started.ready {
        tracing::info!("init failed in the environment; the first invoke retries it");
    }
    // Idle environments are frozen; the first invoke thaws it.
    environment
        .freeze()
        .map_err(|e| format!("cannot freeze the environment: {e}"))?;
    Ok(Backend::Sandboxed(Arc::new(Sandboxed {
        client,
        environment: Mutex::new(Some(environment)),
        version: cfg.function_version,
        in_flight: Mutex::new(0),
        stopping: std::sync::atomic::AtomicBool::new(false),
    })))
}
