//! `lambkin serve`'s settings: command-line options, each also a `LAMBKIN_*` environment variable and a key
//! of the TOML config file (`--config`). Precedence: option or variable, then the file, then the default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use lambkin_engine::Isolation;
use lambkin_sandbox::Network;
use serde::Deserialize;

/// The options of `lambkin serve`.
#[derive(clap::Args, Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeArgs {
    /// TOML file with any of these settings (keys as the long options, e.g. `keep-alive-secs = 600`).
    #[arg(long, env = "LAMBKIN_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address of the Lambda API [default: 127.0.0.1:9000].
    #[arg(long, env = "LAMBKIN_LISTEN")]
    pub listen: Option<String>,
    /// Address of API Gateway's emulation: the `Api`/`HttpApi` events of SAM templates `lambkin deploy
    /// --template` registered [default: 127.0.0.1:3000, as `sam local start-api`; `off`: none].
    #[arg(long, env = "LAMBKIN_API_LISTEN")]
    pub api_listen: Option<String>,
    /// Where metadata, code and logs live [default: /var/lib/lambkin as root, else ~/.local/share/lambkin].
    #[arg(long, env = "LAMBKIN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Account id in ARNs [default: 123456789012].
    #[arg(long, env = "LAMBKIN_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Region of unsigned requests [default: us-east-1]; signed requests use the region they were signed for.
    #[arg(long, env = "LAMBKIN_REGION")]
    pub region: Option<String>,
    /// `namespace` (sandboxed; needs root) or `process` (plain child processes, nothing enforced)
    /// [default: namespace as root, else process].
    #[arg(long, env = "LAMBKIN_ISOLATION")]
    pub isolation: Option<String>,
    /// Egress of environments: `none` or `pasta` [default: pasta when installed, else none].
    #[arg(long, env = "LAMBKIN_NETWORK")]
    pub network: Option<String>,
    /// Root filesystem for environments instead of the host's /usr, /lib*, /bin, /sbin.
    #[arg(long, env = "LAMBKIN_ROOTFS")]
    pub rootfs: Option<PathBuf>,
    /// Seconds an idle environment stays warm [default: 300].
    #[arg(long, env = "LAMBKIN_KEEP_ALIVE_SECS")]
    pub keep_alive_secs: Option<u64>,
    /// Memory all environments together may use, MB [default: 3/4 of the host's memory].
    #[arg(long, env = "LAMBKIN_MEMORY_BUDGET_MB")]
    pub memory_budget_mb: Option<u64>,
    /// Sandboxed environments kept prepared (namespaces, cgroup, root, /tmp, network, the init waiting) per
    /// /tmp size in use, so that a cold start only attaches the function; 0 builds each on demand [default: 2].
    #[arg(long, env = "LAMBKIN_PREPARED_ENVIRONMENTS")]
    pub prepared_environments: Option<usize>,
    /// Access keys accepted when listening beyond loopback, `AKID:SECRET` (repeat, or comma-separate in the
    /// variable). On a loopback address any credentials are accepted. `AKID:SECRET:ACCOUNT` makes the key's
    /// caller another account (12 digits) than the one lambkin serves: it may read that account's layer
    /// versions their policies share with it, and nothing else.
    #[arg(
        long = "access-key",
        env = "LAMBKIN_ACCESS_KEYS",
        value_delimiter = ','
    )]
    #[serde(default)]
    pub access_keys: Vec<String>,
    /// Account-wide concurrency limit [default: 1000].
    #[arg(long, env = "LAMBKIN_CONCURRENCY_LIMIT")]
    pub concurrency_limit: Option<u32>,
    /// Scales Lambda's retry delays of asynchronous invokes (1 and 2 minutes after a function error,
    /// backoff after throttles); e.g. 0.01 for tests [default: 1].
    #[arg(long, env = "LAMBKIN_ASYNC_DELAY_SCALE")]
    pub async_delay_scale: Option<f64>,
    /// The host interpreter serving a managed runtime, `RUNTIME=PATH` (repeat, or comma-separate in the
    /// variable), e.g. `python3.12=/opt/python3.12/bin/python3.12` [default: found in /usr/bin,
    /// /usr/local/bin, ~/.pyenv, ~/.nvm, PATH].
    #[arg(
        long = "runtime-interpreter",
        env = "LAMBKIN_RUNTIME_INTERPRETERS",
        value_delimiter = ','
    )]
    #[serde(default)]
    pub runtime_interpreter: Vec<String>,
    /// S3-compatible server that `Code.S3Bucket`/`S3Key` (and layers' `Content.S3*`) are fetched from,
    /// addressed path-style [default: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else Amazon S3].
    /// Credentials and region come from the standard AWS chain (environment, profile, web identity, ECS, IMDS).
    #[arg(long, env = "LAMBKIN_S3_ENDPOINT_URL")]
    pub s3_endpoint_url: Option<String>,
    /// An EFS access point served by a host directory, `ARN=DIR` (repeat, or comma-separate in the variable),
    /// e.g. `arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0=/srv/efs`:
    /// functions whose `FileSystemConfigs` name it see DIR read-write at their `LocalMountPath`. DIR is
    /// created when missing and, sandboxed, given to uid/gid 993 (the functions' user).
    #[arg(long = "efs", env = "LAMBKIN_EFS", value_delimiter = ',')]
    #[serde(default)]
    pub efs: Vec<String>,
    /// A registry (`HOST[:PORT]`) that container images may be pulled from over plain HTTP (repeat, or
    /// comma-separate in the variable); registries on loopback always may [default: none].
    #[arg(
        long = "insecure-registry",
        env = "LAMBKIN_INSECURE_REGISTRIES",
        value_delimiter = ','
    )]
    #[serde(default)]
    pub insecure_registry: Vec<String>,
    /// The registry (`HOST[:PORT]`) that Amazon ECR image URIs (`<account>.dkr.ecr.<region>.amazonaws.com/
    /// <repository>:<tag>`) are pulled from, the repository path kept [default: ECR itself].
    #[arg(long, env = "LAMBKIN_ECR_REGISTRY")]
    pub ecr_registry: Option<String>,
    /// Registry credentials, in Docker's `config.json` format [default: `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`].
    #[arg(long, env = "LAMBKIN_REGISTRY_AUTH")]
    pub registry_auth: Option<PathBuf>,
    /// The NATS server(s) whose JetStream streams event source mappings read
    /// (`arn:aws:nats:<region>:<account>:stream/<name>`), `nats://H:P[,…]` [default: the cluster's own
    /// connection with `--cluster`, else `nats://127.0.0.1:4222`].
    #[arg(long, env = "LAMBKIN_NATS_URL")]
    pub nats_url: Option<String>,
    /// Cluster mode: the NATS servers (JetStream enabled) that hosts share state through,
    /// `nats://H:P[,nats://H:P…]`. Without it, this host keeps everything in its data directory (SQLite).
    #[arg(long, env = "LAMBKIN_CLUSTER")]
    pub cluster: Option<String>,
    /// This host's id in the cluster, unique among its hosts [default: the host name and the API's port].
    #[arg(long, env = "LAMBKIN_HOST_ID")]
    pub host_id: Option<String>,
    /// Replicas of the cluster's streams and buckets [default: 3 when the NATS server is clustered, else 1].
    #[arg(long, env = "LAMBKIN_CLUSTER_REPLICAS")]
    pub cluster_replicas: Option<usize>,
    /// NATS credentials file (`.creds`: JWT and NKey seed).
    #[arg(long, env = "LAMBKIN_CLUSTER_CREDENTIALS")]
    pub cluster_credentials: Option<PathBuf>,
    /// NATS user, with `--cluster-password`.
    #[arg(long, env = "LAMBKIN_CLUSTER_USER")]
    pub cluster_user: Option<String>,
    /// NATS password.
    #[arg(long, env = "LAMBKIN_CLUSTER_PASSWORD")]
    pub cluster_password: Option<String>,
    /// NATS token.
    #[arg(long, env = "LAMBKIN_CLUSTER_TOKEN")]
    pub cluster_token: Option<String>,
    /// NATS NKey seed.
    #[arg(long, env = "LAMBKIN_CLUSTER_NKEY")]
    pub cluster_nkey: Option<String>,
    /// CA certificates (PEM) that NATS servers' TLS certificates are checked against.
    #[arg(long, env = "LAMBKIN_CLUSTER_TLS_CA")]
    pub cluster_tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for NATS, with `--cluster-tls-key`.
    #[arg(long, env = "LAMBKIN_CLUSTER_TLS_CERT")]
    pub cluster_tls_cert: Option<PathBuf>,
    /// Client key (PEM) for NATS.
    #[arg(long, env = "LAMBKIN_CLUSTER_TLS_KEY")]
    pub cluster_tls_key: Option<PathBuf>,
    /// Refuse NATS connections without TLS.
    #[arg(long, env = "LAMBKIN_CLUSTER_REQUIRE_TLS")]
    pub cluster_require_tls: Option<bool>,
    /// Days function log lines are kept (a log group's CloudWatch Logs retention policy overrides it)
    /// [default: forever, as Lambda's log groups].
    #[arg(long, env = "LAMBKIN_LOG_RETENTION_DAYS")]
    pub log_retention_days: Option<u32>,
    /// MiB of log files kept per function: past it, its oldest log segments are removed; 0 keeps everything
    /// [default: 256].
    #[arg(long, env = "LAMBKIN_LOG_MAX_MB")]
    pub log_max_mb: Option<u64>,
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// API address.
    pub listen: String,
    /// API Gateway's address (`None`: off).
    pub api_listen: Option<String>,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Account id.
    pub account_id: String,
    /// Default region.
    pub region: String,
    /// Isolation of environments.
    pub isolation: Isolation,
    /// Egress.
    pub network: Network,
    /// Operator root filesystem.
    pub rootfs: Option<PathBuf>,
    /// Idle keep-alive.
    pub keep_alive_secs: u64,
    /// Memory budget.
    pub memory_budget_mb: u64,
    /// Prepared environments per shape (0: none).
    pub prepared_environments: usize,
    /// Accepted access keys: (id, secret).
    pub access_keys: Vec<(String, String)>,
    /// Access keys whose caller is another account: (id, account).
    pub key_accounts: Vec<(String, String)>,
    /// Account concurrency limit.
    pub concurrency_limit: u32,
    /// Scale of the async retry delays.
    pub async_delay_scale: f64,
    /// Explicit runtime → interpreter mapping (`RUNTIME=PATH`).
    pub runtime_interpreters: Vec<String>,
    /// Endpoint of the S3-compatible server code is fetched from (None: as the AWS SDKs decide).
    pub s3_endpoint_url: Option<String>,
    /// EFS access point ARN → host directory (`--efs`).
    pub efs: crate::efs::EfsMap,
    /// Cluster mode (`--cluster`): how to reach NATS and this host's id.
    pub cluster: Option<lambkin_cluster::ClusterConfig>,
    /// Where container images come from (`--insecure-registry`, `--ecr-registry`, `--registry-auth`).
    pub registries: lambkin_image::RegistrySettings,
    /// The NATS server(s) of NATS event sources (`--nats-url`; None: the cluster's connection, or the pollers'
    /// default).
    pub nats_url: Option<String>,
    /// Days function log lines are kept unless their log group's retention policy says otherwise (None:
    /// forever).
    pub log_retention_days: Option<u32>,
    /// Bytes of log files kept per function (0: no bound).
    pub log_max_bytes: u64,
}

