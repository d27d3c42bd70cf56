//! History events (`GetDurableExecutionHistory`), recorded as the execution changes so their `EventId`s are the
//! order things happened in.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::model::ErrorObject;
use crate::render::{stamp, Stamps};

/// One history event as kept. Its details hold payloads as `{"Payload": …, "Truncated": false}` and times as
/// epoch seconds, the way the API answers them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `EventType` (`StepSucceeded`).
    pub event_type: String,
    /// `SubType` of the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// `Id` of the operation (empty for `InvocationCompleted`, which belongs to no operation).
    #[serde(default)]
    pub id: String,
    /// `Name` of the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ParentId` of the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `EventTimestamp`, Unix ms.
    pub ts_ms: u64,
    /// `<EventType>Details`.
    pub details: Value,
}

/// A result or input payload (`EventResult`, `EventInput`): shown only with `IncludeExecutionData`.
pub fn payload(p: Option<&str>) -> Value {
    match p {
        Some(p) => json!({"Payload": p, "Truncated": false}),
        None => json!({"Truncated": false}),
    }
}

/// An error (`EventError`): its object is always shown.
pub fn error(e: Option<&ErrorObject>) -> Value {
    match e {
        Some(e) => json!({"Payload": e, "Truncated": false}),
        None => json!({"Truncated": false}),
    }
}

/// A time in a detail.
pub fn time(ms: u64) -> Value {
    stamp(ms, Stamps::Seconds)
}

/// Hides result and input payloads (strings) and marks them truncated; error objects stay.
fn truncate(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.contains_key("Truncated") {
                if matches!(m.get("Payload"), Some(Value::String(_))) {
                    m.remove("Payload");
                }
                m.insert("Truncated".into(), json!(true));
            }
            for (_, child) in m.iter_mut() {
                truncate(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(truncate),
        _ => {}
    }
}

impl Event {
    /// The event as `GetDurableExecutionHistory` answers it.
    pub fn render(&self, event_id: usize, include_data: bool) -> Value {
        let mut o = Map::new();
        o.insert("EventType".into(), json!(self.event_type));
        if let Some(s) = &self.sub_type {
            o.insert("SubType".into(), json!(s));
        }
        o.insert("EventId".into(), json!(event_id));
        if !self.id.is_empty() {
            o.insert("Id".into(), json!(self.id));
        }
        if let Some(n) = &self.name {
            o.insert("Name".into(), json!(n));
        }
        o.insert("EventTimestamp".into(), time(self.ts_ms));
        if let Some(p) = &self.parent_id {
            o.insert("ParentId".into(), json!(p));
        }
        let mut details = self.details.clone();
        if !include_data {
            truncate(&mut details);
        }
        o.insert(format!("{}Details", self.event_type), details);
        Value::Object(o)
    }
}

/// A page of events: `marker` is the `EventId` to start at (forward) or to stop before (reverse).
pub fn page(
    events: &[Event],
    include_data: bool,
    reverse: bool,
    marker: Option<usize>,
    max_items: usize,
) -> (Vec<Value>, Option<String>) {
    let max_items = if max_items == 0 { 100 } else { max_items };
    let ids: Vec<usize> = if reverse {
        let end = marker.map_or(events.len(), |m| m.saturating_sub(1).min(events.len()));
        (1..=end).rev().collect()
    } else {
        let start = marker.unwrap_or(1).max(1);
        (start..=events.len()).collect()
    };
    let page: Vec<Value> = ids
        .iter()
        .take(max_items)
        .map(|&id| events[id - 1].render(id, include_data))
        .collect();
    let next = ids.get(max_items).map(|&id| {
        if reverse {
            (id + 1).to_string()
        } else {
            id.to_string()
        }
    });
    (page, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: u64) -> Event {
        Event {
            event_type: "StepSucceeded".into(),
            sub_type: Some("Step".into()),
            id: format!("op{n}"),
            name: None,
            parent_id: None,
            ts_ms: n * 1000,
            details: json!({"Result": payload(Some("42")), "RetryDetails": {"CurrentAttempt": 1}}),
        }
    }

    #[test]
    fn payloads_only_with_execution_data_errors_always() {
        let e = ev(1);
        let full = e.render(1, true);
        assert_eq!(
            full["StepSucceededDetails"]["Result"]["Payload"],
            json!("42")
        );
        let bare = e.render(1, false);
        assert_eq!(
            bare["StepSucceededDetails"]["Result"],
            json!({"Truncated": true})
        );
        let f = Event {
            event_type: "StepFailed".into(),
            details: json!({"Error": error(Some(&ErrorObject::new("E", "m")))}),
            ..ev(2)
        };
        let bare = f.render(2, false);
        assert_eq!(
            bare["StepFailedDetails"]["Error"]["Payload"]["ErrorType"],
            json!("E")
        );
        assert_eq!(bare["StepFailedDetails"]["Error"]["Truncated"], json!(true));
        assert_eq!(bare["EventTimestamp"], json!(2.0));
    }

    #[test]
    fn pages_forward_and_back() {
        let events: Vec<Event> = (1..=5).map(ev).collect();
        let (p, next) = page(&events, false, false, None, 2);
        assert_eq!(p.len(), 2);
        assert_eq!(next.as_deref(), Some("3"));
        let (p, next) = page(&events, false, false, Some(5), 2);
        assert_eq!(p[0]["EventId"], json!(5));
        assert_eq!(next, None);
        let (p, next) = page(&events, false, true, None, 2);
        assert_eq!(p[0]["EventId"], json!(5));
        assert_eq!(p[1]["EventId"], json!(4));
        let (p, next2) = page(
            &events,
            false,
            true,
            next.as_deref().and_then(|m| m.parse().ok()),
            2,
        );
        assert_eq!(p[0]["EventId"], json!(3));
        assert_eq!(next2.as_deref(), Some("2"));
    }
}
