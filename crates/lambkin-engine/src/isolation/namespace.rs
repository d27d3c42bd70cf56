//! The sandbox: fresh namespaces, a read-only root, a cgroup, uid 993 and seccomp (`lambkin-sandbox`).

use std::path::PathBuf;

use lambkin_sandbox::{Environment, EnvironmentSpec, Network};
use lambkin_wire::launch::InitCommand;

use super::{Built, Isolated, Isolator};
use crate::FunctionSpec;

/// Builds sandboxed environments.
pub struct NamespaceIsolator {
    /// Egress of environments.
    pub network: Network,
    /// Operator root filesystem (default: the host's `/usr`, `/lib*`, `/bin`, `/sbin`).
    pub rootfs: Option<PathBuf>,
    /// Where environments keep their state.
    pub state_dir: PathBuf,
    /// The lambkin binary (runs as `sandbox-enter`).
    pub lambkin: PathBuf,
    /// How the init is started.
    pub init: InitCommand,
}

impl Isolator for NamespaceIsolator {
    fn name(&self) -> &'static str {
        "namespace"
    }

    fn sandboxed(&self) -> bool {
        true
    }

    fn create(&self, id: &str, spec: &FunctionSpec) -> Result<Built, String> {
        let sandbox = EnvironmentSpec {
            id: id.to_owned(),
            code_dir: spec.code_dir.clone(),
            layers: spec.layers.clone(),
            runtime_dir: spec.runtime_dir.clone(),
            host_binds: spec.host_binds.clone(),
            shared_dirs: spec.shared_dirs.clone(),
            memory_mb: spec.memory_mb,
            ephemeral_mb: spec.ephemeral_mb,
            network: self.network,
            rootfs: self.rootfs.clone(),
            state_dir: self.state_dir.clone(),
            lambkin: self.lambkin.clone(),
            init: self.init.clone(),
        };
        let (environment, channel) = Environment::create(&sandbox)
            .map_err(|e| format!("cannot create the environment: {e}"))?;
        Ok((Box::new(Sandboxed(environment)), channel))
    }
}

struct Sandboxed(Environment);

impl Isolated for Sandboxed {
    fn freeze(&self) -> Result<(), String> {
        self.0.freeze().map_err(|e| e.to_string())
    }

    fn thaw(&self) -> Result<(), String> {
        self.0.thaw().map_err(|e| e.to_string())
    }

    fn oom_kills(&self) -> u64 {
        self.0.oom_kills()
    }

    fn destroy(self: Box<Self>) {
        if let Err(e) = self.0.destroy() {
            tracing::warn!("destroying an environment: {e}");
        }
    }
}
