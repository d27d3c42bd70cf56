//! `lambkin rie`: a drop-in for AWS's Runtime Interface Emulator.
//!
//! Same command line and environment variables as `aws-lambda-rie`, the Lambda invoke API on
//! `0.0.0.0:8080`, and lambkin's init in-process behind it. Unlike AWS's emulator, concurrent invokes wait their
//! turn, errors carry `X-Amz-Function-Error`, timeouts answer as Lambda does, `Event` invokes run in the
//! background, `Tail` returns the log, any function name works, and responses can be streamed.

pub mod args;
mod backend;
mod frontend;
mod sandboxed;

use std::path::{Path, PathBuf};
use std::time::Duration;

use lambkin_wire::env::{self, log_stream_name, PlatformVars};
use lambkin_wire::{InitType, StartConfig};

use crate::backend::Backend;
pub use crate::backend::{BoxFuture, LocalInit, StartLocal};

pub use args::{parse, Isolation, RieArgs};

/// The account id in the emulator's ARNs (AWS's emulator uses this one).
pub const DEFAULT_ACCOUNT_ID: &str = "012345678912";

/// Where the emulator looks for a bootstrap when none is given, in order.
const BOOTSTRAP_CANDIDATES: &[&str] = &[
    "/var/task/bootstrap",
    "/opt/bootstrap",
    "/var/runtime/bootstrap",
];