/// The cluster options other than the servers, resolved.
struct ClusterArgs {
    host_id: Option<String>,
    replicas: Option<usize>,
    credentials: Option<PathBuf>,
    user: Option<String>,
    password: Option<String>,
    token: Option<String>,
    nkey: Option<String>,
    tls_ca: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    require_tls: bool,
}

fn cluster_config(
    servers: &str,
    listen: &str,
    a: ClusterArgs,
) -> Result<lambkin_cluster::ClusterConfig, String> {
    let servers: Vec<String> = servers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if servers.is_empty() {
        return Err("--cluster: expected nats://HOST:PORT[,nats://HOST:PORT…]".into());
    }
    for s in &servers {
        let scheme_ok = ["nats://", "tls://", "ws://", "wss://"]
            .iter()
            .any(|p| s.starts_with(p))
            || !s.contains("://");
        if !scheme_ok {
            return Err(format!(
                "--cluster {s:?}: expected nats://HOST:PORT (or tls://, ws://, wss://)"
            ));
        }
    }
    let host_id = match a.host_id {
        Some(id) => id,
        None => {
            let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| "host".into());
            let port = listen.rsplit(':').next().unwrap_or("9000");
            format!("{name}-{port}")
        }
    };
    if host_id.is_empty()
        || host_id.len() > 64
        || !host_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(format!(
            "--host-id {host_id:?}: 1 to 64 letters, digits, '-', '_' or '.'"
        ));
    }
    if a.replicas.is_some_and(|r| !(1..=5).contains(&r)) {
        return Err("--cluster-replicas: 1 to 5 (JetStream's range)".into());
    }
    let user_password = match (a.user, a.password) {
        (Some(u), Some(p)) => Some((u, p)),
        (None, None) => None,
        _ => return Err("--cluster-user and --cluster-password go together".into()),
    };
    let tls_client = match (a.tls_cert, a.tls_key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => return Err("--cluster-tls-cert and --cluster-tls-key go together".into()),
    };
    Ok(lambkin_cluster::ClusterConfig {
        servers,
        host_id,
        api: format!("http://{listen}"),
        credentials: a.credentials,
        user_password,
        token: a.token,
        nkey: a.nkey,
        tls_ca: a.tls_ca,
        tls_client,
        require_tls: a.require_tls,
        replicas: a.replicas,
    })
}

