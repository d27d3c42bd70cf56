//! The environment variables of the runtime and of extensions (spec §5 and §9).
//!
//! Three layers, later wins: Lambda's unreserved defaults (`PATH`, `LANG`, `TZ`, …), the customer's variables,
//! then the reserved platform variables, which the customer can never override. Extensions get the same minus
//! the runtime-only variables.

use std::collections::BTreeMap;

use crate::config::InitType;

/// Reserved variables: set by the platform, never taken from the customer's configuration.
pub const RESERVED: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Variables the runtime sees but extensions do not (AWS documentation, "Extensions API").
const RUNTIME_ONLY: &[&str] = &[
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_XRAY_CONTEXT_MISSING",
    "AWS_XRAY_DAEMON_ADDRESS",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
    "_AWS_XRAY_DAEMON_ADDRESS",
    "_AWS_XRAY_DAEMON_PORT",
    "_HANDLER",
    "_LAMBDA_TELEMETRY_LOG_FD",
];

/// Whether a variable name is reserved by the platform.
pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name)
}

/// The platform's view of a function, from which the reserved variables are derived.
#[derive(Debug, Clone)]
pub struct PlatformVars {
    /// `AWS_LAMBDA_RUNTIME_API` (host:port, no scheme).
    pub runtime_api: String,
    /// `_HANDLER`.
    pub handler: String,
    /// `AWS_REGION` and `AWS_DEFAULT_REGION`.
    pub region: String,
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub function_version: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
    pub memory_mb: u32,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`.
    pub log_group: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub log_stream: String,
    /// `AWS_LAMBDA_INITIALIZATION_TYPE`.
    pub init_type: InitType,
    /// `AWS_EXECUTION_ENV` (`AWS_Lambda_python3.12`); `None` for `provided*` runtimes.
    pub execution_env: Option<String>,
    /// `LAMBDA_TASK_ROOT`.
    pub task_root: String,
    /// `LAMBDA_RUNTIME_DIR`.
    pub runtime_dir: String,
    /// Execution-role credentials (`AWS_ACCESS_KEY_ID`, …), when the platform has some.
    pub credentials: Vec<(String, String)>,
    /// The runtime's language defaults (`PYTHONPATH`, `NODE_PATH`); the customer's variables override them.
    pub language: Vec<(String, String)>,
    /// `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` from the function's `LoggingConfig`; set by the
    /// platform over the customer's.
    pub logging: Vec<(String, String)>,
}

/// Lambda's defaults for unreserved variables (the customer may override them).
fn defaults() -> Vec<(&'static str, &'static str)> {
    vec![
        ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
        ("LANG", "en_US.UTF-8"),
        ("TZ", ":UTC"),
        (
            "LD_LIBRARY_PATH",
            "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        ),
    ]
}

/// The runtime's and the extensions' environments.
#[derive(Debug, Clone, Default)]
pub struct Environments {
    /// For the runtime process.
    pub runtime: Vec<(String, String)>,
    /// For external extension processes.
    pub extension: Vec<(String, String)>,
}

/// Builds both environments. `customer` are the function's own variables; reserved names among them are
/// dropped (`keep_reserved_customer` keeps them instead, which is what `lambkin rie` does with the container
/// environment, as AWS's emulator).
pub fn build(
    customer: &[(String, String)],
    platform: &PlatformVars,
    keep_reserved_customer: bool,
) -> Environments {
    let mut vars: BTreeMap<String, String> = defaults()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .chain(platform.language.iter().cloned())
        .collect();
    for (k, v) in customer {
        if keep_reserved_customer || !is_reserved(k) {
            vars.insert(k.clone(), v.clone());
        }
    }
    let mut reserved: Vec<(&str, String)> = vec![
        ("AWS_LAMBDA_RUNTIME_API", platform.runtime_api.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME", platform.function_name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_VERSION",
            platform.function_version.clone(),
        ),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            platform.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_LOG_GROUP_NAME", platform.log_group.clone()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", platform.log_stream.clone()),
        (
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            platform.init_type.as_str().to_owned(),
        ),
        ("AWS_REGION", platform.region.clone()),
        ("AWS_DEFAULT_REGION", platform.region.clone()),
        ("LAMBDA_TASK_ROOT", platform.task_root.clone()),
        ("LAMBDA_RUNTIME_DIR", platform.runtime_dir.clone()),
        ("_HANDLER", platform.handler.clone()),
    ];
    if let Some(exec) = &platform.execution_env {
        reserved.push(("AWS_EXECUTION_ENV", exec.clone()));
    }
    for (k, v) in reserved {
        if keep_reserved_customer && vars.contains_key(k) && k != "AWS_LAMBDA_RUNTIME_API" {
            continue;
        }
        vars.insert(k.to_owned(), v);
    }
    for (k, v) in platform.credentials.iter().chain(&platform.logging) {
        vars.insert(k.clone(), v.clone());
    }
    let runtime: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let extension = vars
        .into_iter()
        .filter(|(k, _)| !k.starts_with('_') && !RUNTIME_ONLY.contains(&k.as_str()))
        .collect();
    Environments { runtime, extension }
}

/// Sets `name` to `value` unless `vars` already has it: a variable the function sets itself wins.
pub fn set_unless_present(vars: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !vars.iter().any(|(k, _)| k == name) {
        vars.push((name.to_owned(), value.to_owned()));
    }
}

/// Random credentials for one environment, shaped as an execution role's temporary ones
/// (`AWS_ACCESS_KEY_ID` `ASIA…`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`): Lambda always gives a function
/// credentials, and the SDKs sign nothing without them. They grant nothing: what a call from inside an
/// environment may do is decided by the host, which knows the caller by its channel.
pub fn session_credentials() -> Vec<(String, String)> {
    use rand::distr::{Alphanumeric, SampleString};
    let mut rng = rand::rng();
    let key_id = format!(
        "ASIA{}",
        Alphanumeric
            .sample_string(&mut rng, 16)
            .to_ascii_uppercase()
    );
    vec![
        ("AWS_ACCESS_KEY_ID".to_owned(), key_id),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            Alphanumeric.sample_string(&mut rng, 40),
        ),
        (
            "AWS_SESSION_TOKEN".to_owned(),
            Alphanumeric.sample_string(&mut rng, 256),
        ),
    ]
}

