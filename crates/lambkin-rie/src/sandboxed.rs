//! `lambkin rie --isolation namespace`: the same emulator, with the init as PID 1 of a sandboxed environment.
//!
//! The task root (`--task-root`, default the current directory) becomes `/var/task`; the host's `/opt` (layers,
//! `/opt/extensions`) and `/var/runtime`, when present, appear at the same places, read-only.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lambkin_engine::{Engine, EngineConfig, FunctionSpec, Isolation, LogWriter};
use lambkin_sandbox::Network;
use lambkin_wire::StartConfig;

use crate::args::RieArgs;
use crate::backend::{Backend, Pool};

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

/// Builds the environment and starts its init (an engine pool of one), before the invoke port listens.
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
    let network = args.network.unwrap_or_else(Network::default_for_host);
    tracing::info!(
        "network: {}{}",
        network.name(),
        if network == Network::None {
            " (loopback only; install passt for egress)"
        } else {
            " (egress through pasta; the host's loopback stays unreachable)"
        }
    );
    let state_dir = PathBuf::from(STATE_DIR);
    // Environments left behind by an emulator or server killed with SIGKILL.
    lambkin_sandbox::environment::sweep_orphans(&state_dir);
    // An engine with a pool of one: invokes take turns on the one environment; it is never reaped.
    let engine_cfg = EngineConfig {
        isolation: Isolation::Namespace,
        lambkin,
        state_dir: state_dir.clone(),
        network,
        rootfs: None,
        memory_budget_mb: u64::MAX / 2,
        keep_alive: Duration::MAX,
        concurrency_limit: u32::MAX,
        queue: true,
        environment_prefix: "rie",
        prepared: 0,
    };
    let logs: LogWriter = Arc::new(|_function, _stream, lines| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for l in lines {
            let _ = out.write_all(&l.line);
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    });
    let engine = Engine::new(engine_cfg, logs);
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
        lambda_api: false,
        ..cfg.clone()
    };
    let mut spec = FunctionSpec::minimal(task_root);
    spec.function_name = cfg.function_name.clone();
    spec.version = cfg.function_version.clone();
    spec.layers = layers;
    spec.runtime_dir = runtime_dir;
    spec.memory_mb = cfg.memory_mb;
    spec.ephemeral_mb = args.ephemeral_mb;
    spec.timeout = cfg.timeout;
    spec.reserved_concurrency = Some(1);
    spec.start = Some(Box::new(start));
    engine
        .warm_up(&spec)
        .await
        .map_err(|e| format!("cannot create the environment: {e}"))?;
    Ok(Backend::Sandboxed(Arc::new(Pool { engine, spec })))
}
