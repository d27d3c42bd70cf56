//! Where the emulator's init runs: in this process, or as PID 1 of a sandboxed environment driven over the
//! control channel. The front end sees the same `InvokeHandle` either way.

use std::sync::{Arc, Mutex};

use lambkin_init::{Init, InvokeHandle, InvokeRequest, ShutdownReason};
use lambkin_sandbox::client::InitClient;
use lambkin_sandbox::Environment;
use tokio::sync::{mpsc, oneshot};

/// The init behind the front end.
#[derive(Clone)]
pub enum Backend {
    /// In-process init (`--isolation process`, AWS's emulator's model).
    InProcess(Init),
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

    async fn invoke(self: &Arc<Self>, req: InvokeRequest) -> InvokeHandle {
        self.enter();
        let oom_before = self
            .with_env(lambkin_sandbox::Environment::oom_kills)
            .unwrap_or(0);
        let inner = self.client.invoke(req).await;
        let (frames_tx, frames) = mpsc::channel(16);
        let (done_tx, done) = oneshot::channel();
        let request_id = inner.request_id.clone();
        let me = self.clone();
        tokio::spawn(async move {
            let InvokeHandle {
                request_id,
                frames: mut inner_frames,
                done: inner_done,
            } = inner;
            while let Some(frame) = inner_frames.recv().await {
                let frame = lambkin_sandbox::client::out_of_memory(frame, &request_id, || {
                    me.with_env(lambkin_sandbox::Environment::oom_kills)
                        .unwrap_or(0)
                        > oom_before
                });
                if frames_tx.send(frame).await.is_err() {
                    break;
                }
            }
            drop(frames_tx);
            if let Ok(summary) = inner_done.await {
                let _ = done_tx.send(summary);
            }
            me.leave();
        });
        InvokeHandle {
            request_id,
            frames,
            done,
        }
    }
}

impl Backend {
    /// Starts an invoke.
    pub async fn invoke(&self, req: InvokeRequest) -> InvokeHandle {
        match self {
            Self::InProcess(init) => init.invoke(req),
            Self::Sandboxed(s) => s.invoke(req).await,
        }
    }

    /// The function version.
    pub fn function_version(&self) -> &str {
        match self {
            Self::InProcess(init) => &init.config().function_version,
            Self::Sandboxed(s) => &s.version,
        }
    }

    /// SHUTDOWN (`spindown`) and, for a sandbox, destroy the environment.
    pub async fn shutdown(&self) {
        match self {
            Self::InProcess(init) => init.shutdown(ShutdownReason::Spindown).await,
            Self::Sandboxed(s) => {
                {
                    // Under the lock, so that no invoke finishing now can freeze it again.
                    let _n = s.in_flight.lock().unwrap_or_else(|p| p.into_inner());
                    s.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                if let Some(Err(e)) = s.with_env(|e| e.thaw()) {
                    tracing::warn!("thaw: {e}");
                }
                s.client.shutdown("spindown").await;
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
