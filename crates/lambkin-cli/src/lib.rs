//! `lambkin deploy | invoke | ls | rm | logs | layer | executions | execution | callback`: the command line for
//! people, against a running `lambkin serve` over the same Lambda REST API that boto3 and the AWS CLI use.
//! Readable tables by default, `--json` for scripts; errors say what to fix.

pub mod commands;
pub mod console;
pub mod error;
pub mod http;
pub mod local_time;
pub mod pack;
pub mod since;
pub mod table;

use std::path::PathBuf;

pub use crate::console::Console;
pub use crate::error::CliError;
use crate::http::Api;

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

/// The commands for people.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create or update a function from a directory or a .zip.
    Deploy(DeployArgs),
    /// Invoke a function and print its response.
    Invoke(InvokeArgs),
    /// List functions.
    Ls(LsArgs),
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
    /// List a function's durable executions.
    Executions(ExecutionsArgs),
    /// Show a durable execution and its history as a timeline.
    Execution(ExecutionArgs),
    /// Deploy a template, then redeploy what changed whenever its files change (hot reload).
    Dev(DevArgs),
    /// `sam local`-shaped commands: invoke a template's function, generate events.
    Local {
        /// What to do.
        #[command(subcommand)]
        cmd: LocalCommand,
    },
    /// Complete (or keep alive) a callback a durable execution waits on.
    Callback {
        /// What to send.
        #[command(subcommand)]
        cmd: CallbackCommand,
    },
}

/// `lambkin callback …`.
#[derive(clap::Subcommand, Debug)]
pub enum CallbackCommand {
    /// Complete the callback with a result.
    Succeed(CallbackSucceedArgs),
    /// Complete the callback with an error.
    Fail(CallbackFailArgs),
    /// Tell the execution the callback is still being worked on (resets its heartbeat timeout).
    Heartbeat(CallbackHeartbeatArgs),
}

/// `lambkin layer …`.
#[derive(clap::Subcommand, Debug)]
pub enum LayerCommand {
    /// Publish a new version of a layer from a directory or a .zip.
    Publish(LayerPublishArgs),
    /// List layers.
    Ls(LayerLsArgs),
}

/// `lambkin deploy`.
#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// Function name (without it, the template's functions are deployed: see `--template`).
    pub name: Option<String>,
    /// A directory (zipped, file modes kept) or a .zip file.
    pub path: Option<PathBuf>,
    /// Deploy a SAM or CloudFormation template's functions and layers instead [default:
    /// .aws-sam/build/template.yaml when it exists, else template.yaml].
    #[arg(long, value_name = "PATH", num_args = 0..=1, conflicts_with_all = ["name", "path"])]
    pub template: Option<Option<PathBuf>>,
    /// The stack name generated function names start with [default: the project directory's name].
    #[arg(long, value_name = "NAME", requires = "template")]
    pub stack_name: Option<String>,
    /// Template parameters, `Key=Value` separated by spaces (as `sam deploy --parameter-overrides`).
    #[arg(long, value_name = "OVERRIDES", requires = "template")]
    pub parameter_overrides: Option<String>,
    /// Runtime [default on create: provided.al2023].
    #[arg(long)]
    pub runtime: Option<String>,
    /// Handler [default on create: bootstrap].
    #[arg(long)]
    pub handler: Option<String>,
    /// Layer version ARNs, in order (repeat); on an update they replace the function's layers.
    #[arg(long = "layer", value_name = "ARN")]
    pub layers: Vec<String>,
    /// Environment variables `KEY=VALUE` (repeat); on an update they replace the function's variables.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Memory in MB.
    #[arg(long, value_name = "MB")]
    pub memory: Option<u32>,
    /// Timeout in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u32>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Publish a version too.
    #[arg(long)]
    pub publish: bool,
}

