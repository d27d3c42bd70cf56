//! `lambkin serve`'s Lambda REST API: the operations boto3, the AWS CLI and the SDKs call with
//! `--endpoint-url`, over the embedded store and the invocation engine.
//!
//! A request flows: accept (TCP_NODELAY) → auth (any credentials on loopback, SigV4 otherwise) → route
//! (path segments, percent-decoded, trailing slash ignored) → operation (validate, read or change the store
//! in one atomic batch) → a JSON answer or an AWS-shaped error with `x-amzn-ErrorType`.

mod apis;
mod auth;
mod clusterqueue;
mod codeurl;
pub mod config;
mod console;
mod constraints;
mod cwlogs;
mod durable;
mod durable_state;
pub mod efs;
pub mod error;
mod esm;
mod gateway_state;
mod images;
mod inside;
mod invoke;
pub mod model;
pub mod names;
mod observe;
mod operation;
mod ops;
mod pollers;
mod queue;
mod records;
mod reply;
mod request;
mod resolve;
mod routes;
mod runtimes;
mod s3code;
mod schedule;
mod service;
mod shapes;
#[cfg(test)]
mod tidy;
mod time_fmt;
mod traces;
mod urlserve;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use lambkin_engine::{Engine, EngineConfig};
use lambkin_store::Store;
use tokio::net::TcpListener;

pub use config::ServeConfig;
pub use constraints::table_json as constraints_json;
pub use service::Service;

