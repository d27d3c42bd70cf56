//! What the engine needs to run a resolved version (`FunctionSpec`), and the engine's refusals in the API's
//! words.

use std::time::Duration;

use http::StatusCode;
use lambkin_engine::{EngineError, FunctionSpec};

use crate::error::{ApiError, ApiResult};
use crate::names;
use crate::resolve::Resolved;
use crate::service::Service;

/// Largest synchronous invoke payload (6 MiB).
pub const MAX_REQUEST: usize = 6 * 1024 * 1024;
/// Largest asynchronous invoke payload (1 MiB).
pub const MAX_ASYNC: usize = 1024 * 1024;

/// Builds what the engine needs to run a resolved version (its managed runtime must be installed: see
/// `runtimes::ensure`).
pub(crate) fn spec_for(
    service: &Service,
    res: &Resolved,
    arns: &names::Arns,
) -> ApiResult<FunctionSpec> {
    let mut spec = base_spec(service, res, arns)?;
    crate::runtimes::apply(service, res.version.config.runtime.as_deref(), &mut spec)?;
    Ok(spec)
}

/// The spec without its managed runtime's parts (enough to queue or check an invoke).
pub(crate) fn base_spec(
    service: &Service,
    res: &Resolved,
    arns: &names::Arns,
) -> ApiResult<FunctionSpec> {
    let v = &res.version;
    let c = &v.config;
    let code_dir = service.store.unpacked_dir(&v.code_hex).ok_or_else(|| {
        ApiError::service(format!(
            "the code of {} ({}) is missing from the store",
            c.function_name, c.code_sha256
        ))
    })?;
    let layers = v
        .layers
        .iter()
        .map(|l| {
            service.store.unpacked_dir(&l.sha256_hex).ok_or_else(|| {
                ApiError::service(format!("layer {} is missing from the store", l.arn))
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let json_logs = c.logging_config.log_format.as_deref() == Some("JSON");
    let spec = FunctionSpec {
        function_name: c.function_name.clone(),
        version: c.version.clone(),
        revision: c.revision_id.clone(),
        code_dir,
        layers,
        runtime_dir: None,
        execution_env: None,
        handler: c.handler.clone().unwrap_or_default(),
        memory_mb: c.memory_size,
        timeout: Duration::from_secs(u64::from(c.timeout)),
        ephemeral_mb: c.ephemeral_storage.size,
        environment: c
            .environment
            .as_ref()
            .map(|e| {
                e.variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        region: arns.region.clone(),
        account_id: arns.account.clone(),
        log_group: c
            .logging_config
            .log_group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{}", c.function_name)),
        reserved_concurrency: res.record.reserved_concurrency,
        log_format: if json_logs { "JSON" } else { "Text" }.into(),
        log_level: json_logs.then(|| {
            c.logging_config
                .application_log_level
                .clone()
                .unwrap_or_else(|| "INFO".into())
        }),
        system_log_level: json_logs.then(|| {
            c.logging_config
                .system_log_level
                .clone()
                .unwrap_or_else(|| "INFO".into())
        }),
        language: None,
        host_binds: Vec::new(),
    };
    Ok(spec)
}

/// An engine refusal as the API answers it.
pub(crate) fn engine_error(e: EngineError) -> ApiError {
    match e {
        EngineError::Throttled { reason } => ApiError::throttled(reason),
        EngineError::Start(msg) => ApiError::service(format!(
            "lambkin could not start an execution environment: {msg}"
        )),
        EngineError::ShuttingDown => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceException",
            "the server is shutting down",
        ),
    }
}