/// Where a template is and how to read it: `lambkin dev`'s and `lambkin local invoke`'s options (`lambkin
/// deploy --template` fills one from its own).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TemplateArgs {
    /// The template [default: .aws-sam/build/template.yaml when it exists, else template.yaml].
    #[arg(short = 't', long, value_name = "PATH")]
    pub template: Option<PathBuf>,
    /// The stack name generated function names start with [default: the project directory's name].
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// Template parameters, `Key=Value` separated by spaces.
    #[arg(long, value_name = "OVERRIDES")]
    pub parameter_overrides: Option<String>,
}

/// `lambkin dev`.
#[derive(clap::Args, Debug)]
pub struct DevArgs {
    /// The template, its stack name and parameters.
    #[command(flatten)]
    pub source: TemplateArgs,
    /// A command run (with `sh -c`, in the project directory) before each deploy, e.g. `sam build`.
    #[arg(long, value_name = "CMD")]
    pub build: Option<String>,
}

/// `lambkin local …`.
#[derive(clap::Subcommand, Debug)]
pub enum LocalCommand {
    /// Deploy the template and invoke one of its functions by logical id (its log to stderr, its answer to
    /// stdout), as `sam local invoke` does.
    Invoke(LocalInvokeArgs),
    /// Print an event of a common shape: `apigateway aws-proxy`, `apigateway http-api`, `sqs receive-message`.
    GenerateEvent(GenerateEventArgs),
}

/// `lambkin local invoke`.
#[derive(clap::Args, Debug)]
pub struct LocalInvokeArgs {
    /// The function's logical id in the template (optional when it has one function).
    pub function: Option<String>,
    /// The event from a file (`-` for standard input).
    #[arg(short = 'e', long = "event", value_name = "FILE")]
    pub event: Option<String>,
    /// The event as JSON text.
    #[arg(long = "event-json", value_name = "JSON", conflicts_with = "event")]
    pub event_json: Option<String>,
    /// The template, its stack name and parameters.
    #[command(flatten)]
    pub source: TemplateArgs,
}

/// `lambkin local generate-event`.
#[derive(clap::Args, Debug)]
pub struct GenerateEventArgs {
    /// `apigateway` or `sqs`.
    pub service: String,
    /// `aws-proxy`, `http-api` (apigateway) or `receive-message` (sqs).
    pub event: String,
    /// The request body, or the message body.
    #[arg(long, default_value = "{}")]
    pub body: String,
    /// The request path, with its query string.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// The HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// The REST API's stage.
    #[arg(long, default_value = "prod")]
    pub stage: String,
    /// The SQS queue's name.
    #[arg(long, default_value = "my-queue")]
    pub queue_name: String,
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
    /// Print the last 4 KB of the invocation's log to stderr.
    #[arg(long)]
    pub tail: bool,
}

/// `lambkin ls`.
#[derive(clap::Args, Debug)]
pub struct LsArgs {}

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
    /// Only lines newer than this (`30s`, `10m`, `2h`, `1d`) [default: everything].
    #[arg(long)]
    pub since: Option<String>,
}

/// `lambkin dead-letters`.
#[derive(clap::Args, Debug)]
pub struct DeadLettersArgs {
    /// Function name.
    pub name: String,
}

/// `lambkin executions`.
#[derive(clap::Args, Debug)]
pub struct ExecutionsArgs {
    /// Function name (or ARN).
    pub name: String,
    /// Only executions of this version or alias.
    #[arg(long)]
    pub qualifier: Option<String>,
    /// Only executions in this status (repeat): RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED, DELETING,
    /// PAUSING, PAUSED.
    #[arg(long = "status", value_name = "STATUS", value_parser = commands::durable::parse_status)]
    pub statuses: Vec<String>,
    /// Only executions with this name.
    #[arg(long = "name", value_name = "EXECUTION_NAME")]
    pub execution_name: Option<String>,
}

/// `lambkin execution`.
#[derive(clap::Args, Debug)]
pub struct ExecutionArgs {
    /// The durable execution's ARN (as `lambkin executions` prints it).
    pub arn: String,
    /// Show the execution's input, result and error in full.
    #[arg(long)]
    pub data: bool,
    /// Stop the execution instead of showing it.
    #[arg(long, conflicts_with = "data")]
    pub stop: bool,
}