/// Opens the store, starts the engine and serves the API until `stop` completes (the binary: SIGTERM or
/// SIGINT); then retires every environment (SHUTDOWN `spindown`).
pub async fn run(
    mut config: ServeConfig,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        format!(
            "cannot create the data directory {}: {e}",
            config.data_dir.display()
        )
    })?;
    let cluster = match &config.cluster {
        Some(c) => Some(lambkin_cluster::Cluster::connect(c.clone()).await?),
        None => None,
    };
    let opened = match &cluster {
        Some(c) => Store::open_shared(&config.data_dir, c.shared()),
        None => Store::open(&config.data_dir),
    };
    let store = Arc::new(opened.map_err(|e| {
        format!(
            "cannot open the store in {}: {e}",
            config.data_dir.display()
        )
    })?);
    if let Some(c) = &cluster {
        c.mirror_logs(store.clone());
    }
    let engine_cfg = EngineConfig {
        isolation: config.isolation,
        lambkin: std::env::current_exe().map_err(|e| format!("own executable: {e}"))?,
        state_dir: config.state_dir(),
        network: config.network,
        rootfs: config.rootfs.clone(),
        memory_budget_mb: config.memory_budget_mb,
        keep_alive: Duration::from_secs(config.keep_alive_secs),
        concurrency_limit: config.concurrency_limit,
        queue: false,
        environment_prefix: "fn",
        prepared: config.prepared_environments,
    };
    if config.isolation == lambkin_engine::Isolation::Namespace {
        lambkin_sandbox::environment::sweep_orphans(&engine_cfg.state_dir);
    } else {
        tracing::warn!(
            "isolation: process. Not enforced: separate mount/PID/network/IPC/UTS namespaces, read-only root, \
             /var/task and /opt at Lambda's paths (functions see their host paths; only the last layer's \
             extensions run), EFS directories at /mnt/<name> (host symlinks, where they can be made), \
             sized /tmp, memory and pids limits, CPU share, uid 993, seccomp, freezing between invokes, \
             egress control (run as root for --isolation namespace)"
        );
    }
    config.efs = efs::prepare(
        &config.efs,
        config.isolation == lambkin_engine::Isolation::Namespace,
    )?;
    for (arn, dir) in &config.efs {
        tracing::info!("efs: access point {arn} is {}", dir.display());
    }
    let runtimes = Arc::new(lambkin_runtimes::Runtimes::new(
        config.data_dir.join("runtimes"),
        &config.runtime_interpreters,
    )?);
    {
        // Probe the host's interpreters once, off the async threads, so CreateFunction's check is a lookup.
        let runtimes = runtimes.clone();
        tokio::task::spawn_blocking(move || {
            runtimes.prune();
            tracing::info!("runtimes served: {}", runtimes.available().join(", "));
        });
    }
    let log_store = store.clone();
    let engine = Engine::new(
        engine_cfg,
        Arc::new(move |function, stream, lines: &[lambkin_engine::LogLine]| {
            let lines: Vec<(u64, &[u8])> = lines
                .iter()
                .map(|l| (l.timestamp_ms, &l.line[..]))
                .collect();
            if let Err(e) = log_store.append_logs(function, stream, &lines) {
                tracing::warn!("cannot keep a log line of {function}: {e}");
            }
        }),
    );
    let listener = bind(&config.listen).await?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("listen address: {e}"))?;
    tracing::info!(
        "lambkin serve: Lambda API on http://{local} (data {}, isolation {}, network {}, auth {})",
        config.data_dir.display(),
        config.isolation.name(),
        config.network.name(),
        if config.verifies_signatures(&local) {
            "SigV4"
        } else {
            "none (loopback)"
        }
    );
    let code_urls = codeurl::CodeUrls::open(&config.data_dir)?;
    let images =
        lambkin_image::ImageStore::open(&config.data_dir.join("images"), config.registries.clone())
            .map_err(|e| format!("the image store: {e}"))?;
    let s3 = s3code::S3Code::new(config.s3_endpoint_url.clone());
    let destinations = lambkin_destinations::Destinations::new(&config.region);
    s3.warn_if_self(&local);
    let metrics = lambkin_metrics::Metrics::open(Some(&config.data_dir.join("metrics.sqlite")));
    {
        let metrics = metrics.clone();
        store.observe_latency(Box::new(move |operation, took| {
            metrics.store_operation(operation, took.as_secs_f64());
        }));
    }
    // After the image store's `open`, which installs the TLS provider the OTLP client's rustls needs.
    let tracer = traces::tracer_from_env(&config.region);
    let service = Arc::new(Service {
        s3,
        code_urls,
        config,
        store,
        engine: engine.clone(),
        writes: tokio::sync::Mutex::new(()),
        cluster,
        queue: schedule::Queue::default(),
        runtimes,
        images,
        destinations,
        mappings: pollers::Mappings::default(),
        metrics,
        tracer,
        durable: durable_state::DurableState::default(),
        apis: std::sync::RwLock::default(),
    });
    // Functions call the Lambda API from inside their environment through their init (`inside.rs`).
    service.engine.set_inside_api(inside::Inside::new(&service));
    match &service.cluster {
        Some(cluster) => {
            tokio::spawn(clusterqueue::run(service.clone(), cluster.events().clone()));
            tokio::spawn(invoke::serve_forwarded(service.clone(), cluster.clone()));
            report_load(&service, cluster);
        }
        None => queue::start(service.clone()),
    }
    ops::provisioned::restore(&service);
    images::resume(&service);
    esm::start(&service);
    cwlogs::start(&service);
    observe::start_flushing(&service);
    durable::start(&service);
    if let Some(addr) = service.config.api_listen.clone() {
        apis::rebuild(&service);
        // Not fatal: several servers may run on one host (the first takes the port).
        match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => {
                tracing::info!("API Gateway (SAM templates' Api/HttpApi events) on http://{addr}");
                tokio::spawn(apis::serve(service.clone(), l));
            }
            Err(e) => tracing::warn!("API Gateway: cannot listen on {addr}: {e} (--api-listen)"),
        }
    }
    let server = tokio::spawn(accept_loop(listener, local, service.clone()));
    stop.await;
    tracing::info!("stopping: retiring every environment (SHUTDOWN spindown)");
    server.abort();
    engine.shutdown(Duration::from_secs(5)).await;
    if let Some(tracer) = &service.tracer {
        tracer.shutdown().await;
    }
    let metrics = service.metrics.clone();
    let _ = tokio::task::spawn_blocking(move || metrics.flush()).await;
    if service.config.isolation == lambkin_engine::Isolation::Namespace {
        // Network namespaces prepared for environments that will not come.
        lambkin_sandbox::netpool::sweep(true);
    }
    Ok(())
}

/// In a cluster: this host's heartbeats carry what it runs, and the account's concurrency limit counts what
/// the other hosts run (as they last reported, at most a heartbeat old).
fn report_load(service: &Arc<Service>, cluster: &Arc<lambkin_cluster::Cluster>) {
    let engine = service.engine.clone();
    let hosts = cluster.hosts().clone();
    cluster.hosts().set_report(Arc::new(move || {
        engine.set_busy_elsewhere(hosts.busy_elsewhere());
        lambkin_cluster::HostLoad {
            busy: engine.busy_total(),
            provisioned: engine
                .provisioned_ready()
                .into_iter()
                .map(|((f, v), n)| (format!("{f}:{v}"), n))
                .collect(),
        }
    }));
}

/// Binds the API's address. A port still held for a moment is waited for (up to 3 s): after a crash, a child
/// the dead server was forking may hold its listening socket until that child's exec or death.
async fn bind(addr: &str) -> Result<TcpListener, String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse
                    && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(format!("cannot listen on {addr}: {e}")),
        }
    }
}

async fn accept_loop(listener: TcpListener, local: SocketAddr, service: Arc<Service>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let service = service.clone();
                async move { Ok::<_, Infallible>(routes::handle(&service, req, local, peer).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
