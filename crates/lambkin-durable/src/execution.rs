//! One durable execution and its transitions. Every change goes through a method here that checks the
//! execution's and the operation's status first (the execution: `RUNNING` → `SUCCEEDED` | `FAILED` |
//! `TIMED_OUT` | `STOPPED`, and `RUNNING` ⇄ `PAUSED`), bumps the change counter of what it touched, and records the
//! history events of the change.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::history::{self, Event};
use crate::model::{
    ChainedInvokeOptions, ChainedTarget, ErrorObject, OpStatus, OpType, Operation, OperationUpdate,
};
use crate::render::{self, Stamps};

/// Error objects larger than this are refused (as the service does).
pub const MAX_ERROR_BYTES: usize = 32_768;
/// How much of the operation log one invoke event or state page carries before it continues with a marker.
pub const PAGE_BYTES: usize = 5 * 1024 * 1024;
/// Invocations that failed (crashed, timed out, answered nothing valid) in a row before the execution fails.
pub const MAX_FAILED_INVOCATIONS: u32 = 6;
/// How long a `PauseDurableExecution` repeated with the same `ClientToken` is answered without pausing again.
pub const PAUSE_TOKEN_MS: u64 = 15 * 60 * 1000;

/// `ExecutionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Invoked, waiting, or between invocations.
    Running,
    /// Ended with a result.
    Succeeded,
    /// Ended with an error.
    Failed,
    /// Ran past its `ExecutionTimeout`.
    TimedOut,
    /// Stopped by `StopDurableExecution`.
    Stopped,
    /// Paused by `PauseDurableExecution`: no invocation starts until it is resumed.
    Paused,
}

impl ExecutionStatus {
    /// As botocore spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Stopped => "STOPPED",
            ExecutionStatus::Paused => "PAUSED",
        }
    }

    /// Whether it has ended.
    pub fn is_terminal(self) -> bool {
        !matches!(self, ExecutionStatus::Running | ExecutionStatus::Paused)
    }
}

/// Why a request about an execution was refused, with Lambda's words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DurableError {
    /// `InvalidParameterValueException`.
    #[error("{0}")]
    Invalid(String),
    /// `ResourceNotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// `CallbackTimeoutException`.
    #[error("{0}")]
    CallbackTimeout(String),
    /// `ResourceConflictException`.
    #[error("{0}")]
    Conflict(String),
}

fn invalid(m: impl Into<String>) -> DurableError {
    DurableError::Invalid(m.into())
}

/// What a transition asks the service to do once the execution is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Invoke the target of a `CHAINED_INVOKE` operation.
    StartChained {
        /// The operation.
        op: String,
        /// Its target and input.
        target: ChainedTarget,
    },
    /// The execution ended: answer whoever waits for it, complete its parent's chained invoke.
    Ended,
}

/// The chained invoke's parent, for an execution a `CHAINED_INVOKE` started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParentLink {
    /// The parent execution.
    pub arn: String,
    /// Its `CHAINED_INVOKE` operation.
    pub op: String,
}

/// The answer to the last checkpoint, kept so a retried request (same `ClientToken`, same token) gets it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CachedCheckpoint {
    client_token: String,
    inbound: String,
    outbound: Option<String>,
    operations: Vec<Operation>,
}

/// What a new execution is made of.
#[derive(Debug, Clone)]
pub struct NewExecution {
    /// Region.
    pub region: String,
    /// Account.
    pub account: String,
    /// The function's name.
    pub function: String,
    /// The version that runs (`$LATEST` or a number).
    pub version: String,
    /// The qualifier it was invoked with (a version or an alias), for `FunctionArn`.
    pub qualifier: String,
    /// `DurableExecutionName`, when given (otherwise a generated one).
    pub name: Option<String>,
    /// The input event.
    pub input: String,
    /// `DurableConfig.ExecutionTimeout`, seconds.
    pub timeout_s: u64,
    /// `DurableConfig.RetentionPeriodInDays`.
    pub retention_days: u32,
    /// The chained invoke that started it.
    pub parent: Option<ParentLink>,
    /// `X-Amzn-Trace-Id` of the starting request.
    pub trace_header: Option<String>,
}

