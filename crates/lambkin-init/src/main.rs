//! `lambkin-init`: PID 1 of an execution environment, driven by its host over an inherited control channel
//! (`lambkin-init --control-fd N [--pid1]`). A small executable of its own: it links the init and the contract,
//! nothing of the store, the REST API or the CLI.

use std::process::ExitCode;

fn main() -> ExitCode {
    let level = std::env::var("LOG_LEVEL")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false)
        .init();
    match lambkin_init::cli::parse(std::env::args().skip(1)) {
        Ok(args) => lambkin_init::cli::run("lambkin-init", args),
        Err(e) => {
            eprintln!("lambkin-init: {e}\nusage: lambkin-init --control-fd N [--pid1]");
            ExitCode::from(2)
        }
    }
}
