//! Lambda's checks of function settings that depend on more than one member or on this host: the recorded
//! architectures, reserved environment variables and their 4 KB, the logging configuration's defaults. The
//! members' own constraints (ranges, lengths, patterns, enums) are `constraints`' (checked before this).

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult};
use crate::model::LoggingConfig;

use super::common::host_architecture;

/// The architectures a function records: the ones given (Lambda's `x86_64` or `arm64`, one at most: the
/// constraint table has checked that), else the host's. A function of another architecture than the host's is
/// accepted and recorded as given, as Lambda would (deployment tools commonly ask for `arm64`): it runs on the
/// host's architecture, where interpreted code runs unchanged and a native `bootstrap` needs the host's build
/// (or the kernel's binfmt emulation), so lambkin says so in its log.
pub(super) fn architectures(function: &str, given: Option<&[String]>) -> Vec<String> {
    let host = host_architecture();
    match given {
        Some(archs) if !archs.is_empty() => {
            if let Some(other) = archs.iter().find(|a| a.as_str() != host) {
                tracing::warn!(
                    "function {function} declares the {other} architecture; lambkin runs it on this host's {host}: interpreted code runs as is, a native bootstrap must be built for {host} (or run through binfmt emulation)"
                );
            }
            archs.to_vec()
        }
        _ => vec![host.to_owned()],
    }
}

pub(super) fn check_env(vars: &BTreeMap<String, String>) -> ApiResult<()> {
    for k in vars.keys() {
        if crate::invoke::is_reserved_variable(k) {
            return Err(ApiError::invalid(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {k}"
            )));
        }
    }
    // Lambda measures the variables as compact JSON (`{"K":"V",…}`), at most 4,096 bytes, and quotes what it
    // measured (LocalStack snapshots test_large_environment_variables_fails,
    // test_lambda_envvars_near_limit_succeeds; Lambda keeps the keys in the order given, lambkin sorts them).
    let measured = serde_json::to_string(vars).unwrap_or_default();
    if measured.len() > 4096 {
        return Err(ApiError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )));
    }
    Ok(())
}

/// Validates `LoggingConfig` (laid over the `current` one on an update: only the fields given change) and
/// fills Lambda's defaults: `Text`, the function's log group, and for `JSON` the `INFO` application and system
/// levels. Levels are for the JSON format only.
pub(super) fn logging(
    input: Option<LoggingConfig>,
    name: &str,
    current: Option<&LoggingConfig>,
) -> ApiResult<LoggingConfig> {
    let input = input.unwrap_or_default();
    let levels_given = input.application_log_level.is_some() || input.system_log_level.is_some();
    let mut l = match current {
        None => input,
        Some(cur) => LoggingConfig {
            log_format: input.log_format.or_else(|| cur.log_format.clone()),
            application_log_level: input
                .application_log_level
                .or_else(|| cur.application_log_level.clone()),
            system_log_level: input
                .system_log_level
                .or_else(|| cur.system_log_level.clone()),
            log_group: input.log_group.or_else(|| cur.log_group.clone()),
        },
    };
    let one_of = |value: &Option<String>, field: &str, allowed: &[&str]| {
        match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{v}' at 'loggingConfig.{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
    };
    one_of(&l.log_format, "logFormat", &["JSON", "Text"])?;
    one_of(
        &l.application_log_level,
        "applicationLogLevel",
        &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"],
    )?;
    one_of(
        &l.system_log_level,
        "systemLogLevel",
        &["DEBUG", "INFO", "WARN"],
    )?;
    let json = l.log_format.as_deref() == Some("JSON");
    if !json {
        if levels_given {
            return Err(ApiError::invalid(
                "ApplicationLogLevel and SystemLogLevel can be set only when LogFormat is JSON.",
            ));
        }
        l.application_log_level = None;
        l.system_log_level = None;
    }
    if l.log_format.is_none() {
        l.log_format = Some("Text".into());
    }
    if json {
        l.application_log_level.get_or_insert_with(|| "INFO".into());
        l.system_log_level.get_or_insert_with(|| "INFO".into());
    }
    if l.log_group.is_none() {
        l.log_group = Some(format!("/aws/lambda/{name}"));
    }
    Ok(l)
}
