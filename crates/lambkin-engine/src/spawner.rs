//! Processes that must outlive the thread that starts them are started from threads the engine owns.
//!
//! Environments die with their parent (`PR_SET_PDEATHSIG`), and Linux sends that signal when the *thread* that
//! forked them exits, not the process. Tokio retires idle blocking threads, so environments are never forked
//! from one: a few long-lived spawner threads do it.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of long-lived threads that run spawn jobs.
#[derive(Clone)]
pub struct Spawner {
    tx: mpsc::Sender<Job>,
}

impl Spawner {
    /// Starts `threads` spawner threads; they live as long as the process.
    pub fn new(threads: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("lambkin-spawner-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(p) => p.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a spawner thread: {e}");
            }
        }
        Self { tx }
    }

    /// Queues `f` to run on a spawner thread and returns at once.
    pub fn submit(&self, f: impl FnOnce() + Send + 'static) {
        if self.tx.send(Box::new(f)).is_err() {
            tracing::warn!("the spawner threads are gone");
        }
    }

    /// Runs `f` on a spawner thread and returns its result.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, String> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| "the spawner threads are gone".to_owned())?;
        rx.await
            .map_err(|_| "a spawner thread failed while starting an environment".to_owned())
    }
}
