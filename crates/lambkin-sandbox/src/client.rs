//! The host end of the control channel: drives an init running in an environment, with the same
//! [`InvokeHandle`] an in-process init gives, so front ends do not care where the init runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use lambkin_init::{InvokeHandle, InvokeRequest, InvokeSummary, ResponseFrame};
use lambkin_wire::{read_frame, write_frame, HostMessage, InitMessage, StartConfig};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

/// Receives the environment's log lines: (source, extension name, line).
pub type LogSink = Arc<dyn Fn(&str, Option<&str>, &[u8]) + Send + Sync>;

struct Pending {
    frames: mpsc::Sender<ResponseFrame>,
    done: Option<oneshot::Sender<InvokeSummary>>,
}

type Table = Arc<Mutex<HashMap<String, Pending>>>;

/// A started init in an environment.
pub struct InitClient {
    writer: tokio::sync::Mutex<OwnedWriteHalf>,
    pending: Table,
    stopped: Mutex<Option<oneshot::Receiver<()>>>,
    closed: Arc<std::sync::atomic::AtomicBool>,
}

/// The outcome of `Start`.
#[derive(Debug, Clone)]
pub struct Started {
    /// Init completed (else the first invoke retries it).
    pub ready: bool,
    /// Init duration when it completed.
    pub init_ms: Option<f64>,
}

impl InitClient {
    /// Sends `Start` and waits for the init's answer.
    pub async fn start(
        stream: std::os::unix::net::UnixStream,
        config: StartConfig,
        logs: LogSink,
    ) -> Result<(Self, Started), String> {
        stream.set_nonblocking(true).map_err(|e| e.to_string())?;
        let stream = UnixStream::from_std(stream).map_err(|e| e.to_string())?;
        let (mut reader, mut writer) = stream.into_split();
        write_frame(
            &mut writer,
            &HostMessage::Start {
                config: Box::new(config),
            },
            b"",
        )
        .await
        .map_err(|e| format!("send Start: {e}"))?;
        let started = loop {
            let (msg, payload): (InitMessage, Bytes) = read_frame(&mut reader)
                .await
                .map_err(|e| format!("init did not start: {e}"))?;
            match msg {
                InitMessage::Ready { init_ms, .. } => {
                    break Started {
                        ready: true,
                        init_ms: Some(init_ms),
                    }
                }
                InitMessage::InitFailed { .. } => {
                    break Started {
                        ready: false,
                        init_ms: None,
                    }
                }
                InitMessage::Log { source, name } => logs(&source, name.as_deref(), &payload),
                other => return Err(format!("unexpected message before Ready: {other:?}")),
            }
        };
        let pending: Table = Arc::default();
        let (stopped_tx, stopped_rx) = oneshot::channel();
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        tokio::spawn(read_loop(
            reader,
            pending.clone(),
            logs,
            stopped_tx,
            closed.clone(),
        ));
        Ok((
            Self {
                writer: tokio::sync::Mutex::new(writer),
                pending,
                stopped: Mutex::new(Some(stopped_rx)),
                closed,
            },
            started,
        ))
    }

    /// Starts an invoke in the environment.
    pub async fn invoke(&self, req: InvokeRequest) -> InvokeHandle {
        let request_id = req
            .request_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let (frames_tx, frames) = mpsc::channel(16);
        let (done_tx, done) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                request_id.clone(),
                Pending {
                    frames: frames_tx,
                    done: Some(done_tx),
                },
            );
        let msg = HostMessage::Invoke {
            request_id: request_id.clone(),
            content_type: req.content_type,
            client_context: req.client_context,
            cognito_identity: req.cognito_identity,
            trace_id: req.trace_id,
            tenant_id: req.tenant_id,
            invoked_function_arn: req.invoked_function_arn,
        };
        let sent = write_frame(&mut *self.writer.lock().await, &msg, &req.payload).await;
        if sent.is_err() {
            // The environment is gone: the handle ends with no frames.
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&request_id);
        }
        InvokeHandle {
            request_id,
            frames,
            done,
        }
    }

    /// Whether the channel is gone (the init exited or the environment was destroyed).
    pub fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// SHUTDOWN with a reason (`spindown`, `timeout`, `failure`); returns when the init reports it stopped.
    pub async fn shutdown(&self, reason: &str) {
        let msg = HostMessage::Shutdown {
            reason: reason.into(),
        };
        if write_frame(&mut *self.writer.lock().await, &msg, b"")
            .await
            .is_ok()
        {
            let rx = self
                .stopped
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            if let Some(rx) = rx {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), rx).await;
            }
        }
    }
}

