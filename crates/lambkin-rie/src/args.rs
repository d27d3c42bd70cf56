//! The command line of `aws-lambda-rie`, which `lambkin rie` accepts unchanged.
//!
//! AWS's emulator parses options anywhere, also after the bootstrap and its arguments, and leaves unknown
//! options among the positional arguments (go-flags with `IgnoreUnknown`). clap cannot express "known options
//! anywhere, everything else positional, including `-m`-style arguments of the bootstrap", so the split is
//! done here by hand.

/// Options of `lambkin rie`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RieArgs {
    /// `--runtime-api-address` (default `127.0.0.1:9001`).
    pub runtime_api_address: String,
    /// `--runtime-interface-emulator-address` (default `0.0.0.0:8080`).
    pub invoke_address: String,
    /// `--log-level` (default from `LOG_LEVEL`, else `info`).
    pub log_level: Option<String>,
    /// `--extensions-dir` (default `/opt/extensions`).
    pub extensions_dir: String,
    /// `--enable-init-caching` (accepted for compatibility; SnapStart is not emulated).
    pub init_caching: bool,
    /// `--isolation process|namespace` (default `process`, as AWS's emulator).
    pub isolation: Isolation,
    /// `--task-root DIR`: the code mounted at `/var/task` with `--isolation namespace` (default: the current
    /// directory).
    pub task_root: Option<String>,
    /// `--ephemeral-storage MB` with `--isolation namespace`: size of `/tmp` (512–10,240, default 512).
    pub ephemeral_mb: u32,
    /// `--network none|pasta` with `--isolation namespace` (default: pasta when installed, else none).
    pub network: Option<lambkin_sandbox::Network>,
    /// The bootstrap command and its arguments.
    pub command: Vec<String>,
}

/// How the emulated environment is isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// The init runs in this process and the function as a plain child (AWS's emulator's model).
    Process,
    /// The init runs as PID 1 of a sandboxed environment (namespaces, read-only root, cgroup, uid 993, seccomp).
    Namespace,
}

impl Default for RieArgs {
    fn default() -> Self {
        Self {
            runtime_api_address: "127.0.0.1:9001".into(),
            invoke_address: "0.0.0.0:8080".into(),
            log_level: None,
            extensions_dir: "/opt/extensions".into(),
            init_caching: false,
            isolation: Isolation::Process,
            task_root: None,
            ephemeral_mb: 512,
            network: None,
            command: Vec::new(),
        }
    }
}

/// Why the command line is not usable.
#[derive(Debug, PartialEq, Eq)]
pub struct ArgsError(pub String);

impl std::fmt::Display for ArgsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ArgsError {}

/// Parses the arguments after `rie`.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<RieArgs, ArgsError> {
    let mut out = RieArgs::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let slot: Option<&mut String> = match name.as_str() {
            "--runtime-api-address" => Some(&mut out.runtime_api_address),
            "--runtime-interface-emulator-address" => Some(&mut out.invoke_address),
            "--extensions-dir" => Some(&mut out.extensions_dir),
            "--log-level" => {
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| ArgsError("--log-level needs a value".into()))?,
                };
                out.log_level = Some(v);
                continue;
            }
            "--isolation" | "--task-root" | "--network" | "--ephemeral-storage" => {
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| ArgsError(format!("{name} needs a value")))?,
                };
                if name == "--task-root" {
                    out.task_root = Some(v);
                } else if name == "--ephemeral-storage" {
                    out.ephemeral_mb = match v.parse::<u32>() {
                        Ok(mb) if (512..=10_240).contains(&mb) => mb,
                        _ => {
                            return Err(ArgsError(format!(
                            "--ephemeral-storage: {v:?} is not a size in MB between 512 and 10240"
                        )))
                        }
                    };
                } else if name == "--network" {
                    out.network = Some(match v.as_str() {
                        "none" => lambkin_sandbox::Network::None,
                        "pasta" => lambkin_sandbox::Network::Pasta,
                        other => {
                            return Err(ArgsError(format!(
                                "--network: {other:?} is not none or pasta"
                            )))
                        }
                    });
                } else {
                    out.isolation = match v.as_str() {
                        "process" => Isolation::Process,
                        "namespace" => Isolation::Namespace,
                        other => {
                            return Err(ArgsError(format!(
                                "--isolation: {other:?} is not process or namespace"
                            )))
                        }
                    };
                }
                continue;
            }
            "--enable-init-caching" => {
                out.init_caching = true;
                continue;
            }
            _ => None,
        };
        match slot {
            Some(slot) => {
                *slot = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| ArgsError(format!("{name} needs a value")))?,
                };
            }
            None => out.command.push(arg),
        }
    }
    for (flag, addr) in [
        ("--runtime-api-address", &out.runtime_api_address),
        ("--runtime-interface-emulator-address", &out.invoke_address),
    ] {
        if addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(ArgsError(format!(
                "{flag}: {addr:?} is not a HOST:PORT address"
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn options_anywhere_and_unknown_ones_stay_positional() {
        let a = parse(v(&[
            "/lambda-entrypoint.sh",
            "-m",
            "main.handler",
            "--runtime-interface-emulator-address",
            "0.0.0.0:8081",
            "--log-level=debug",
        ]))
        .expect("valid");
        assert_eq!(
            a.command,
            v(&["/lambda-entrypoint.sh", "-m", "main.handler"])
        );
        assert_eq!(a.invoke_address, "0.0.0.0:8081");
        assert_eq!(a.log_level.as_deref(), Some("debug"));
        assert_eq!(a.runtime_api_address, "127.0.0.1:9001");
    }

    #[test]
    fn bad_address_is_refused() {
        assert!(parse(v(&["--runtime-api-address", "nope"])).is_err());
        assert!(parse(v(&["--runtime-api-address"])).is_err());
    }
}
