//! What an init needs to know about the function it runs: identity, limits, commands and environment. The
//! host fills in one [`StartConfig`] and sends it as `Start`; an init in the same process takes it as is.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the environment was initialised (`AWS_LAMBDA_INITIALIZATION_TYPE`, telemetry `initializationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitType {
    /// Created for an incoming invoke.
    OnDemand,
    /// Created ahead of traffic by provisioned concurrency.
    ProvisionedConcurrency,
}

impl InitType {
    /// Lambda's spelling (`on-demand`, `provisioned-concurrency`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnDemand => "on-demand",
            Self::ProvisionedConcurrency => "provisioned-concurrency",
        }
    }
}

/// `LoggingConfig.SystemLogLevel`: which platform events a JSON-format function log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SystemLogLevel {
    /// Everything.
    Debug,
    /// The invoke's start and report and the init's start and report.
    Info,
    /// Failures and dropped logs only.
    Warn,
}

impl SystemLogLevel {
    /// Parses Lambda's spelling (`DEBUG`, `INFO`, `WARN`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "DEBUG" => Some(Self::Debug),
            "INFO" => Some(Self::Info),
            "WARN" => Some(Self::Warn),
            _ => None,
        }
    }
}

/// Durations cross the channel as whole milliseconds.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Everything an init is configured with: the first message on the control channel, or the argument of an
/// in-process init.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartConfig {
    /// Function name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub function_name: String,
    /// Function version (`$LATEST` or a number).
    pub function_version: String,
    /// Configured memory in MB (REPORT `Memory Size`).
    pub memory_mb: u32,
    /// Invoke timeout (and suppressed-init timeout).
    #[serde(with = "millis")]
    pub timeout: Duration,
    /// Timeout of the eager init phase (10 s on Lambda for on-demand functions).
    #[serde(with = "millis")]
    pub init_timeout: Duration,
    /// Handler string (`_HANDLER`), reported to extensions on register.
    pub handler: String,
    /// Region for ARNs.
    pub region: String,
    /// Account id for ARNs and the `accountId` register feature.
    pub account_id: String,
    /// Log group name (`AWS_LAMBDA_LOG_GROUP_NAME`).
    pub log_group: String,
    /// Log stream name (`AWS_LAMBDA_LOG_STREAM_NAME`, also telemetry `instanceId`).
    pub log_stream: String,
    /// How this environment was initialised.
    pub init_type: InitType,
    /// The runtime command: program and arguments.
    pub bootstrap: Vec<String>,
    /// Working directory of the runtime.
    pub cwd: PathBuf,
    /// Directory scanned for external extensions (`/opt/extensions`).
    pub extensions_dir: PathBuf,
    /// Environment of the runtime process, complete.
    pub runtime_env: Vec<(String, String)>,
    /// Environment of external extensions, complete.
    pub extension_env: Vec<(String, String)>,
    /// Address the Runtime API listens on (host:port; port 0 picks one).
    pub api_address: String,
    /// Window SHUTDOWN grants the runtime and extensions before SIGKILL.
    #[serde(with = "millis")]
    pub shutdown_window: Duration,
    /// Run the runtime and extensions as `sbx_user1051` (993:993) with no capabilities, `no_new_privs`,
    /// Lambda's limits and the seccomp filter.
    #[serde(default)]
    pub confine_children: bool,
    /// `LoggingConfig.LogFormat` `JSON`: the platform's log lines go out as JSON events at or above this
    /// `SystemLogLevel` instead of START/END/REPORT text; `None` for `Text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_system_log: Option<SystemLogLevel>,
    /// Serve the Lambda API inside the environment: the init listens on its loopback, points
    /// `AWS_ENDPOINT_URL_LAMBDA` at it (unless the function's variables set it) and forwards every request to
    /// the host as `InitMessage::ApiCall`. Only a host that answers those turns it on.
    #[serde(default)]
    pub lambda_api: bool,
}

impl StartConfig {
    /// The ARN the runtime sees as `Lambda-Runtime-Invoked-Function-Arn` when the caller gives none.
    pub fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account_id, self.function_name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spellings() {
        let init_type = serde_json::to_string(&InitType::ProvisionedConcurrency).expect("json");
        let level = serde_json::to_string(&SystemLogLevel::Warn).expect("json");
        assert_eq!(
            [init_type, level],
            ["\"provisioned-concurrency\"", "\"WARN\""]
        );
        assert_eq!(SystemLogLevel::parse("INFO"), Some(SystemLogLevel::Info));
        assert_eq!(SystemLogLevel::parse("info"), None);
    }
}
