//! What the engine is configured with and asked for: its settings ([`EngineConfig`], [`Isolation`]), one
//! function version as environments are built from it ([`FunctionSpec`]), and why an invoke could not start
//! ([`EngineError`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lambkin_sandbox::plan::SharedDir;
use lambkin_sandbox::Network;
use lambkin_wire::{StartConfig, SystemLogLevel};

/// How environments are isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Sandboxed: namespaces, read-only root, cgroup, uid 993, seccomp (needs root).
    Namespace,
    /// The init as a plain child process: nothing of the sandbox is enforced.
    Process,
}

impl Isolation {
    /// The name used in options and logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Namespace => "namespace",
            Self::Process => "process",
        }
    }
}

/// Receives every log line of every environment: (function name, log stream, lines that arrived together).
pub type LogWriter = Arc<dyn Fn(&str, &str, &[lambkin_wire::LogLine]) + Send + Sync>;

/// The engine's settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Isolation of environments.
    pub isolation: Isolation,
    /// The lambkin binary (runs as `sandbox-enter` and `init`).
    pub lambkin: PathBuf,
    /// Where sandboxes keep their state.
    pub state_dir: PathBuf,
    /// Egress of sandboxes.
    pub network: Network,
    /// Operator root filesystem for sandboxes (default: the host's `/usr`, `/lib*`, `/bin`, `/sbin`).
    pub rootfs: Option<PathBuf>,
    /// Memory all environments together may take, in MB.
    pub memory_budget_mb: u64,
    /// How long an idle environment is kept warm.
    pub keep_alive: Duration,
    /// Most invokes running at once across every function (the account's concurrency).
    pub concurrency_limit: u32,
    /// Invokes past a function's reserved concurrency wait for an environment instead of being throttled
    /// (`lambkin rie`: one environment, invokes take turns).
    pub queue: bool,
    /// What environment ids (and so sandbox cgroups and state directories) start with: `fn` for `serve`,
    /// `rie` for the emulator.
    pub environment_prefix: &'static str,
    /// Prepared environments kept ready per shape (namespace isolation, `lambkin-sandbox`'s `Blank`): a cold
    /// start then only attaches the function and starts its runtime. 0 builds every environment on demand.
    pub prepared: usize,
}

/// Everything needed to build an environment of one function version.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// Function name.
    pub function_name: String,
    /// `$LATEST` or a published version number.
    pub version: String,
    /// Identifies the configuration; environments built from another revision are never reused.
    pub revision: String,
    /// Unpacked code (`/var/task`).
    pub code_dir: PathBuf,
    /// Unpacked layers in order (`/opt`).
    pub layers: Vec<PathBuf>,
    /// Managed runtime directory (`/var/runtime`).
    pub runtime_dir: Option<PathBuf>,
    /// `AWS_EXECUTION_ENV` for managed runtimes.
    pub execution_env: Option<String>,
    /// The managed runtime's language (its `PYTHONPATH` or `NODE_PATH`); `None` for `provided*`.
    pub language: Option<lambkin_runtimes::Family>,
    /// Host directories the runtime's interpreter needs, bound read-only at the same path.
    pub host_binds: Vec<PathBuf>,
    /// `FileSystemConfigs` as the operator mapped them: host directories the function sees read-write at
    /// `/mnt/<name>`.
    pub shared_dirs: Vec<SharedDir>,
    /// `AWS_LAMBDA_LOG_FORMAT` (`Text` or `JSON`).
    pub log_format: String,
    /// `AWS_LAMBDA_LOG_LEVEL` (the application log level, JSON format only).
    pub log_level: Option<String>,
    /// `SystemLogLevel` when the format is JSON (platform lines go out as JSON events); `None` for text.
    pub system_log_level: Option<SystemLogLevel>,
    /// Handler.
    pub handler: String,
    /// `MemorySize` in MB.
    pub memory_mb: u32,
    /// Invoke timeout.
    pub timeout: Duration,
    /// `EphemeralStorage` in MB.
    pub ephemeral_mb: u32,
    /// The function's own environment variables.
    pub environment: Vec<(String, String)>,
    /// Region.
    pub region: String,
    /// Account id.
    pub account_id: String,
    /// Log group (`/aws/lambda/<name>`).
    pub log_group: String,
    /// Reserved concurrency: most environments of this function (all versions) at once.
    pub reserved_concurrency: Option<u32>,
    /// A container-image function (`PackageType: Image`): its root and its command, instead of the code, layers
    /// and runtime above.
    pub image: Option<ImageRun>,
    /// The init's configuration as the caller made it (`lambkin rie` takes AWS's emulator's from its
    /// environment); `None`: derived from the fields above.
    pub start: Option<Box<StartConfig>>,
}

/// How a container-image function runs: the image's configuration with the function's `ImageConfig` applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRun {
    /// The image's unpacked layers, bottom first: the environment's whole root, read-only.
    pub layers: Vec<PathBuf>,
    /// The runtime's command: the entry point, then the command's arguments.
    pub command: Vec<String>,
    /// The runtime's working directory.
    pub working_dir: String,
    /// The image's environment (`ENV`): over Lambda's defaults, under the function's own variables and the
    /// reserved ones.
    pub env: Vec<(String, String)>,
}

impl FunctionSpec {
    /// A spec with Lambda's defaults (128 MB, 3 s, 512 MB `/tmp`, `$LATEST`, text logs) for the code in
    /// `code_dir`; callers set what differs.
    pub fn minimal(code_dir: PathBuf) -> Self {
        Self {
            function_name: "f".into(),
            version: "$LATEST".into(),
            revision: "r".into(),
            code_dir,
            layers: Vec::new(),
            runtime_dir: None,
            execution_env: None,
            language: None,
            host_binds: Vec::new(),
            shared_dirs: Vec::new(),
            log_format: "Text".into(),
            log_level: None,
            system_log_level: None,
            handler: "h".into(),
            memory_mb: 128,
            timeout: Duration::from_secs(3),
            ephemeral_mb: 512,
            environment: Vec::new(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            log_group: "/aws/lambda/f".into(),
            reserved_concurrency: None,
            image: None,
            start: None,
        }
    }
}

/// Why an invoke could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Concurrency or memory exhausted: `429 TooManyRequestsException` with this `Reason`.
    #[error("Rate Exceeded.")]
    Throttled {
        /// Lambda's `Reason` (`ReservedFunctionConcurrentInvocationLimitExceeded`, …).
        reason: &'static str,
    },
    /// The environment could not be built.
    #[error("{0}")]
    Start(String),
    /// The engine is shutting down.
    #[error("the server is shutting down")]
    ShuttingDown,
}
