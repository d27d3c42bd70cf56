//! The shared state of one execution environment: runtime and extension states, the current invoke, fatal
//! errors, and a change signal that every gate waits on.
//!
//! Every mutation goes through [`Shared::update`], which bumps a `watch` counter; every gate is a predicate over
//! [`Core`] re-checked by [`Shared::wait_for`] after each bump. The lock is a plain mutex never held across an
//! `.await`, so handlers stay short and nothing can deadlock on it.

use std::process::ExitStatus;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::{mpsc, watch};

use crate::config::InitConfig;
use crate::logs::LogSink;
use crate::state::{ExtensionState, RuntimeState};
use crate::telemetry::Telemetry;

pub use lambkin_wire::ResponseFrame;

/// Where a runtime's answer for the current invoke goes.
pub type ResponseSink = mpsc::Sender<ResponseFrame>;

/// The event of one invoke as the runtime and the extensions see it.
#[derive(Debug)]
pub struct InvokeEvent {
    /// The request id.
    pub request_id: String,
    /// Deadline, Unix epoch milliseconds.
    pub deadline_ms: u64,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub invoked_function_arn: String,
    /// `Lambda-Runtime-Trace-Id`.
    pub trace_id: String,
    /// Decoded client context JSON.
    pub client_context: Option<String>,
    /// Cognito identity JSON.
    pub cognito_identity: Option<String>,
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// Content type of the payload.
    pub content_type: String,
    /// The payload.
    pub payload: Bytes,
}

/// An extension known to the init.
#[derive(Debug)]
pub struct Extension {
    /// `Lambda-Extension-Identifier`.
    pub id: String,
    /// Registered name (the file name for external extensions).
    pub name: String,
    /// Launched from `/opt/extensions` (true) or registered from inside the runtime (false).
    pub external: bool,
    /// Protocol state.
    pub state: ExtensionState,
    /// Subscribed to INVOKE.
    pub invoke: bool,
    /// Subscribed to SHUTDOWN.
    pub shutdown: bool,
    /// The next event to hand out on `/event/next`, already rendered; `true` when it is SHUTDOWN.
    pub pending: Option<(Bytes, bool)>,
    /// Process id for external extensions.
    pub pid: Option<u32>,
    /// How its process ended, once it has.
    pub exit: Option<ExitStatus>,
    /// First error reported through `/init/error` or `/exit/error`.
    pub reported_error: Option<String>,
}

/// The current invoke from the Runtime API's point of view.
#[derive(Debug)]
pub struct ActiveInvoke {
    /// The event.
    pub event: Arc<InvokeEvent>,
    /// Where the response goes; taken by whoever answers first (runtime or platform).
    pub sink: Option<ResponseSink>,
    /// When the runtime started posting its response.
    pub response_started: Option<Instant>,
    /// When the response was fully delivered.
    pub response_done: Option<Instant>,
    /// Bytes of response the runtime produced.
    pub produced_bytes: u64,
    /// Status for telemetry once the response is in: `success` or `error` (with type).
    pub outcome: Option<(bool, Option<String>)>,
}

/// An error posted to `/init/error`.
#[derive(Debug, Clone)]
pub struct InitErrorReport {
    /// Normalised error type.
    pub error_type: String,
    /// Body as posted.
    pub body: Bytes,
    /// `application/json` when the body is JSON, else `application/octet-stream`.
    pub content_type: String,
}

/// The mutable state behind the lock.
#[derive(Debug)]
pub struct Core {
    /// Runtime protocol state.
    pub runtime: RuntimeState,
    /// The runtime process, while it runs.
    pub runtime_pid: Option<u32>,
    /// How the runtime process ended (this generation).
    pub runtime_exit: Option<ExitStatus>,
    /// Bumped by every reset; waiters of an older generation give up.
    pub generation: u64,
    /// The invoke the runtime is working on, until it asks for the next one.
    pub invoke: Option<ActiveInvoke>,
    /// Registered and launched extensions.
    pub extensions: Vec<Extension>,
    /// Internal extensions can no longer register (the runtime called `/next`).
    pub registration_closed: bool,
    /// The last `/init/error` of this generation.
    pub init_error: Option<InitErrorReport>,
    /// The environment is being shut down: running invokes and inits give up.
    pub stopping: bool,
}

impl Core {
    fn new() -> Self {
        Self {
            runtime: RuntimeState::Started,
            runtime_pid: None,
            runtime_exit: None,
            generation: 0,
            invoke: None,
            extensions: Vec::new(),
            registration_closed: false,
            init_error: None,
            stopping: false,
        }
    }

    /// The extension with this identifier.
    pub fn extension_mut(&mut self, id: &str) -> Option<&mut Extension> {
        self.extensions.iter_mut().find(|e| e.id == id)
    }

    /// Clears everything a reset clears; `/tmp` and the listener survive.
    pub fn clear_for_reinit(&mut self) {
        self.runtime = RuntimeState::Started;
        self.runtime_pid = None;
        self.runtime_exit = None;
        self.generation += 1;
        self.invoke = None;
        self.extensions.clear();
        self.registration_closed = false;
        self.init_error = None;
    }
}

/// State shared by the API handlers, the supervisor and the invoke flow.
pub struct Shared {
    /// The configuration.
    pub cfg: Arc<InitConfig>,
    core: Mutex<Core>,
    changed: watch::Sender<u64>,
    /// Logs and Telemetry API subscriptions and delivery.
    pub telemetry: Telemetry,
    /// Where captured output and platform lines go.
    pub logs: LogSink,
}

impl Shared {
    /// Creates the state for a configuration.
    pub fn new(cfg: Arc<InitConfig>, telemetry: Telemetry, logs: LogSink) -> Arc<Self> {
        Arc::new(Self {
            cfg,
            core: Mutex::new(Core::new()),
            changed: watch::channel(0).0,
            telemetry,
            logs,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // A poisoned lock means a handler panicked mid-update; the state is still the best we have.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the state without signalling a change.
    pub fn read<R>(&self, f: impl FnOnce(&Core) -> R) -> R {
        f(&self.lock())
    }

    /// Mutates the state and wakes every gate.
    pub fn update<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        let r = f(&mut self.lock());
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        r
    }

    /// Waits until `f` returns `Some`, re-checking after every change.
    pub async fn wait_for<R>(&self, mut f: impl FnMut(&mut Core) -> Option<R>) -> R {
        let mut rx = self.changed.subscribe();
        loop {
            if let Some(r) = f(&mut self.lock()) {
                return r;
            }
            if rx.changed().await.is_err() {
                // The sender lives as long as `self`; this cannot happen while we hold `&self`.
                std::future::pending::<()>().await;
            }
        }
    }
}
