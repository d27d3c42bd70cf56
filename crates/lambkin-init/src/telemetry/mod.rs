//! The Logs API (`2020-08-15`) and Telemetry API (`2022-07-01`): subscriptions, the init-phase replay buffer,
//! batching and delivery to extensions over HTTP or TCP.
//!
//! Subscriptions are accepted only while the environment initialises. Events emitted before a subscription
//! (during init) are kept and replayed to it. Each subscriber has a bounded queue of `maxItems`; when a slow
//! subscriber lets it fill up, records are dropped and a `platform.logsDropped` event tells it so.

mod delivery;
pub mod event;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};

pub use event::{Event, Platform, Record, ReportFigures, Span};

/// Which of the two subscription APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `PUT /2020-08-15/logs`.
    Logs,
    /// `PUT /2022-07-01/telemetry`.
    Telemetry,
}

impl Api {
    /// Name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Logs => "Logs",
            Self::Telemetry => "Telemetry",
        }
    }
}

/// Subscription categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// `platform.*` events.
    Platform,
    /// Runtime output lines.
    Function,
    /// Extension output lines.
    Extension,
}

/// Buffering limits (spec §6.2).
#[derive(Debug, Clone, Copy)]
pub struct Buffering {
    /// Flush at this many events (1,000–10,000).
    pub max_items: usize,
    /// Flush at this many bytes (262,144–1,048,576).
    pub max_bytes: usize,
    /// Flush this long after the first buffered event (25–30,000 ms).
    pub timeout: Duration,
}

/// Where batches go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// HTTP POST of a JSON array to `host:port` + path.
    Http {
        /// Socket address (the sandbox host name already mapped to loopback).
        addr: String,
        /// Request path.
        path: String,
    },
    /// Newline-delimited JSON over one TCP connection.
    Tcp {
        /// Socket address.
        addr: String,
    },
}

/// A validated subscription request.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Which API.
    pub api: Api,
    /// Schema version as requested.
    pub schema: String,
    /// Categories.
    pub types: Vec<Category>,
    /// Type names as requested (for `platform.*Subscription`).
    pub type_names: Vec<String>,
    /// Buffering.
    pub buffering: Buffering,
    /// Destination.
    pub destination: Destination,
}

#[derive(Deserialize)]
struct RawSubscription {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<String>,
    types: Option<Vec<String>>,
    buffering: Option<RawBuffering>,
    destination: Option<RawDestination>,
}

#[derive(Deserialize)]
struct RawBuffering {
    #[serde(rename = "maxItems")]
    max_items: Option<i64>,
    #[serde(rename = "maxBytes")]
    max_bytes: Option<i64>,
    #[serde(rename = "timeoutMs")]
    timeout_ms: Option<i64>,
}

#[derive(Deserialize)]
struct RawDestination {
    protocol: Option<String>,
    #[serde(rename = "URI")]
    uri: Option<String>,
    port: Option<i64>,
    #[serde(default)]
    encoding: Option<String>,
}

const TELEMETRY_SCHEMAS: &[&str] = &["2022-07-01", "2022-12-13", "2025-01-29"];
const LOGS_SCHEMAS: &[&str] = &["2020-08-15", "2021-03-18"];

/// Host names an extension uses for itself; they mean the environment's loopback.
const SANDBOX_HOSTS: &[&str] = &["sandbox.localdomain", "sandbox", "localhost", "127.0.0.1"];

fn ranged(name: &str, value: Option<i64>, min: i64, max: i64, default: i64) -> Result<i64, String> {
    match value {
        None => Ok(default),
        Some(v) if (min..=max).contains(&v) => Ok(v),
        Some(v) => Err(format!(
            "buffering.{name} must be between {min} and {max}, got {v}"
        )),
    }
}

