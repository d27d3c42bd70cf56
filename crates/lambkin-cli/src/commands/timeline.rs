//! A durable execution's history (GetDurableExecutionHistory's `Events`) as a timeline for people: one line
//! per event with its time from the execution's start, its type, its operation indented under its parent,
//! and a short detail.
//!
//! ```text
//! +0.000s  ExecutionStarted          timeout 1h, input {"order":42}
//! +0.004s  StepStarted       charge
//! +0.210s  StepFailed        charge  attempt 1, CardDeclined: try again, retry in 5s
//! +5.300s  StepSucceeded     charge  attempt 2, result {"charged":true}
//! ```

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::durable::{duration, error_text, payload_preview, seconds, MESSAGE_CHARS};
use super::text;
use crate::local_time::{self, epoch, Offset};

/// The operation column is padded to at most this many characters (longer names push their detail right).
pub const OPERATION_WIDTH: usize = 40;

/// Events about the whole execution rather than one of its operations.
fn is_execution_event(event_type: &str) -> bool {
    event_type.starts_with("Execution") || event_type == "InvocationCompleted"
}

/// The lines of the timeline. `start` is the execution's start (the first event's time when `None`);
/// `offset` says which zone wall-clock times are shown in.
pub fn render(events: &[Value], start: Option<f64>, offset: Offset) -> Vec<String> {
    let start = start.or_else(|| events.iter().find_map(|e| epoch(&e["EventTimestamp"])));
    let depth = nesting(events);
    let rows: Vec<[String; 4]> = events
        .iter()
        .map(|e| {
            let event_type = text(e, "EventType");
            let at = match (epoch(&e["EventTimestamp"]), start) {
                (Some(t), Some(s)) => since_start(t - s),
                _ => "?".to_owned(),
            };
            let operation = if is_execution_event(&event_type) {
                text(e, "Name")
            } else {
                let label = match text(e, "Name") {
                    n if n.is_empty() => text(e, "Id"),
                    n => n,
                };
                format!("{}{label}", "  ".repeat(depth(e)))
            };
            let detail = detail(e, &event_type, offset);
            [at, event_type, operation, detail]
        })
        .collect();
    let width = |i: usize, cap: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
            .min(cap)
    };
    let (at_w, type_w, op_w) = (
        width(0, usize::MAX),
        width(1, usize::MAX),
        width(2, OPERATION_WIDTH),
    );
    rows.iter()
        .map(|[at, ty, op, detail]| {
            format!("{at:>at_w$}  {ty:<type_w$}  {op:<op_w$}  {detail}")
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// How deep each event's operation sits: the number of its ancestors (`ParentId`, then the parent's) that are
/// operations of this history; an execution-level parent does not count.
fn nesting(events: &[Value]) -> impl Fn(&Value) -> usize + '_ {
    let mut parent: HashMap<&str, &str> = HashMap::new();
    let mut operations: HashSet<&str> = HashSet::new();
    for e in events {
        let (Some(id), Some(ty)) = (e["Id"].as_str(), e["EventType"].as_str()) else {
            continue;
        };
        if is_execution_event(ty) {
            continue;
        }
        operations.insert(id);
        if let Some(p) = e["ParentId"].as_str().filter(|p| !p.is_empty()) {
            parent.insert(id, p);
        }
    }
    move |e: &Value| {
        let mut depth = 0;
        let mut at = e["ParentId"].as_str();
        // Bounded: a history that names itself its own ancestor must not hang the command.
        while let Some(p) = at.filter(|p| operations.contains(p) && depth < 64) {
            depth += 1;
            at = parent.get(p).copied();
        }
        depth
    }
}

/// An event's time from the execution's start: `+0.012s`, `+2m03.456s`, `+1h02m03s`, `+2d03h04m`.
pub fn since_start(secs: f64) -> String {
    let sign = if secs < 0.0 { '-' } else { '+' };
    let ms = (secs.abs() * 1000.0).round() as u64;
    let s = ms / 1000;
    match ms {
        0..60_000 => format!("{sign}{s}.{:03}s", ms % 1000),
        60_000..3_600_000 => format!("{sign}{}m{:02}.{:03}s", s / 60, s % 60, ms % 1000),
        3_600_000..86_400_000 => {
            format!("{sign}{}h{:02}m{:02}s", s / 3600, s % 3600 / 60, s % 60)
        }
        _ => format!(
            "{sign}{}d{:02}h{:02}m",
            s / 86_400,
            s % 86_400 / 3600,
            s % 3600 / 60
        ),
    }
}

/// The short detail of one event, from its `<EventType>Details`.
pub fn detail(e: &Value, event_type: &str, offset: Offset) -> String {
    let d = &e[format!("{event_type}Details")];
    let secs = |k: &str| d[k].as_u64().map(seconds);
    let mut parts: Vec<String> = Vec::new();
    match event_type {
        "ExecutionStarted" => {
            parts.extend(secs("ExecutionTimeout").map(|t| format!("timeout {t}")))
        }
        "WaitStarted" => {
            parts.extend(secs("Duration").map(|t| format!("wait {t}")));
            if let Some(end) = epoch(&d["ScheduledEndTimestamp"]) {
                parts.push(format!("until {}", local_time::format(end, offset)));
            }
        }
        "WaitSucceeded" => parts.extend(secs("Duration").map(|t| format!("waited {t}"))),
        "CallbackStarted" => {
            parts.extend(d["CallbackId"].as_str().map(|id| format!("callback {id}")));
            parts.extend(secs("Timeout").map(|t| format!("timeout {t}")));
            parts.extend(secs("HeartbeatTimeout").map(|t| format!("heartbeat {t}")));
        }
        "ChainedInvokeStarted" => {
            parts.extend(d["FunctionName"].as_str().map(|f| format!("invoke {f}")));
            parts.extend(
                d["ExecutedVersion"]
                    .as_str()
                    .map(|v| format!("version {v}")),
            );
        }
        "InvocationCompleted" => {
            parts.extend(d["RequestId"].as_str().map(|r| format!("request {r}")));
            if let (Some(s), Some(end)) = (epoch(&d["StartTimestamp"]), epoch(&d["EndTimestamp"])) {
                parts.push(format!("ran {}", duration(end - s)));
            }
        }
        "ExecutionPaused" => {
            parts.extend(payload_preview(&d["Reason"]).map(|r| format!("reason {r}")));
            if d["ExecutionTimeoutPaused"].as_bool() == Some(true) {
                parts.push("timeout paused".to_owned());
            }
        }
        "ExecutionResumed" => {
            parts.extend(payload_preview(&d["Reason"]).map(|r| format!("reason {r}")))
        }
        _ => {}
    }
    let retry = &d["RetryDetails"];
    parts.extend(
        retry["CurrentAttempt"]
            .as_u64()
            .map(|n| format!("attempt {n}")),
    );
    parts.extend(error_text(&d["Error"], MESSAGE_CHARS));
    parts.extend(
        retry["NextAttemptDelaySeconds"]
            .as_u64()
            .map(|t| format!("retry in {}", seconds(t))),
    );
    parts.extend(payload_preview(&d["Input"]).map(|p| format!("input {p}")));
    parts.extend(payload_preview(&d["Result"]).map(|p| format!("result {p}")));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local_time::utc;
    use serde_json::json;

    const T0: f64 = 1_796_616_031.0;

    /// A history in the model's shape: a step that fails once then succeeds, a wait, a child context holding a
    /// callback that succeeds, a chained invoke, then success.
    fn history() -> Vec<Value> {
        let ev = |id: u64,
                  ty: &str,
                  op: &str,
                  name: Option<&str>,
                  parent: Option<&str>,
                  dt: f64,
                  details: Value| {
            let mut e =
                json!({"EventType": ty, "EventId": id, "Id": op, "EventTimestamp": T0 + dt});
            if let Some(n) = name {
                e["Name"] = json!(n);
            }
            if let Some(p) = parent {
                e["ParentId"] = json!(p);
            }
            if !details.is_null() {
                e[format!("{ty}Details")] = details;
            }
            e
        };
        vec![
            ev(
                1,
                "ExecutionStarted",
                "exec",
                None,
                None,
                0.0,
                json!({"Input": {"Payload": "{\"order\":42}", "Truncated": false}, "ExecutionTimeout": 3600}),
            ),
            ev(
                2,
                "StepStarted",
                "s1",
                Some("charge"),
                None,
                0.004,
                json!({}),
            ),
            ev(
                3,
                "StepFailed",
                "s1",
                Some("charge"),
                None,
                0.21,
                json!({
                "Error": {"Payload": {"ErrorType": "CardDeclined", "ErrorMessage": "try again", "StackTrace": []}},
                "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 5}}),
            ),
            ev(
                4,
                "StepSucceeded",
                "s1",
                Some("charge"),
                None,
                5.3,
                json!({
                "Result": {"Payload": "{\"charged\":true}"},
                "RetryDetails": {"CurrentAttempt": 2}}),
            ),
            ev(
                5,
                "WaitStarted",
                "w1",
                None,
                None,
                5.31,
                json!({"Duration": 90, "ScheduledEndTimestamp": T0 + 95.31}),
            ),
            ev(
                6,
                "InvocationCompleted",
                "exec",
                None,
                None,
                5.4,
                json!({
                "StartTimestamp": T0, "EndTimestamp": T0 + 5.4, "RequestId": "r-1"}),
            ),
            ev(
                7,
                "WaitSucceeded",
                "w1",
                None,
                None,
                95.5,
                json!({"Duration": 90}),
            ),
            ev(
                8,
                "ContextStarted",
                "c1",
                Some("approval"),
                None,
                95.6,
                json!({}),
            ),
            ev(
                9,
                "CallbackStarted",
                "cb1",
                Some("ask-manager"),
                Some("c1"),
                95.61,
                json!({
                "CallbackId": "QUJD+/==", "Timeout": 86400, "HeartbeatTimeout": 300}),
            ),
            ev(
                10,
                "CallbackSucceeded",
                "cb1",
                Some("ask-manager"),
                Some("c1"),
                4000.0,
                json!({
                "Result": {"Payload": "x".repeat(200), "Truncated": true}}),
            ),
            ev(
                11,
                "ContextSucceeded",
                "c1",
                Some("approval"),
                None,
                4000.1,
                json!({"Result": {"Payload": "\"ok\""}}),
            ),
            ev(
                12,
                "ChainedInvokeStarted",
                "i1",
                Some("ship"),
                None,
                4000.2,
                json!({
                "FunctionName": "shipping", "ExecutedVersion": "$LATEST"}),
            ),
            ev(
                13,
                "ChainedInvokeFailed",
                "i1",
                Some("ship"),
                None,
                90_000.0,
                json!({
                "Error": {"Payload": {"ErrorType": "Timeout", "ErrorMessage": "m".repeat(300)}}}),
            ),
            ev(
                14,
                "ExecutionSucceeded",
                "exec",
                None,
                None,
                90_000.5,
                json!({"Result": {"Payload": "{\"done\":true}"}}),
            ),
        ]
    }

    #[test]
    fn timeline_reads_as_a_story() {
        let lines = render(&history(), Some(T0), utc);
        let long_result = format!("result {}…", "x".repeat(60));
        let long_message = format!("Timeout: {}…", "m".repeat(100));
        let expected = [
            r#"   +0.000s  ExecutionStarted                     timeout 1h, input {"order":42}"#,
            r#"   +0.004s  StepStarted           charge"#,
            r#"   +0.210s  StepFailed            charge         attempt 1, CardDeclined: try again, retry in 5s"#,
            r#"   +5.300s  StepSucceeded         charge         attempt 2, result {"charged":true}"#,
            r#"   +5.310s  WaitStarted           w1             wait 1m30s, until 2026-12-07 04:02:06"#,
            r#"   +5.400s  InvocationCompleted                  request r-1, ran 5.4s"#,
            r#"+1m35.500s  WaitSucceeded         w1             waited 1m30s"#,
            r#"+1m35.600s  ContextStarted        approval"#,
            r#"+1m35.610s  CallbackStarted         ask-manager  callback QUJD+/==, timeout 1d, heartbeat 5m"#,
            &format!(" +1h06m40s  CallbackSucceeded       ask-manager  {long_result}"),
            r#" +1h06m40s  ContextSucceeded      approval       result "ok""#,
            r#" +1h06m40s  ChainedInvokeStarted  ship           invoke shipping, version $LATEST"#,
            &format!(" +1d01h00m  ChainedInvokeFailed   ship           {long_message}"),
            r#" +1d01h00m  ExecutionSucceeded                   result {"done":true}"#,
        ];
        assert_eq!(lines, expected, "\n{}", lines.join("\n"));
    }

    #[test]
    fn start_defaults_to_the_first_event_and_odd_events_still_render() {
        let events = vec![
            json!({"EventType": "StepStarted", "Id": "a", "EventTimestamp": 10.0}),
            json!({"EventType": "SomethingNew", "Id": "b", "ParentId": "a", "EventTimestamp": 9.5}),
            json!({"EventType": "StepStarted", "Id": "loop", "ParentId": "loop"}),
        ];
        assert_eq!(
            render(&events, None, utc),
            [
                "+0.000s  StepStarted   a".to_owned(),
                "-0.500s  SomethingNew    b".to_owned(),
                format!("      ?  StepStarted   {}loop", "  ".repeat(64)),
            ]
        );
        assert!(render(&[], None, utc).is_empty());
    }

    #[test]
    fn offsets_from_the_start() {
        assert_eq!(since_start(0.0123), "+0.012s");
        assert_eq!(since_start(59.9994), "+59.999s");
        assert_eq!(since_start(123.456), "+2m03.456s");
        assert_eq!(since_start(3723.4), "+1h02m03s");
        assert_eq!(
            since_start(2.0 * 86_400.0 + 3.0 * 3600.0 + 240.0),
            "+2d03h04m"
        );
        assert_eq!(since_start(-0.25), "-0.250s");
    }

    #[test]
    fn paused_and_resumed() {
        let paused = json!({"ExecutionPausedDetails": {"PauseRequestTimestamp": 1.0,
            "Reason": {"Payload": "maintenance"}, "ExecutionTimeoutPaused": true}});
        assert_eq!(
            detail(&paused, "ExecutionPaused", utc),
            "reason maintenance, timeout paused"
        );
        let stopped =
            json!({"ExecutionStoppedDetails": {"Error": {"Payload": {"ErrorMessage": "by hand"}}}});
        assert_eq!(detail(&stopped, "ExecutionStopped", utc), "by hand");
    }
}