/// `lambkin callback succeed`.
#[derive(clap::Args, Debug)]
pub struct CallbackSucceedArgs {
    /// The callback id (from the execution's CallbackStarted event).
    pub id: String,
    /// The result, sent as it is [default: empty].
    pub result: Option<String>,
    /// Send this file's bytes as the result (`-` for standard input).
    #[arg(long, value_name = "FILE", conflicts_with = "result")]
    pub file: Option<PathBuf>,
}

/// `lambkin callback fail`.
#[derive(clap::Args, Debug)]
pub struct CallbackFailArgs {
    /// The callback id (from the execution's CallbackStarted event).
    pub id: String,
    /// The error type.
    #[arg(long = "type", value_name = "ERROR_TYPE")]
    pub error_type: Option<String>,
    /// The error message.
    #[arg(long)]
    pub message: Option<String>,
    /// Error data (free text, often JSON).
    #[arg(long)]
    pub data: Option<String>,
}

/// `lambkin callback heartbeat`.
#[derive(clap::Args, Debug)]
pub struct CallbackHeartbeatArgs {
    /// The callback id (from the execution's CallbackStarted event).
    pub id: String,
}

/// `lambkin layer publish`.
#[derive(clap::Args, Debug)]
pub struct LayerPublishArgs {
    /// Layer name.
    pub name: String,
    /// A directory (zipped, file modes kept) or a .zip file.
    pub path: PathBuf,
    /// Compatible runtimes (repeat).
    #[arg(long = "compatible-runtime", value_name = "RUNTIME")]
    pub runtimes: Vec<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
}

/// `lambkin layer ls`.
#[derive(clap::Args, Debug)]
pub struct LayerLsArgs {}

/// Runs one command; returns the process exit code (0 ok, 1 error with the message printed to stderr,
/// 2 usage).
pub async fn run(endpoint: &Endpoint, cmd: Command) -> i32 {
    run_with(endpoint, cmd, &mut Console::std()).await
}

/// [`run`] with the output going to `console` (tests and embedding).
pub async fn run_with(endpoint: &Endpoint, cmd: Command, console: &mut Console) -> i32 {
    let result = match Api::new(&endpoint.endpoint) {
        Ok(api) => dispatch(&api, endpoint.json, cmd, console).await,
        Err(e) => Err(e),
    };
    let code = match result {
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                console.eprintln(&format!("error: {e}"));
            }
            e.exit_code
        }
    };
    console.finish();
    code
}

async fn dispatch(api: &Api, json: bool, cmd: Command, con: &mut Console) -> Result<(), CliError> {
    match cmd {
        Command::Deploy(a) => commands::deploy::run(api, con, json, a).await,
        Command::Invoke(a) => commands::invoke::run(api, con, json, a).await,
        Command::Ls(_) => commands::ls::run(api, con, json).await,
        Command::Rm(a) => commands::rm::run(api, con, json, a).await,
        Command::Logs(a) => commands::logs::run(api, con, json, a).await,
        Command::DeadLetters(a) => commands::dead_letters::run(api, con, json, a).await,
        Command::Layer {
            cmd: LayerCommand::Publish(a),
        } => commands::layer::publish(api, con, json, a).await,
        Command::Layer {
            cmd: LayerCommand::Ls(_),
        } => commands::layer::ls(api, con, json).await,
        Command::Executions(a) => commands::executions::run(api, con, json, a).await,
        Command::Execution(a) => commands::execution::run(api, con, json, a).await,
        Command::Callback { cmd } => commands::callback::run(api, con, json, cmd).await,
        Command::Dev(a) => commands::dev::run(api, con, a).await,
        Command::Local {
            cmd: LocalCommand::Invoke(a),
        } => commands::local::invoke(api, con, a).await,
        Command::Local {
            cmd: LocalCommand::GenerateEvent(a),
        } => commands::local::generate_event(con, &a),
    }
}
