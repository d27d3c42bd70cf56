//! Launching, watching and signalling the runtime and extension processes.
//!
//! Each process gets its own process group (signals go to the whole group, as RAPID does), a clean environment,
//! and its stdout/stderr as pipes the init reads line by line. The runtime also gets the write end of a pipe for
//! framed log output, named by `_LAMBDA_TELEMETRY_LOG_FD` (as on Lambda). Only these write ends and stdio reach
//! the child: everything the init opens is close-on-exec.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;

use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot};

use crate::core::Shared;
use crate::logs::Source;
use crate::records::{FrameDecoder, Lines, Records};

/// The runtime's variable naming its framed log descriptor (read by AWS's runtime interface clients).
pub const TELEMETRY_LOG_FD: &str = "_LAMBDA_TELEMETRY_LOG_FD";

/// Which process this is, for exit bookkeeping and log attribution.
#[derive(Debug, Clone)]
pub enum Role {
    /// The runtime bootstrap.
    Runtime,
    /// An external extension with this name.
    Extension(String),
}

/// Spawns a process of this environment; returns its pid.
pub fn spawn(
    shared: &Arc<Shared>,
    argv: &[String],
    env: &[(String, String)],
    cwd: &Path,
    role: Role,
) -> io::Result<u32> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
    let (out_r, out_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    let (err_r, err_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    // Held open until the child is forked, so its number stays ours: the child keeps it under that number.
    let telemetry = match role {
        Role::Runtime => Some(telemetry_pipe()?),
        Role::Extension(_) => None,
    };
    let log_fd = telemetry.as_ref().map(|(_, w)| w.as_raw_fd());
    let identity = shared.cfg.child_identity.clone();
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(cwd)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(err_w))
        .kill_on_drop(false);
    if let Some(fd) = log_fd {
        cmd.env(TELEMETRY_LOG_FD, fd.to_string());
    }
    // SAFETY: the closure runs in the child between fork and exec and only makes raw system calls (prctl,
    // close_range, fcntl), which are async-signal-safe and touch no memory of the parent.
    unsafe {
        cmd.pre_exec(move || {
            // Nothing but stdio reaches the child, whatever the init itself inherited (a host's descriptors,
            // a job server's pipes): mark everything from 3 up close-on-exec. Marking, not closing, keeps the
            // standard library's own exec-error pipe working until the exec. Kernels before 5.11 lack the
            // flag; there the close-on-exec flags of the init's own descriptors still hold.
            const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, CLOSE_RANGE_CLOEXEC);
            if let Some(fd) = log_fd {
                keep_across_exec(fd)?;
            }
            // Credentials first: changing them clears the parent-death signal set below.
            if let Some(id) = &identity {
                become_function_user(id)?;
            }
            // The child dies with the init; spawned from the init's only thread, so the death signal is tied
            // to the process's lifetime, not to a worker thread's.
            die_with_parent()?;
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    drop(cmd);
    let pid = child.id().unwrap_or(0);
    let source = match &role {
        Role::Runtime => Source::Function,
        Role::Extension(name) => Source::Extension(name.clone()),
    };
    if let Some((read, write)) = telemetry {
        // Only the child's copy may stay open, or the reader would never see end of file.
        drop(write);
        capture(shared, read, source.clone(), FrameDecoder::default())?;
    }
    capture(shared, out_r, source.clone(), Lines::default())?;
    capture(shared, err_r, source, Lines::default())?;
    let shared2 = shared.clone();
    tokio::spawn(async move {
        let status = child.wait().await;
        if let Ok(status) = status {
            record_exit(&shared2, pid, status);
        }
    });
    Ok(pid)
}

/// A close-on-exec pipe for the runtime's framed logs, its write end numbered 3 or above (0 to 2 are the
/// child's stdio; the standard library reopens them at start-up, so this is only a guard).
///
/// The child keeps the write end under the number it has here: no `dup2` onto a fixed number, which could
/// land on the standard library's exec-error channel (created just before the fork, possibly as fd 3).
fn telemetry_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    let write = if write.as_raw_fd() < 3 {
        rustix::io::fcntl_dupfd_cloexec(&write, 3)?
    } else {
        write
    };
    Ok((read, write))
}

/// In a child between fork and exec: let `fd` survive the exec (clear its close-on-exec flag). Only a raw
/// `fcntl` (async-signal-safe).
fn keep_across_exec(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_SETFD on a descriptor number touches no memory.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, 0) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub use lambkin_wire::process::die_with_parent;

/// In the child, between fork and exec: drop to the function's user with no capabilities and no way back, set
/// Lambda's limits, then install the seccomp filter. Raw system calls only (async-signal-safe).
fn become_function_user(id: &crate::config::ChildIdentity) -> io::Result<()> {
    let check = |r: libc::c_long| {
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    };
    let nofile = libc::rlimit {
        rlim_cur: id.nofile,
        rlim_max: id.nofile,
    };
    let core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on values owned by this stack frame; this runs in the single-threaded child.
    unsafe {
        check(libc::setrlimit(libc::RLIMIT_NOFILE, &nofile) as libc::c_long)?;
        check(libc::setrlimit(libc::RLIMIT_CORE, &core) as libc::c_long)?;
        check(libc::syscall(
            libc::SYS_setgroups,
            0usize,
            std::ptr::null::<libc::gid_t>(),
        ))?;
        check(libc::syscall(libc::SYS_setresgid, id.gid, id.gid, id.gid))?;
        check(libc::syscall(libc::SYS_setresuid, id.uid, id.uid, id.uid))?;
        check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) as libc::c_long)?;
    }
    if let Some(prog) = &id.seccomp {
        seccompiler::apply_filter(prog).map_err(|e| io::Error::other(e.to_string()))?;
    }
    Ok(())
}

