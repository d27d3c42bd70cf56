//! lambkin's cluster mode: several `lambkin serve` hosts behind one Lambda API, sharing state through NATS
//! JetStream (no consensus of lambkin's own: JetStream's replicated streams are the only source of truth).
//!
//! | what | where (JetStream) | module |
//! |---|---|---|
//! | metadata (functions, versions, aliases, layers, settings) | KV `lambkin` | `metadata.rs` |
//! | code and layer zips, by SHA-256 | object store `lambkin-code` | `code.rs` |
//! | function logs of every host | stream `LAMBKIN_LOGS` | `logs.rs` |
//! | host heartbeats | KV `lambkin-hosts` | `hosts.rs` |
//! | reserved-concurrency slots | KV `lambkin-slots` | `slots.rs` |
//! | asynchronous events | work-queue stream `LAMBKIN_EVENTS` | `events.rs` |
//! | invokes routed to another host | request/reply on `lambkin.call.<host>` | `calls.rs` |
//!
//! [`Cluster::connect`] opens them all (creating what is missing, replicated `--cluster-replicas` times) on a
//! thread of the cluster's own (`rt.rs`); [`Cluster::shared`] is what `lambkin_store::Store::open_shared`
//! takes. Every structure is created by lambkin itself rather than by the client's `create_key_value`, which
//! asks for account fields a 2.9 server does not send.

mod calls;
mod code;
mod events;
mod hosts;
mod keys;
mod logs;
mod metadata;
mod rt;
mod slots;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;

pub use calls::{Answer, CallError, Calls, Incoming, Part, PART};
pub use events::{Delivery, Events, ACK_WAIT, PROGRESS};
pub use hosts::{rank, HostInfo, HostLoad, Hosts, LoadReport, DEAD_AFTER, HEARTBEAT};
pub use slots::{Slot, Slots};

/// How to reach the cluster and who this host is.
#[derive(Debug, Clone, Default)]
pub struct ClusterConfig {
    /// NATS server URLs (`nats://H:P`, `tls://H:P`).
    pub servers: Vec<String>,
    /// This host's id, unique in the cluster.
    pub host_id: String,
    /// This host's Lambda API as other hosts reach it (`http://ADDR`).
    pub api: String,
    /// A NATS `.creds` file (JWT and NKey seed).
    pub credentials: Option<PathBuf>,
    /// User and password.
    pub user_password: Option<(String, String)>,
    /// A token.
    pub token: Option<String>,
    /// An NKey seed.
    pub nkey: Option<String>,
    /// CA certificates (PEM) to verify the servers with.
    pub tls_ca: Option<PathBuf>,
    /// A client certificate and key (PEM).
    pub tls_client: Option<(PathBuf, PathBuf)>,
    /// Insist on TLS.
    pub require_tls: bool,
    /// Replicas of every stream and bucket; `None`: 3 when the server is clustered, else 1.
    pub replicas: Option<usize>,
}

/// A host's connection to the cluster.
pub struct Cluster {
    rt: Arc<rt::Rt>,
    js: jetstream::Context,
    host_id: String,
    replicas: usize,
    metadata: Arc<metadata::KvMetadata>,
    code: Arc<code::ObjectCode>,
    logs: Arc<logs::LogStream>,
    hosts: Arc<Hosts>,
    slots: Arc<Slots>,
    events: Arc<Events>,
    calls: Arc<Calls>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("host_id", &self.host_id)
            .field("replicas", &self.replicas)
            .finish()
    }
}

