//! Lambda's durable executions as data (the service side of AWS's durable execution SDKs), pure.
//!
//! A durable execution is a log of *operations* (`EXECUTION`, `CONTEXT`, `STEP`, `WAIT`, `CALLBACK`,
//! `CHAINED_INVOKE`) that the handler writes with `CheckpointDurableExecution` and replays from on every
//! invocation. This crate holds that log and every rule of it, with nothing of the store, the engine or HTTP:
//!
//! - [`model`]: operations, the updates a checkpoint carries, error objects, statuses, as botocore names them;
//! - [`token`]: checkpoint tokens (bound to one invocation, rotated by every checkpoint) and callback ids;
//! - [`execution`]: an [`Execution`](execution::Execution) and its guarded transitions: start, invocations,
//!   checkpoints (validated as the service validates them), due waits and retries, callbacks and their
//!   timeouts, chained invokes, stop, timeout, pause and resume;
//! - [`history`]: the history events AWS records, in `EventId` order, with payloads shown or truncated;
//! - [`render`]: the JSON shapes of operations for the invoke event (epoch milliseconds) and the API (epoch
//!   seconds).
//!
//! The service (`lambkin-api`'s `durable` module) stores executions, runs the invocations and the timers, and
//! carries out the [`Effect`](execution::Effect)s a transition asks for.

pub mod execution;
pub mod history;
pub mod model;
pub mod render;
pub mod token;

pub use execution::{
    CheckpointAnswer, DurableError, Effect, Execution, ExecutionStatus, InvocationOutcome,
    NewExecution,
};
pub use model::{ErrorObject, OpStatus, OpType, Operation, OperationUpdate};
