//! lambkin's init: the process that is PID 1 of an execution environment (AWS calls theirs "Rapid").
//!
//! It serves the Runtime, Extensions, Logs and Telemetry APIs on `AWS_LAMBDA_RUNTIME_API`, launches external
//! extensions and the runtime, runs invokes one at a time, and reports START/END/REPORT and telemetry.
//!
//! The crate knows nothing of the store, the REST API or the sandbox: a host drives it through [`Init`]
//! (in-process, as `lambkin rie` does) or over the control channel (as the sandbox does).

pub mod api;
pub mod cli;
pub mod config;
pub mod control;
pub mod core;
pub mod invoke;
pub mod lambda_api;
pub mod logs;
pub mod model;
pub mod pid1;
pub mod records;
pub mod report;
pub mod seccomp;
pub mod state;
pub mod supervisor;
pub mod telemetry;

pub use config::{InitConfig, InitType};
pub use invoke::Init;
pub use lambkin_wire::env;
pub use lambkin_wire::{
    InvokeHandle, InvokeRequest, InvokeStatus, InvokeSummary, ResponseFrame, ShutdownReason,
};
