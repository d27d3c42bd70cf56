//! One running execution environment of a function version, as the engine holds it: the sandbox (or, in the
//! `process` fallback, a plain child process) and the client of its init.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::inside::{self, InsideApi, InsideCaller};
use lambkin_wire::client::{InitClient, InvokeHooks, LogSink};
use lambkin_wire::env::{self as lenv, log_stream_name, PlatformVars};
use lambkin_wire::{InitType, InvokeHandle, InvokeRequest, ShutdownReason, StartConfig};

use crate::isolation::{Isolated, Isolator};
use crate::lifecycle::{Action, Lifecycle};
use crate::spawner::Spawner;
use crate::{FunctionSpec, LogWriter};

/// The Runtime API inside a sandbox (its own loopback).
const SANDBOX_API: &str = "127.0.0.1:9001";

/// A running environment.
pub struct Env {
    /// Unique id (also names the sandbox).
    pub id: String,
    /// The revision of the function's configuration it was built from.
    pub revision: String,
    /// `MemorySize` (what it costs against the host's budget).
    pub memory_mb: u32,
    /// Started ahead of invokes for provisioned concurrency (never reaped for idleness).
    pub provisioned: bool,
    client: InitClient,
    /// What hosts it; `None` once destroyed.
    isolated: Mutex<Option<Box<dyn Isolated>>>,
    /// Its status (serialises freeze and thaw).
    lifecycle: Mutex<Lifecycle>,
}

fn dir_has(dir: &Path, name: &str) -> bool {
    dir.join(name).is_file()
}

/// The runtime's command: `/var/runtime/bootstrap` for a managed runtime, else the function's or a layer's
/// `bootstrap` (Lambda's order for `provided` runtimes: `/var/task`, then `/opt`).
fn bootstrap_inside(spec: &FunctionSpec) -> Option<String> {
    if let Some(rt) = &spec.runtime_dir {
        if dir_has(rt, "bootstrap") {
            return Some("/var/runtime/bootstrap".into());
        }
    }
    if dir_has(&spec.code_dir, "bootstrap") {
        return Some("/var/task/bootstrap".into());
    }
    if spec.layers.iter().any(|l| dir_has(l, "bootstrap")) {
        return Some("/opt/bootstrap".into());
    }
    None
}

/// Paths as the runtime sees them: inside the sandbox, or the host's own in the `process` fallback.
struct Paths {
    api: String,
    task_root: String,
    runtime_dir: String,
    bootstrap: Option<String>,
    extensions_dir: String,
    /// The runtime's working directory when it is not the task root (an image's).
    cwd: Option<String>,
    /// An image's command (with arguments), instead of `bootstrap`.
    command: Vec<String>,
}

fn paths(sandboxed: bool, spec: &FunctionSpec) -> Paths {
    if let Some(image) = &spec.image {
        // The image's own: its command and working directory (only ever sandboxed).
        return Paths {
            api: SANDBOX_API.into(),
            task_root: "/var/task".into(),
            runtime_dir: "/var/runtime".into(),
            bootstrap: None,
            extensions_dir: "/opt/extensions".into(),
            cwd: Some(image.working_dir.clone()),
            command: image.command.clone(),
        };
    }
    match sandboxed {
        true => Paths {
            api: SANDBOX_API.into(),
            task_root: "/var/task".into(),
            runtime_dir: "/var/runtime".into(),
            bootstrap: bootstrap_inside(spec),
            extensions_dir: "/opt/extensions".into(),
            cwd: None,
            command: Vec::new(),
        },
        false => {
            let host = |p: &Path| p.to_string_lossy().into_owned();
            let bootstrap = bootstrap_inside(spec).map(|b| {
                if let Some(rest) = b.strip_prefix("/var/task/") {
                    host(&spec.code_dir.join(rest))
                } else if let Some(rest) = b.strip_prefix("/var/runtime/") {
                    spec.runtime_dir
                        .as_ref()
                        .map(|d| host(&d.join(rest)))
                        .unwrap_or(b)
                } else {
                    spec.layers
                        .iter()
                        .rev()
                        .find(|l| dir_has(l, "bootstrap"))
                        .map(|l| host(&l.join("bootstrap")))
                        .unwrap_or(b)
                }
            });
            Paths {
                api: "127.0.0.1:0".into(),
                task_root: host(&spec.code_dir),
                runtime_dir: spec
                    .runtime_dir
                    .as_deref()
                    .map(host)
                    .unwrap_or_else(|| "/var/runtime".into()),
                bootstrap,
                extensions_dir: spec
                    .layers
                    .last()
                    .map(|l| host(&l.join("extensions")))
                    .unwrap_or_else(|| "/opt/extensions".into()),
                cwd: None,
                command: Vec::new(),
            }
        }
    }
}

