//! `lambkin deploy | invoke | ls | rm | logs | layer`: the command line for people, against a running
//! `lambkin serve` over the same Lambda REST API that boto3 and the AWS CLI use. Readable tables by default,
//! `--json` for scripts; errors say what to fix.

pub mod http;
pub mod pack;
pub mod since;
pub mod table;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::http::{segment, Api, CliError};

/// Connection options shared by every command.
#[derive(clap::Args, Debug, Clone)]
pub struct Endpoint {
    /// Server URL.
    #[arg(
        long,
        env = "LAMBKIN_ENDPOINT",
        default_value = "http://127.0.0.1:9000",
        global = true
    )]
    pub endpoint: String,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create or update a function from a directory or a .zip.
    Deploy(DeployArgs),
    /// Invoke a function and print its response.
    Invoke(InvokeArgs),
    /// List functions.
    Ls,
    /// Delete a function (or one published version).
    Rm(RmArgs),
    /// Print a function's logs.
    Logs(LogsArgs),
    /// Asynchronous events of a function that exhausted their retries or aged out.
    DeadLetters(DeadLettersArgs),
    /// Layers.
    Layer {
        /// What to do.
        #[command(subcommand)]
        cmd: LayerCommand,
    },
}

/// `lambkin layer …`.
#[derive(clap::Subcommand, Debug)]
pub enum LayerCommand {
    /// Publish a new version of a layer from a directory or a .zip.
    Publish(LayerPublishArgs),
    /// List layers.
    Ls,
}

/// `lambkin deploy`.
#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// Function name.
    pub name: String,
    /// A directory (zipped, modes kept) or a .zip file.
    pub path: PathBuf,
    /// Runtime.
    #[arg(long, default_value = "provided.al2023")]
    pub runtime: String,
    /// Handler.
    #[arg(long, default_value = "bootstrap")]
    pub handler: String,
    /// Layer version ARNs, in order (repeat).
    #[arg(long = "layer")]
    pub layers: Vec<String>,
    /// Environment variables `KEY=VALUE` (repeat).
    #[arg(long = "env")]
    pub env: Vec<String>,
    /// MemorySize in MB.
    #[arg(long)]
    pub memory: Option<u32>,
    /// Timeout in seconds.
    #[arg(long)]
    pub timeout: Option<u32>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Publish a version too.
    #[arg(long)]
    pub publish: bool,
}

/// `lambkin invoke`.
#[derive(clap::Args, Debug)]
pub struct InvokeArgs {
    /// Function name (or `name:qualifier`, or an ARN).
    pub name: String,
    /// The event: JSON text, `@file`, or `-` for standard input [default: {}].
    pub payload: Option<String>,
    /// Version or alias.
    #[arg(long)]
    pub qualifier: Option<String>,
    /// Queue the event (`Event` invocation) instead of waiting for the response.
    #[arg(long = "async")]
    pub asynchronous: bool,
    /// Print the last 4 KB of the invoke's log to stderr.
    #[arg(long)]
    pub tail: bool,
}

/// `lambkin rm`.
#[derive(clap::Args, Debug)]
pub struct RmArgs {
    /// Function name.
    pub name: String,
    /// Delete only this published version.
    #[arg(long)]
    pub qualifier: Option<String>,
}

/// `lambkin logs`.
#[derive(clap::Args, Debug)]
pub struct LogsArgs {
    /// Function name.
    pub name: String,
    /// Keep printing new lines until interrupted.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only lines newer than this (`30s`, `10m`, `2h`, `1d`).
    #[arg(long)]
    pub since: Option<String>,
}

/// `lambkin dead-letters`.
#[derive(clap::Args, Debug)]
pub struct DeadLettersArgs {
    /// Function name.
    pub name: String,
}

/// `lambkin layer publish`.
#[derive(clap::Args, Debug)]
pub struct LayerPublishArgs {
    /// Layer name.
    pub name: String,
    /// A directory (zipped, modes kept) or a .zip file.
    pub path: PathBuf,
    /// Compatible runtimes (repeat).
    #[arg(long = "compatible-runtime")]
    pub runtimes: Vec<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
}

