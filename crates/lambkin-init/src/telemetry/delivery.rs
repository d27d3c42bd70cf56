//! Batching and delivery of one subscriber's events: HTTP POST of JSON arrays, or NDJSON over TCP.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::event::{Event, Platform, Record};
use super::{Api, Destination, Subscription};

/// Records dropped because the subscriber's queue was full, reported with the next batch.
#[derive(Default)]
pub struct Dropped {
    records: AtomicU64,
    bytes: AtomicU64,
}

impl Dropped {
    /// Counts one dropped record.
    pub fn add(&self, bytes: usize) {
        self.records.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn take(&self) -> Option<(u64, u64)> {
        let records = self.records.swap(0, Ordering::Relaxed);
        let bytes = self.bytes.swap(0, Ordering::Relaxed);
        (records > 0).then_some((records, bytes))
    }
}

/// Attempts per batch before it is given up.
const ATTEMPTS: u32 = 3;

struct Sender {
    destination: Destination,
    http: Client<HttpConnector, Full<Bytes>>,
    tcp: Option<TcpStream>,
}

impl Sender {
    async fn send(&mut self, batch: &[Bytes]) -> Result<(), String> {
        match &self.destination {
            Destination::Http { addr, path } => {
                let mut body =
                    BytesMut::with_capacity(batch.iter().map(|b| b.len() + 1).sum::<usize>() + 2);
                body.put_u8(b'[');
                for (i, e) in batch.iter().enumerate() {
                    if i > 0 {
                        body.put_u8(b',');
                    }
                    body.extend_from_slice(e);
                }
                body.put_u8(b']');
                let req = http::Request::post(format!("http://{addr}{path}"))
                    .header("Content-Type", "application/json")
                    .body(Full::new(body.freeze()))
                    .map_err(|e| e.to_string())?;
                let resp = self.http.request(req).await.map_err(|e| e.to_string())?;
                if resp.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("listener answered {}", resp.status()))
                }
            }
            Destination::Tcp { addr } => {
                if self.tcp.is_none() {
                    let s = TcpStream::connect(addr.as_str())
                        .await
                        .map_err(|e| e.to_string())?;
                    let _ = s.set_nodelay(true);
                    self.tcp = Some(s);
                }
                let mut out = BytesMut::new();
                for e in batch {
                    out.extend_from_slice(e);
                    out.put_u8(b'\n');
                }
                let stream = self.tcp.as_mut().ok_or("not connected")?;
                if let Err(e) = stream.write_all(&out).await {
                    self.tcp = None;
                    return Err(e.to_string());
                }
                Ok(())
            }
        }
    }

    async fn deliver(&mut self, api: Api, batch: Vec<Bytes>, dropped: &Dropped) {
        let mut batch = batch;
        if let Some((records, bytes)) = dropped.take() {
            let ev = Event::now(Record::Platform(Platform::LogsDropped {
                reason: "Consumer seems to have fallen behind as it has not acknowledged receipt of logs.".into(),
                records,
                bytes,
            }));
            if let Some(b) = ev.render(api, true) {
                batch.push(b);
            }
        }
        if batch.is_empty() {
            return;
        }
        let mut delay = Duration::from_millis(50);
        for attempt in 1..=ATTEMPTS {
            match self.send(&batch).await {
                Ok(()) => return,
                Err(e) if attempt == ATTEMPTS => {
                    tracing::warn!(
                        "{} API delivery of {} events failed, dropped: {e}",
                        api.name(),
                        batch.len()
                    );
                }
                Err(e) => {
                    tracing::debug!("{} API delivery attempt {attempt} failed: {e}", api.name());
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
            }
        }
    }
}

/// Runs one subscriber until its queue closes.
pub async fn run(
    sub: Subscription,
    mut rx: mpsc::Receiver<Bytes>,
    mut flush_rx: mpsc::Receiver<oneshot::Sender<()>>,
    dropped: Arc<Dropped>,
) {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let mut sender = Sender {
        destination: sub.destination.clone(),
        http: Client::builder(TokioExecutor::new()).build(connector),
        tcp: None,
    };
    let b = sub.buffering;
    let mut batch: Vec<Bytes> = Vec::new();
    let mut bytes = 0usize;
    let mut deadline: Option<Instant> = None;
    loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => {
                    bytes += ev.len();
                    batch.push(ev);
                    deadline.get_or_insert_with(|| Instant::now() + b.timeout);
                    if batch.len() >= b.max_items || bytes >= b.max_bytes {
                        sender.deliver(sub.api, std::mem::take(&mut batch), &dropped).await;
                        bytes = 0;
                        deadline = None;
                    }
                }
                None => {
                    sender.deliver(sub.api, std::mem::take(&mut batch), &dropped).await;
                    return;
                }
            },
            _ = sleep => {
                sender.deliver(sub.api, std::mem::take(&mut batch), &dropped).await;
                bytes = 0;
                deadline = None;
            }
            Some(ack) = flush_rx.recv() => {
                while let Ok(ev) = rx.try_recv() {
                    bytes += ev.len();
                    batch.push(ev);
                    if batch.len() >= b.max_items || bytes >= b.max_bytes {
                        sender.deliver(sub.api, std::mem::take(&mut batch), &dropped).await;
                        bytes = 0;
                    }
                }
                sender.deliver(sub.api, std::mem::take(&mut batch), &dropped).await;
                bytes = 0;
                deadline = None;
                let _ = ack.send(());
            }
        }
    }
}
