//! The `lambkin` binary: one file, several roles.

mod bench;
mod bench_cluster;
mod bench_common;
mod bench_esm;
mod bench_image;
mod bench_proc;
mod bench_sandbox;
mod bench_serve;
mod image_cmd;
mod runtime_cmd;

use std::sync::Arc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lambkin",
    version,
    about = "A self-hosted, AWS-Lambda-compatible serverless platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    endpoint: lambkin_cli::Endpoint,
}

#[derive(Subcommand)]
enum Command {
    /// The Lambda service: the REST API (boto3, the AWS CLI and the SDKs with `--endpoint-url`) on an
    /// embedded store, with a pool of warm, sandboxed environments.
    Serve(Box<lambkin_api::config::ServeArgs>),
    #[command(flatten)]
    People(lambkin_cli::Command),
    /// Managed runtimes (python3.x, nodejsNN.x): which this host serves; install one into the data directory.
    Runtime {
        #[command(subcommand)]
        command: runtime_cmd::RuntimeCommand,
    },
    /// Container images for `PackageType: Image` functions: `lambkin image import FILE` loads a `docker save`
    /// archive or an OCI layout/archive into the data directory's image store.
    Image {
        #[command(subcommand)]
        command: image_cmd::ImageCommand,
    },
    /// Drop-in for AWS's Runtime Interface Emulator: `lambkin rie [options] [BOOTSTRAP [ARGS...]]`.
    ///
    /// Options (anywhere on the line, as aws-lambda-rie): --runtime-api-address HOST:PORT (127.0.0.1:9001),
    /// --runtime-interface-emulator-address HOST:PORT (0.0.0.0:8080), --extensions-dir DIR (/opt/extensions),
    /// --log-level LEVEL. Environment: AWS_LAMBDA_FUNCTION_TIMEOUT, AWS_LAMBDA_FUNCTION_NAME,
    /// AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_HANDLER/_HANDLER.
    #[command(disable_help_flag = true)]
    Rie {
        /// Options and the bootstrap command with its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The init of an execution environment (PID 1), driven by a host over an inherited control channel.
    Init {
        /// The inherited descriptor of the control channel (a Unix socket).
        #[arg(long)]
        control_fd: i32,
        /// Running as PID 1 of a sandboxed environment: mount /proc, drop capabilities first.
        #[arg(long)]
        pid1: bool,
    },
    /// Internal: builds an environment's root inside fresh namespaces and starts its init (used by the sandbox).
    #[command(hide = true)]
    SandboxEnter {
        /// The plan, as JSON.
        #[arg(long)]
        plan: String,
    },
    /// Internal: the API's declared tables, as JSON (`lambkin api constraints --json`: Lambda's input
    /// constraints, which the drift test compares with botocore's model).
    #[command(hide = true)]
    Api {
        #[command(subcommand)]
        command: ApiCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        target: BenchTarget,
    },
}

#[derive(Subcommand)]
enum ApiCommand {
    /// Every operation's input members and their constraints, Lambda's overrides and rules (JSON).
    Constraints,
}

#[derive(Subcommand)]
enum BenchTarget {
    /// Warm latency, throughput, cold start and idle memory of `lambkin rie` with a real function.
    Rie(bench_common::FunctionBenchArgs),
    /// Sandbox lifecycle: create → init ready, freeze/thaw, destroy, environments per second.
    Sandbox(bench_sandbox::SandboxBenchArgs),
    /// `lambkin serve` through the REST API: warm latency, throughput at concurrency 1/2/8, cold starts,
    /// CreateFunction + first invoke.
    Serve(bench_serve::ServeBenchArgs),
    /// Cluster mode: a warm invoke routed to the function's home host against a local one, Event invokes
    /// accepted per second, a host's death to its events running elsewhere (needs `nats-server`).
    Cluster(bench_cluster::ClusterBenchArgs),
    /// Container-image functions: pull and unpack time per MB from a real registry (needs `docker-registry`),
    /// cold and warm invokes of an image function next to the same function as a zip.
    Image(bench_image::ImageBenchArgs),
    /// Event source mappings: messages per second from an SQS-compatible queue (moto's server) and a NATS
    /// JetStream stream (`nats-server`) into a trivial function at BatchSize 10 and 100, send → invoke start
    /// on an idle queue, and moto alone.
    Esm(bench_esm::EsmBenchArgs),
}

fn init_tracing(level: Option<&str>) {
    let level = level
        .map(str::to_owned)
        .or_else(|| std::env::var("LOG_LEVEL").ok())
        .unwrap_or_else(|| "info".into());
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .or_else(|_| tracing_subscriber::EnvFilter::try_new("info"))
        .unwrap_or_default();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// `lambkin rie --isolation process`: the init in this process, echoing its logs as AWS's emulator does. The
/// binary is where the emulator and the init meet; neither crate depends on the other.
struct LocalInit(lambkin_init::Init);

impl lambkin_rie::LocalInit for LocalInit {
    fn invoke(&self, req: lambkin_wire::InvokeRequest) -> lambkin_wire::InvokeHandle {
        self.0.invoke(req)
    }

    fn shutdown(&self, reason: lambkin_wire::ShutdownReason) -> lambkin_rie::BoxFuture<'_, ()> {
        Box::pin(self.0.shutdown(reason))
    }

    fn runtime_api(&self) -> std::net::SocketAddr {
        self.0.runtime_api()
    }
}

fn in_process_init() -> lambkin_rie::StartLocal {
    Box::new(|start| {
        Box::pin(async move {
            let cfg = lambkin_init::InitConfig {
                start,
                echo_logs: true,
                child_identity: None,
            };
            let init = lambkin_init::Init::start(cfg, None).await?;
            Ok(Arc::new(LocalInit(init)) as Arc<dyn lambkin_rie::LocalInit>)
        })
    })
}

/// Completes on SIGTERM or SIGINT: how `serve` and `rie` are asked to stop.
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// Runs a role on a current-thread runtime: the init roles stay on one thread (small, and child processes are
/// spawned from a thread that lives as long as the process, which `PR_SET_PDEATHSIG` needs).
fn run_on_one_thread<E: std::fmt::Display>(
    role: &str,
    fut: impl std::future::Future<Output = Result<(), E>>,
) -> std::process::ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lambkin {role}: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(fut) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lambkin {role}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::SandboxEnter { plan } => {
            init_tracing(None);
            lambkin_sandbox::enter::main(&plan, "lambkin sandbox-enter")
        }
        Command::Init { control_fd, pid1 } => {
            init_tracing(None);
            lambkin_init::cli::run("lambkin init", lambkin_init::cli::Args { control_fd, pid1 })
        }
        Command::Bench {
            target: BenchTarget::Sandbox(args),
        } => run_on_one_thread("bench", async {
            bench_sandbox::run(args).await.map_err(|e| format!("{e:#}"))
        }),
        Command::Bench {
            target: BenchTarget::Serve(args),
        } => run_on_one_thread("bench", async {
            bench_serve::run(args).await.map_err(|e| format!("{e:#}"))
        }),
        Command::Bench {
            target: BenchTarget::Cluster(args),
        } => run_on_one_thread("bench", async {
            bench_cluster::run(args).await.map_err(|e| format!("{e:#}"))
        }),
        Command::Bench {
            target: BenchTarget::Image(args),
        } => run_on_one_thread("bench", async {
            bench_image::run(args).await.map_err(|e| format!("{e:#}"))
        }),
        Command::Bench {
            target: BenchTarget::Esm(args),
        } => run_on_one_thread("bench", async {
            bench_esm::run(args).await.map_err(|e| format!("{e:#}"))
        }),
        Command::Bench {
            target: BenchTarget::Rie(args),
        } => run_on_one_thread("bench", async {
            bench::run(args).await.map_err(|e| format!("{e:#}"))
        }),
        Command::Api {
            command: ApiCommand::Constraints,
        } => {
            println!("{:#}", lambkin_api::constraints_json());
            std::process::ExitCode::SUCCESS
        }
        Command::Runtime { command } => match runtime_cmd::run(command) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lambkin runtime: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Command::Image { command } => match image_cmd::run(command) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lambkin image: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Command::People(cmd) => {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("lambkin: cannot start the runtime: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            let code = rt.block_on(lambkin_cli::run(&cli.endpoint, cmd));
            std::process::ExitCode::from(code.clamp(0, 255) as u8)
        }
        Command::Serve(args) => {
            init_tracing(None);
            let config = match lambkin_api::ServeConfig::resolve(*args) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("lambkin serve: {e}");
                    return std::process::ExitCode::from(2);
                }
            };
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("lambkin serve: cannot start the runtime: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            match rt.block_on(lambkin_api::run(config, wait_for_stop_signal())) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("lambkin serve: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Command::Rie { args } => {
            if args.iter().any(|a| a == "-h" || a == "--help") && args.len() == 1 {
                println!("usage: lambkin rie [--runtime-api-address HOST:PORT] [--runtime-interface-emulator-address HOST:PORT] [--extensions-dir DIR] [--log-level LEVEL] [BOOTSTRAP [ARGS...]]");
                return std::process::ExitCode::SUCCESS;
            }
            let args = match lambkin_rie::parse(args) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("lambkin rie: {e}");
                    return std::process::ExitCode::from(2);
                }
            };
            init_tracing(args.log_level.as_deref());
            run_on_one_thread(
                "rie",
                lambkin_rie::run(args, in_process_init(), wait_for_stop_signal()),
            )
        }
    }
}
