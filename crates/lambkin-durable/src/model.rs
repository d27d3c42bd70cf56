//! Operations and the updates that change them, named as botocore's `lambda` model names them.

use serde::{Deserialize, Serialize};

/// `OperationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpType {
    /// The execution itself (the first operation).
    Execution,
    /// A child context (`run_in_child_context`, parallel branches, map iterations).
    Context,
    /// A step.
    Step,
    /// A wait.
    Wait,
    /// A callback completed from outside.
    Callback,
    /// An invoke of another function.
    ChainedInvoke,
}

impl OpType {
    /// As botocore spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OpType::Execution => "EXECUTION",
            OpType::Context => "CONTEXT",
            OpType::Step => "STEP",
            OpType::Wait => "WAIT",
            OpType::Callback => "CALLBACK",
            OpType::ChainedInvoke => "CHAINED_INVOKE",
        }
    }
}

/// `OperationAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Start an operation.
    Start,
    /// End it with a result.
    Succeed,
    /// End it with an error.
    Fail,
    /// Schedule another attempt of a step.
    Retry,
    /// Cancel a wait.
    Cancel,
}

/// `OperationStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpStatus {
    /// Running.
    Started,
    /// A step waiting for its next attempt.
    Pending,
    /// A step whose next attempt is due.
    Ready,
    /// Ended with a result.
    Succeeded,
    /// Ended with an error.
    Failed,
    /// A cancelled wait.
    Cancelled,
    /// A callback or chained invoke that timed out.
    TimedOut,
    /// A chained invoke whose execution was stopped.
    Stopped,
}

impl OpStatus {
    /// Whether the operation has ended.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OpStatus::Succeeded
                | OpStatus::Failed
                | OpStatus::Cancelled
                | OpStatus::TimedOut
                | OpStatus::Stopped
        )
    }

    /// As botocore spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OpStatus::Started => "STARTED",
            OpStatus::Pending => "PENDING",
            OpStatus::Ready => "READY",
            OpStatus::Succeeded => "SUCCEEDED",
            OpStatus::Failed => "FAILED",
            OpStatus::Cancelled => "CANCELLED",
            OpStatus::TimedOut => "TIMED_OUT",
            OpStatus::Stopped => "STOPPED",
        }
    }
}

/// `ErrorObject`: what the SDKs report of an exception.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorObject {
    /// `ErrorMessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `ErrorType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// `ErrorData`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<String>,
    /// `StackTrace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<Vec<String>>,
}

impl ErrorObject {
    /// An error of a type with a message.
    pub fn new(error_type: &str, message: impl Into<String>) -> ErrorObject {
        ErrorObject {
            error_message: Some(message.into()),
            error_type: Some(error_type.to_owned()),
            ..ErrorObject::default()
        }
    }

    /// A function error's payload (`{"errorType", "errorMessage", …}`, as Lambda answers a failed invoke) as an
    /// error object: its type (`fallback_type` when it names none, or is not JSON) and message.
    pub fn from_function_error(body: &[u8], fallback_type: &str) -> ErrorObject {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let text = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        ErrorObject {
            error_type: Some(text("errorType").unwrap_or_else(|| fallback_type.to_owned())),
            error_message: text("errorMessage"),
            ..ErrorObject::default()
        }
    }

    /// Its size as the service counts it (its JSON).
    pub fn size(&self) -> usize {
        serde_json::to_string(self).map_or(0, |s| s.len())
    }
}

/// `ContextOptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextOptions {
    /// `ReplayChildren`.
    #[serde(default)]
    pub replay_children: bool,
}

/// `StepOptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepOptions {
    /// `NextAttemptDelaySeconds`.
    #[serde(default)]
    pub next_attempt_delay_seconds: Option<u64>,
}

/// `WaitOptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitOptions {
    /// `WaitSeconds`.
    #[serde(default)]
    pub wait_seconds: Option<u64>,
}

/// `CallbackOptions` (0: no timeout).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackOptions {
    /// `TimeoutSeconds`.
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// `HeartbeatTimeoutSeconds`.
    #[serde(default)]
    pub heartbeat_timeout_seconds: Option<u64>,
}

