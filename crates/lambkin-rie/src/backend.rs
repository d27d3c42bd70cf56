//! Where the emulator's init runs: in this process, or as PID 1 of a sandboxed environment driven over the
//! control channel. The front end sees the same `InvokeHandle` either way.
//!
//! This crate does not link the init: the in-process one is handed in by the binary as a [`LocalInit`]
//! (started by a [`StartLocal`]), so the emulator depends on the contract only.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use lambkin_sandbox::Environment;
use lambkin_wire::client::{out_of_memory, InitClient, InvokeHooks};
use lambkin_wire::{
    InvokeHandle, InvokeRequest, InvokeSummary, ResponseFrame, ShutdownReason, StartConfig,
};

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
    Sandboxed(Arc<Sandboxed>),
}

/// A sandboxed environment and the client of its init.
pub struct Sandboxed {
    /// The init's control channel.
    pub client: InitClient,
    /// The environment (destroyed on shutdown).
    pub environment: Mutex<Option<Environment>>,
    /// Function version for `X-Amz-Executed-Version`.
    pub version: String,
    /// Invokes in flight; the environment is frozen whenever this is zero.
    pub in_flight: Mutex<usize>,
    /// Set by shutdown: nothing freezes the environment any more.
    pub stopping: std::sync::atomic::AtomicBool,
}

/// The emulator's part in one sandboxed invoke: Lambda's OOM answer, and freezing when the last one ends.
struct SandboxHooks {
    sandboxed: Arc<Sandboxed>,
    oom_before: u64,
    request_id: String,
}

impl InvokeHooks for SandboxHooks {
    fn frame(&mut self, frame: ResponseFrame) -> ResponseFrame {
        let (s, before) = (&self.sandboxed, self.oom_before);
        out_of_memory(frame, &self.request_id, || {
            s.with_env(Environment::oom_kills).unwrap_or(0) > before
        })
    }

    fn finished(self: Box<Self>, _summary: Option<&InvokeSummary>) {
        self.sandboxed.leave();
    }
}

impl Sandboxed {
    fn with_env<R>(&self, f: impl FnOnce(&Environment) -> R) -> Option<R> {
        self.environment
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(f)
    }

    /// Thaws the environment for the first invoke in flight.
    fn enter(&self) {
        let mut n = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if *n == 0 {
            if let Some(Err(e)) = self.with_env(|e| e.thaw()) {
                tracing::warn!("thaw: {e}");
            }
        }
        *n += 1;
    }

    /// Freezes the environment when the last invoke in flight is over: nothing runs while it is idle.
    fn leave(&self) {
        let mut n = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
        if *n == 0 && !self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            if let Some(Err(e)) = self.with_env(|e| e.freeze()) {
                tracing::warn!("freeze: {e}");
            }
        }
    }

    async fn invoke(self: &Arc<Self>, mut req: InvokeRequest) -> InvokeHandle {
        self.enter();
        let request_id = req
            .request_id
            .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        let hooks = Box::new(SandboxHooks {
            sandboxed: self.clone(),
            oom_before: self.with_env(Environment::oom_kills).unwrap_or(0),
            request_id,
        });
        self.client.invoke(req, hooks).await
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
            Self::Sandboxed(s) => &s.version,
        }
    }

    /// SHUTDOWN (`spindown`) and, for a sandbox, destroy the environment.
    pub async fn shutdown(&self) {
        match self {
            Self::InProcess { init, .. } => init.shutdown(ShutdownReason::Spindown).await,
            Self::Sandboxed(s) => {
                {
                    // Under the lock, so that no invoke finishing now can freeze it again.
                    let _n = s.in_flight.lock().unwrap_or_else(|p| p.into_inner());
                    s.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                if let Some(Err(e)) = s.with_env(|e| e.thaw()) {
                    tracing::warn!("thaw: {e}");
                }
                s.client.shutdown(ShutdownReason::Spindown).await;
                let env = s
                    .environment
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
                if let Some(env) = env {
                    if let Err(e) = env.destroy() {
                        tracing::warn!("destroying the environment: {e}");
                    }
                }
            }
        }
    }
}