/// Parses and validates a subscription body.
pub fn parse_subscription(api: Api, body: &[u8]) -> Result<Subscription, String> {
    let raw: RawSubscription =
        serde_json::from_slice(body).map_err(|e| format!("invalid subscription request: {e}"))?;
    let schema = match (api, raw.schema_version) {
        (Api::Telemetry, None) => return Err("schemaVersion is required".into()),
        (Api::Telemetry, Some(s)) if TELEMETRY_SCHEMAS.contains(&s.as_str()) => s,
        (Api::Logs, None) => "2020-08-15".to_owned(),
        (Api::Logs, Some(s)) if LOGS_SCHEMAS.contains(&s.as_str()) => s,
        (_, Some(s)) => {
            let allowed = if api == Api::Telemetry {
                TELEMETRY_SCHEMAS
            } else {
                LOGS_SCHEMAS
            };
            return Err(format!(
                "unsupported schemaVersion {s:?}; supported: {}",
                allowed.join(", ")
            ));
        }
    };
    let type_names = raw.types.unwrap_or_default();
    if type_names.is_empty() {
        return Err("types must list at least one of platform, function, extension".into());
    }
    let mut types = Vec::new();
    for t in &type_names {
        let c = match t.as_str() {
            "platform" => Category::Platform,
            "function" => Category::Function,
            "extension" => Category::Extension,
            other => {
                return Err(format!(
                    "unknown type {other:?}; allowed: platform, function, extension"
                ))
            }
        };
        if !types.contains(&c) {
            types.push(c);
        }
    }
    let b = raw.buffering.unwrap_or(RawBuffering {
        max_items: None,
        max_bytes: None,
        timeout_ms: None,
    });
    let buffering = Buffering {
        max_items: ranged("maxItems", b.max_items, 1_000, 10_000, 10_000)? as usize,
        max_bytes: ranged("maxBytes", b.max_bytes, 262_144, 1_048_576, 262_144)? as usize,
        timeout: Duration::from_millis(ranged("timeoutMs", b.timeout_ms, 25, 30_000, 1_000)? as u64),
    };
    let d = raw.destination.ok_or("destination is required")?;
    if let Some(enc) = &d.encoding {
        if enc != "JSON" {
            return Err(format!("unsupported destination encoding {enc:?}"));
        }
    }
    let destination = match d.protocol.as_deref() {
        Some("HTTP") => {
            let uri = d.uri.ok_or("destination.URI is required for HTTP")?;
            let (addr, path) = parse_http_uri(&uri)?;
            Destination::Http { addr, path }
        }
        Some("TCP") => {
            let port = match (d.port, &d.uri) {
                (Some(p), _) => p,
                (None, Some(uri)) => uri
                    .parse::<http::Uri>()
                    .ok()
                    .and_then(|u| u.port_u16())
                    .map(i64::from)
                    .ok_or("destination.URI must carry a port for TCP")?,
                (None, None) => return Err("destination.port is required for TCP".into()),
            };
            if !(1..=65_535).contains(&port) {
                return Err(format!(
                    "destination.port must be between 1 and 65535, got {port}"
                ));
            }
            Destination::Tcp {
                addr: format!("127.0.0.1:{port}"),
            }
        }
        Some(other) => {
            return Err(format!(
                "unsupported destination protocol {other:?}; use HTTP or TCP"
            ))
        }
        None => return Err("destination.protocol is required".into()),
    };
    Ok(Subscription {
        api,
        schema,
        types,
        type_names,
        buffering,
        destination,
    })
}

fn parse_http_uri(uri: &str) -> Result<(String, String), String> {
    let u: http::Uri = uri
        .parse()
        .map_err(|_| format!("destination.URI {uri:?} is not a valid URI"))?;
    if u.scheme_str() != Some("http") {
        return Err(format!("destination.URI {uri:?} must use http://"));
    }
    let host = u
        .host()
        .ok_or_else(|| format!("destination.URI {uri:?} has no host"))?;
    if !SANDBOX_HOSTS.contains(&host) {
        return Err(format!(
            "destination.URI host must be sandbox.localdomain (the environment itself), got {host:?}"
        ));
    }
    let port = u.port_u16().unwrap_or(80);
    let path = u
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    Ok((format!("127.0.0.1:{port}"), path))
}

/// Why a subscription was refused.
#[derive(Debug)]
pub enum SubscribeError {
    /// The body is invalid.
    Invalid(String),
    /// Init is over.
    Closed,
}

struct Subscriber {
    extension_id: String,
    api: Api,
    types: HashSet<Category>,
    runtime_done: bool,
    queue: mpsc::Sender<Bytes>,
    flush: mpsc::Sender<oneshot::Sender<()>>,
    dropped: Arc<delivery::Dropped>,
}

impl Subscriber {
    fn offer(&self, event: &Event) {
        if !self.types.contains(&event.category()) {
            return;
        }
        let Some(bytes) = event.render(self.api, self.runtime_done) else {
            return;
        };
        let len = bytes.len();
        if self.queue.try_send(bytes).is_err() {
            self.dropped.add(len);
        }
    }
}

struct Inner {
    open: bool,
    init_events: Vec<Event>,
    subscribers: Vec<Subscriber>,
}

/// Most events kept for replay during one init phase.
const INIT_BUFFER_LIMIT: usize = 10_000;

/// The subscriptions of one environment. Cheap to clone.
#[derive(Clone)]
pub struct Telemetry {
    inner: Arc<Mutex<Inner>>,
}

impl Default for Telemetry {
    /// No subscriptions; accepting them.
    fn default() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                open: true,
                init_events: Vec::new(),
                subscribers: Vec::new(),
            })),
        }
    }
}