/// A durable execution as the service keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// `DurableExecutionArn`.
    pub arn: String,
    /// `DurableExecutionName`.
    pub name: String,
    /// The id in the ARN.
    pub id: String,
    /// Region.
    pub region: String,
    /// Account.
    pub account: String,
    /// The function's name.
    pub function: String,
    /// The version that runs.
    pub version: String,
    /// `FunctionArn` (qualified as invoked).
    pub function_arn: String,
    /// `Status`.
    pub status: ExecutionStatus,
    /// `StartTimestamp`, Unix ms.
    pub start_ms: u64,
    /// `EndTimestamp`, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
    /// `InputPayload`.
    pub input: String,
    /// `Result`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// `Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// `ExecutionTimeout`, seconds.
    pub timeout_s: u64,
    /// `RetentionPeriodInDays`.
    pub retention_days: u32,
    /// The operation log, in the order operations were first written.
    pub ops: Vec<Operation>,
    /// The change counter.
    pub seq: u64,
    /// The highest change the handler has seen (in its invoke event or a checkpoint response).
    pub seen_seq: u64,
    /// The current invocation, while one runs (its tokens are the only valid ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation: Option<String>,
    /// The next token's place in the current invocation's sequence.
    #[serde(default)]
    pub token_seq: u64,
    /// Invocations made.
    #[serde(default)]
    pub invocations: u32,
    /// Failed invocations in a row.
    #[serde(default)]
    pub failed_invocations: u32,
    /// When to invoke again after a failed invocation, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_checkpoint: Option<CachedCheckpoint>,
    /// History events, in `EventId` order.
    pub events: Vec<Event>,
    /// The chained invoke that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentLink>,
    /// `TraceHeader.XAmznTraceId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
    /// When it was paused, Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_ms: Option<u64>,
    /// Why (`PauseDurableExecution`'s `Reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_reason: Option<String>,
    /// Whether the pause also stopped the `ExecutionTimeout` (`ExecutionTimeoutPaused`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timeout_paused: bool,
    /// The pause's `ClientToken` (a repeated request with it is answered without pausing again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_client_token: Option<String>,
    /// How long the `ExecutionTimeout` stood still in pauses that ended, ms: its deadline moves back as much.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout_paused_ms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the handler's invocation came to, as the service saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum InvocationResult {
    /// The function answered (its payload).
    Answered(Vec<u8>),
    /// The function failed (a crash, a timeout, an unhandled error): its error type and payload.
    FunctionError {
        /// Lambda's error type (`Runtime.ExitError`, `Sandbox.Timedout`, …).
        error_type: String,
        /// The error payload.
        body: Vec<u8>,
    },
}

/// What to do after an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum InvocationOutcome {
    /// The execution ended.
    Ended,
    /// Waiting: invoke again when something is due (or at once, when the handler missed a change).
    Suspended {
        /// Invoke again at once.
        now: bool,
    },
    /// Invoke again after this long (ms): the invocation failed.
    Retry(u64),
    /// Nothing to do (the execution had ended or was paused meanwhile).
    Ignored,
}

/// A checkpoint's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointAnswer {
    /// `CheckpointToken` (none once the checkpoint ended the execution, or while it is paused).
    pub token: Option<String>,
    /// `NewExecutionState.Operations`: what changed since the handler last saw the log.
    pub operations: Vec<Operation>,
}

impl CheckpointAnswer {
    /// The response body.
    pub fn to_json(&self) -> Value {
        let mut o = json!({"NewExecutionState": {
            "Operations": render::operations(&self.operations, Stamps::Seconds)
        }});
        if let Some(t) = &self.token {
            o["CheckpointToken"] = json!(t);
        }
        o
    }
}

/// The unqualified function ARN.
pub fn function_arn(region: &str, account: &str, function: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{function}")
}

/// The parts of an execution ARN: region, account, function, version, name, id.
pub fn parse_arn(arn: &str) -> Option<(String, String, String, String, String, String)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut it = rest.splitn(6, ':');
    let _partition = it.next()?;
    if it.next()? != "lambda" {
        return None;
    }
    let region = it.next()?.to_owned();
    let account = it.next()?.to_owned();
    if it.next()? != "function" {
        return None;
    }
    let tail = it.next()?; // NAME:VERSION/durable-execution/EXEC/ID
    let (fq, after) = tail.split_once("/durable-execution/")?;
    let (function, version) = fq.split_once(':')?;
    let (name, id) = after.split_once('/')?;
    let ok = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || extra.contains(&b))
    };
    if !ok(function, b"") || !ok(name, b"") || !ok(id, b"") || !ok(version, b"$.") {
        return None;
    }
    Some((
        region,
        account,
        function.to_owned(),
        version.to_owned(),
        name.to_owned(),
        id.to_owned(),
    ))
}