fn record_exit(shared: &Shared, pid: u32, status: ExitStatus) {
    shared.update(|c| {
        if c.runtime_pid == Some(pid) {
            c.runtime_exit = Some(status);
        }
        if let Some(ext) = c.extensions.iter_mut().find(|e| e.pid == Some(pid)) {
            ext.exit = Some(status);
        }
    });
}

/// Reads `fd` until end of file from a task of its own, each record of `records` becoming a log line of
/// `source`; [`crate::logs::LogSink::drain`] waits for it to catch up.
fn capture(
    shared: &Arc<Shared>,
    fd: OwnedFd,
    source: Source,
    mut records: impl Records,
) -> io::Result<()> {
    let rx = pipe::Receiver::from_owned_fd(fd)?;
    let (sync_tx, mut sync_rx) = mpsc::channel::<oneshot::Sender<()>>(4);
    shared.logs.register_capture(sync_tx);
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            tokio::select! {
                r = rx.readable() => {
                    if r.is_err() || !read_available(&rx, &mut chunk, &mut records, &shared, &source) {
                        break;
                    }
                }
                Some(ack) = sync_rx.recv() => {
                    let open = read_available(&rx, &mut chunk, &mut records, &shared, &source);
                    let _ = ack.send(());
                    if !open {
                        break;
                    }
                }
            }
        }
        records.finish(&mut |record| emit(&shared, &source, record));
        // Answer syncs that raced with the end of output.
        sync_rx.close();
        while let Ok(ack) = sync_rx.try_recv() {
            let _ = ack.send(());
        }
    });
    Ok(())
}

/// Reads what is available now; returns false at end of file.
fn read_available(
    rx: &pipe::Receiver,
    chunk: &mut [u8],
    records: &mut impl Records,
    shared: &Shared,
    source: &Source,
) -> bool {
    loop {
        match rx.try_read(chunk) {
            Ok(0) => return false,
            Ok(n) => records.push(&chunk[..n], &mut |record| emit(shared, source, record)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
}

fn emit(shared: &Shared, source: &Source, record: &[u8]) {
    shared
        .logs
        .line(source.clone(), &String::from_utf8_lossy(record));
}

/// Sends a signal to a process group.
pub fn signal_group(pgid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid as i32) {
        let _ = rustix::process::kill_process_group(pid, signal);
    }
}
