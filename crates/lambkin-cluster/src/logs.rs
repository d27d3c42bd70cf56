//! Function logs through the stream `LAMBKIN_LOGS`: every host publishes its environments' lines and mirrors
//! every host's lines into its own log files, so `lambkin logs` on any host shows them all.
//!
//! Publishing never waits for NATS: the engine writes log lines from an invoke's path. Lines are queued (up to
//! [`QUEUE`] batches; past that they are dropped and counted in a warning) and published in order by one task.
//! Each host's mirror is a durable consumer (`logs-<host>`), so a host that was down catches up on restart.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;
use lambkin_store::{Store, StoreError};
use tokio::sync::mpsc;

use crate::rt::Rt;

/// The stream.
pub(crate) const STREAM: &str = "LAMBKIN_LOGS";
/// Batches of lines waiting to be published.
const QUEUE: usize = 16_384;
/// How long the stream keeps lines for hosts that were down.
const KEEP: Duration = Duration::from_secs(3 * 24 * 3600);

/// One message of the stream.
#[derive(serde::Serialize, serde::Deserialize)]
struct LogMessage {
    /// The function's log name.
    f: String,
    /// The stream; absent: delete the function's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<String>,
    /// `(timestamp ms, line)`s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    l: Vec<(u64, String)>,
}

/// [`lambkin_store::LogShare`] on the stream.
pub(crate) struct LogStream {
    queue: mpsc::Sender<(String, LogMessage)>,
    subject: String,
}

impl LogStream {
    /// Creates the stream (with `replicas`) and the publishing task.
    pub(crate) async fn open(
        rt: &Rt,
        js: &jetstream::Context,
        host: &str,
        replicas: usize,
    ) -> Result<LogStream, String> {
        crate::ensure_stream(
            js,
            jetstream::stream::Config {
                name: STREAM.into(),
                description: Some("lambkin function logs of every host".into()),
                subjects: vec!["lambkin.logs.>".into()],
                max_age: KEEP,
                num_replicas: replicas,
                ..Default::default()
            },
        )
        .await?;
        let (queue, mut rx) = mpsc::channel::<(String, LogMessage)>(QUEUE);
        let js = js.clone();
        rt.handle().spawn(async move {
            while let Some((subject, msg)) = rx.recv().await {
                let Ok(body) = serde_json::to_vec(&msg) else {
                    continue;
                };
                // The acknowledgement is awaited apart, so publishing keeps its order and pace.
                tokio::spawn(publish_batch(js.clone(), subject, body.into()));
            }
        });
        Ok(LogStream {
            queue,
            subject: format!("lambkin.logs.{}", crate::token(host)),
        })
    }

    fn send(&self, msg: LogMessage) -> Result<(), StoreError> {
        self.queue
            .try_send((self.subject.clone(), msg))
            .map_err(|e| StoreError::Cluster(format!("log lines dropped: {e}")))
    }
}

/// Publishes one batch of lines until the stream stored it: while the stream has no leader (NATS nodes
/// restarting, an election) the batch is published again, for up to [`PATIENCE`]; its message id lets the stream
/// drop a copy whose first publication did land. A batch retried this way may land after later ones.
async fn publish_batch(js: jetstream::Context, subject: String, body: bytes::Bytes) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let until = tokio::time::Instant::now() + PATIENCE;
    let mut pause = Duration::from_millis(100);
    loop {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", id.as_str());
        let stored = match js
            .publish_with_headers(subject.clone(), headers, body.clone())
            .await
        {
            Ok(ack) => ack.await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match stored {
            Ok(()) => return,
            Err(e) if crate::transient(&e) && tokio::time::Instant::now() < until => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(e) => {
                tracing::warn!("logs: a batch of lines was not stored: {e}");
                return;
            }
        }
    }
}

/// How long a batch of lines is tried again while the stream is unavailable.
const PATIENCE: Duration = Duration::from_secs(60);

impl lambkin_store::LogShare for LogStream {
    fn publish(
        &self,
        function: &str,
        stream: &str,
        lines: &[(u64, &[u8])],
    ) -> Result<(), StoreError> {
        self.send(LogMessage {
            f: function.to_owned(),
            s: Some(stream.to_owned()),
            l: lines
                .iter()
                .map(|(t, l)| (*t, String::from_utf8_lossy(l).into_owned()))
                .collect(),
        })
    }

    fn delete(&self, function: &str) -> Result<(), StoreError> {
        self.send(LogMessage {
            f: function.to_owned(),
            s: None,
            l: Vec::new(),
        })
    }
}

/// Mirrors every host's lines into `store`'s files, forever (on the cluster's thread).
pub(crate) async fn mirror(js: jetstream::Context, host: String, store: Arc<Store>) {
    let durable = format!("logs-{}", crate::token(&host));
    loop {
        let consumer = match js.get_stream(STREAM).await {
            Ok(stream) => {
                stream
                    .get_or_create_consumer(
                        &durable,
                        consumer::pull::Config {
                            durable_name: Some(durable.clone()),
                            ack_policy: consumer::AckPolicy::All,
                            ..Default::default()
                        },
                    )
                    .await
            }
            Err(e) => {
                tracing::warn!("logs: stream {STREAM}: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut messages = match consumer {
            Ok(c) => match c.messages().await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!("logs: mirror: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            Err(e) => {
                tracing::warn!("logs: mirror consumer: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        while let Some(msg) = messages.next().await {
            let msg = match msg {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!("logs: mirror: {e}");
                    break;
                }
            };
            match serde_json::from_slice::<LogMessage>(&msg.payload) {
                Ok(m) => {
                    let store = store.clone();
                    // File writes off the cluster's thread.
                    let written = tokio::task::spawn_blocking(move || match &m.s {
                        Some(stream) => store.mirror_logs(&m.f, stream, &m.l),
                        None => store.mirror_delete_logs(&m.f),
                    })
                    .await;
                    if let Ok(Err(e)) = written {
                        tracing::warn!("logs: cannot write mirrored lines: {e}");
                    }
                }
                Err(e) => tracing::warn!("logs: an unreadable message is skipped: {e}"),
            }
            let _ = msg.ack().await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