async fn read_loop(
    mut reader: OwnedReadHalf,
    pending: Table,
    logs: LogSink,
    stopped: oneshot::Sender<()>,
    closed: Arc<std::sync::atomic::AtomicBool>,
) {
    loop {
        let Ok((msg, payload)) = read_frame::<_, InitMessage>(&mut reader).await else {
            break;
        };
        let (id, frame) = match msg {
            InitMessage::Log { source, name } => {
                logs(&source, name.as_deref(), &payload);
                continue;
            }
            InitMessage::Stopped => break,
            InitMessage::Ready { .. } | InitMessage::InitFailed { .. } => continue,
            InitMessage::Response {
                request_id,
                content_type,
            } => (
                request_id,
                ResponseFrame::Complete {
                    content_type,
                    body: payload,
                },
            ),
            InitMessage::StreamStart {
                request_id,
                content_type,
            } => (request_id, ResponseFrame::StreamStart { content_type }),
            InitMessage::Chunk { request_id } => (request_id, ResponseFrame::Chunk(payload)),
            InitMessage::StreamEnd {
                request_id,
                error_type,
            } => (
                request_id,
                ResponseFrame::StreamEnd {
                    error: error_type.map(|t| (t, payload)),
                },
            ),
            InitMessage::Error {
                request_id,
                error_type,
                content_type,
            } => (
                request_id,
                ResponseFrame::Error {
                    error_type,
                    body: payload,
                    content_type,
                },
            ),
            InitMessage::Done {
                request_id,
                status,
                error_type,
                duration_ms,
            } => {
                let entry = pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&request_id);
                if let Some(mut p) = entry {
                    if let Some(done) = p.done.take() {
                        let _ = done.send(InvokeSummary {
                            status: static_status(&status),
                            error_type,
                            tail: payload.to_vec(),
                            duration_ms,
                        });
                    }
                }
                continue;
            }
        };
        let sender = pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .map(|p| p.frames.clone());
        if let Some(s) = sender {
            let _ = s.send(frame).await;
        }
    }
    // The environment is gone: every open invoke ends.
    closed.store(true, std::sync::atomic::Ordering::SeqCst);
    pending.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let _ = stopped.send(());
}

fn static_status(s: &str) -> &'static str {
    match s {
        "success" => "success",
        "error" => "error",
        "timeout" => "timeout",
        _ => "failure",
    }
}

/// Lambda's answer when the OOM killer ended the runtime during an invoke: the init saw only an exit
/// (`Runtime.ExitError`); when the environment's OOM kills went up meanwhile (`oom_killed`, asked only for
/// such a frame), it is `Runtime.OutOfMemory`. Any other frame passes unchanged.
pub fn out_of_memory(
    frame: ResponseFrame,
    request_id: &str,
    oom_killed: impl FnOnce() -> bool,
) -> ResponseFrame {
    match frame {
        ResponseFrame::Error { ref error_type, .. }
            if error_type == "Runtime.ExitError" && oom_killed() =>
        {
            let body = serde_json::json!({
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: signal: killed"),
            });
            ResponseFrame::Error {
                error_type: "Runtime.OutOfMemory".into(),
                body: body.to_string().into(),
                content_type: Some("application/json".into()),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit_error() -> ResponseFrame {
        ResponseFrame::Error {
            error_type: "Runtime.ExitError".into(),
            body: "{}".into(),
            content_type: None,
        }
    }

    #[test]
    fn only_an_exit_with_an_oom_kill_is_out_of_memory() {
        match out_of_memory(exit_error(), "r1", || true) {
            ResponseFrame::Error {
                error_type, body, ..
            } => {
                assert_eq!(error_type, "Runtime.OutOfMemory");
                assert!(String::from_utf8_lossy(&body).contains("RequestId: r1 Error:"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            out_of_memory(exit_error(), "r1", || false),
            ResponseFrame::Error { error_type, .. } if error_type == "Runtime.ExitError"
        ));
        // Other frames never ask about the OOM killer.
        let chunk = ResponseFrame::Chunk("x".into());
        assert!(matches!(
            out_of_memory(chunk, "r1", || panic!("asked")),
            ResponseFrame::Chunk(_)
        ));
    }
}
