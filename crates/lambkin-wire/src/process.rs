//! Process rules every end of the contract keeps: an environment's processes never outlive their host.

use std::io;

/// Makes the calling (just forked) process receive SIGKILL when its parent thread exits.
///
/// The signal is tied to the thread that forked the child; callers fork from a thread that lives as long
/// as their process (the design's lesson about tokio worker threads). Async-signal-safe: it may run between
/// fork and exec.
pub fn die_with_parent() -> io::Result<()> {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number and touches no memory.
    if unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        )
    } != 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
