//! Managed runtimes as the API uses them: Lambda's runtime lifecycle checked at CreateFunction and
//! UpdateFunctionConfiguration (unknown names and runtimes past their block dates refused with Lambda's texts);
//! a valid runtime this host cannot serve gives a `Failed` / `InvalidRuntime` function whose state is computed
//! at every read, so it turns `Active` by itself when the runtime arrives; runtimes built on first need (in the
//! background after a create or update, awaited by an invoke), with progress in the log.

use lambkin_engine::FunctionSpec;
use lambkin_runtimes::{catalog, Day, Installed, Readiness};

use crate::error::{ApiError, ApiResult};
use crate::service::Service;

/// What a runtime is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// CreateFunction: refused from the runtime's block-create date.
    Create,
    /// UpdateFunctionConfiguration: refused from its block-update date.
    Update,
}

/// Refuses what Lambda refuses: a value that is no runtime identifier (Lambda's enumeration message) and a
/// runtime past its block date for `what`. A valid runtime this host cannot serve passes: its function is
/// created `Failed` (see [`overlay_state`]).
pub(crate) fn check_lifecycle(runtime: &str, what: Use) -> ApiResult<()> {
    let today = Day::today();
    let Some(entry) = catalog::lookup(runtime) else {
        return Err(ApiError::invalid(catalog::unknown_message(runtime, today)));
    };
    let allowed = match what {
        Use::Create => entry.creatable(today),
        Use::Update => entry.updatable(today),
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::invalid(catalog::blocked_message(runtime)))
    }
}

/// Refuses an update (configuration without a new runtime, or code) of a function whose runtime is past its
/// block-update date: on Lambda only moving it to a supported runtime is left.
pub(crate) fn check_current(runtime: Option<&str>) -> ApiResult<()> {
    match runtime {
        Some(rt) if catalog::lookup(rt).is_some() => check_lifecycle(rt, Use::Update),
        _ => Ok(()),
    }
}

/// CreateFunction's runtime check ([`check_lifecycle`] for a create).
pub(crate) async fn check(_service: &Service, runtime: &str) -> ApiResult<()> {
    check_lifecycle(runtime, Use::Create)
}

/// Lambda's answer to an invoke of a function that is not `Active`.
fn not_active(state: &str) -> ApiError {
    ApiError::conflict(format!(
        "The operation cannot be performed at this time. The function is currently in the following state: {state}"
    ))
}

/// Refuses any invoke (`RequestResponse`, `Event`, `DryRun`, streaming) of a function whose runtime leaves
/// it `Failed`, with Lambda's error for that state; cheap ([`Readiness`] is cached).
pub(crate) fn check_invocable(service: &Service, runtime: Option<&str>) -> ApiResult<()> {
    let Some(name) = missing(service, runtime) else {
        return Ok(());
    };
    match service.runtimes.readiness(&name) {
        Readiness::Failed(_) => Err(not_active("Failed")),
        _ => Ok(()),
    }
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
    let metrics = service.metrics.clone();
    tokio::task::spawn_blocking(move || {
        // Counted as a build only when this call had to build (it was not installed when it began).
        let building = runtimes.installed(&name).is_none();
        let built = runtimes.ensure(&name, &|line: &str| {
            tracing::info!("runtime {name}: {line}");
        });
        if building {
            metrics.runtime_build(&name, built.is_ok());
        }
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
    if let Readiness::Failed(why) = service.runtimes.readiness(&name) {
        tracing::info!("runtime {name}: refusing an invoke: {why}");
        return Err(not_active("Failed"));
    }
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
    // Only what can be built: a runtime without an interpreter stays `Failed` until one arrives.
    if service.runtimes.readiness(&name) != Readiness::Buildable {
        return;
    }
    service.runtimes.mark_installing(&name);
    tracing::info!("runtime {name}: installing its runtime interface client in the background");
    drop(build(service, name));
}

/// The function's state as its runtime allows now: `Pending` (`LastUpdateStatus` `InProgress`) while the
/// runtime is being installed, so the SDKs' waiters wait as they wait for Lambda; `Failed` with
/// `StateReasonCode` `InvalidRuntime` while this host cannot serve it (what is missing and how to add it), which
/// `function_active_v2` reports as a failure. Cheap: computed at every read, so the function turns `Active` by
/// itself when the runtime arrives (`lambkin runtime install` from another process, an interpreter installed,
/// a restart with a mapping), without a redeploy.
pub(crate) fn overlay_state(service: &Service, c: &mut crate::model::FunctionConfiguration) {
    let Some(rt) = c.runtime.as_deref() else {
        return;
    };
    let (state, update_status, code, reason) = match service.runtimes.readiness(rt) {
        Readiness::Ready | Readiness::Buildable => return,
        Readiness::Installing => (
            "Pending",
            "InProgress",
            "Creating",
            format!("lambkin is installing the runtime {rt}."),
        ),
        Readiness::Failed(why) => ("Failed", "Failed", "InvalidRuntime", why),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_refusals_use_lambdas_types_and_texts() {
        let err = check_lifecycle("python3.7", Use::Create).unwrap_err();
        assert_eq!(err.error_type, "InvalidParameterValueException");
        assert!(err
            .message
            .starts_with("The runtime parameter of python3.7 is no longer supported"));
        // Create blocked since 2024, updates allowed until 2027-03-03.
        assert!(
            check_lifecycle("python3.7", Use::Update).is_ok()
                || Day::today() >= Day::new(2027, 3, 3)
        );
        assert!(check_lifecycle("python3.6", Use::Update).is_err());
        let err = check_lifecycle("python9.9", Use::Create).unwrap_err();
        assert!(err
            .message
            .starts_with("Value python9.9 at 'runtime' failed to satisfy constraint"));
        assert!(check_lifecycle("java21", Use::Create).is_ok()); // valid; Failed on this host, not refused
        assert!(check_current(None).is_ok() && check_current(Some("python3.14")).is_ok());
    }
}
