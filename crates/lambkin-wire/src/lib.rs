//! The contract between a host and lambkin's init (PID 1 of an execution environment): everything the two
//! exchange, and nothing of either side's machinery.
//!
//! - [`invoke`]: `InvokeRequest`, `ResponseFrame`, `InvokeSummary`, `InvokeHandle`, `ShutdownReason`: one
//!   invoke, the same whether the init runs in this process or behind the control channel.
//! - [`config`]: `StartConfig`, the one configuration of an init; `InitType`, `SystemLogLevel`.
//! - [`env`]: Lambda's environment-variable rules (reserved variables, the runtime/extension split).
//! - [`message`] and [`frame`]: the control channel's typed messages and their framing; [`channel`]: its socket,
//!   woken only when there is something to read.
//! - [`inside`]: the Lambda API inside an environment (`AWS_ENDPOINT_URL_LAMBDA`): a call forwarded by the
//!   init and its answer, as plain data.
//! - [`client`] (feature `host`): the host end of the control channel, `InitClient`.
//! - [`launch`]: how a host starts an init (`lambkin-init --control-fd N`).
//! - [`process`]: processes of an environment die with their host.
//!
//! API boundary: the init crate depends on this crate only; host crates (engine, sandbox, rie, api, respond)
//! depend on this crate and never on the init.

pub mod channel;
#[cfg(any(feature = "host", test))]
pub mod client;
pub mod config;
pub mod env;
pub mod frame;
pub mod inside;
pub mod invoke;
pub mod launch;
pub mod log;
pub mod message;
pub mod process;

pub use config::{InitType, StartConfig, SystemLogLevel};
pub use frame::{write_frame, FrameBatch, FrameError, FrameReader, MAX_HEADER, MAX_PAYLOAD};
pub use inside::{ApiAnswer, ApiCall};
pub use invoke::{
    InvokeHandle, InvokeRequest, InvokeStatus, InvokeSummary, ResponseFrame, ResponseHead,
    ShutdownReason,
};
pub use log::{LogLine, LogSource};
pub use message::{HostMessage, InitMessage};