/// The init's configuration for one environment of `spec`; `lambda_api`: the environment gets the Lambda API
/// endpoint, and credentials to sign its calls with (random, its own).
fn start_config(
    sandboxed: bool,
    spec: &FunctionSpec,
    log_stream: &str,
    init_type: InitType,
    lambda_api: bool,
) -> StartConfig {
    let p = paths(sandboxed, spec);
    let platform = PlatformVars {
        runtime_api: p.api.clone(),
        handler: spec.handler.clone(),
        region: spec.region.clone(),
        function_name: spec.function_name.clone(),
        function_version: spec.version.clone(),
        memory_mb: spec.memory_mb,
        log_group: spec.log_group.clone(),
        log_stream: log_stream.to_owned(),
        init_type,
        execution_env: spec.execution_env.clone(),
        task_root: p.task_root.clone(),
        runtime_dir: p.runtime_dir.clone(),
        credentials: match lambda_api {
            true => lenv::session_credentials(),
            false => Vec::new(),
        },
        // The image's `ENV` takes the place of a managed runtime's language defaults.
        language: match &spec.image {
            Some(image) => image.env.clone(),
            None => spec
                .language
                .map(|f| lambkin_runtimes::bootstrap::language_env(f, &p.runtime_dir, &p.task_root))
                .unwrap_or_default(),
        },
        logging: std::iter::once(("AWS_LAMBDA_LOG_FORMAT".to_owned(), spec.log_format.clone()))
            .chain(
                spec.log_level
                    .iter()
                    .map(|l| ("AWS_LAMBDA_LOG_LEVEL".to_owned(), l.clone())),
            )
            .collect(),
    };
    let envs = lenv::build(&spec.environment, &platform, false);
    StartConfig {
        function_name: spec.function_name.clone(),
        function_version: spec.version.clone(),
        memory_mb: spec.memory_mb,
        timeout: spec.timeout,
        init_timeout: std::time::Duration::from_secs(10),
        handler: spec.handler.clone(),
        region: spec.region.clone(),
        account_id: spec.account_id.clone(),
        log_group: spec.log_group.clone(),
        log_stream: log_stream.to_owned(),
        init_type,
        bootstrap: match p.command.is_empty() {
            true => p.bootstrap.into_iter().collect(),
            false => p.command,
        },
        cwd: p.cwd.unwrap_or(p.task_root).into(),
        extensions_dir: p.extensions_dir.into(),
        runtime_env: envs.runtime,
        extension_env: envs.extension,
        api_address: p.api,
        shutdown_window: std::time::Duration::from_secs(2),
        confine_children: sandboxed,
        json_system_log: spec.system_log_level,
        lambda_api,
    }
}

