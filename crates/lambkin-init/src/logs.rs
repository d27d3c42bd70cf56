//! Where every line of an environment goes: the init's stdout (emulator mode), the Logs/Telemetry subscribers,
//! the current invoke's tail (for `X-Amz-Log-Result`), and an optional forwarder (the host's control channel).

use std::io::Write;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::telemetry::{Event, Record, Telemetry};

/// Who wrote a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The runtime (function code).
    Function,
    /// An extension, by name.
    Extension(String),
    /// The platform itself (START, END, REPORT).
    Platform,
}

/// Receives every line, e.g. to send it to the host.
pub type Forward = Arc<dyn Fn(&Source, &str) + Send + Sync>;

/// How much of an invoke's log `X-Amz-Log-Result` carries.
pub const TAIL_BYTES: usize = 4096;

/// The log fan-out of one environment.
pub struct LogSink {
    echo: bool,
    telemetry: Telemetry,
    tail: Mutex<Vec<u8>>,
    forward: Option<Forward>,
    captures: Mutex<Vec<mpsc::Sender<oneshot::Sender<()>>>>,
}

impl LogSink {
    /// A sink that echoes to stdout when `echo` is set and feeds `telemetry`.
    pub fn new(echo: bool, telemetry: Telemetry, forward: Option<Forward>) -> Self {
        Self {
            echo,
            telemetry,
            tail: Mutex::new(Vec::new()),
            forward,
            captures: Mutex::new(Vec::new()),
        }
    }

    /// Takes one line (without its newline).
    pub fn line(&self, source: Source, line: &str) {
        if self.echo {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.write_all(b"\n");
            let _ = out.flush();
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