fn event(op: &Operation, event_type: &str, ts_ms: u64, details: Value) -> Event {
    Event {
        event_type: event_type.to_owned(),
        sub_type: op.sub_type.clone(),
        id: op.id.clone(),
        name: op.name.clone(),
        parent_id: op.parent_id.clone(),
        ts_ms,
        details,
    }
}

impl Execution {
    /// A new execution, `RUNNING`, with its `EXECUTION` operation and `ExecutionStarted` event.
    pub fn new(n: NewExecution, now: u64) -> Execution {
        let id = uuid::Uuid::new_v4().to_string();
        let name = n.name.unwrap_or_else(|| id.clone());
        let arn = format!(
            "{}:{}/durable-execution/{name}/{id}",
            function_arn(&n.region, &n.account, &n.function),
            n.version
        );
        let function_arn = format!(
            "{}:{}",
            function_arn(&n.region, &n.account, &n.function),
            n.qualifier
        );
        let op = Operation {
            input_payload: Some(n.input.clone()),
            name: Some(name.clone()),
            touched: 1,
            ..Operation::new(id.clone(), OpType::Execution, OpStatus::Started, now)
        };
        let started = event(
            &op,
            "ExecutionStarted",
            now,
            json!({"Input": history::payload(Some(&n.input)), "ExecutionTimeout": n.timeout_s}),
        );
        Execution {
            arn,
            name,
            id,
            region: n.region,
            account: n.account,
            function: n.function,
            version: n.version,
            function_arn,
            status: ExecutionStatus::Running,
            start_ms: now,
            end_ms: None,
            input: n.input,
            result: None,
            error: None,
            timeout_s: n.timeout_s,
            retention_days: n.retention_days,
            ops: vec![op],
            seq: 1,
            seen_seq: 0,
            invocation: None,
            token_seq: 0,
            invocations: 0,
            failed_invocations: 0,
            retry_at_ms: None,
            last_checkpoint: None,
            events: vec![started],
            parent: n.parent,
            trace_header: n.trace_header,
            paused_ms: None,
            pause_reason: None,
            timeout_paused: false,
            pause_client_token: None,
            timeout_paused_ms: 0,
        }
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.ops.iter().position(|o| o.id == id)
    }

    fn touch(&mut self, i: usize) {
        self.seq += 1;
        self.ops[i].touched = self.seq;
    }

    /// When it stops being kept (its end plus the retention period).
    pub fn expires_ms(&self) -> Option<u64> {
        self.end_ms
            .map(|e| e + u64::from(self.retention_days) * 86_400_000)
    }

    /// When its `ExecutionTimeout` runs out: its start, plus the timeout, plus the time the timeout stood still
    /// in pauses that ended (a pause that stops the timeout moves it back again when it is resumed).
    pub fn timeout_at_ms(&self) -> u64 {
        self.start_ms
            .saturating_add(self.timeout_s.saturating_mul(1000))
            .saturating_add(self.timeout_paused_ms)
    }

    /// Whether the `ExecutionTimeout` stands still now (paused with `ExecutionTimeoutPaused`).
    pub fn timeout_stands_still(&self) -> bool {
        self.status == ExecutionStatus::Paused && self.timeout_paused
    }