impl Env {
    /// Builds an environment for `spec`, starts its init and waits for the init phase; returns it frozen.
    /// With `inside`, the environment serves the Lambda API and its calls go there.
    pub async fn start(
        isolator: &Arc<dyn Isolator>,
        prefix: &str,
        spec: &FunctionSpec,
        init_type: InitType,
        spawner: &Spawner,
        logs: LogWriter,
        inside: Option<Arc<dyn InsideApi>>,
    ) -> Result<Arc<Env>, String> {
        let id = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
        let t0 = std::time::Instant::now();
        let log_stream = log_stream_name(&spec.version);
        let start = match &spec.start {
            Some(given) => (**given).clone(),
            None => start_config(
                isolator.sandboxed(),
                spec,
                &log_stream,
                init_type,
                inside.is_some(),
            ),
        };
        let api = inside.map(|api| {
            inside::handler(
                api,
                InsideCaller {
                    function_name: spec.function_name.clone(),
                    version: spec.version.clone(),
                    region: spec.region.clone(),
                    account_id: spec.account_id.clone(),
                    environment: id.clone(),
                },
            )
        });
        if start.bootstrap.is_empty() {
            tracing::debug!(
                "{}: no bootstrap in the code or layers; the init reports it",
                spec.function_name
            );
        }
        let mut lifecycle = Lifecycle::new();
        let (builder, for_build, env_id) = (isolator.clone(), spec.clone(), id.clone());
        let (isolated, channel) = spawner
            .run(move || builder.create(&env_id, &for_build))
            .await??;
        let built = t0.elapsed();
        // A fresh lifecycle takes these two steps without refusal; the results carry nothing.
        let _ = lifecycle.created();
        let function = spec.function_name.clone();
        let stream = log_stream.clone();
        let sink: LogSink = Arc::new(move |lines| logs(&function, &stream, lines));
        let (client, started) = match InitClient::start_with(channel, start, sink, api).await {
            Ok(c) => c,
            Err(e) => {
                destroy(isolated).await;
                return Err(format!("the init did not start: {e}"));
            }
        };
        let _ = lifecycle.initialised();
        tracing::debug!(
            "environment {id}: built in {:.1} ms, initialised in {:.1} ms",
            built.as_secs_f64() * 1e3,
            (t0.elapsed() - built).as_secs_f64() * 1e3
        );
        if !started.ready {
            tracing::info!(
                "{}: init failed in environment {id}; its first invoke retries it",
                spec.function_name
            );
        }
        let env = Arc::new(Env {
            id,
            revision: spec.revision.clone(),
            memory_mb: spec.memory_mb,
            provisioned: init_type == InitType::ProvisionedConcurrency,
            client,
            isolated: Mutex::new(Some(isolated)),
            lifecycle: Mutex::new(lifecycle),
        });
        Ok(env)
    }

    fn isolated(&self) -> std::sync::MutexGuard<'_, Option<Box<dyn Isolated>>> {
        self.isolated.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with_isolated<R>(&self, f: impl FnOnce(&dyn Isolated) -> R) -> Option<R> {
        self.isolated().as_deref().map(f)
    }

