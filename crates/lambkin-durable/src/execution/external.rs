//! What reaches an execution from outside its handler: callbacks completed, failed or kept alive by anyone
//! holding the id, chained invokes ending, `StopDurableExecution`, pause and resume.

use serde_json::json;

use super::{event, invalid, DurableError, Execution, ExecutionStatus, PAUSE_TOKEN_MS};
use crate::history;
use crate::model::{ChainedTarget, ErrorObject, OpStatus, OpType};

impl Execution {
    fn callback_op(&self, op_id: &str, callback_id: &str) -> Result<usize, DurableError> {
        let i = self
            .find(op_id)
            .filter(|&i| self.ops[i].kind == OpType::Callback)
            .filter(|&i| self.ops[i].callback_id.as_deref() == Some(callback_id))
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

    /// Records the durable execution a chained invoke started, and names it (`DurableExecutionArn`) in the
    /// operation's `ChainedInvokeStarted` event, as the service records it once the child exists.
    pub fn chained_child(&mut self, op_id: &str, child_arn: &str) {
        if let Some(i) = self.find(op_id) {
            if let Some(t) = &mut self.ops[i].target {
                t.child_arn = Some(child_arn.to_owned());
            }
        }
        if let Some(e) = self
            .events
            .iter_mut()
            .find(|e| e.id == op_id && e.event_type == "ChainedInvokeStarted")
        {
            e.details["DurableExecutionArn"] = json!(child_arn);
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

    /// `PauseDurableExecution`: no new invocation starts until it is resumed; `timeout_paused`
    /// (`ExecutionTimeoutPaused`): its `ExecutionTimeout` stands still meanwhile too. A request repeated with the
    /// pause's `ClientToken` and the same members within [`PAUSE_TOKEN_MS`] succeeds without pausing again.
    pub fn pause(
        &mut self,
        reason: Option<&str>,
        timeout_paused: bool,
        client_token: Option<&str>,
        now: u64,
    ) -> Result<(), DurableError> {
        let repeated = self.status == ExecutionStatus::Paused
            && client_token.is_some()
            && self.pause_client_token.as_deref() == client_token
            && self.pause_reason.as_deref() == reason
            && self.timeout_paused == timeout_paused
            && self
                .paused_ms
                .is_some_and(|p| now < p.saturating_add(PAUSE_TOKEN_MS));
        if repeated {
            return Ok(());
        }
        if self.status != ExecutionStatus::Running {
            return Err(DurableError::Conflict(format!(
                "Durable execution {} is {} and cannot be paused.",
                self.arn,
                self.status.as_str()
            )));
        }
        self.status = ExecutionStatus::Paused;
        self.paused_ms = Some(now);
        self.pause_reason = reason.map(str::to_owned);
        self.timeout_paused = timeout_paused;
        self.pause_client_token = client_token.map(str::to_owned);
        let mut d = json!({
            "PauseRequestTimestamp": history::time(now),
            "ExecutionTimeoutPaused": timeout_paused,
        });
        if let Some(r) = reason {
            d["Reason"] = json!({"Payload": r, "Truncated": false});
        }
        let e = event(&self.ops[0].clone(), "ExecutionPaused", now, d);
        self.events.push(e);
        Ok(())
    }

    /// `ResumeDurableExecution`: invocations start again; a timeout that stood still runs again from where it
    /// stopped (its deadline moves back by the time paused).
    pub fn resume(&mut self, reason: Option<&str>, now: u64) -> Result<(), DurableError> {
        if self.status != ExecutionStatus::Paused {
            return Err(DurableError::Conflict(format!(
                "Durable execution {} is {} and cannot be resumed.",
                self.arn,
                self.status.as_str()
            )));
        }
        if self.timeout_paused {
            let paused = now.saturating_sub(self.paused_ms.unwrap_or(now));
            self.timeout_paused_ms = self.timeout_paused_ms.saturating_add(paused);
        }
        self.status = ExecutionStatus::Running;
        self.paused_ms = None;
        self.pause_reason = None;
        self.timeout_paused = false;
        self.pause_client_token = None;
        let mut d = json!({"ResumeRequestTimestamp": history::time(now)});
        if let Some(r) = reason {
            d["Reason"] = json!({"Payload": r, "Truncated": false});
        }
        let e = event(&self.ops[0].clone(), "ExecutionResumed", now, d);
        self.events.push(e);
        Ok(())
    }
}
