//! The service behind the API: settings, store, engine, managed runtimes and the async queue's handle. A leaf:
//! it names no operation module, so every module may take a `&Service`.

use std::sync::Arc;

use lambkin_engine::Engine;
use lambkin_store::Store;

use crate::codeurl::CodeUrls;
use crate::config::ServeConfig;
use crate::s3code::S3Code;
use crate::schedule::Queue;

/// The service behind the API: settings, store and engine.
pub struct Service {
    /// Settings.
    pub config: ServeConfig,
    /// Metadata, code, logs.
    pub store: Arc<Store>,
    /// Environments.
    pub engine: Engine,
    /// Serialises changes to one function's records (read-modify-write of the store), and keeps settings of a
    /// function (URL, event-invoke, provisioned) from being written while it is deleted.
    pub(crate) writes: tokio::sync::Mutex<()>,
    /// Cluster mode: this host's connection to the others (`--cluster`).
    pub(crate) cluster: Option<Arc<lambkin_cluster::Cluster>>,
    /// Durable asynchronous invocation: the commit channel and the schedule (`queue.rs` runs them).
    pub(crate) queue: Queue,
    /// Managed runtimes (`/var/runtime` directories) of the data directory.
    pub(crate) runtimes: Arc<lambkin_runtimes::Runtimes>,
    /// Code and layer zips from S3 (the client is built on first need).
    pub(crate) s3: S3Code,
    /// Signs and checks code download URLs.
    pub(crate) code_urls: CodeUrls,
    /// Container images of image functions: pulled, imported, unpacked (`<data>/images`).
    pub(crate) images: lambkin_image::ImageStore,
    /// Destinations and dead-letter targets that are not functions: SQS, SNS, EventBridge, S3.
    pub(crate) destinations: lambkin_destinations::Destinations,
    /// Event source mappings: their pollers and reconciler (`esm.rs`).
    pub(crate) mappings: crate::pollers::Mappings,
    /// Lambda's metrics and the one-minute history behind the console's plots (`observe.rs` feeds them).
    pub(crate) metrics: lambkin_metrics::Metrics,
    /// Invocations' OpenTelemetry traces, exported over OTLP; `None` unless the `OTEL_*` variables ask
    /// (`traces.rs`).
    pub(crate) tracer: Option<lambkin_trace::Tracer>,
    /// Durable executions' locks, timers, running invocations and waiters (`durable.rs` drives them).
    pub(crate) durable: crate::durable_state::DurableState,
    /// The APIs served on `--api-listen` (`apis.rs` builds them from the registered stacks).
    pub(crate) apis: std::sync::RwLock<Vec<Arc<crate::gateway_state::Served>>>,
}

impl Service {
    /// This host's id in the cluster ("" on one host).
    pub(crate) fn engine_host(&self) -> &str {
        self.cluster.as_ref().map_or("", |c| c.host_id())
    }
}
