//! Managed runtimes as the API uses them: refused at CreateFunction when the host cannot serve them, built on
//! first need (in the background after a create or update, awaited by an invoke), with progress in the log.

use lambkin_engine::FunctionSpec;
use lambkin_runtimes::Installed;

use crate::error::{ApiError, ApiResult};
use crate::service::Service;

/// Refuses a runtime this server cannot serve, with what it can and how to add the runtime. Looking may run
/// the host's interpreters (when not yet probed), so it happens on a blocking thread.
pub(crate) async fn check(service: &Service, runtime: &str) -> ApiResult<()> {
    let runtimes = service.runtimes.clone();
    let runtime = runtime.to_owned();
    tokio::task::spawn_blocking(move || check_blocking(&runtimes, &runtime))
        .await
        .map_err(|e| ApiError::service(format!("the runtime check stopped: {e}")))?
}

fn check_blocking(runtimes: &lambkin_runtimes::Runtimes, runtime: &str) -> ApiResult<()> {
    if lambkin_runtimes::family(runtime).is_none() {
        let why = if lambkin_runtimes::is_lambda_runtime(runtime) {
            format!(
                "The runtime parameter of {runtime} is not supported by lambkin. Available runtimes: {}.",
                runtimes.available().join(", ")
            )
        } else {
            let mut all: Vec<&str> = lambkin_runtimes::catalog::NOT_SERVED.to_vec();
            all.extend_from_slice(lambkin_runtimes::SERVED);
            all.sort_unstable();
            format!(
                "Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
                all.join(", ")
            )
        };
        return Err(ApiError::invalid(why));
    }
    runtimes.check(runtime).map_err(ApiError::invalid)
}

/// A managed runtime (not `provided*`) that is not installed yet.
fn missing(service: &Service, runtime: Option<&str>) -> Option<String> {
    runtime
        .filter(|r| lambkin_runtimes::family(r) != Some(lambkin_runtimes::Family::Provided))
        .filter(|r| service.runtimes.installed(r).is_none())
        .map(str::to_owned)
}

/// Builds `name`'s directory on a blocking thread (concurrent builds of one runtime share one), with its
/// progress in the log.
fn build(service: &Service, name: String) -> tokio::task::JoinHandle<Result<(), String>> {
    let runtimes = service.runtimes.clone();
    tokio::task::spawn_blocking(move || {
        let built = runtimes.ensure(&name, &|line: &str| {
            tracing::info!("runtime {name}: {line}");
        });
        built
            .map(|_| ())
            .inspect_err(|e| tracing::warn!("runtime {name}: {e}"))
    })
}

/// Waits until the runtime's directory is built (building it if needed). `provided*` runtimes and installed
/// ones return at once.
pub(crate) async fn ensure(service: &Service, runtime: Option<&str>) -> ApiResult<()> {
    let Some(name) = missing(service, runtime) else {
        return Ok(());
    };
    tracing::info!("runtime {name}: installing its runtime interface client (first use)");
    build(service, name.clone())
        .await
        .map_err(|e| ApiError::service(format!("the installer of {name} stopped: {e}")))?
        .map_err(|e| {
            ApiError::service(format!("lambkin could not install the runtime {name}: {e}"))
        })
}

/// Starts building the runtime's directory in the background (after CreateFunction or a runtime change), so
/// the first invoke finds it ready; meanwhile its functions are `Pending`.
pub(crate) fn prefetch(service: &Service, runtime: &str) {
    let Some(name) = missing(service, Some(runtime)) else {
        return;
    };
    service.runtimes.mark_installing(&name);
    tracing::info!("runtime {name}: installing its runtime interface client in the background");
    drop(build(service, name));
}

/// While its runtime is being installed a function is `Pending` (`LastUpdateStatus` `InProgress`), so the
/// SDKs' `function_active_v2` / `function_updated_v2` waiters wait for it, as they wait for Lambda.
pub(crate) fn overlay_state(service: &Service, c: &mut crate::model::FunctionConfiguration) {
    let Some(rt) = c.runtime.as_deref() else {
        return;
    };
    let (state, update_status, code, reason) = if service.runtimes.is_installing(rt) {
        let reason = format!("lambkin is installing the runtime {rt}.");
        ("Pending", "InProgress", "Creating", reason)
    } else if let Some(why) = service.runtimes.failure(rt) {
        // Tried again after a while (or by the next invoke after that).
        let reason = format!("lambkin could not install the runtime {rt}: {why}");
        ("Failed", "Failed", "InvalidRuntime", reason)
    } else {
        return;
    };
    c.state = state.into();
    c.state_reason = Some(reason.clone());
    c.state_reason_code = Some(code.into());
    c.last_update_status = update_status.into();
    c.last_update_status_reason = Some(reason);
    c.last_update_status_reason_code = Some(code.into());
}

/// Fills the spec's runtime fields from the installed runtime (`/var/runtime`, `AWS_EXECUTION_ENV`, language
/// paths, interpreter binds).
pub(crate) fn apply(
    service: &Service,
    runtime: Option<&str>,
    spec: &mut FunctionSpec,
) -> ApiResult<()> {
    let Some(runtime) =
        runtime.filter(|r| lambkin_runtimes::family(r) != Some(lambkin_runtimes::Family::Provided))
    else {
        return Ok(());
    };
    let Installed { dir, manifest } = service.runtimes.installed(runtime).ok_or_else(|| {
        ApiError::service(format!(
            "the runtime {runtime} is not installed on this server yet (`lambkin runtime install {runtime}`)"
        ))
    })?;
    spec.runtime_dir = Some(dir);
    spec.execution_env = lambkin_runtimes::execution_env(runtime);
    spec.language = lambkin_runtimes::family(runtime);
    spec.host_binds = manifest.interpreter.binds;
    Ok(())
}