/// Runs one command; returns the exit code (0 ok, 1 error, 2 bad usage).
pub async fn run(endpoint: &Endpoint, cmd: Command) -> i32 {
    let api = match Api::new(&endpoint.endpoint) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let out = match cmd {
        Command::Deploy(a) => deploy(&api, endpoint.json, a).await,
        Command::Invoke(a) => invoke(&api, a).await,
        Command::Ls => ls(&api, endpoint.json).await,
        Command::Rm(a) => rm(&api, a).await,
        Command::Logs(a) => logs(&api, endpoint.json, a).await,
        Command::DeadLetters(a) => dead_letters(&api, endpoint.json, a).await,
        Command::Layer {
            cmd: LayerCommand::Publish(a),
        } => layer_publish(&api, endpoint.json, a).await,
        Command::Layer {
            cmd: LayerCommand::Ls,
        } => layer_ls(&api, endpoint.json).await,
    };
    match out {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Progress lines on stderr, only when a person is watching.
struct Progress {
    on: bool,
    started: Instant,
}

impl Progress {
    fn new() -> Self {
        Self {
            on: std::io::stderr().is_terminal(),
            started: Instant::now(),
        }
    }

    fn say(&self, what: &str) {
        if self.on {
            eprint!(
                "\r\x1b[2K{what} ({:.1}s)",
                self.started.elapsed().as_secs_f64()
            );
            let _ = std::io::stderr().flush();
        }
    }

    fn done(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

fn read_code(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        CliError::msg(format!("{}: {e}", path.display()))
            .hint("give a directory with a `bootstrap` at its root, or a .zip")
    })?;
    if meta.is_dir() {
        pack::zip_dir(path).map_err(|e| CliError::msg(format!("zipping {}: {e}", path.display())))
    } else {
        std::fs::read(path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))
    }
}

fn env_vars(pairs: &[String]) -> Result<serde_json::Map<String, Value>, CliError> {
    let mut vars = serde_json::Map::new();
    for p in pairs {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            CliError::msg(format!("--env {p:?}: expected KEY=VALUE"))
                .hint("e.g. --env LOG_LEVEL=debug")
        })?;
        vars.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    Ok(vars)
}

fn mb(n: usize) -> String {
    format!("{:.1} MB", n as f64 / 1_048_576.0)
}

async fn wait_ready(api: &Api, name: &str, progress: &Progress) -> Result<Value, CliError> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let a = api
            .ok(
                "GET",
                &format!("/2015-03-31/functions/{}", segment(name)),
                None,
            )
            .await?;
        let cfg = a.json()["Configuration"].clone();
        let state = cfg["State"].as_str().unwrap_or("");
        let update = cfg["LastUpdateStatus"].as_str().unwrap_or("");
        if state == "Failed" || update == "Failed" {
            return Err(CliError::msg(format!(
                "{name} failed: {}",
                cfg["StateReason"]
                    .as_str()
                    .or(cfg["LastUpdateStatusReason"].as_str())
                    .unwrap_or("no reason given")
            )));
        }
        if state == "Active" && (update == "Successful" || update.is_empty()) {
            return Ok(cfg);
        }
        if Instant::now() > deadline {
            return Err(CliError::msg(format!(
                "{name} is still {state}/{update} after 2 minutes"
            )));
        }
        progress.say(&format!("waiting for {name} ({state}, {update})"));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn deploy(api: &Api, as_json: bool, a: DeployArgs) -> Result<(), CliError> {
    let progress = Progress::new();
    progress.say(&format!("packing {}", a.path.display()));
    let zip = read_code(&a.path)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&zip);
    let vars = env_vars(&a.env)?;
    let path = format!("/2015-03-31/functions/{}", segment(&a.name));
    let exists = api.call("GET", &path, Bytes::new(), &[]).await?;
    progress.say(&format!("uploading {}", mb(zip.len())));
    if exists.status == 404 {
        let mut body = json!({
            "FunctionName": a.name, "Runtime": a.runtime, "Handler": a.handler,
            "Role": "arn:aws:iam::123456789012:role/lambkin", "Code": {"ZipFile": b64},
            "Publish": a.publish,
        });
        if !a.layers.is_empty() {
            body["Layers"] = json!(a.layers);
        }
        if !vars.is_empty() {
            body["Environment"] = json!({"Variables": vars});
        }
        if let Some(m) = a.memory {
            body["MemorySize"] = json!(m);
        }
        if let Some(t) = a.timeout {
            body["Timeout"] = json!(t);
        }
        if let Some(d) = &a.description {
            body["Description"] = json!(d);
        }
        api.ok("POST", "/2015-03-31/functions", Some(body)).await?;
    } else if exists.status < 300 {
        api.ok(
            "PUT",
            &format!("{path}/code"),
            Some(json!({"ZipFile": b64, "Publish": false})),
        )
        .await?;
        let mut cfg = serde_json::Map::new();
        if !a.layers.is_empty() {
            cfg.insert("Layers".into(), json!(a.layers));
        }
        if !vars.is_empty() {
            cfg.insert("Environment".into(), json!({"Variables": vars}));
        }
        if let Some(m) = a.memory {
            cfg.insert("MemorySize".into(), json!(m));
        }
        if let Some(t) = a.timeout {
            cfg.insert("Timeout".into(), json!(t));
        }
        if let Some(d) = &a.description {
            cfg.insert("Description".into(), json!(d));
        }
        cfg.insert("Runtime".into(), json!(a.runtime));
        cfg.insert("Handler".into(), json!(a.handler));
        wait_ready(api, &a.name, &progress).await?;
        api.ok(
            "PUT",
            &format!("{path}/configuration"),
            Some(Value::Object(cfg)),
        )
        .await?;
        if a.publish {
            wait_ready(api, &a.name, &progress).await?;
            api.ok("POST", &format!("{path}/versions"), Some(json!({})))
                .await?;
        }
    } else {
        return Err(CliError::from_answer(&exists));
    }
    let cfg = wait_ready(api, &a.name, &progress).await?;
    progress.done();
    if as_json {
        println!("{cfg}");
    } else {
        let s = |k: &str| cfg[k].as_str().unwrap_or("").to_owned();
        print!(
            "{}",
            table::render(
                &["NAME", "RUNTIME", "CODE", "SHA256", "STATE"],
                &[vec![
                    s("FunctionName"),
                    s("Runtime"),
                    mb(cfg["CodeSize"].as_u64().unwrap_or(0) as usize),
                    s("CodeSha256"),
                    s("State"),
                ]],
            )
        );
        println!("{}", s("FunctionArn"));
    }
    Ok(())
}

