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
    lambkin_sandbox::enter::main(plan, "lambkin-enter")
}