    fn lifecycle(&self) -> std::sync::MutexGuard<'_, Lifecycle> {
        self.lifecycle.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Carries out what a transition asks of the sandbox (under the lifecycle lock: freeze and thaw never
    /// cross).
    fn apply(&self, action: Action) -> Result<(), String> {
        let result = match action {
            Action::None => return Ok(()),
            Action::Thaw => self.with_isolated(|e| e.thaw()),
            Action::Freeze => self.with_isolated(|e| e.freeze()),
        };
        match result {
            Some(Err(e)) => Err(format!("{action:?} {}: {e}", self.id)),
            _ => Ok(()),
        }
    }

    /// Idle → Busy: takes the environment for an invoke, thawing it if it was frozen.
    pub fn begin_use(&self) {
        let mut l = self.lifecycle();
        match l.take() {
            Ok(action) => {
                if let Err(e) = self.apply(action) {
                    tracing::warn!("{e}");
                }
            }
            Err(e) => tracing::warn!("{}: {e}", self.id),
        }
    }

    /// Busy → Finishing: its caller has the whole answer.
    pub fn answered(&self) {
        if let Err(e) = self.lifecycle().answered() {
            tracing::warn!("{}: {e}", self.id);
        }
    }

    /// Busy or Finishing → Idle; returns the idle period's number for [`Env::freeze_if_idle`].
    pub fn end_use(&self) -> u64 {
        self.lifecycle().release().unwrap_or_else(|e| {
            tracing::warn!("{}: {e}", self.id);
            0
        })
    }

    /// Freezes every process of the environment (cgroup freezer) if it is still in the idle period `epoch`:
    /// nothing of an idle environment runs.
    pub fn freeze_if_idle(&self, epoch: u64) {
        let mut l = self.lifecycle();
        let action = l.freeze(epoch);
        if let Err(e) = self.apply(action) {
            tracing::warn!("{e}");
            l.freeze_failed();
        }
    }

    /// Whether the environment is still idle and running in the idle period `epoch` (worth freezing).
    pub fn freeze_due(&self, epoch: u64) -> bool {
        self.lifecycle().freeze_due(epoch)
    }

    /// Where it is in its life.
    pub fn status(&self) -> crate::lifecycle::Status {
        self.lifecycle().status()
    }

    /// Whether the init is gone (the environment cannot serve again).
    pub fn is_dead(&self) -> bool {
        self.client.is_closed()
    }

    /// OOM kills in the environment's cgroup so far (0 outside a sandbox).
    pub fn oom_kills(&self) -> u64 {
        self.with_isolated(|e| e.oom_kills()).unwrap_or(0)
    }

    /// Runs one invoke (the environment must be thawed); `hooks` run at its moments in the channel's reader.
    pub async fn invoke(&self, req: InvokeRequest, hooks: Box<dyn InvokeHooks>) -> InvokeHandle {
        self.client.invoke(req, hooks).await
    }

    /// SHUTDOWN (`reason`) to the runtime and extensions, then destroys the environment without a trace.
    pub async fn retire(&self, reason: ShutdownReason) {
        {
            let mut l = self.lifecycle();
            match l.retire() {
                Ok(action) => {
                    if let Err(e) = self.apply(action) {
                        tracing::warn!("{e}");
                    }
                }
                Err(e) => {
                    tracing::warn!("{}: {e}", self.id);
                    return;
                }
            }
        }
        if !self.client.is_closed() {
            self.client.shutdown(reason).await;
        }
        let isolated = self.isolated().take();
        if let Some(isolated) = isolated {
            destroy(isolated).await;
        }
        self.lifecycle().gone();
    }
}

/// Destroys an environment off the async threads.
async fn destroy(isolated: Box<dyn Isolated>) {
    if let Err(e) = tokio::task::spawn_blocking(move || isolated.destroy()).await {
        tracing::warn!("destroying an environment: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lambda_api_comes_with_credentials_of_the_environments_own() {
        let spec = FunctionSpec::minimal(std::env::temp_dir());
        let get = |c: &StartConfig, k: &str| {
            c.runtime_env
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let off = start_config(true, &spec, "s", InitType::OnDemand, false);
        assert!(!off.lambda_api);
        assert_eq!(get(&off, "AWS_ACCESS_KEY_ID"), None);
        let (a, b) = (
            start_config(true, &spec, "s", InitType::OnDemand, true),
            start_config(true, &spec, "s", InitType::OnDemand, true),
        );
        assert!(a.lambda_api);
        for k in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
        ] {
            assert!(get(&a, k).is_some(), "{k}");
            assert_ne!(get(&a, k), get(&b, k), "{k}");
            assert_eq!(
                a.extension_env
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone()),
                get(&a, k),
                "{k}"
            );
        }
        // The init sets the endpoint once it knows its port.
        assert_eq!(get(&a, "AWS_ENDPOINT_URL_LAMBDA"), None);
    }

    #[test]
    fn bootstrap_order() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let task = dir.path().join("task");
        let layer = dir.path().join("layer");
        std::fs::create_dir_all(&task).expect("mkdir");
        std::fs::create_dir_all(&layer).expect("mkdir");
        let mut spec = FunctionSpec::minimal(task.clone());
        spec.layers = vec![layer.clone()];
        assert_eq!(bootstrap_inside(&spec), None);
        std::fs::write(layer.join("bootstrap"), "x").expect("write");
        assert_eq!(bootstrap_inside(&spec).as_deref(), Some("/opt/bootstrap"));
        std::fs::write(task.join("bootstrap"), "x").expect("write");
        assert_eq!(
            bootstrap_inside(&spec).as_deref(),
            Some("/var/task/bootstrap")
        );
    }
}
