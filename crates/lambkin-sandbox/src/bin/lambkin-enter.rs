//! `lambkin-enter --plan JSON`: the intermediate process of a sandbox (host → enter → init), as its own small
//! executable. It stays alive as long as the environment (the init's parent), so every environment pays for
//! its private memory: the whole `lambkin` binary running `lambkin sandbox-enter` costs several times more.
//! One option only, parsed by hand.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = match args.as_slice() {
        [flag, plan] if flag == "--plan" => plan,
        _ => {
            eprintln!("usage: lambkin-enter --plan JSON (started by lambkin, not by hand)");
            return ExitCode::from(2);
        }
    };
    let plan: lambkin_sandbox::enter::EnterPlan = match serde_json::from_str(plan) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("lambkin-enter: invalid plan: {e}");
            return ExitCode::from(2);
        }
    };
    match lambkin_sandbox::enter::run(plan) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("lambkin-enter: {e}");
            ExitCode::FAILURE
        }
    }
}