/// Lambda's log stream name: `YYYY/MM/DD/[version]<32 hex>`.
pub fn log_stream_name(version: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d) = civil_from_days(now.div_euclid(86_400));
    format!(
        "{y:04}/{m:02}/{d:02}/[{version}]{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_stream_names() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        let s = log_stream_name("$LATEST");
        assert_eq!(s.len(), "2026/11/24/[$LATEST]".len() + 32);
        assert!(s.contains("/[$LATEST]"));
    }

    /// The Runtime API address of [`platform`].
    const API: &str = "127.0.0.1:9001";

    fn platform() -> PlatformVars {
        PlatformVars {
            runtime_api: API.into(),
            handler: "app.handler".into(),
            region: "us-east-1".into(),
            function_name: "f".into(),
            function_version: "$LATEST".into(),
            memory_mb: 128,
            log_group: "/aws/lambda/f".into(),
            log_stream: "s".into(),
            init_type: InitType::OnDemand,
            execution_env: None,
            task_root: "/var/task".into(),
            runtime_dir: "/var/runtime".into(),
            credentials: vec![],
            language: vec![("PYTHONPATH".into(), "/var/runtime".into())],
            logging: vec![("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into())],
        }
    }

    fn get<'a>(v: &'a [(String, String)], k: &str) -> Option<&'a str> {
        v.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn reserved_cannot_be_overridden_and_defaults_can() {
        let customer = vec![
            ("AWS_LAMBDA_FUNCTION_NAME".to_owned(), "evil".to_owned()),
            ("_HANDLER".to_owned(), "evil".to_owned()),
            ("PATH".to_owned(), "/mine".to_owned()),
            ("MY_VAR".to_owned(), "4=4".to_owned()),
        ];
        let env = build(&customer, &platform(), false);
        assert_eq!(get(&env.runtime, "AWS_LAMBDA_FUNCTION_NAME"), Some("f"));
        assert_eq!(get(&env.runtime, "_HANDLER"), Some("app.handler"));
        assert_eq!(get(&env.runtime, "PATH"), Some("/mine"));
        assert_eq!(get(&env.runtime, "MY_VAR"), Some("4=4"));
        assert_eq!(get(&env.runtime, "PYTHONPATH"), Some("/var/runtime"));
        assert_eq!(get(&env.runtime, "AWS_LAMBDA_LOG_FORMAT"), Some("JSON"));
        let customer = vec![
            ("PYTHONPATH".to_owned(), "/mine".to_owned()),
            ("AWS_LAMBDA_LOG_FORMAT".to_owned(), "Text".to_owned()),
        ];
        let env = build(&customer, &platform(), false);
        assert_eq!(get(&env.runtime, "PYTHONPATH"), Some("/mine"));
        assert_eq!(get(&env.runtime, "AWS_LAMBDA_LOG_FORMAT"), Some("JSON"));
        assert_eq!(get(&env.runtime, "AWS_LAMBDA_RUNTIME_API"), Some(API));
    }

    #[test]
    fn extensions_do_not_see_runtime_only_variables() {
        let env = build(&[], &platform(), false);
        assert_eq!(get(&env.extension, "_HANDLER"), None);
        assert_eq!(get(&env.extension, "LAMBDA_TASK_ROOT"), None);
        assert_eq!(get(&env.extension, "AWS_LAMBDA_LOG_STREAM_NAME"), None);
        assert_eq!(get(&env.extension, "AWS_LAMBDA_FUNCTION_NAME"), Some("f"));
        assert_eq!(get(&env.extension, "AWS_LAMBDA_RUNTIME_API"), Some(API));
    }

    #[test]
    fn the_functions_own_value_wins_and_credentials_differ() {
        let mut vars = vec![(
            "AWS_ENDPOINT_URL_LAMBDA".to_owned(),
            "http://mine".to_owned(),
        )];
        set_unless_present(&mut vars, "AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:1");
        set_unless_present(&mut vars, "OTHER", "x");
        assert_eq!(get(&vars, "AWS_ENDPOINT_URL_LAMBDA"), Some("http://mine"));
        assert_eq!(get(&vars, "OTHER"), Some("x"));

        let (a, b) = (session_credentials(), session_credentials());
        assert_ne!(a, b);
        let key = get(&a, "AWS_ACCESS_KEY_ID").expect("key id");
        assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
        assert_eq!(get(&a, "AWS_SECRET_ACCESS_KEY").map(str::len), Some(40));
        assert!(get(&a, "AWS_SESSION_TOKEN").is_some());
        // The platform's credentials are set over the customer's.
        let platform = PlatformVars {
            credentials: a.clone(),
            ..platform()
        };
        let customer = vec![("AWS_ACCESS_KEY_ID".to_owned(), "AKIAMINE".to_owned())];
        let env = build(&customer, &platform, false);
        assert_eq!(get(&env.runtime, "AWS_ACCESS_KEY_ID"), Some(key));
        assert_eq!(
            get(&env.extension, "AWS_SESSION_TOKEN"),
            get(&a, "AWS_SESSION_TOKEN")
        );
    }

    #[test]
    fn emulator_mode_keeps_container_values_but_not_the_api_address() {
        let customer = vec![
            ("LAMBDA_TASK_ROOT".to_owned(), "/code".to_owned()),
            ("AWS_LAMBDA_RUNTIME_API".to_owned(), "1.2.3.4:1".to_owned()),
        ];
        let env = build(&customer, &platform(), true);
        assert_eq!(get(&env.runtime, "LAMBDA_TASK_ROOT"), Some("/code"));
        assert_eq!(get(&env.runtime, "AWS_LAMBDA_RUNTIME_API"), Some(API));
    }
}