impl Telemetry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether anyone could receive events now (cheap check for the log hot path).
    pub fn wants_events(&self) -> bool {
        let g = self.lock();
        g.open || !g.subscribers.is_empty()
    }

    /// Publishes an event to every matching subscriber (and keeps it for replay during init).
    pub fn emit(&self, event: Event) {
        let mut g = self.lock();
        for s in &g.subscribers {
            s.offer(&event);
        }
        if g.open && g.init_events.len() < INIT_BUFFER_LIMIT {
            g.init_events.push(event);
        }
    }

    /// A new init phase starts: subscriptions are accepted and events kept for replay.
    pub fn open(&self) {
        let mut g = self.lock();
        g.open = true;
        g.init_events.clear();
    }

    /// Init is over: no more subscriptions, no more replay buffer.
    pub fn close(&self) {
        let mut g = self.lock();
        g.open = false;
        g.init_events = Vec::new();
    }

    /// Adds (or replaces) an extension's subscription and replays the init events it missed.
    pub fn subscribe(&self, extension_id: &str, sub: Subscription) -> Result<(), SubscribeError> {
        let mut g = self.lock();
        if !g.open {
            return Err(SubscribeError::Closed);
        }
        if g.subscribers
            .iter()
            .any(|s| s.extension_id == extension_id && s.api != sub.api)
        {
            let other = if sub.api == Api::Logs {
                Api::Telemetry
            } else {
                Api::Logs
            };
            return Err(SubscribeError::Invalid(format!(
                "this extension already subscribed to the {} API; subscribe to one of the Logs and Telemetry APIs only",
                other.name()
            )));
        }
        g.subscribers
            .retain(|s| !(s.extension_id == extension_id && s.api == sub.api));
        let (queue, rx) = mpsc::channel(sub.buffering.max_items);
        let (flush, flush_rx) = mpsc::channel(4);
        let dropped = Arc::new(delivery::Dropped::default());
        let subscriber = Subscriber {
            extension_id: extension_id.to_owned(),
            api: sub.api,
            types: sub.types.iter().copied().collect(),
            runtime_done: sub.api == Api::Telemetry || sub.schema == "2021-03-18",
            queue,
            flush,
            dropped: dropped.clone(),
        };
        for e in &g.init_events {
            subscriber.offer(e);
        }
        tokio::spawn(delivery::run(sub.clone(), rx, flush_rx, dropped));
        g.subscribers.push(subscriber);
        Ok(())
    }

    /// Sends everything queued now and waits (up to `limit`) until it was delivered.
    pub async fn flush(&self, limit: Duration) {
        let flushers: Vec<_> = self
            .lock()
            .subscribers
            .iter()
            .map(|s| s.flush.clone())
            .collect();
        let mut acks = Vec::new();
        for f in flushers {
            let (tx, rx) = oneshot::channel();
            if f.send(tx).await.is_ok() {
                acks.push(rx);
            }
        }
        let _ = tokio::time::timeout(limit, async {
            for a in acks {
                let _ = a.await;
            }
        })
        .await;
    }

    /// Drops every subscription (their extensions are gone); delivery tasks end once drained.
    pub fn clear(&self) {
        self.lock().subscribers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_lambda() {
        let ok = br#"{"schemaVersion":"2022-12-13","types":["platform","function"],"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":25},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:9003/t"}}"#;
        let s = parse_subscription(Api::Telemetry, ok).expect("valid");
        assert_eq!(
            s.destination,
            Destination::Http {
                addr: "127.0.0.1:9003".into(),
                path: "/t".into()
            }
        );
        let no_schema = br#"{"types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:1"}}"#;
        assert!(parse_subscription(Api::Telemetry, no_schema).is_err());
        assert!(parse_subscription(Api::Logs, no_schema).is_ok());
        let small = br#"{"schemaVersion":"2022-07-01","types":["platform"],"buffering":{"maxItems":999},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:1"}}"#;
        assert!(parse_subscription(Api::Telemetry, small).is_err());
        let tcp = br#"{"schemaVersion":"2022-07-01","types":["function"],"destination":{"protocol":"TCP","port":4243}}"#;
        assert_eq!(
            parse_subscription(Api::Telemetry, tcp)
                .expect("valid")
                .destination,
            Destination::Tcp {
                addr: "127.0.0.1:4243".into()
            }
        );
        let bad_type = br#"{"schemaVersion":"2022-07-01","types":["nope"],"destination":{"protocol":"TCP","port":1}}"#;
        assert!(parse_subscription(Api::Telemetry, bad_type).is_err());
        let empty = br#"{"schemaVersion":"2022-07-01","types":[],"destination":{"protocol":"TCP","port":1}}"#;
        assert!(parse_subscription(Api::Telemetry, empty).is_err());
    }
}