/// Builds the init configuration from the command line and the process environment, as the emulator does.
pub fn config_from_env(args: &RieArgs, vars: &[(String, String)]) -> Result<StartConfig, String> {
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let timeout_s: u64 = match get("AWS_LAMBDA_FUNCTION_TIMEOUT") {
        Some(v) => v.trim().parse().map_err(|_| {
            format!("AWS_LAMBDA_FUNCTION_TIMEOUT={v:?} is not a whole number of seconds")
        })?,
        None => 300,
    };
    let memory_mb: u32 = match get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") {
        Some(v) => v.trim().parse().map_err(|_| {
            format!("AWS_LAMBDA_FUNCTION_MEMORY_SIZE={v:?} is not a whole number of MB")
        })?,
        None => 3008,
    };
    let function_name = get("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|| "test_function".into());
    let function_version = get("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or_else(|| "$LATEST".into());
    let handler = get("AWS_LAMBDA_FUNCTION_HANDLER")
        .or_else(|| get("_HANDLER"))
        .or_else(|| (args.command.len() >= 2).then(|| args.command[args.command.len() - 1].clone()))
        .unwrap_or_default();
    let region = get("AWS_REGION")
        .or_else(|| get("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".into());
    let account_id = get("AWS_ACCOUNT_ID").unwrap_or_else(|| DEFAULT_ACCOUNT_ID.into());
    // AWS's emulator's default group; the stream gets Lambda's `YYYY/MM/DD/[version]id` shape.
    let log_group =
        get("AWS_LAMBDA_LOG_GROUP_NAME").unwrap_or_else(|| "/aws/lambda/Functions".into());
    let log_stream =
        get("AWS_LAMBDA_LOG_STREAM_NAME").unwrap_or_else(|| log_stream_name(&function_version));
    let (bootstrap, cwd) = if args.command.is_empty() {
        let found = BOOTSTRAP_CANDIDATES
            .iter()
            .find(|p| Path::new(p).is_file())
            .map(|p| vec![p.to_string()])
            .unwrap_or_default();
        (found, PathBuf::from("/var/task"))
    } else {
        let cwd = std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?;
        (args.command.clone(), cwd)
    };
    let platform = PlatformVars {
        runtime_api: args.runtime_api_address.clone(),
        handler: handler.clone(),
        region: region.clone(),
        function_name: function_name.clone(),
        function_version: function_version.clone(),
        memory_mb,
        log_group: log_group.clone(),
        log_stream: log_stream.clone(),
        init_type: InitType::OnDemand,
        execution_env: None,
        task_root: get("LAMBDA_TASK_ROOT").unwrap_or_else(|| "/var/task".into()),
        runtime_dir: get("LAMBDA_RUNTIME_DIR").unwrap_or_else(|| "/var/runtime".into()),
        credentials: Vec::new(),
        language: Vec::new(),
        logging: Vec::new(),
    };
    // As AWS's emulator, the container's whole environment is the function's environment.
    let envs = env::build(vars, &platform, true);
    Ok(StartConfig {
        function_name,
        function_version,
        memory_mb,
        timeout: Duration::from_secs(timeout_s),
        init_timeout: Duration::from_secs(10),
        handler,
        region,
        account_id,
        log_group,
        log_stream,
        init_type: InitType::OnDemand,
        bootstrap,
        cwd,
        extensions_dir: PathBuf::from(&args.extensions_dir),
        runtime_env: envs.runtime,
        extension_env: envs.extension,
        api_address: args.runtime_api_address.clone(),
        json_system_log: None,
        lambda_api: false,
        shutdown_window: Duration::from_secs(2),
        confine_children: false,
    })
}

/// Runs the emulator until `stop` completes (the binary: SIGTERM or SIGINT), then shuts the environment down
/// (SHUTDOWN `spindown`). `start_local` starts the in-process init of `--isolation process`.
pub async fn run(
    args: RieArgs,
    start_local: StartLocal,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let cfg = config_from_env(&args, &vars)?;
    if args.init_caching {
        tracing::warn!("--enable-init-caching is accepted but SnapStart restore is not emulated");
    }
    tracing::info!(
        "exec '{}' (cwd={}, handler={})",
        cfg.bootstrap.join(" "),
        cfg.cwd.display(),
        cfg.handler
    );
    let backend = match args.isolation {
        Isolation::Process => {
            tracing::info!(
                "isolation: process (as AWS's emulator). Not enforced: separate mount/PID/network namespaces, \
                 read-only root, sized /tmp, memory and pids limits, uid 993, seccomp, freezing between invokes \
                 (use --isolation namespace as root)"
            );
            let version = cfg.function_version.clone();
            let init = start_local(cfg).await.map_err(|e| {
                format!(
                    "cannot start the Runtime API on {}: {e}",
                    args.runtime_api_address
                )
            })?;
            tracing::info!(
                "invoke API on http://{} (runtime API on {})",
                args.invoke_address,
                init.runtime_api()
            );
            Backend::InProcess { init, version }
        }
        Isolation::Namespace => {
            let backend = sandboxed::start(&args, cfg).await?;
            tracing::info!(
                "invoke API on http://{} (the init is PID 1 of a sandboxed environment)",
                args.invoke_address
            );
            backend
        }
    };
    // The invoke API listens last: once it accepts connections, the Runtime API is there too.
    let listener = tokio::net::TcpListener::bind(&args.invoke_address)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.invoke_address))?;
    let server = tokio::spawn(frontend::serve(listener, backend.clone()));
    stop.await;
    tracing::info!("stopping: SHUTDOWN (spindown)");
    server.abort();
    backend.shutdown().await;
    if args.isolation == Isolation::Namespace {
        // Network namespaces prepared for environments that will not come.
        lambkin_sandbox::netpool::sweep(true);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_positional_is_the_handler() {
        let args = parse(vec![
            "python".into(),
            "-m".into(),
            "awslambdaric".into(),
            "app.handler".into(),
        ])
        .expect("ok");
        let cfg = config_from_env(&args, &[]).expect("config");
        assert_eq!(cfg.handler, "app.handler");
        assert!(cfg
            .runtime_env
            .iter()
            .any(|(k, v)| k == "_HANDLER" && v == "app.handler"));
        let with_env =
            config_from_env(&args, &[("_HANDLER".into(), "x.y".into())]).expect("config");
        assert_eq!(with_env.handler, "x.y");
    }

    #[test]
    fn bad_timeout_is_refused() {
        let args = parse(Vec::<String>::new()).expect("ok");
        assert!(
            config_from_env(&args, &[("AWS_LAMBDA_FUNCTION_TIMEOUT".into(), "x".into())]).is_err()
        );
    }
}
