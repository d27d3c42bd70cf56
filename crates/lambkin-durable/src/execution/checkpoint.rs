//! A checkpoint's updates: the service's checks of them against the log as it stands (in the words the service
//! answers), and the transition each one makes.

use serde_json::{json, Value};

use super::{event, invalid, DurableError, Effect, Execution, ExecutionStatus};
use crate::history;
use crate::model::{
    Action, CallbackTimers, ChainedInvokeOptions, ChainedTarget, ErrorObject, OpStatus, OpType,
    Operation, OperationUpdate,
};
use crate::token::CallbackId;

use super::MAX_ERROR_BYTES;

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
    pub(super) fn validate(&self, updates: &[OperationUpdate]) -> Result<(), DurableError> {
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
    pub(super) fn apply(
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
                let id = CallbackId::new(&self.arn, &u.id).encode();
                let op = &mut self.ops[i];
                op.callback_id = Some(id.clone());
                op.callback = Some(CallbackTimers {
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
}