    /// `CheckpointDurableExecution`: validates the updates against the log as it stands, applies them, completes
    /// what came due, and answers with a new token and what changed since the handler last looked.
    /// `preflight` resolves a chained invoke's target: the version it will run, or the error it fails with.
    pub fn checkpoint(
        &mut self,
        token: &str,
        client_token: Option<&str>,
        updates: Vec<OperationUpdate>,
        now: u64,
        preflight: &mut dyn FnMut(&ChainedInvokeOptions) -> Result<String, ErrorObject>,
    ) -> Result<(CheckpointAnswer, Vec<Effect>), DurableError> {
        if let (Some(ct), Some(cached)) = (client_token, &self.last_checkpoint) {
            if cached.client_token == ct && cached.inbound == token {
                return Ok((
                    CheckpointAnswer {
                        token: cached.outbound.clone(),
                        operations: cached.operations.clone(),
                    },
                    Vec::new(),
                ));
            }
        }
        self.check_token(token, false)?;
        self.validate(&updates)?;
        let mut effects = Vec::new();
        for u in updates {
            self.apply(u, now, preflight, &mut effects);
        }
        self.token_seq += 1;
        self.complete_due(now);
        let unseen: Vec<Operation> = self
            .ops
            .iter()
            .filter(|o| o.touched > self.seen_seq)
            .cloned()
            .collect();
        if let Some(max) = unseen.iter().map(|o| o.touched).max() {
            self.seen_seq = self.seen_seq.max(max);
        }
        let outbound = (self.status == ExecutionStatus::Running).then(|| self.token());
        self.last_checkpoint = Some(CachedCheckpoint {
            client_token: client_token.unwrap_or_default().to_owned(),
            inbound: token.to_owned(),
            outbound: outbound.clone(),
            operations: unseen.clone(),
        });
        Ok((
            CheckpointAnswer {
                token: outbound,
                operations: unseen,
            },
            effects,
        ))
    }

    /// Ends the execution (guarded: only a running or paused one), with its `EXECUTION` operation and event.
    fn end(
        &mut self,
        status: ExecutionStatus,
        result: Option<String>,
        error: Option<ErrorObject>,
        now: u64,
    ) {
        if self.status.is_terminal() {
            return;
        }
        self.status = status;
        self.end_ms = Some(now);
        self.result = result;
        self.error = error;
        self.paused_ms = None;
        self.pause_reason = None;
        self.timeout_paused = false;
        self.pause_client_token = None;
        let (op_status, event_type) = match status {
            ExecutionStatus::Succeeded => (OpStatus::Succeeded, "ExecutionSucceeded"),
            ExecutionStatus::TimedOut => (OpStatus::TimedOut, "ExecutionTimedOut"),
            ExecutionStatus::Stopped => (OpStatus::Stopped, "ExecutionStopped"),
            _ => (OpStatus::Failed, "ExecutionFailed"),
        };
        if let Some(i) = self.ops.iter().position(|o| o.kind == OpType::Execution) {
            self.ops[i].status = op_status;
            self.ops[i].end_ms = Some(now);
            self.touch(i);
            let d = if status == ExecutionStatus::Succeeded {
                json!({"Result": history::payload(self.result.as_deref())})
            } else {
                json!({"Error": history::error(self.error.as_ref())})
            };
            let e = event(&self.ops[i], event_type, now, d);
            self.events.push(e);
        }
    }

    /// Completes what came due by `now`: waits (`SUCCEEDED`), step retries (`READY`), callbacks that timed out
    /// (`TIMED_OUT`). Whether anything changed.
    pub fn complete_due(&mut self, now: u64) -> bool {
        let mut changed = false;
        for i in 0..self.ops.len() {
            let op = &self.ops[i];
            match (op.kind, op.status) {
                (OpType::Wait, OpStatus::Started)
                    if op.scheduled_end_ms.is_some_and(|e| e <= now) =>
                {
                    let secs = op
                        .scheduled_end_ms
                        .unwrap_or(now)
                        .saturating_sub(op.start_ms)
                        / 1000;
                    let op = &mut self.ops[i];
                    op.status = OpStatus::Succeeded;
                    op.end_ms = Some(now);
                    let e = event(op, "WaitSucceeded", now, json!({"Duration": secs}));
                    self.events.push(e);
                    self.touch(i);
                    changed = true;
                }
                (OpType::Step, OpStatus::Pending)
                    if op.next_attempt_ms.is_some_and(|n| n <= now) =>
                {
                    let op = &mut self.ops[i];
                    op.status = OpStatus::Ready;
                    op.next_attempt_ms = None;
                    self.touch(i);
                    changed = true;
                }
                (OpType::Callback, OpStatus::Started) => {
                    let timers = op.callback.clone().unwrap_or_default();
                    let error = if timers.deadline_ms.is_some_and(|d| d <= now) {
                        Some(ErrorObject::new("Callback.Timeout", "Callback timed out"))
                    } else if timers.heartbeat_deadline_ms.is_some_and(|d| d <= now) {
                        Some(ErrorObject::new(
                            "Callback.Heartbeat",
                            "Callback timed out on heartbeat",
                        ))
                    } else {
                        None
                    };
                    if let Some(error) = error {
                        let op = &mut self.ops[i];
                        op.status = OpStatus::TimedOut;
                        op.end_ms = Some(now);
                        op.error = Some(error);
                        let d = json!({"Error": history::error(op.error.as_ref())});
                        let e = event(op, "CallbackTimedOut", now, d);
                        self.events.push(e);
                        self.touch(i);
                        changed = true;
                    }
                }
                _ => {}
            }
        }
        changed
    }

