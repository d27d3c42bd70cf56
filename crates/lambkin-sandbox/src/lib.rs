//! Execution environments on a plain Linux host: namespaces, a read-only root, cgroups, and lambkin's init as
//! PID 1 (see "The execution environment" in the design).
//!
//! The process chain is host → `lambkin sandbox-enter` (builds the root inside fresh namespaces) → `lambkin-init`
//! (PID 1, talks to the host over the inherited control channel only) → runtime and extensions (uid 993).

pub mod attach;
pub mod cgroup;
pub mod enter;
pub mod environment;
pub mod initdeps;
pub mod netpool;
pub mod owner;
pub mod plan;
pub mod prepared;
pub mod tmpimage;

pub use environment::{
    Environment, EnvironmentShape, EnvironmentSpec, Network, SandboxError, Stats,
};
pub use prepared::Blank;
