//! `lambkin init --control-fd N`: the init driven by a host over the control channel (`lambkin-wire`).
//!
//! The host sends `Start`, then `Invoke`s and finally `Shutdown`; the init answers with response frames, log
//! lines and `Done` per invoke. If the channel closes, the environment shuts down (`spindown`) and the init exits.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use lambkin_wire::{FrameBatch, FrameError, FrameReader, HostMessage, InitMessage, StartConfig};
use tokio::sync::mpsc;

use crate::logs::{Forward, Source};
use crate::{Init, InitConfig, InvokeHandle, ShutdownReason};
use lambkin_wire::ResponseHead;

type Outgoing = (InitMessage, Bytes);

/// How long log lines may wait for a message that matters (a response frame, `Done`) to travel with it.
const LOG_DELAY: Duration = Duration::from_millis(2);
/// Queued bytes that go out without waiting.
const BATCH_BYTES: usize = 64 << 10;

/// Lambda's function user, `sbx_user1051`.
pub const FUNCTION_UID: u32 = 993;
/// Lambda's open-files limit.
pub const FUNCTION_NOFILE: u64 = 1024;

fn config(start: StartConfig) -> Result<InitConfig, String> {
    let child_identity = if start.confine_children {
        Some(crate::config::ChildIdentity {
            uid: FUNCTION_UID,
            gid: FUNCTION_UID,
            nofile: FUNCTION_NOFILE,
            seccomp: Some(Arc::new(crate::seccomp::function_filter()?)),
        })
    } else {
        None
    };
    Ok(InitConfig {
        start,
        echo_logs: false,
        child_identity,
    })
}

/// Serves the host on the inherited descriptor until `Shutdown` or the channel closes.
pub async fn serve(fd: OwnedFd) -> Result<(), String> {
    // The channel must never reach the runtime or extensions.
    rustix::io::fcntl_setfd(fd.as_fd(), rustix::io::FdFlags::CLOEXEC)
        .map_err(|e| format!("cannot mark the control channel close-on-exec: {e}"))?;
    let std_stream = std::os::unix::net::UnixStream::from(fd);
    let (reader, writer) =
        lambkin_wire::channel::split(std_stream).map_err(|e| format!("control channel: {e}"))?;
    let mut reader = FrameReader::new(reader);

    let (out_tx, out_rx) = mpsc::unbounded_channel::<Outgoing>();
    let writer_task = tokio::spawn(write_loop(writer, out_rx));

    let start = match reader.next::<HostMessage>().await {
        Ok((HostMessage::Start { config: c }, _)) => config(*c)?,
        Ok((other, _)) => return Err(format!("expected Start first, got {other:?}")),
        Err(e) => return Err(e.to_string()),
    };
    let log_tx = out_tx.clone();
    let forward: Forward = Arc::new(move |source: &Source, line: &str| {
        let _ = log_tx.send((
            InitMessage::Log {
                source: source.clone(),
                timestamp_ms: lambkin_wire::log::now_ms(),
            },
            Bytes::copy_from_slice(line.as_bytes()),
        ));
    });
    let init = Init::start(start, Some(forward))
        .await
        .map_err(|e| format!("cannot start the Runtime API: {e}"))?;
    let runtime_api = init.runtime_api().to_string();
    let ready = match init.wait_initialized().await {
        Some(init_ms) => InitMessage::Ready {
            runtime_api,
            init_ms,
        },
        None => InitMessage::InitFailed { runtime_api },
    };
    let _ = out_tx.send((ready, Bytes::new()));

    let reason = loop {
        match reader.next::<HostMessage>().await {
            Ok((HostMessage::Invoke { mut request }, payload)) => {
                request.payload = payload;
                let handle = init.invoke(request);
                tokio::spawn(relay(handle, out_tx.clone()));
            }
            Ok((HostMessage::Shutdown { reason }, _)) => break reason,
            Ok((HostMessage::Start { .. }, _)) => tracing::warn!("ignoring a second Start"),
            Err(FrameError::Closed) => break ShutdownReason::Spindown,
            Err(e) => {
                tracing::error!("{e}; shutting down");
                break ShutdownReason::Failure;
            }
        }
    };
    init.shutdown(reason).await;
    let _ = out_tx.send((InitMessage::Stopped, Bytes::new()));
    drop(out_tx);
    let _ = tokio::time::timeout(Duration::from_secs(2), writer_task).await;
    Ok(())
}

/// Sends what is queued for the host: every message queued at that moment in one write. Log lines alone wait
/// up to [`LOG_DELAY`] for a message that matters, so that an invoke's START line travels with its response
/// and END and REPORT with its `Done`; anything else goes out at once, with the lines queued before it.
async fn write_loop<W>(mut writer: W, mut out_rx: mpsc::UnboundedReceiver<Outgoing>)
where
    W: tokio::io::AsyncWriteExt + Unpin,
{
    let mut batch = FrameBatch::default();
    let mut due = tokio::time::Instant::now();
    loop {
        let first = if batch.is_empty() {
            out_rx.recv().await
        } else {
            match tokio::time::timeout_at(due, out_rx.recv()).await {
                Ok(m) => m,
                Err(_) => {
                    if batch.write_to(&mut writer).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
        };
        let Some(first) = first else { break };
        let held = !batch.is_empty();
        let (mut urgent, mut stop) = (false, false);
        let mut next = Some(first);
        while let Some((msg, payload)) = next.take() {
            urgent |= !matches!(msg, InitMessage::Log { .. });
            stop |= msg == InitMessage::Stopped;
            if let Err(e) = batch.push(&msg, payload) {
                tracing::error!("cannot encode a control message: {e}");
            }
            if batch.len() < BATCH_BYTES {
                next = out_rx.try_recv().ok();
            }
        }
        if urgent || batch.len() >= BATCH_BYTES {
            if batch.write_to(&mut writer).await.is_err() || stop {
                return;
            }
        } else if !held {
            due = tokio::time::Instant::now() + LOG_DELAY;
        }
    }
    let _ = batch.write_to(&mut writer).await;
}

/// Sends one invoke's frames and its end to the host, each converted once.
async fn relay(handle: InvokeHandle, out: mpsc::UnboundedSender<Outgoing>) {
    let InvokeHandle {
        request_id,
        mut frames,
        done,
    } = handle;
    while let Some(f) = frames.recv().await {
        let (head, payload): (ResponseHead, Bytes) = f.into_wire();
        let msg = InitMessage::Response {
            request_id: request_id.clone(),
            head,
        };
        if out.send((msg, payload)).is_err() {
            return;
        }
    }
    if let Ok(s) = done.await {
        let _ = out.send((
            InitMessage::Done {
                request_id,
                status: s.status,
                error_type: s.error_type,
                duration_ms: s.duration_ms,
                init_duration_ms: s.init_duration_ms,
                max_memory_used_mb: s.max_memory_used_mb,
            },
            Bytes::from(s.tail),
        ));
    }
}