    /// The next moment something of it comes due: its timeout (unless it stands still), a wait's end, a step's
    /// next attempt, a callback's timeouts.
    pub fn next_due(&self) -> Option<u64> {
        if self.status.is_terminal() {
            return None;
        }
        let mut due = (!self.timeout_stands_still()).then(|| self.timeout_at_ms());
        let mut consider = |t: Option<u64>| {
            if let Some(t) = t {
                due = Some(due.map_or(t, |d: u64| d.min(t)));
            }
        };
        // A failed invocation's retry waits while paused (resuming makes it due).
        if self.status == ExecutionStatus::Running {
            consider(self.retry_at_ms);
        }
        for op in &self.ops {
            match (op.kind, op.status) {
                (OpType::Wait, OpStatus::Started) => consider(op.scheduled_end_ms),
                (OpType::Step, OpStatus::Pending) => consider(op.next_attempt_ms),
                (OpType::Callback, OpStatus::Started) => {
                    if let Some(t) = &op.callback {
                        consider(t.deadline_ms);
                        consider(t.heartbeat_deadline_ms);
                    }
                }
                _ => {}
            }
        }
        due
    }

    /// Times the execution out when its `ExecutionTimeout` ran out by `now` (not while it stands still).
    pub fn time_out_if_due(&mut self, now: u64) -> bool {
        if self.status.is_terminal() || self.timeout_stands_still() || now < self.timeout_at_ms() {
            return false;
        }
        let error = ErrorObject {
            error_message: Some(format!(
                "Execution timed out after {} seconds.",
                self.timeout_s
            )),
            ..ErrorObject::default()
        };
        self.end(ExecutionStatus::TimedOut, None, Some(error), now);
        true
    }

    /// `GetDurableExecution`'s body.
    pub fn describe(&self, include_data: bool) -> Value {
        let mut o = json!({
            "DurableExecutionArn": self.arn,
            "DurableExecutionName": self.name,
            "FunctionArn": self.function_arn,
            "StartTimestamp": history::time(self.start_ms),
            "Status": self.status.as_str(),
            "Version": self.version,
            "ExecutionDataIncluded": include_data,
            "DurableConfig": {
                "ExecutionTimeout": self.timeout_s,
                "RetentionPeriodInDays": self.retention_days,
            },
        });
        if let Some(e) = self.end_ms {
            o["EndTimestamp"] = history::time(e);
        } else {
            // Paused with its timeout standing still: the deadline as it stood at the pause.
            o["ExpectedExecutionTimeoutTimestamp"] = history::time(self.timeout_at_ms());
        }
        if include_data {
            o["InputPayload"] = json!(self.input);
            if let Some(r) = &self.result {
                o["Result"] = json!(r);
            }
        }
        if let Some(e) = &self.error {
            o["Error"] = json!(e);
        }
        if let Some(t) = &self.trace_header {
            o["TraceHeader"] = json!({"XAmznTraceId": t});
        }
        if let Some(p) = self.paused_ms {
            o["PauseDetails"] = json!({
                "PauseRequestTimestamp": history::time(p),
                "ExecutionTimeoutPaused": self.timeout_paused,
            });
        }
        o
    }

    /// An item of `ListDurableExecutionsByFunction`.
    pub fn summary(&self) -> Value {
        let mut o = json!({
            "DurableExecutionArn": self.arn,
            "DurableExecutionName": self.name,
            "FunctionArn": self.function_arn,
            "Status": self.status.as_str(),
            "StartTimestamp": history::time(self.start_ms),
        });
        if let Some(e) = self.end_ms {
            o["EndTimestamp"] = history::time(e);
        }
        o
    }
}

mod checkpoint;
mod external;
mod invocation;

#[cfg(test)]
mod tests;
