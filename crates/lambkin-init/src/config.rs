//! What an init needs to know about the function it runs: identity, limits, commands and environment.

use std::path::PathBuf;
use std::time::Duration;

/// How the environment was initialised (`AWS_LAMBDA_INITIALIZATION_TYPE`, telemetry `initializationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitType {
    /// Created for an incoming invoke.
    OnDemand,
    /// Created ahead of traffic by provisioned concurrency.
    ProvisionedConcurrency,
}

impl InitType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnDemand => "on-demand",
            Self::ProvisionedConcurrency => "provisioned-concurrency",
        }
    }
}

/// Who the runtime and extensions run as in a sandboxed environment, and what confines them.
#[derive(Debug, Clone)]
pub struct ChildIdentity {
    /// User id (993, `sbx_user1051`).
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Open-files limit (Lambda: 1,024).
    pub nofile: u64,
    /// Compiled seccomp filter, applied last before exec.
    pub seccomp: Option<std::sync::Arc<seccompiler::BpfProgram>>,
}

/// Everything the init is configured with. The host (sandbox) or `lambkin rie` fills it in.
#[derive(Debug, Clone)]
pub struct InitConfig {
    /// Function name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub function_name: String,
    /// Function version (`$LATEST` or a number).
    pub function_version: String,
    /// Configured memory in MB (REPORT `Memory Size`).
    pub memory_mb: u32,
    /// Invoke timeout (and suppressed-init timeout).
    pub timeout: Duration,
    /// Timeout of the eager init phase (10 s on Lambda for on-demand functions).
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
    /// Whether START/END/REPORT and process output are echoed to the init's stdout.
    pub echo_logs: bool,
    /// JSON system logs at or above this level instead of START/END/REPORT text (`LogFormat` `JSON`).
    pub json_system_log: Option<crate::telemetry::event::SystemLevel>,
    /// Window SHUTDOWN grants the runtime and extensions before SIGKILL.
    pub shutdown_window: Duration,
    /// Identity and confinement of the runtime and extensions (`None`: as the init itself).
    pub child_identity: Option<ChildIdentity>,
}

impl InitConfig {
    /// The ARN the runtime sees as `Lambda-Runtime-Invoked-Function-Arn` when the caller gives none.
    pub fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account_id, self.function_name
        )
    }
}