impl Cluster {
    /// Connects (retrying while the servers come up, up to 30 s), opens or creates every stream and bucket,
    /// and starts this host's heartbeat.
    pub async fn connect(config: ClusterConfig) -> Result<Arc<Cluster>, String> {
        if config.host_id.is_empty() {
            return Err("cluster mode needs a host id (--host-id or LAMBKIN_HOST_ID)".into());
        }
        let rt = Arc::new(rt::Rt::start().map_err(|e| format!("cluster thread: {e}"))?);
        // A cluster that is still forming can refuse a step (a stream without a leader yet): start again, up to
        // 60 s (every step is idempotent).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let task = rt.handle().spawn(open(rt.clone(), config.clone()));
            match task
                .await
                .map_err(|e| format!("cluster connection task: {e}"))?
            {
                Ok(cluster) => return Ok(cluster),
                Err(e) if tokio::time::Instant::now() < deadline => {
                    tracing::warn!("cluster: joining failed ({e}); trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The metadata, code and logs `lambkin_store::Store::open_shared` shares through the cluster.
    pub fn shared(&self) -> lambkin_store::Shared {
        lambkin_store::Shared {
            metadata: self.metadata.clone(),
            code: self.code.clone(),
            logs: self.logs.clone(),
        }
    }

    /// Starts writing every host's log lines into `store`'s files.
    pub fn mirror_logs(&self, store: Arc<lambkin_store::Store>) {
        self.rt
            .handle()
            .spawn(logs::mirror(self.js.clone(), self.host_id.clone(), store));
    }

    /// The cluster's NATS connection (event source mappings read the cluster's own JetStream through it).
    pub fn client(&self) -> async_nats::Client {
        self.js.client()
    }

    /// This host's id.
    pub fn host_id(&self) -> &str {
        &self.host_id
    }

    /// Replicas of every stream and bucket.
    pub fn replicas(&self) -> usize {
        self.replicas
    }

    /// The hosts heard from.
    pub fn hosts(&self) -> &Arc<Hosts> {
        &self.hosts
    }

    /// Reserved-concurrency slots.
    pub fn slots(&self) -> &Arc<Slots> {
        &self.slots
    }

    /// Calls to and from other hosts.
    pub fn calls(&self) -> &Arc<Calls> {
        &self.calls
    }

    /// Asynchronous events.
    pub fn events(&self) -> &Arc<Events> {
        &self.events
    }
}

async fn open(rt: Arc<rt::Rt>, config: ClusterConfig) -> Result<Arc<Cluster>, String> {
    let servers = config.servers.join(",");
    let mut options = async_nats::ConnectOptions::new()
        .name(format!("lambkin {}", config.host_id))
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5))
        .require_tls(config.require_tls);
    if let Some(path) = &config.credentials {
        options = options
            .credentials_file(path)
            .await
            .map_err(|e| format!("credentials {}: {e}", path.display()))?;
    }
    if let Some((user, password)) = &config.user_password {
        options = options.user_and_password(user.clone(), password.clone());
    }
    if let Some(token) = &config.token {
        options = options.token(token.clone());
    }
    if let Some(seed) = &config.nkey {
        options = options.nkey(seed.clone());
    }
    if let Some(ca) = &config.tls_ca {
        options = options.add_root_certificates(ca.clone());
    }
    if let Some((cert, key)) = &config.tls_client {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    let addrs = config
        .servers
        .iter()
        .map(|s| {
            s.parse::<async_nats::ServerAddr>()
                .map_err(|e| format!("NATS server {s:?}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let client = tokio::time::timeout(Duration::from_secs(30), options.connect(addrs))
        .await
        .map_err(|_| format!("no NATS server answered at {servers} within 30 s"))?
        .map_err(|e| format!("cannot connect to NATS at {servers}: {e}"))?;
    // retry_on_initial_connect returns at once; wait for the first connection.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while client.connection_state() != async_nats::connection::State::Connected {
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("no NATS server answered at {servers} within 30 s"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let info = client.server_info();
    if !info.jetstream {
        return Err(format!(
            "the NATS server at {servers} runs without JetStream (start it with -js)"
        ));
    }
    let replicas = config
        .replicas
        .unwrap_or(if info.cluster.is_some() { 3 } else { 1 });
    let client_for_calls = client.clone();
    let js = jetstream::new(client);
    let metadata = Arc::new(
        metadata::KvMetadata::open(rt.clone(), js.clone(), config.host_id.clone(), replicas)
            .await?,
    );
    let code = Arc::new(code::ObjectCode::open(rt.clone(), &js, replicas).await?);
    let logs = Arc::new(logs::LogStream::open(&rt, &js, &config.host_id, replicas).await?);
    let me = HostInfo {
        host: config.host_id.clone(),
        api: config.api.clone(),
        started_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0),
        load: HostLoad::default(),
    };
    let hosts = hosts::start(&rt, &js, me, replicas).await?;
    let slots = Arc::new(Slots::open(&js, hosts.clone(), config.host_id.clone(), replicas).await?);
    let events = Arc::new(Events::open(&js, replicas).await?);
    let calls = Arc::new(Calls::new(
        client_for_calls,
        hosts.clone(),
        config.host_id.clone(),
    ));
    tracing::info!(
        "cluster: host {} joined through {servers} (NATS {}, {} replica(s))",
        config.host_id,
        info.version,
        replicas
    );
    Ok(Arc::new(Cluster {
        rt,
        js,
        host_id: config.host_id,
        replicas,
        metadata,
        code,
        logs,
        hosts,
        slots,
        events,
        calls,
    }))
}

/// The stream `config.name`, created with `config` when missing. A cluster still forming (no JetStream leader
/// yet, too few servers for the replicas) is waited for, up to 60 s.
async fn ensure_stream(
    js: &jetstream::Context,
    config: jetstream::stream::Config,
) -> Result<jetstream::stream::Stream, String> {
    let name = config.name.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(stream) = js.get_stream(&name).await {
            return Ok(stream);
        }
        let error = match js.create_stream(config.clone()).await {
            Ok(stream) => return Ok(stream),
            Err(e) => e.to_string(),
        };
        // Another host may have created it meanwhile.
        if let Ok(stream) = js.get_stream(&name).await {
            return Ok(stream);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("cannot create the stream {name}: {error}"));
        }
        tracing::info!(
            "cluster: stream {name} not created yet ({error}); the cluster may be forming"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A KV bucket made as the client's `create_key_value` makes one (stream `KV_<bucket>`, one value per key,
/// rollups, direct gets), which on a 2.9 server cannot be called; messages older than `max_age` go (zero: none
/// do). Its stream and the bucket.
async fn kv_bucket(
    js: &jetstream::Context,
    bucket: &str,
    description: &str,
    replicas: usize,
    max_age: Duration,
) -> Result<(jetstream::stream::Stream, jetstream::kv::Store), String> {
    let stream = ensure_stream(
        js,
        jetstream::stream::Config {
            name: format!("KV_{bucket}"),
            description: Some(description.into()),
            subjects: vec![format!("$KV.{bucket}.>")],
            max_messages_per_subject: 1,
            max_age,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: jetstream::stream::DiscardPolicy::New,
            num_replicas: replicas,
            ..Default::default()
        },
    )
    .await?;
    let store = js
        .get_key_value(bucket)
        .await
        .map_err(|e| format!("KV bucket {bucket}: {e}"))?;
    Ok((stream, store))
}

/// `s` as one NATS subject token or consumer name: bytes outside `[-_a-zA-Z0-9]` become `=HH`.
/// Whether a failed publish may succeed in a moment: no stream leader yet (JetStream answers "no responders",
/// the client "no stream found"), or no answer in time.
pub(crate) fn transient(error: &str) -> bool {
    error.contains("no stream found")
        || error.contains("timed out")
        || error.contains("no responders")
}

pub(crate) fn token(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out
}