fn payload(arg: Option<&str>) -> Result<Vec<u8>, CliError> {
    match arg {
        None => Ok(b"{}".to_vec()),
        Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::msg(format!("reading standard input: {e}")))?;
            Ok(buf)
        }
        Some(a) if a.starts_with('@') => {
            std::fs::read(&a[1..]).map_err(|e| CliError::msg(format!("{}: {e}", &a[1..])))
        }
        Some(a) => Ok(a.as_bytes().to_vec()),
    }
}

async fn invoke(api: &Api, a: InvokeArgs) -> Result<(), CliError> {
    let body = payload(a.payload.as_deref())?;
    let mut path = format!("/2015-03-31/functions/{}/invocations", segment(&a.name));
    if let Some(q) = &a.qualifier {
        path.push_str(&format!("?Qualifier={}", segment(q)));
    }
    let mut headers = vec![(
        "X-Amz-Invocation-Type",
        if a.asynchronous {
            "Event"
        } else {
            "RequestResponse"
        }
        .to_owned(),
    )];
    if a.tail {
        headers.push(("X-Amz-Log-Type", "Tail".to_owned()));
    }
    let ans = api.call("POST", &path, Bytes::from(body), &headers).await?;
    if ans.status >= 300 {
        let mut e = CliError::from_answer(&ans);
        if e.error_type.as_deref() == Some("ResourceNotFoundException") {
            e = e.hint(format!("deploy it first: lambkin deploy {} DIR", a.name));
        }
        return Err(e);
    }
    if a.asynchronous {
        println!(
            "accepted (request id {})",
            ans.header("x-amzn-RequestId").unwrap_or("?")
        );
        return Ok(());
    }
    if let Some(log) = ans.header("X-Amz-Log-Result") {
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(log) {
            eprint!("{}", String::from_utf8_lossy(&bytes));
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&ans.body);
    if !ans.body.ends_with(b"\n") && stdout.is_terminal() {
        let _ = stdout.write_all(b"\n");
    }
    let _ = stdout.flush();
    if let Some(err) = ans.header("X-Amz-Function-Error") {
        return Err(CliError::msg(format!("function error ({err})")));
    }
    Ok(())
}

async fn ls(api: &Api, as_json: bool) -> Result<(), CliError> {
    let mut all = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let path = match &marker {
            Some(m) => format!("/2015-03-31/functions?Marker={}", segment(m)),
            None => "/2015-03-31/functions".to_owned(),
        };
        let page = api.ok("GET", &path, None).await?.json();
        if let Some(fs) = page["Functions"].as_array() {
            all.extend(fs.iter().cloned());
        }
        match page["NextMarker"].as_str() {
            Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
            _ => break,
        }
    }
    if as_json {
        println!("{}", Value::Array(all));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|f| {
            vec![
                f["FunctionName"].as_str().unwrap_or("").to_owned(),
                f["Runtime"].as_str().unwrap_or("").to_owned(),
                format!("{} MB", f["MemorySize"].as_u64().unwrap_or(0)),
                format!("{} s", f["Timeout"].as_u64().unwrap_or(0)),
                f["State"].as_str().unwrap_or("").to_owned(),
                f["LastModified"].as_str().unwrap_or("").to_owned(),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &[
                "NAME",
                "RUNTIME",
                "MEMORY",
                "TIMEOUT",
                "STATE",
                "LAST MODIFIED"
            ],
            &rows
        )
    );
    Ok(())
}

async fn rm(api: &Api, a: RmArgs) -> Result<(), CliError> {
    let mut path = format!("/2015-03-31/functions/{}", segment(&a.name));
    if let Some(q) = &a.qualifier {
        path.push_str(&format!("?Qualifier={}", segment(q)));
    }
    api.ok("DELETE", &path, None).await?;
    eprintln!("deleted {}", a.name);
    Ok(())
}

async fn logs(api: &Api, as_json: bool, a: LogsArgs) -> Result<(), CliError> {
    let since_ms = match &a.since {
        None => 0,
        Some(s) => {
            let d = since::parse(s).map_err(CliError::msg)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            now.saturating_sub(d.as_millis() as u64)
        }
    };
    let mut cursor = String::new();
    loop {
        let path = format!(
            "/lambkin/v1/functions/{}/logs?since={since_ms}&cursor={}&limit=1000",
            segment(&a.name),
            segment(&cursor)
        );
        let page = api.ok("GET", &path, None).await?.json();
        let events = page["events"].as_array().cloned().unwrap_or_default();
        let mut out = std::io::stdout().lock();
        for e in &events {
            let _ = if as_json {
                writeln!(out, "{e}")
            } else {
                writeln!(out, "{}", e["message"].as_str().unwrap_or(""))
            };
        }
        let _ = out.flush();
        if let Some(c) = page["nextCursor"].as_str() {
            cursor = c.to_owned();
        }
        if events.len() < 1000 {
            if !a.follow {
                return Ok(());
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    }
}

async fn dead_letters(api: &Api, as_json: bool, a: DeadLettersArgs) -> Result<(), CliError> {
    let v = api
        .ok(
            "GET",
            &format!("/lambkin/v1/functions/{}/dead-letters", segment(&a.name)),
            None,
        )
        .await?
        .json();
    let letters = v["deadLetters"].as_array().cloned().unwrap_or_default();
    if as_json {
        println!("{}", Value::Array(letters));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = letters
        .iter()
        .map(|d| {
            let ctx = &d["requestContext"];
            vec![
                d["timestamp"].as_str().unwrap_or("").to_owned(),
                ctx["requestId"].as_str().unwrap_or("").to_owned(),
                ctx["condition"].as_str().unwrap_or("").to_owned(),
                ctx["approximateInvokeCount"].to_string(),
                d["requestPayload"].to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &["TIME", "REQUEST ID", "CONDITION", "ATTEMPTS", "EVENT"],
            &rows
        )
    );
    Ok(())
}

async fn layer_publish(api: &Api, as_json: bool, a: LayerPublishArgs) -> Result<(), CliError> {
    let progress = Progress::new();
    let zip = read_code(&a.path)?;
    progress.say(&format!("uploading {}", mb(zip.len())));
    let mut body =
        json!({"Content": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(&zip)}});
    if !a.runtimes.is_empty() {
        body["CompatibleRuntimes"] = json!(a.runtimes);
    }
    if let Some(d) = &a.description {
        body["Description"] = json!(d);
    }
    let v = api
        .ok(
            "POST",
            &format!("/2018-10-31/layers/{}/versions", segment(&a.name)),
            Some(body),
        )
        .await?
        .json();
    progress.done();
    if as_json {
        println!("{v}");
    } else {
        println!("{}", v["LayerVersionArn"].as_str().unwrap_or(""));
    }
    Ok(())
}

async fn layer_ls(api: &Api, as_json: bool) -> Result<(), CliError> {
    let v = api.ok("GET", "/2018-10-31/layers", None).await?.json();
    let layers = v["Layers"].as_array().cloned().unwrap_or_default();
    if as_json {
        println!("{}", Value::Array(layers));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = layers
        .iter()
        .map(|l| {
            vec![
                l["LayerName"].as_str().unwrap_or("").to_owned(),
                l["LatestMatchingVersion"]["Version"].to_string(),
                l["LatestMatchingVersion"]["LayerVersionArn"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            ]
        })
        .collect();
    print!("{}", table::render(&["NAME", "LATEST", "ARN"], &rows));
    Ok(())
}
