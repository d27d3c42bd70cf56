//! Invocations of the handler: the invoke event and its token, the state pages the SDK reads, and what the
//! handler's answer (or its failure) does to the execution.

use serde_json::{json, Value};

use super::{
    invalid, DurableError, Execution, ExecutionStatus, InvocationOutcome, InvocationResult,
    MAX_FAILED_INVOCATIONS, PAGE_BYTES,
};
use crate::history::{self, Event};
use crate::model::{ErrorObject, OpStatus, OpType};
use crate::render::{self, Stamps};
use crate::token::CheckpointToken;

impl Execution {
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

    pub(super) fn token(&self) -> String {
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
    pub(super) fn check_token(
        &self,
        token: &str,
        any_seq: bool,
    ) -> Result<CheckpointToken, DurableError> {
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

    /// Whether it should be invoked now: it is running and has never been invoked, or an invocation is recorded
    /// (`invocation` is set: one runs now — the service keeps to one at a time, so that one is not doubled — or
    /// one was cut short when the service stopped, and runs again), or a failed invocation's retry is due, or an
    /// operation changed that the handler has not seen.
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

    /// Whether something will complete by itself or from outside: a step waiting for its next attempt, a
    /// wait, a callback, a chained invoke (what a `PENDING` answer may wait for).
    pub(super) fn has_pending(&self) -> bool {
        self.ops.iter().any(|o| {
            matches!(
                (o.kind, o.status),
                (OpType::Step, OpStatus::Pending)
                    | (OpType::Wait, OpStatus::Started)
                    | (OpType::Callback, OpStatus::Started)
                    | (OpType::ChainedInvoke, OpStatus::Started)
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
                Some(ErrorObject::from_function_error(body, error_type))
            }
            InvocationResult::Answered(_) => None,
        };
        let mut d = json!({"StartTimestamp": history::time(start_ms),
                           "EndTimestamp": history::time(end_ms),
                           "RequestId": request_id});
        if let Some(e) = &function_error {
            d["Error"] = history::error(Some(e));
        }
        self.events.push(Event {
            event_type: "InvocationCompleted".into(),
            sub_type: None,
            id: String::new(),
            name: None,
            parent_id: None,
            ts_ms: end_ms,
            details: d,
        });
        if self.status == ExecutionStatus::Paused {
            // Paused meanwhile: whatever it answered, it is invoked again once resumed (its checkpoints since the
            // pause were kept, their answers carried no token).
            self.retry_at_ms = Some(end_ms);
            return InvocationOutcome::Ignored;
        }
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
}
