//! The cluster's own runtime: one thread that owns the NATS connection and runs every cluster task.
//!
//! The store's interface is synchronous (SQLite answers it on the caller's thread), and its callers are often
//! tasks of `serve`'s runtime. Waiting there for a future of that same runtime could starve it; waiting for a
//! future that runs on this separate thread cannot.

use std::future::Future;
use std::time::Duration;

use lambkin_store::StoreError;

/// How long one shared-store call may take before it fails (a cluster that cannot answer must not hang an API
/// request or an invoke).
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// A current-thread runtime on its own thread, alive as long as this value.
pub(crate) struct Rt {
    handle: tokio::runtime::Handle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Rt {
    /// Starts the thread.
    pub(crate) fn start() -> std::io::Result<Rt> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("lambkin-nats".into())
            .spawn(move || {
                rt.block_on(async {
                    let _ = stopped.await;
                });
                rt.shutdown_background();
            })?;
        Ok(Rt {
            handle,
            _stop: stop,
        })
    }

    /// The runtime's handle, to spawn background tasks on it.
    pub(crate) fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }

    /// Runs `f` on the cluster's thread and waits for it here, at most [`CALL_TIMEOUT`]. Must not be called from
    /// the cluster's own thread.
    pub(crate) fn block<F, T>(&self, what: &str, f: F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        self.block_for(what, CALL_TIMEOUT, f)
    }

    /// [`Rt::block`] with another time limit.
    pub(crate) fn block_for<F, T>(&self, what: &str, limit: Duration, f: F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let out = match tokio::time::timeout(limit, f).await {
                Ok(out) => out,
                Err(_) => Err(StoreError::Cluster(format!(
                    "no answer from NATS within {} s",
                    limit.as_secs()
                ))),
            };
            let _ = tx.send(out);
        });
        // On a worker of a multi-threaded runtime (`serve`'s), the wait gives the worker's other tasks to
        // another thread first, so a waiting store call never stalls invokes and requests queued behind it.
        let wait = || rx.recv();
        let received = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        };
        match received {
            Ok(out) => out.map_err(|e| match e {
                StoreError::Cluster(m) => StoreError::Cluster(format!("{what}: {m}")),
                other => other,
            }),
            Err(_) => Err(StoreError::Cluster(format!(
                "{what}: the cluster connection is shut down"
            ))),
        }
    }
}
