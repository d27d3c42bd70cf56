//! Managed runtimes as the API uses them: refused at CreateFunction when the host cannot serve them, built on
//! first need (in the background after a create or update, awaited by an invoke), with progress in the log.

use lambkin_engine::FunctionSpec;
use lambkin_runtimes::Installed;

use crate::error::{ApiError, ApiResult};
use crate::Service;

/// Refuses a runtime this server cannot serve, with what it can and how to add the runtime.
pub(crate) fn check(service: &Service, runtime: &str) -> ApiResult<()> {
    if lambkin_runtimes::family(runtime).is_none() {
        let mut all: Vec<&str> = lambkin_runtimes::catalog::NOT_SERVED.to_vec();
        all.extend_from_slice(lambkin_runtimes::SERVED);
        all.sort_unstable();
        let why = if lambkin_runtimes::is_lambda_runtime(runtime) {
            format!(
                "The runtime parameter of {runtime} is not supported by lambkin. Available runtimes: {}.",
                service.runtimes.available().join(", ")
            )
        } else {
            format!(
                "Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
                all.join(", ")
            )
        };
        return Err(ApiError::invalid(why));
    }
    service.runtimes.check(runtime).map_err(ApiError::invalid)
}

/// Builds the runtime's directory if it is missing (pip or npm on a blocking thread; concurrent callers share
/// one build). `provided*` runtimes return at once.
pub(crate) async fn ensure(service: &Service, runtime: Option<&str>) -> ApiResult<()> {
    let Some(runtime) = runtime.filter(|r| !r.starts_with("provided")) else {
        return Ok(());
    };
    if service.runtimes.installed(runtime).is_some() {
        return Ok(());
    }
    let runtimes = service.runtimes.clone();
    let name = runtime.to_owned();
    tracing::info!("runtime {name}: installing its runtime interface client (first use)");
    let built = tokio::task::spawn_blocking(move || {
        runtimes.ensure(&name, &|line: &str| {
            tracing::info!("runtime {name}: {line}");
        })
    })
    .await
    .map_err(|e| ApiError::service(format!("the installer of {runtime} stopped: {e}")))?;
    built.map(|_| ()).map_err(|e| {
        tracing::warn!("runtime {runtime}: {e}");
        ApiError::service(format!(
            "lambkin could not install the runtime {runtime}: {e}"
        ))
    })
}

/// Starts building the runtime's directory in the background (after CreateFunction or a runtime change), so
/// the first invoke finds it ready.
pub(crate) fn prefetch(service: &Service, runtime: &str) {
    if runtime.starts_with("provided") || service.runtimes.installed(runtime).is_some() {
        return;
    }
    let runtimes = service.runtimes.clone();
    let name = runtime.to_owned();
    runtimes.mark_installing(&name);
    tracing::info!("runtime {name}: installing its runtime interface client in the background");
    tokio::task::spawn_blocking(move || {
        let built = runtimes.ensure(&name, &|line: &str| {
            tracing::info!("runtime {name}: {line}");
        });
        if let Err(e) = built {
            tracing::warn!("runtime {name}: {e}");
        }
    });
}

/// While its runtime is being installed a function is `Pending` (`LastUpdateStatus` `InProgress`), so the
/// SDKs' `function_active_v2` / `function_updated_v2` waiters wait for it, as they wait for Lambda.
pub(crate) fn overlay_state(service: &Service, c: &mut crate::model::FunctionConfiguration) {
    let Some(rt) = c.runtime.as_deref() else {
        return;
    };
    if service.runtimes.is_installing(rt) {
        c.state_reason = Some(format!("lambkin is installing the runtime {rt}."));
        c.state = "Pending".into();
        c.state_reason_code = Some("Creating".into());
        c.last_update_status = "InProgress".into();
        c.last_update_status_reason = c.state_reason.clone();
        c.last_update_status_reason_code = Some("Creating".into());
    }
}

/// Fills the spec's runtime fields from the installed runtime (`/var/runtime`, `AWS_EXECUTION_ENV`, language
/// paths, interpreter binds).
pub(crate) fn apply(
    service: &Service,
    runtime: Option<&str>,
    spec: &mut FunctionSpec,
) -> ApiResult<()> {
    let Some(runtime) = runtime.filter(|r| !r.starts_with("provided")) else {
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
