//! Operations as JSON. The invoke event carries timestamps in epoch milliseconds (the SDKs read them with
//! `from_json_dict`); the API's responses carry them as epoch seconds (botocore's `timestamp` in a REST-JSON
//! body).

use serde_json::{json, Map, Value};

use crate::model::{OpType, Operation};

/// How timestamps are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamps {
    /// Epoch milliseconds (integers): the invoke event.
    Millis,
    /// Epoch seconds (numbers with a fraction): API responses.
    Seconds,
}

/// A Unix-ms time in the given form.
pub fn stamp(ms: u64, s: Stamps) -> Value {
    match s {
        Stamps::Millis => json!(ms),
        Stamps::Seconds => json!(ms as f64 / 1000.0),
    }
}

/// One operation (`Operation` of botocore's model).
pub fn operation(op: &Operation, s: Stamps) -> Value {
    let mut o = Map::new();
    o.insert("Id".into(), json!(op.id));
    if let Some(p) = &op.parent_id {
        o.insert("ParentId".into(), json!(p));
    }
    if let Some(n) = &op.name {
        o.insert("Name".into(), json!(n));
    }
    o.insert("Type".into(), json!(op.kind.as_str()));
    if let Some(t) = &op.sub_type {
        o.insert("SubType".into(), json!(t));
    }
    o.insert("StartTimestamp".into(), stamp(op.start_ms, s));
    if let Some(e) = op.end_ms {
        o.insert("EndTimestamp".into(), stamp(e, s));
    }
    o.insert("Status".into(), json!(op.status.as_str()));
    let mut d = Map::new();
    let result_and_error = |d: &mut Map<String, Value>| {
        if let Some(r) = &op.result {
            d.insert("Result".into(), json!(r));
        }
        if let Some(e) = &op.error {
            d.insert("Error".into(), json!(e));
        }
    };
    let key = match op.kind {
        OpType::Execution => {
            d.insert(
                "InputPayload".into(),
                json!(op.input_payload.as_deref().unwrap_or("")),
            );
            "ExecutionDetails"
        }
        OpType::Context => {
            if op.replay_children {
                d.insert("ReplayChildren".into(), json!(true));
            }
            result_and_error(&mut d);
            "ContextDetails"
        }
        OpType::Step => {
            d.insert("Attempt".into(), json!(op.attempt));
            if let Some(n) = op.next_attempt_ms {
                d.insert("NextAttemptTimestamp".into(), stamp(n, s));
            }
            result_and_error(&mut d);
            "StepDetails"
        }
        OpType::Wait => {
            if let Some(e) = op.scheduled_end_ms {
                d.insert("ScheduledEndTimestamp".into(), stamp(e, s));
            }
            "WaitDetails"
        }
        OpType::Callback => {
            if let Some(c) = &op.callback_id {
                d.insert("CallbackId".into(), json!(c));
            }
            result_and_error(&mut d);
            "CallbackDetails"
        }
        OpType::ChainedInvoke => {
            result_and_error(&mut d);
            "ChainedInvokeDetails"
        }
    };
    o.insert(key.into(), Value::Object(d));
    Value::Object(o)
}

/// Operations in order.
pub fn operations<'a>(ops: impl IntoIterator<Item = &'a Operation>, s: Stamps) -> Vec<Value> {
    ops.into_iter().map(|op| operation(op, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OpStatus;

    #[test]
    fn a_step_in_both_forms() {
        let op = Operation {
            id: "1".into(),
            parent_id: None,
            name: Some("add".into()),
            kind: OpType::Step,
            sub_type: Some("Step".into()),
            status: OpStatus::Succeeded,
            start_ms: 1_500,
            end_ms: Some(2_250),
            input_payload: None,
            result: Some("3".into()),
            error: None,
            replay_children: false,
            attempt: 1,
            next_attempt_ms: None,
            scheduled_end_ms: None,
            callback_id: None,
            callback: None,
            target: None,
            touched: 4,
        };
        let ms = operation(&op, Stamps::Millis);
        assert_eq!(ms["StartTimestamp"], json!(1500));
        assert_eq!(ms["StepDetails"], json!({"Attempt": 1, "Result": "3"}));
        let secs = operation(&op, Stamps::Seconds);
        assert_eq!(secs["EndTimestamp"], json!(2.25));
        assert_eq!(secs["Status"], json!("SUCCEEDED"));
        assert!(secs.get("touched").is_none());
    }
}
