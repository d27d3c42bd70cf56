//! The init's command line, shared by the `lambkin-init` executable and `lambkin init`:
//! `--control-fd N [--pid1]`. Parsed by hand: two options do not justify linking a parser into PID 1.

use std::os::fd::FromRawFd;
use std::process::ExitCode;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    /// The inherited descriptor of the control channel (a Unix socket).
    pub control_fd: i32,
    /// Running as PID 1 of a sandboxed environment: mount /proc, drop capabilities first.
    pub pid1: bool,
}

/// Parses `--control-fd N` (or `--control-fd=N`) and `--pid1`.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut control_fd = None;
    let mut pid1 = false;
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let value = match a.as_str() {
            "--pid1" => {
                pid1 = true;
                continue;
            }
            "--control-fd" => args
                .next()
                .ok_or("--control-fd needs a descriptor number")?,
            other => match other.strip_prefix("--control-fd=") {
                Some(v) => v.to_owned(),
                None => return Err(format!("unexpected argument {other:?}")),
            },
        };
        control_fd = Some(
            value
                .parse::<i32>()
                .map_err(|_| format!("--control-fd {value:?} is not a descriptor number"))?,
        );
    }
    Ok(Args {
        control_fd: control_fd.ok_or("--control-fd is required")?,
        pid1,
    })
}

/// Runs the init on one thread until the host shuts it down; errors go to stderr prefixed with `role`.
pub fn run(role: &str, args: Args) -> ExitCode {
    if args.pid1 {
        if let Err(e) = crate::pid1::prepare() {
            eprintln!("{role}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if args.control_fd < 3 {
        eprintln!("{role}: --control-fd must be an inherited descriptor (3 or above)");
        return ExitCode::from(2);
    }
    if std::fs::metadata(format!("/proc/self/fd/{}", args.control_fd)).is_err() {
        eprintln!("{role}: descriptor {} is not open", args.control_fd);
        return ExitCode::from(2);
    }
    // SAFETY: the host passes this descriptor to us as our own (it is open and no one else in this process
    // uses it); ownership is taken exactly once, here.
    let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(args.control_fd) };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{role}: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The channel is served by a task, not by `block_on`'s own future: waking that future always writes the
    // runtime's eventfd, a task woken on the runtime's thread does not.
    let served = rt.block_on(async {
        tokio::spawn(crate::control::serve(fd))
            .await
            .unwrap_or_else(|e| Err(format!("the control channel's task failed: {e}")))
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{role}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_spellings() {
        assert_eq!(
            parse(["--control-fd", "3", "--pid1"].map(String::from)),
            Ok(Args {
                control_fd: 3,
                pid1: true
            })
        );
        assert_eq!(
            parse(["--control-fd=4"].map(String::from)),
            Ok(Args {
                control_fd: 4,
                pid1: false
            })
        );
        assert!(parse(Vec::new()).is_err());
        assert!(parse(["--control-fd", "x"].map(String::from)).is_err());
        assert!(parse(["--other"].map(String::from)).is_err());
    }
}