/// `ChainedInvokeOptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeOptions {
    /// `FunctionName` (a name, a partial or full ARN, qualified or not).
    pub function_name: String,
    /// `TenantId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// `OperationUpdate`: one change a checkpoint asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationUpdate {
    /// `Id`.
    pub id: String,
    /// `ParentId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Type`.
    #[serde(rename = "Type")]
    pub kind: OpType,
    /// `SubType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// `Action`.
    pub action: Action,
    /// `Payload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// `Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// `ContextOptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_options: Option<ContextOptions>,
    /// `StepOptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_options: Option<StepOptions>,
    /// `WaitOptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_options: Option<WaitOptions>,
    /// `CallbackOptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_options: Option<CallbackOptions>,
    /// `ChainedInvokeOptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_options: Option<ChainedInvokeOptions>,
}

/// What the service keeps of a callback besides its public details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallbackTimers {
    /// `HeartbeatTimeoutSeconds` (0: none).
    pub heartbeat_s: u64,
    /// When it times out, Unix ms.
    pub deadline_ms: Option<u64>,
    /// When it times out without a heartbeat, Unix ms.
    pub heartbeat_deadline_ms: Option<u64>,
}

/// What the service keeps of a chained invoke: its target and, once started, the execution it started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChainedTarget {
    /// `FunctionName` as given.
    pub function_name: String,
    /// `TenantId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// The version that ran, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed_version: Option<String>,
    /// The durable execution it started, when the target is durable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_arn: Option<String>,
}

/// One operation of an execution as the service keeps it. Timestamps are Unix milliseconds; `render` shapes
/// them for the invoke event (milliseconds) or the API (seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// `Id`.
    pub id: String,
    /// `ParentId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Type`.
    pub kind: OpType,
    /// `SubType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// `Status`.
    pub status: OpStatus,
    /// `StartTimestamp`.
    pub start_ms: u64,
    /// `EndTimestamp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
    /// `ExecutionDetails.InputPayload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_payload: Option<String>,
    /// The result of a context, step, callback or chained invoke (a step's retry state, too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The error of a context, step, callback or chained invoke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// `ContextDetails.ReplayChildren`.
    #[serde(default)]
    pub replay_children: bool,
    /// `StepDetails.Attempt`.
    #[serde(default)]
    pub attempt: u32,
    /// `StepDetails.NextAttemptTimestamp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_ms: Option<u64>,
    /// `WaitDetails.ScheduledEndTimestamp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_end_ms: Option<u64>,
    /// `CallbackDetails.CallbackId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_id: Option<String>,
    /// A callback's timers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackTimers>,
    /// A chained invoke's target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ChainedTarget>,
    /// The execution's change counter when this operation last changed: the checkpoint responses carry what
    /// changed since the handler last saw the log.
    #[serde(default)]
    pub touched: u64,
}

impl Operation {
    /// A fresh operation of an update (its details are filled by the transition).
    pub(crate) fn from_update(u: &OperationUpdate, status: OpStatus, now: u64) -> Operation {
        Operation {
            parent_id: u.parent_id.clone(),
            name: u.name.clone(),
            sub_type: u.sub_type.clone(),
            ..Operation::new(u.id.clone(), u.kind, status, now)
        }
    }

    /// A fresh operation with no details, started `now`.
    pub(crate) fn new(id: String, kind: OpType, status: OpStatus, now: u64) -> Operation {
        Operation {
            id,
            parent_id: None,
            name: None,
            kind,
            sub_type: None,
            status,
            start_ms: now,
            end_ms: None,
            input_payload: None,
            result: None,
            error: None,
            replay_children: false,
            attempt: 0,
            next_attempt_ms: None,
            scheduled_end_ms: None,
            callback_id: None,
            callback: None,
            target: None,
            touched: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_errors_read_as_error_objects() {
        let e = ErrorObject::from_function_error(
            br#"{"errorType":"Runtime.ExitError","errorMessage":"exit 1","trace":[]}"#,
            "Unhandled",
        );
        assert_eq!(e, ErrorObject::new("Runtime.ExitError", "exit 1"));
        let e = ErrorObject::from_function_error(br#"{"errorMessage":"boom"}"#, "Unhandled");
        assert_eq!(e, ErrorObject::new("Unhandled", "boom"));
        let e = ErrorObject::from_function_error(b"not json", "Sandbox.Timedout");
        assert_eq!(e.error_type.as_deref(), Some("Sandbox.Timedout"));
        assert_eq!(e.error_message, None);
    }
}
