//! One durable execution and its transitions. Every change goes through a method here that checks the
//! execution's and the operation's status first (the execution: `RUNNING` → `SUCCEEDED` | `FAILED` |
//! `TIMED_OUT` | `STOPPED`, and `RUNNING` ⇄ `PAUSED`), bumps the change counter of what it touched, and records the
//! history events of the change.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::history::{self, Event};
use crate::model::{
    Action, CallbackTimers, ChainedInvokeOptions, ChainedTarget, ErrorObject, OpStatus, OpType,
    Operation, OperationUpdate,
};
use crate::render::{self, Stamps};
use crate::token::{CallbackId, CheckpointToken};

/// Error objects larger than this are refused (as the service does).
pub const MAX_ERROR_BYTES: usize = 32_768;
/// How much of the operation log one invoke event or state page carries before it continues with a marker.
pub const PAGE_BYTES: usize = 5 * 1024 * 1024;
/// Invocations that failed (crashed, timed out, answered nothing valid) in a row before the execution fails.
pub const MAX_FAILED_INVOCATIONS: u32 = 6;

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

    /// A status as botocore spells it.
    pub fn parse(s: &str) -> Option<ExecutionStatus> {
        Some(match s {
            "RUNNING" => ExecutionStatus::Running,
            "SUCCEEDED" => ExecutionStatus::Succeeded,
            "FAILED" => ExecutionStatus::Failed,
            "TIMED_OUT" => ExecutionStatus::TimedOut,
            "STOPPED" => ExecutionStatus::Stopped,
            "PAUSED" => ExecutionStatus::Paused,
            _ => return None,
        })
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

fn valid_actions(kind: OpType) -> &'static [Action] {
    match kind {
        OpType::Step => &[Action::Start, Action::Succeed, Action::Fail, Action::Retry],
        OpType::Context => &[Action::Start, Action::Succeed, Action::Fail],
        OpType::Wait => &[Action::Start, Action::Cancel],
        OpType::Callback | OpType::ChainedInvoke => &[Action::Start],
        OpType::Execution => &[Action::Succeed, Action::Fail],
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
            ..Operation::from_update(
                &OperationUpdate {
                    id: id.clone(),
                    parent_id: None,
                    name: None,
                    kind: OpType::Execution,
                    sub_type: None,
                    action: Action::Start,
                    payload: None,
                    error: None,
                    context_options: None,
                    step_options: None,
                    wait_options: None,
                    callback_options: None,
                    chained_invoke_options: None,
                },
                OpStatus::Started,
                now,
            )
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

    /// When its `ExecutionTimeout` runs out.
    pub fn timeout_at_ms(&self) -> u64 {
        self.start_ms
            .saturating_add(self.timeout_s.saturating_mul(1000))
    }

    /// Starts an invocation: a fresh token and the whole log (paged at [`PAGE_BYTES`]); the invoke event. The
    /// invocation's id is then [`Execution::invocation`].
    pub fn begin_invocation(&mut self) -> Result<Value, DurableError> {
        if self.status != ExecutionStatus::Running {
            return Err(DurableError::Conflict(format!(
                "Durable execution {} is {}.",
                self.arn,
                self.status.as_str()
            )));
        }
        let invocation = uuid::Uuid::new_v4().to_string();
        self.invocation = Some(invocation.clone());
        self.retry_at_ms = None;
        self.token_seq = 0;
        self.invocations += 1;
        self.seen_seq = self.seq;
        self.last_checkpoint = None;
        let token = self.token();
        let (ops, next) = self.page(0, usize::MAX, Stamps::Millis);
        Ok(json!({
            "DurableExecutionArn": self.arn,
            "CheckpointToken": token,
            "InitialExecutionState": {"Operations": ops, "NextMarker": next.unwrap_or_default()},
        }))
    }

    fn token(&self) -> String {
        CheckpointToken {
            arn: self.arn.clone(),
            invocation: self.invocation.clone().unwrap_or_default(),
            seq: self.token_seq,
        }
        .encode()
    }

    /// Operations from index `from`, up to `max_items` and [`PAGE_BYTES`]; the next marker when more remain.
    fn page(&self, from: usize, max_items: usize, s: Stamps) -> (Vec<Value>, Option<String>) {
        let mut out = Vec::new();
        let mut bytes = 0;
        let mut i = from;
        while i < self.ops.len() && out.len() < max_items {
            let v = render::operation(&self.ops[i], s);
            let size = v.to_string().len();
            if !out.is_empty() && bytes + size > PAGE_BYTES {
                break;
            }
            bytes += size;
            out.push(v);
            i += 1;
        }
        let next = (i < self.ops.len()).then(|| i.to_string());
        (out, next)
    }

    /// The token's invocation, when it is one of this execution's current invocation.
    fn check_token(&self, token: &str, any_seq: bool) -> Result<CheckpointToken, DurableError> {
        let t = CheckpointToken::decode(token)
            .filter(|t| t.arn == self.arn)
            .ok_or_else(|| invalid("Invalid checkpoint token."))?;
        let current = self.invocation.as_deref() == Some(t.invocation.as_str());
        if self.status.is_terminal() || !current || (!any_seq && t.seq != self.token_seq) {
            return Err(invalid("Invalid checkpoint token."));
        }
        Ok(t)
    }

    /// `GetDurableExecutionState`: a page of the log for the current invocation.
    pub fn state(
        &self,
        token: &str,
        marker: Option<&str>,
        max_items: Option<usize>,
    ) -> Result<Value, DurableError> {
        self.check_token(token, true)?;
        let from = match marker.filter(|m| !m.is_empty()) {
            None => 0,
            Some(m) => m
                .parse::<usize>()
                .ok()
                .filter(|&i| i <= self.ops.len())
                .ok_or_else(|| invalid("Invalid marker."))?,
        };
        let max = max_items.filter(|&m| m > 0).unwrap_or(1000);
        let (ops, next) = self.page(from, max, Stamps::Seconds);
        let mut o = json!({ "Operations": ops });
        if let Some(n) = next {
            o["NextMarker"] = json!(n);
        }
        Ok(o)
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

    fn validate(&self, updates: &[OperationUpdate]) -> Result<(), DurableError> {
        let executions = updates
            .iter()
            .filter(|u| u.kind == OpType::Execution)
            .count();
        if executions > 1 {
            return Err(invalid("Cannot checkpoint multiple EXECUTION updates."));
        }
        if executions == 1 && updates.last().map(|u| u.kind) != Some(OpType::Execution) {
            return Err(invalid("EXECUTION checkpoint must be the last update."));
        }
        let mut started: Vec<&OperationUpdate> = Vec::new();
        let mut last: Vec<&OperationUpdate> = Vec::new();
        for u in updates {
            if let Some(prev) = last.iter().rev().find(|p| p.id == u.id) {
                let allowed = matches!(prev.kind, OpType::Step | OpType::Context)
                    && prev.action == Action::Start
                    && u.action != Action::Start;
                if !allowed {
                    return Err(invalid(
                        "Cannot checkpoint multiple operations with the same ID.",
                    ));
                }
            }
            if let Some(parent) = &u.parent_id {
                let kind = started
                    .iter()
                    .rev()
                    .find(|s| &s.id == parent)
                    .map(|s| s.kind)
                    .or_else(|| self.find(parent).map(|i| self.ops[i].kind));
                if kind != Some(OpType::Context) {
                    return Err(invalid("Invalid parent operation id."));
                }
            }
            if u.action == Action::Start {
                started.push(u);
            }
            last.push(u);
        }
        for u in updates {
            self.validate_one(u)?;
        }
        Ok(())
    }

    fn validate_one(&self, u: &OperationUpdate) -> Result<(), DurableError> {
        let current = self.find(&u.id).map(|i| &self.ops[i]);
        if let Some(c) = current {
            if u.kind != c.kind {
                return Err(invalid("Inconsistent operation type."));
            }
            if u.sub_type.is_some() && u.sub_type != c.sub_type {
                return Err(invalid("Inconsistent operation subtype."));
            }
            if u.name.is_some() && u.name != c.name {
                return Err(invalid("Inconsistent operation name."));
            }
            if u.parent_id.is_some() && u.parent_id != c.parent_id {
                return Err(invalid("Inconsistent parent operation id."));
            }
        }
        if u.error.as_ref().is_some_and(|e| e.size() > MAX_ERROR_BYTES) {
            return Err(invalid(format!(
                "Error object size must be less than {MAX_ERROR_BYTES} bytes."
            )));
        }
        if !valid_actions(u.kind).contains(&u.action) {
            return Err(invalid("Invalid action for the given operation type."));
        }
        let status = current.map(|c| c.status);
        match (u.kind, u.action) {
            (OpType::Step, Action::Start) => {
                if status.is_some_and(|s| s != OpStatus::Ready) {
                    return Err(invalid("Invalid current STEP state to start."));
                }
            }
            (OpType::Step, Action::Retry) => {
                if status.is_some_and(|s| !matches!(s, OpStatus::Started | OpStatus::Ready)) {
                    return Err(invalid("Invalid current STEP state to re-attempt."));
                }
                if u.step_options.is_none() {
                    return Err(invalid("Invalid StepOptions for the given action."));
                }
                if u.error.is_some() && u.payload.is_some() {
                    return Err(invalid(
                        "Cannot provide both error and payload to RETRY a STEP.",
                    ));
                }
            }
            (OpType::Step, _) => {
                if status.is_some_and(|s| !matches!(s, OpStatus::Started | OpStatus::Ready)) {
                    return Err(invalid("Invalid current STEP state to close."));
                }
                if u.action == Action::Fail && u.payload.is_some() {
                    return Err(invalid("Cannot provide a Payload for FAIL action."));
                }
                if u.action == Action::Succeed && u.error.is_some() {
                    return Err(invalid("Cannot provide an Error for SUCCEED action."));
                }
            }
            (OpType::Context, Action::Start) => {
                if current.is_some() {
                    return Err(invalid("Cannot start a CONTEXT that already exist."));
                }
            }
            (OpType::Context, _) => {
                if status.is_some_and(|s| s != OpStatus::Started) {
                    return Err(invalid("Invalid current CONTEXT state to close."));
                }
                if u.action == Action::Fail && u.payload.is_some() {
                    return Err(invalid("Cannot provide a Payload for FAIL action."));
                }
                if u.action == Action::Succeed && u.error.is_some() {
                    return Err(invalid("Cannot provide an Error for SUCCEED action."));
                }
            }
            (OpType::Wait, Action::Start) => {
                if current.is_some() {
                    return Err(invalid("Cannot start a WAIT that already exist."));
                }
                if u.wait_options
                    .as_ref()
                    .and_then(|w| w.wait_seconds)
                    .is_none()
                {
                    return Err(invalid("Invalid WaitOptions for the given action."));
                }
            }
            (OpType::Wait, _) => {
                if status != Some(OpStatus::Started) {
                    return Err(invalid(
                        "Cannot cancel a WAIT that does not exist or has already completed.",
                    ));
                }
            }
            (OpType::Callback, _) => {
                if current.is_some() {
                    return Err(invalid("Cannot start a CALLBACK that already exist."));
                }
            }
            (OpType::ChainedInvoke, _) => {
                if current.is_some() {
                    return Err(invalid(
                        "Cannot start a CHAINED_INVOKE operation that already exists.",
                    ));
                }
                if u.chained_invoke_options.is_none() {
                    return Err(invalid(
                        "Update for CHAINED_INVOKE operation requires ChainedInvokeOptions.",
                    ));
                }
            }
            (OpType::Execution, Action::Succeed) => {
                if u.error.is_some() {
                    return Err(invalid("Cannot provide an Error for SUCCEED action."));
                }
            }
            (OpType::Execution, _) => {
                if u.payload.is_some() {
                    return Err(invalid("Cannot provide a Payload for FAIL action."));
                }
            }
        }
        Ok(())
    }

    /// Applies one validated update.
    fn apply(
        &mut self,
        u: OperationUpdate,
        now: u64,
        preflight: &mut dyn FnMut(&ChainedInvokeOptions) -> Result<String, ErrorObject>,
        effects: &mut Vec<Effect>,
    ) {
        if u.kind == OpType::Execution {
            match u.action {
                Action::Succeed => self.end(
                    ExecutionStatus::Succeeded,
                    Some(u.payload.unwrap_or_default()),
                    None,
                    now,
                ),
                _ => self.end(ExecutionStatus::Failed, None, u.error, now),
            }
            effects.push(Effect::Ended);
            return;
        }
        let i = match self.find(&u.id) {
            Some(i) => i,
            None => {
                self.ops
                    .push(Operation::from_update(&u, OpStatus::Started, now));
                self.ops.len() - 1
            }
        };
        let ev = |this: &mut Execution, t: &str, d: Value| {
            let e = event(&this.ops[i], t, now, d);
            this.events.push(e);
        };
        match (u.kind, u.action) {
            (OpType::Step, Action::Start) => {
                let op = &mut self.ops[i];
                op.status = OpStatus::Started;
                op.result = u.payload;
                op.error = u.error;
                ev(self, "StepStarted", json!({}));
            }
            (OpType::Step, Action::Retry) => {
                let delay = u
                    .step_options
                    .as_ref()
                    .and_then(|s| s.next_attempt_delay_seconds)
                    .unwrap_or(0);
                let op = &mut self.ops[i];
                op.attempt += 1;
                op.status = OpStatus::Pending;
                op.next_attempt_ms = Some(now + delay * 1000);
                op.end_ms = None;
                let retry = json!({"CurrentAttempt": op.attempt, "NextAttemptDelaySeconds": delay});
                let failed = u.error.is_some();
                op.result = u.payload;
                op.error = u.error;
                if failed {
                    let d =
                        json!({"Error": history::error(op.error.as_ref()), "RetryDetails": retry});
                    ev(self, "StepFailed", d);
                } else {
                    let d = json!({"Result": history::payload(op.result.as_deref()), "RetryDetails": retry});
                    ev(self, "StepSucceeded", d);
                }
            }
            (OpType::Step, _) => {
                let op = &mut self.ops[i];
                op.attempt += 1;
                op.end_ms = Some(now);
                op.next_attempt_ms = None;
                let retry = json!({"CurrentAttempt": op.attempt});
                if u.action == Action::Succeed {
                    op.status = OpStatus::Succeeded;
                    op.result = u.payload;
                    op.error = None;
                    let d = json!({"Result": history::payload(op.result.as_deref()), "RetryDetails": retry});
                    ev(self, "StepSucceeded", d);
                } else {
                    op.status = OpStatus::Failed;
                    op.result = None;
                    op.error = u.error;
                    let d =
                        json!({"Error": history::error(op.error.as_ref()), "RetryDetails": retry});
                    ev(self, "StepFailed", d);
                }
            }
            (OpType::Context, Action::Start) => {
                self.ops[i].replay_children = u
                    .context_options
                    .as_ref()
                    .is_some_and(|c| c.replay_children);
                ev(self, "ContextStarted", json!({}));
            }
            (OpType::Context, _) => {
                let op = &mut self.ops[i];
                op.end_ms = Some(now);
                if let Some(c) = &u.context_options {
                    op.replay_children = c.replay_children;
                }
                if u.action == Action::Succeed {
                    op.status = OpStatus::Succeeded;
                    op.result = u.payload;
                    let d = json!({"Result": history::payload(op.result.as_deref())});
                    ev(self, "ContextSucceeded", d);
                } else {
                    op.status = OpStatus::Failed;
                    op.error = u.error;
                    let d = json!({"Error": history::error(op.error.as_ref())});
                    ev(self, "ContextFailed", d);
                }
            }
            (OpType::Wait, Action::Start) => {
                let secs = u
                    .wait_options
                    .as_ref()
                    .and_then(|w| w.wait_seconds)
                    .unwrap_or(0);
                let end = now + secs * 1000;
                self.ops[i].scheduled_end_ms = Some(end);
                let d = json!({"Duration": secs, "ScheduledEndTimestamp": history::time(end)});
                ev(self, "WaitStarted", d);
            }
            (OpType::Wait, _) => {
                let op = &mut self.ops[i];
                op.status = OpStatus::Cancelled;
                op.end_ms = Some(now);
                op.error = u.error;
                let d = json!({"Error": history::error(op.error.as_ref())});
                ev(self, "WaitCancelled", d);
            }
            (OpType::Callback, _) => {
                let o = u.callback_options.clone().unwrap_or_default();
                let timeout_s = o.timeout_seconds.unwrap_or(0);
                let heartbeat_s = o.heartbeat_timeout_seconds.unwrap_or(0);
                let id = CallbackId {
                    arn: self.arn.clone(),
                    op: u.id.clone(),
                }
                .encode();
                let op = &mut self.ops[i];
                op.callback_id = Some(id.clone());
                op.callback = Some(CallbackTimers {
                    timeout_s,
                    heartbeat_s,
                    deadline_ms: (timeout_s > 0).then(|| now + timeout_s * 1000),
                    heartbeat_deadline_ms: (heartbeat_s > 0).then(|| now + heartbeat_s * 1000),
                });
                let mut d = json!({"CallbackId": id});
                if timeout_s > 0 {
                    d["Timeout"] = json!(timeout_s);
                }
                if heartbeat_s > 0 {
                    d["HeartbeatTimeout"] = json!(heartbeat_s);
                }
                ev(self, "CallbackStarted", d);
            }
            (OpType::ChainedInvoke, _) => {
                let Some(opts) = u.chained_invoke_options.clone() else {
                    return;
                };
                let checked = preflight(&opts);
                let mut target = ChainedTarget {
                    function_name: opts.function_name.clone(),
                    tenant_id: opts.tenant_id.clone(),
                    payload: u.payload.clone(),
                    executed_version: None,
                    child_arn: None,
                };
                let mut d = json!({"FunctionName": opts.function_name,
                                   "Input": history::payload(u.payload.as_deref())});
                if let Some(t) = &opts.tenant_id {
                    d["TenantId"] = json!(t);
                }
                match checked {
                    Ok(version) => {
                        d["ExecutedVersion"] = json!(version);
                        target.executed_version = Some(version);
                        self.ops[i].target = Some(target.clone());
                        ev(self, "ChainedInvokeStarted", d);
                        effects.push(Effect::StartChained {
                            op: u.id.clone(),
                            target,
                        });
                    }
                    Err(error) => {
                        d["Input"] = json!({"Truncated": false});
                        target.payload = None;
                        self.ops[i].target = Some(target);
                        ev(self, "ChainedInvokeStarted", d);
                        let op = &mut self.ops[i];
                        op.status = OpStatus::Failed;
                        op.end_ms = Some(now);
                        op.error = Some(error);
                        let d = json!({"Error": history::error(op.error.as_ref())});
                        ev(self, "ChainedInvokeFailed", d);
                    }
                }
            }
            (OpType::Execution, _) => {}
        }
        self.touch(i);
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

    /// The next moment something of it comes due: its timeout, a wait's end, a step's next attempt, a
    /// callback's timeouts.
    pub fn next_due(&self) -> Option<u64> {
        if self.status.is_terminal() {
            return None;
        }
        let mut due = Some(self.timeout_at_ms());
        let mut consider = |t: Option<u64>| {
            if let Some(t) = t {
                due = Some(due.map_or(t, |d: u64| d.min(t)));
            }
        };
        consider(self.retry_at_ms);
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

    /// Times the execution out when its `ExecutionTimeout` ran out by `now`.
    pub fn time_out_if_due(&mut self, now: u64) -> bool {
        if self.status.is_terminal() || now < self.timeout_at_ms() {
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

    /// Whether it should be invoked now: it is running and has never been invoked, or an invocation was cut
    /// short (it was running when the service stopped), or a failed invocation's retry is due, or an operation
    /// changed that the handler has not seen.
    pub fn needs_invocation(&self, now: u64) -> bool {
        self.status == ExecutionStatus::Running
            && (self.invocations == 0
                || self.invocation.is_some()
                || self.retry_at_ms.is_some_and(|r| r <= now)
                || self.has_unseen_changes())
    }

    /// Whether an operation changed that the handler has not seen.
    pub fn has_unseen_changes(&self) -> bool {
        self.ops.iter().any(|o| o.touched > self.seen_seq)
    }

    /// Whether anything is still under way (a wait, a step to retry, a callback, a chained invoke, a context).
    fn has_pending(&self) -> bool {
        self.ops.iter().any(|o| {
            o.kind != OpType::Execution
                && matches!(
                    o.status,
                    OpStatus::Started | OpStatus::Pending | OpStatus::Ready
                )
        })
    }

    /// Ends an invocation: records `InvocationCompleted`, then reads the handler's answer
    /// (`{"Status": "SUCCEEDED" | "FAILED" | "PENDING", "Result", "Error"}`).
    pub fn finish_invocation(
        &mut self,
        invocation: &str,
        result: InvocationResult,
        request_id: &str,
        start_ms: u64,
        end_ms: u64,
    ) -> InvocationOutcome {
        // Only the current invocation ends itself: one that another replaced (after a restart) changes nothing.
        if self.invocation.as_deref() != Some(invocation) {
            return InvocationOutcome::Ignored;
        }
        self.invocation = None;
        self.last_checkpoint = None;
        let function_error = match &result {
            InvocationResult::FunctionError { error_type, body } => {
                let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                Some(ErrorObject {
                    error_type: Some(
                        v.get("errorType")
                            .and_then(Value::as_str)
                            .unwrap_or(error_type)
                            .to_owned(),
                    ),
                    error_message: v
                        .get("errorMessage")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    ..ErrorObject::default()
                })
            }
            InvocationResult::Answered(_) => None,
        };
        let mut d = json!({"StartTimestamp": history::time(start_ms),
                           "EndTimestamp": history::time(end_ms),
                           "RequestId": request_id});
        if let Some(e) = &function_error {
            d["Error"] = history::error(Some(e));
        }
        let execution_op = self.ops[0].clone();
        let mut ev = event(&execution_op, "InvocationCompleted", end_ms, d);
        ev.sub_type = None;
        self.events.push(ev);
        if self.status != ExecutionStatus::Running {
            return InvocationOutcome::Ignored;
        }
        let answer = match result {
            InvocationResult::FunctionError { .. } => {
                return self.failed_invocation(function_error.unwrap_or_default(), end_ms)
            }
            InvocationResult::Answered(body) => body,
        };
        let v: Value = match serde_json::from_slice(&answer) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                let e = ErrorObject::new(
                    "InvalidParameterValueException",
                    "Invalid durable execution output: the handler must answer a JSON object with a Status.",
                );
                self.end(ExecutionStatus::Failed, None, Some(e), end_ms);
                return InvocationOutcome::Ended;
            }
        };
        let error: Option<ErrorObject> = v
            .get("Error")
            .filter(|e| !e.is_null())
            .and_then(|e| serde_json::from_value(e.clone()).ok());
        let result = v.get("Result").and_then(Value::as_str).map(str::to_owned);
        match v.get("Status").and_then(Value::as_str) {
            Some("SUCCEEDED") if error.is_none() => {
                self.failed_invocations = 0;
                self.end(
                    ExecutionStatus::Succeeded,
                    Some(result.unwrap_or_default()),
                    None,
                    end_ms,
                );
                InvocationOutcome::Ended
            }
            Some("FAILED") if result.is_none() => {
                self.failed_invocations = 0;
                self.end(ExecutionStatus::Failed, None, error, end_ms);
                InvocationOutcome::Ended
            }
            Some("PENDING") if self.has_pending() || self.has_unseen_changes() => {
                self.failed_invocations = 0;
                InvocationOutcome::Suspended {
                    now: self.has_unseen_changes(),
                }
            }
            Some("PENDING") => self.failed_invocation(
                ErrorObject::new(
                    "InvalidParameterValueException",
                    "Cannot return PENDING status with no pending operations.",
                ),
                end_ms,
            ),
            Some("SUCCEEDED") => {
                let e = ErrorObject::new(
                    "InvalidParameterValueException",
                    "Cannot provide an Error for SUCCEEDED status.",
                );
                self.end(ExecutionStatus::Failed, None, Some(e), end_ms);
                InvocationOutcome::Ended
            }
            Some("FAILED") => {
                let e = ErrorObject::new(
                    "InvalidParameterValueException",
                    "Cannot provide a Result for FAILED status.",
                );
                self.end(ExecutionStatus::Failed, None, Some(e), end_ms);
                InvocationOutcome::Ended
            }
            other => {
                let e = ErrorObject::new(
                    "InvalidParameterValueException",
                    format!(
                        "Unexpected invocation status: {}",
                        other.unwrap_or("(none)")
                    ),
                );
                self.end(ExecutionStatus::Failed, None, Some(e), end_ms);
                InvocationOutcome::Ended
            }
        }
    }

    /// One more failed invocation: retried with backoff (0.5 s doubling, at most 30 s), the execution failed
    /// with the error after [`MAX_FAILED_INVOCATIONS`].
    fn failed_invocation(&mut self, error: ErrorObject, now: u64) -> InvocationOutcome {
        self.failed_invocations += 1;
        if self.failed_invocations >= MAX_FAILED_INVOCATIONS {
            self.end(ExecutionStatus::Failed, None, Some(error), now);
            return InvocationOutcome::Ended;
        }
        let delay = (500u64 << (self.failed_invocations - 1).min(6)).min(30_000);
        self.retry_at_ms = Some(now + delay);
        InvocationOutcome::Retry(delay)
    }

    fn callback_op(&self, op_id: &str, callback_id: &str) -> Result<usize, DurableError> {
        let i = self
            .find(op_id)
            .filter(|&i| self.ops[i].kind == OpType::Callback)
            .ok_or_else(|| DurableError::NotFound(format!("Callback {callback_id} not found.")))?;
        match self.ops[i].status {
            OpStatus::Started if !self.status.is_terminal() => Ok(i),
            OpStatus::TimedOut => Err(DurableError::CallbackTimeout(format!(
                "Callback {callback_id} has timed out."
            ))),
            OpStatus::Started => Err(invalid(format!(
                "Durable execution {} has already completed.",
                self.arn
            ))),
            _ => Err(invalid(format!(
                "Callback {callback_id} has already completed."
            ))),
        }
    }

    /// `SendDurableExecutionCallbackSuccess`.
    pub fn callback_succeed(
        &mut self,
        op_id: &str,
        callback_id: &str,
        result: Option<String>,
        now: u64,
    ) -> Result<(), DurableError> {
        self.complete_due(now);
        let i = self.callback_op(op_id, callback_id)?;
        let op = &mut self.ops[i];
        op.status = OpStatus::Succeeded;
        op.end_ms = Some(now);
        op.result = result;
        let d = json!({"Result": history::payload(op.result.as_deref())});
        let e = event(op, "CallbackSucceeded", now, d);
        self.events.push(e);
        self.touch(i);
        Ok(())
    }

    /// `SendDurableExecutionCallbackFailure`.
    pub fn callback_fail(
        &mut self,
        op_id: &str,
        callback_id: &str,
        error: ErrorObject,
        now: u64,
    ) -> Result<(), DurableError> {
        self.complete_due(now);
        let i = self.callback_op(op_id, callback_id)?;
        let op = &mut self.ops[i];
        op.status = OpStatus::Failed;
        op.end_ms = Some(now);
        op.error = Some(error);
        let d = json!({"Error": history::error(op.error.as_ref())});
        let e = event(op, "CallbackFailed", now, d);
        self.events.push(e);
        self.touch(i);
        Ok(())
    }

    /// `SendDurableExecutionCallbackHeartbeat`: the heartbeat timeout starts again (nothing the handler sees).
    pub fn callback_heartbeat(
        &mut self,
        op_id: &str,
        callback_id: &str,
        now: u64,
    ) -> Result<(), DurableError> {
        self.complete_due(now);
        let i = self.callback_op(op_id, callback_id)?;
        if let Some(t) = &mut self.ops[i].callback {
            if t.heartbeat_s > 0 {
                t.heartbeat_deadline_ms = Some(now + t.heartbeat_s * 1000);
            }
        }
        Ok(())
    }

    /// The chained invoke `op` ended (`SUCCEEDED`, `FAILED`, `TIMED_OUT`, `STOPPED`). Whether it was still
    /// waiting for it.
    pub fn chained_done(
        &mut self,
        op_id: &str,
        status: OpStatus,
        result: Option<String>,
        error: Option<ErrorObject>,
        now: u64,
    ) -> bool {
        let Some(i) = self
            .find(op_id)
            .filter(|&i| self.ops[i].kind == OpType::ChainedInvoke)
        else {
            return false;
        };
        if self.ops[i].status != OpStatus::Started || self.status.is_terminal() {
            return false;
        }
        let op = &mut self.ops[i];
        op.status = status;
        op.end_ms = Some(now);
        let (t, d) = match status {
            OpStatus::Succeeded => {
                op.result = result;
                (
                    "ChainedInvokeSucceeded",
                    json!({"Result": history::payload(op.result.as_deref())}),
                )
            }
            _ => {
                op.error = error;
                let t = match status {
                    OpStatus::TimedOut => "ChainedInvokeTimedOut",
                    OpStatus::Stopped => "ChainedInvokeStopped",
                    _ => "ChainedInvokeFailed",
                };
                (t, json!({"Error": history::error(op.error.as_ref())}))
            }
        };
        let e = event(op, t, now, d);
        self.events.push(e);
        self.touch(i);
        true
    }

    /// Records the durable execution a chained invoke started.
    pub fn chained_child(&mut self, op_id: &str, child_arn: &str) {
        if let Some(i) = self.find(op_id) {
            if let Some(t) = &mut self.ops[i].target {
                t.child_arn = Some(child_arn.to_owned());
            }
        }
    }

    /// The chained invokes still running, with their targets (to dispatch again after a restart).
    pub fn running_chained(&self) -> Vec<(String, ChainedTarget)> {
        self.ops
            .iter()
            .filter(|o| o.kind == OpType::ChainedInvoke && o.status == OpStatus::Started)
            .filter_map(|o| Some((o.id.clone(), o.target.clone()?)))
            .collect()
    }

    /// `StopDurableExecution`: the stop time (the end time when it had already ended).
    pub fn stop(&mut self, error: Option<ErrorObject>, now: u64) -> u64 {
        if self.status.is_terminal() {
            return self.end_ms.unwrap_or(now);
        }
        let error = error.unwrap_or_else(|| ErrorObject {
            error_message: Some("Execution stopped by user request".into()),
            ..ErrorObject::default()
        });
        self.end(ExecutionStatus::Stopped, None, Some(error), now);
        now
    }

    /// Fails the execution (its function was deleted, its input cannot be delivered).
    pub fn fail(&mut self, error: ErrorObject, now: u64) {
        self.end(ExecutionStatus::Failed, None, Some(error), now);
    }

    /// `PauseDurableExecution`: no new invocation starts until it is resumed.
    pub fn pause(&mut self, reason: Option<&str>, now: u64) -> Result<(), DurableError> {
        if self.status != ExecutionStatus::Running {
            return Err(DurableError::Conflict(format!(
                "Durable execution {} is {} and cannot be paused.",
                self.arn,
                self.status.as_str()
            )));
        }
        self.status = ExecutionStatus::Paused;
        self.paused_ms = Some(now);
        let mut d =
            json!({"PauseRequestTimestamp": history::time(now), "ExecutionTimeoutPaused": false});
        if let Some(r) = reason {
            d["Reason"] = json!({"Payload": r, "Truncated": false});
        }
        let e = event(&self.ops[0].clone(), "ExecutionPaused", now, d);
        self.events.push(e);
        Ok(())
    }

    /// `ResumeDurableExecution`.
    pub fn resume(&mut self, reason: Option<&str>, now: u64) -> Result<(), DurableError> {
        if self.status != ExecutionStatus::Paused {
            return Err(DurableError::Conflict(format!(
                "Durable execution {} is {} and cannot be resumed.",
                self.arn,
                self.status.as_str()
            )));
        }
        self.status = ExecutionStatus::Running;
        self.paused_ms = None;
        let mut d = json!({"ResumeRequestTimestamp": history::time(now)});
        if let Some(r) = reason {
            d["Reason"] = json!({"Payload": r, "Truncated": false});
        }
        let e = event(&self.ops[0].clone(), "ExecutionResumed", now, d);
        self.events.push(e);
        Ok(())
    }

    /// `GetDurableExecution`'s body.
    pub fn describe(&self, include_data: bool, durable_config: Value) -> Value {
        let mut o = json!({
            "DurableExecutionArn": self.arn,
            "DurableExecutionName": self.name,
            "FunctionArn": self.function_arn,
            "StartTimestamp": history::time(self.start_ms),
            "Status": self.status.as_str(),
            "Version": self.version,
            "ExecutionDataIncluded": include_data,
            "DurableConfig": durable_config,
        });
        if let Some(e) = self.end_ms {
            o["EndTimestamp"] = history::time(e);
        } else {
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
            o["PauseDetails"] =
                json!({"PauseRequestTimestamp": history::time(p), "ExecutionTimeoutPaused": false});
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

#[cfg(test)]
mod tests;
