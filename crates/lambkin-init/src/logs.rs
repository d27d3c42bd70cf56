//! Where every line of an environment goes: the init's stdout (emulator mode), the Logs/Telemetry subscribers,
//! the current invoke's tail (for `X-Amz-Log-Result`), and an optional forwarder (the host's control channel).

use std::io::Write;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::telemetry::{Event, Record, Telemetry};

/// Who wrote a line.
pub use lambkin_wire::LogSource as Source;

/// Receives every line, e.g. to send it to the host.
pub type Forward = Arc<dyn Fn(&Source, &str) + Send + Sync>;

/// How much of an invoke's log `X-Amz-Log-Result` carries.
pub const TAIL_BYTES: usize = 4096;

/// Lines queued for stdout before the init waits for a slow reader of its stdout.
const STDOUT_QUEUE: usize = 65_536;

/// Writes to stdout from a thread of its own, so that a slow reader of the init's stdout never stalls the
/// init's event loop (and with it the Runtime API).
enum StdoutMsg {
    Line(Vec<u8>),
    Sync(oneshot::Sender<()>),
}

fn stdout_writer() -> std::sync::mpsc::SyncSender<StdoutMsg> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<StdoutMsg>(STDOUT_QUEUE);
    let spawned = std::thread::Builder::new()
        .name("stdout".into())
        .spawn(move || {
            let stdout = std::io::stdout();
            let mut acks = Vec::new();
            while let Ok(msg) = rx.recv() {
                let mut out = stdout.lock();
                // Batch what is already queued into one flush.
                for msg in std::iter::once(msg).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
                    match msg {
                        StdoutMsg::Line(line) => {
                            let _ = out.write_all(&line);
                        }
                        StdoutMsg::Sync(ack) => acks.push(ack),
                    }
                }
                let _ = out.flush();
                for ack in acks.drain(..) {
                    let _ = ack.send(());
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the stdout writer: {e}");
    }
    tx
}

/// The log fan-out of one environment.
pub struct LogSink {
    echo: Option<std::sync::mpsc::SyncSender<StdoutMsg>>,
    telemetry: Telemetry,
    tail: Mutex<Vec<u8>>,
    forward: Option<Forward>,
    captures: Mutex<Vec<mpsc::Sender<oneshot::Sender<()>>>>,
}

impl LogSink {
    /// A sink that echoes to stdout when `echo` is set and feeds `telemetry`.
    pub fn new(echo: bool, telemetry: Telemetry, forward: Option<Forward>) -> Self {
        Self {
            echo: echo.then(stdout_writer),
            telemetry,
            tail: Mutex::new(Vec::new()),
            forward,
            captures: Mutex::new(Vec::new()),
        }
    }

    /// Takes one line (without its newline).
    pub fn line(&self, source: Source, line: &str) {
        if let Some(out) = &self.echo {
            let mut buf = Vec::with_capacity(line.len() + 1);
            buf.extend_from_slice(line.as_bytes());
            buf.push(b'\n');
            let _ = out.send(StdoutMsg::Line(buf));
        }
        {
            let mut tail = self.tail.lock().unwrap_or_else(|p| p.into_inner());
            tail.extend_from_slice(line.as_bytes());
            tail.push(b'\n');
            if tail.len() > 2 * TAIL_BYTES {
                let cut = tail.len() - TAIL_BYTES;
                tail.drain(..cut);
            }
        }
        if let Some(f) = &self.forward {
            f(&source, line);
        }
        let record = match source {
            Source::Function => Record::Function(line.to_owned()),
            Source::Extension(_) => Record::Extension(line.to_owned()),
            Source::Platform => return,
        };
        if self.telemetry.wants_events() {
            self.telemetry.emit(Event::now(record));
        }
    }

    /// Waits until every line queued for stdout so far was written (before the process exits).
    pub async fn flush_stdout(&self) {
        if let Some(out) = &self.echo {
            let (tx, rx) = oneshot::channel();
            if out.send(StdoutMsg::Sync(tx)).is_ok() {
                let _ = rx.await;
            }
        }
    }

    /// Starts a new invoke's tail.
    pub fn begin_tail(&self) {
        self.tail.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The last [`TAIL_BYTES`] of the current invoke's log.
    pub fn tail(&self) -> Vec<u8> {
        let tail = self.tail.lock().unwrap_or_else(|p| p.into_inner());
        let start = tail.len().saturating_sub(TAIL_BYTES);
        tail[start..].to_vec()
    }

    /// Registers an output capture that [`LogSink::drain`] can synchronise with.
    pub fn register_capture(&self, sync: mpsc::Sender<oneshot::Sender<()>>) {
        let mut c = self.captures.lock().unwrap_or_else(|p| p.into_inner());
        c.retain(|s| !s.is_closed());
        c.push(sync);
    }

    /// Waits until every capture has processed all output written so far, so that lines a process printed
    /// before answering appear before END/REPORT.
    pub async fn drain(&self) {
        let captures: Vec<_> = self
            .captures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|s| !s.is_closed())
            .cloned()
            .collect();
        for c in captures {
            let (tx, rx) = oneshot::channel();
            if c.send(tx).await.is_ok() {
                let _ = rx.await;
            }
        }
    }
}
