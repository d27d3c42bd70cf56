//! Where the emulator's init runs: in this process, or as PID 1 of a sandboxed environment in an engine pool
//! of one (the same lifecycle, freezing and OOM reporting as `serve`). The front end sees the same
//! `InvokeHandle` either way.
//!
//! This crate does not link the init: the in-process one is handed in by the binary as a [`LocalInit`]
//! (started by a [`StartLocal`]), so the emulator depends on the contract only.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use lambkin_engine::{Engine, FunctionSpec};
use lambkin_wire::{
    InvokeHandle, InvokeRequest, InvokeStatus, InvokeSummary, ResponseFrame, ShutdownReason,
    StartConfig,
};
use tokio::sync::{mpsc, oneshot};

/// How long shutdown waits for an invoke in flight before the environment goes anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A boxed future, as the in-process init's methods return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An init running in this process (`lambkin_init::Init`, wired in by the binary).
pub trait LocalInit: Send + Sync + 'static {
    /// Starts an invoke; returns at once.
    fn invoke(&self, req: InvokeRequest) -> InvokeHandle;
    /// SHUTDOWN with `reason`.
    fn shutdown(&self, reason: ShutdownReason) -> BoxFuture<'_, ()>;
    /// Where its Runtime API listens.
    fn runtime_api(&self) -> SocketAddr;
}

/// Starts an in-process init from its configuration (echoing its logs to stdout, as AWS's emulator does).
pub type StartLocal =
    Box<dyn FnOnce(StartConfig) -> BoxFuture<'static, std::io::Result<Arc<dyn LocalInit>>> + Send>;

/// The init behind the front end.
#[derive(Clone)]
pub enum Backend {
    /// In-process init (`--isolation process`, AWS's emulator's model).
    InProcess {
        /// The init.
        init: Arc<dyn LocalInit>,
        /// Function version for `X-Amz-Executed-Version`.
        version: String,
    },
    /// An init in its own environment (`--isolation namespace`).
    Sandboxed(Arc<Pool>),
}

/// `--isolation namespace`: an engine pool of one sandboxed environment.
pub struct Pool {
    /// The engine (queueing: invokes take turns on the one environment).
    pub engine: Engine,
    /// The function, with the init's configuration as the emulator built it.
    pub spec: FunctionSpec,
}

impl Pool {
    async fn invoke(&self, mut req: InvokeRequest) -> InvokeHandle {
        let request_id = req.ensure_request_id();
        match self.engine.invoke(&self.spec, req).await {
            Ok(inv) => InvokeHandle {
                request_id: inv.request_id,
                frames: inv.frames,
                done: inv.done,
            },
            // The environment could not be built again (it died and its replacement failed).
            Err(e) => failed(request_id, &e.to_string()),
        }
    }
}

/// A handle that answers invoke `request_id` at once with Lambda's platform error.
fn failed(request_id: String, cause: &str) -> InvokeHandle {
    let (frames_tx, frames) = mpsc::channel(1);
    let (done_tx, done) = oneshot::channel();
    let body = serde_json::json!({
        "errorType": "Sandbox.Failure",
        "errorMessage": format!("RequestId: {request_id} Error: {cause}"),
    });
    let _ = frames_tx.try_send(ResponseFrame::Error {
        error_type: "Sandbox.Failure".into(),
        body: body.to_string().into(),
        content_type: Some("application/json".into()),
    });
    let _ = done_tx.send(InvokeSummary {
        status: InvokeStatus::Failure,
        error_type: Some("Sandbox.Failure".into()),
        tail: Vec::new(),
        duration_ms: 0.0,
        init_duration_ms: None,
        max_memory_used_mb: 0,
    });
    InvokeHandle {
        request_id,
        frames,
        done,
    }
}

impl Backend {
    /// Starts an invoke.
    pub async fn invoke(&self, req: InvokeRequest) -> InvokeHandle {
        match self {
            Self::InProcess { init, .. } => init.invoke(req),
            Self::Sandboxed(s) => s.invoke(req).await,
        }
    }

    /// The function version.
    pub fn function_version(&self) -> &str {
        match self {
            Self::InProcess { version, .. } => version,
            Self::Sandboxed(p) => &p.spec.version,
        }
    }

    /// SHUTDOWN (`spindown`) and, for a sandbox, destroy the environment.
    pub async fn shutdown(&self) {
        match self {
            Self::InProcess { init, .. } => init.shutdown(ShutdownReason::Spindown).await,
            Self::Sandboxed(p) => p.engine.shutdown(SHUTDOWN_GRACE).await,
        }
    }
}