fn host_memory_mb() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(4096)
}

fn default_data_dir(root: bool) -> PathBuf {
    if root {
        return PathBuf::from("/var/lib/lambkin");
    }
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("lambkin")
}

impl ServeConfig {
    /// Resolves options, the config file and defaults.
    pub fn resolve(args: ServeArgs) -> Result<Self, String> {
        let file: ServeArgs = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))?
            }
            None => ServeArgs::default(),
        };
        let root = rustix::process::geteuid().is_root();
        let isolation = match args.isolation.or(file.isolation).as_deref() {
            None => {
                if root {
                    Isolation::Namespace
                } else {
                    Isolation::Process
                }
            }
            Some("namespace") => {
                if !root {
                    return Err("--isolation namespace needs root (namespaces, cgroups, mounts); run as root or use --isolation process".into());
                }
                Isolation::Namespace
            }
            Some("process") => Isolation::Process,
            Some(other) => {
                return Err(format!(
                    "--isolation {other:?}: expected `namespace` or `process`"
                ))
            }
        };
        let network = match args.network.or(file.network).as_deref() {
            None => Network::default_for_host(),
            Some("none") => Network::None,
            Some("pasta") => Network::Pasta,
            Some(other) => return Err(format!("--network {other:?}: expected `none` or `pasta`")),
        };
        let account_id = args
            .account_id
            .or(file.account_id)
            .unwrap_or_else(|| "123456789012".into());
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("--account-id {account_id:?}: must be 12 digits"));
        }
        let keys = if args.access_keys.is_empty() {
            file.access_keys
        } else {
            args.access_keys
        };
        let mut access_keys = Vec::new();
        let mut key_accounts = Vec::new();
        for k in &keys {
            let parts: Vec<&str> = k.split(':').collect();
            match parts.as_slice() {
                [a, s] | [a, s, _] if !a.is_empty() && !s.is_empty() => {
                    access_keys.push(((*a).to_owned(), (*s).to_owned()));
                }
                _ => {
                    return Err(format!(
                        "--access-key {k:?}: expected ACCESS_KEY_ID:SECRET[:ACCOUNT]"
                    ))
                }
            }
            if let [a, _, acct] = parts.as_slice() {
                if acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("--access-key {k:?}: the account must be 12 digits"));
                }
                key_accounts.push(((*a).to_owned(), (*acct).to_owned()));
            }
        }
        let runtime_interpreters = if args.runtime_interpreter.is_empty() {
            file.runtime_interpreter
        } else {
            args.runtime_interpreter
        };
        let s3_endpoint_url = args.s3_endpoint_url.or(file.s3_endpoint_url);
        if let Some(u) = &s3_endpoint_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(format!(
                    "--s3-endpoint-url {u:?}: expected an http:// or https:// URL"
                ));
            }
        }
        let efs = crate::efs::parse(if args.efs.is_empty() {
            &file.efs
        } else {
            &args.efs
        })?;
        let listen = args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:9000".into());
        let api_listen = Some(
            args.api_listen
                .or(file.api_listen)
                .unwrap_or_else(|| "127.0.0.1:3000".into()),
        )
        .filter(|a| !a.eq_ignore_ascii_case("off"));
        let nats_url = args.nats_url.or(file.nats_url);
        let cluster = match args.cluster.or(file.cluster) {
            None => None,
            Some(servers) => Some(cluster_config(
                &servers,
                &listen,
                ClusterArgs {
                    host_id: args.host_id.or(file.host_id),
                    replicas: args.cluster_replicas.or(file.cluster_replicas),
                    credentials: args.cluster_credentials.or(file.cluster_credentials),
                    user: args.cluster_user.or(file.cluster_user),
                    password: args.cluster_password.or(file.cluster_password),
                    token: args.cluster_token.or(file.cluster_token),
                    nkey: args.cluster_nkey.or(file.cluster_nkey),
                    tls_ca: args.cluster_tls_ca.or(file.cluster_tls_ca),
                    tls_cert: args.cluster_tls_cert.or(file.cluster_tls_cert),
                    tls_key: args.cluster_tls_key.or(file.cluster_tls_key),
                    require_tls: args
                        .cluster_require_tls
                        .or(file.cluster_require_tls)
                        .unwrap_or(false),
                },
            )?),
        };
        let registries = lambkin_image::RegistrySettings {
            insecure: if args.insecure_registry.is_empty() {
                file.insecure_registry
            } else {
                args.insecure_registry
            },
            ecr_registry: args.ecr_registry.or(file.ecr_registry),
            auth_file: args.registry_auth.or(file.registry_auth),
            ..Default::default()
        };
        let log_retention_days = args.log_retention_days.or(file.log_retention_days);
        if log_retention_days == Some(0) {
            return Err(
                "--log-retention-days: at least 1 (leave it out to keep logs forever)".into(),
            );
        }
        let log_max_mb = args.log_max_mb.or(file.log_max_mb).unwrap_or(256);
        Ok(Self {
            log_retention_days,
            log_max_bytes: log_max_mb.saturating_mul(1 << 20),
            cluster,
            registries,
            nats_url,
            s3_endpoint_url,
            runtime_interpreters,
            efs,
            listen,
            api_listen,
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| default_data_dir(root)),
            account_id,
            region: args
                .region
                .or(file.region)
                .unwrap_or_else(|| "us-east-1".into()),
            isolation,
            network,
            rootfs: args.rootfs.or(file.rootfs),
            keep_alive_secs: args.keep_alive_secs.or(file.keep_alive_secs).unwrap_or(300),
            memory_budget_mb: args
                .memory_budget_mb
                .or(file.memory_budget_mb)
                .unwrap_or_else(|| host_memory_mb() * 3 / 4),
            prepared_environments: args
                .prepared_environments
                .or(file.prepared_environments)
                .unwrap_or(2),
            access_keys,
            key_accounts,
            concurrency_limit: args
                .concurrency_limit
                .or(file.concurrency_limit)
                .unwrap_or(1000),
            async_delay_scale: match args.async_delay_scale.or(file.async_delay_scale) {
                None => 1.0,
                Some(s) if s.is_finite() && s > 0.0 => s,
                Some(s) => {
                    return Err(format!(
                        "--async-delay-scale {s}: must be a positive number"
                    ))
                }
            },
        })
    }

    /// Where sandboxes keep their state (on the host's `/run`, never inside the data directory).
    pub fn state_dir(&self) -> PathBuf {
        PathBuf::from("/run/lambkin/environments")
    }

    /// SigV4 is verified unless the API listens on loopback only.
    pub fn verifies_signatures(&self, local: &SocketAddr) -> bool {
        !local.ip().is_loopback()
    }
}
