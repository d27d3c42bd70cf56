//! The init's configuration: the function as the contract describes it ([`StartConfig`]) plus what only an
//! init in this process decides (echoing logs, the identity its children run as).

use std::ops::Deref;

pub use lambkin_wire::{InitType, StartConfig};

/// Who the runtime and extensions run as in a sandboxed environment, and what confines them.
#[derive(Debug, Clone)]
pub struct ChildIdentity {
    /// User id (993, `sbx_user1051`).
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Open-files limit (Lambda: 1,024).
    pub nofile: u64,
    /// Compiled seccomp filter, applied last before exec.
    pub seccomp: Option<std::sync::Arc<seccompiler::BpfProgram>>,
}

/// Everything the init is configured with. Reads of the function's settings go through to [`StartConfig`].
#[derive(Debug, Clone)]
pub struct InitConfig {
    /// The function, as the host sent it (or `lambkin rie` built it).
    pub start: StartConfig,
    /// Whether START/END/REPORT and process output are echoed to the init's stdout.
    pub echo_logs: bool,
    /// Identity and confinement of the runtime and extensions (`None`: as the init itself).
    pub child_identity: Option<ChildIdentity>,
}

impl Deref for InitConfig {
    type Target = StartConfig;

    fn deref(&self) -> &StartConfig {
        &self.start
    }
}
