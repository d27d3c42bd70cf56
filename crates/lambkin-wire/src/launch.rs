//! How a host starts an init: the small `lambkin-init` executable next to the host's own binary, or, when that
//! is missing (a build of the `lambkin` package alone), the host binary's `init` subcommand. Either way the
//! init takes the control channel as an inherited descriptor: `--control-fd N`, plus `--pid1` as PID 1 of a
//! sandbox.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file name of the init's own executable.
pub const INIT_EXECUTABLE: &str = "lambkin-init";

/// A command that starts an init.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitCommand {
    /// The executable.
    pub program: PathBuf,
    /// Arguments before the init's own (`["init"]` for the `lambkin` binary, none for `lambkin-init`).
    pub prefix: Vec<String>,
}

/// A helper executable's program and leading arguments: `executable` next to `host_binary` when it is there,
/// else `host_binary subcommand` (a build of the `lambkin` package alone).
pub fn beside(host_binary: &Path, executable: &str, subcommand: &str) -> (PathBuf, Vec<String>) {
    let own = host_binary.with_file_name(executable);
    if own.is_file() {
        (own, Vec::new())
    } else {
        (host_binary.to_path_buf(), vec![subcommand.to_owned()])
    }
}

impl InitCommand {
    /// `lambkin-init` next to `host_binary` when it is there, else `host_binary init`.
    pub fn beside(host_binary: &Path) -> Self {
        let (program, prefix) = beside(host_binary, INIT_EXECUTABLE, "init");
        Self { program, prefix }
    }

    /// The arguments for an init on descriptor `control_fd`.
    pub fn args(&self, control_fd: i32, pid1: bool) -> Vec<String> {
        let mut args = self.prefix.clone();
        args.extend(["--control-fd".to_owned(), control_fd.to_string()]);
        if pid1 {
            args.push("--pid1".into());
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_small_init() {
        let dir = std::env::temp_dir().join(format!("lk-launch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let host = dir.join("lambkin");
        let fallback = InitCommand::beside(&host);
        assert_eq!(fallback.program, host);
        assert_eq!(
            fallback.args(3, true),
            ["init", "--control-fd", "3", "--pid1"]
        );
        std::fs::write(dir.join(INIT_EXECUTABLE), b"").expect("write");
        let own = InitCommand::beside(&host);
        assert_eq!(own.program, dir.join(INIT_EXECUTABLE));
        assert_eq!(own.args(3, false), ["--control-fd", "3"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
