//! What the durable-execution commands share: the `/2025-12-01/` request paths, execution statuses, and
//! short forms of durations, payloads and errors for people.

use serde_json::Value;

use crate::http::segment;

/// An execution's statuses, as the API spells them.
pub const STATUSES: [&str; 8] = [
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMED_OUT",
    "STOPPED",
    "DELETING",
    "PAUSING",
    "PAUSED",
];

/// Payload previews are cut to this many characters.
pub const PREVIEW_CHARS: usize = 60;
/// Error messages in a timeline are cut to this many characters.
pub const MESSAGE_CHARS: usize = 100;

/// `--status`: one of [`STATUSES`], in any case, `-` for `_` (`timed-out` is `TIMED_OUT`).
pub fn parse_status(s: &str) -> Result<String, String> {
    let status = s.trim().to_ascii_uppercase().replace('-', "_");
    if STATUSES.contains(&status.as_str()) {
        Ok(status)
    } else {
        Err(format!("expected one of {}", STATUSES.join(", ")))
    }
}

/// ListDurableExecutionsByFunction's path and query (the `Marker` is added per page).
pub fn list_path(
    function: &str,
    qualifier: Option<&str>,
    execution_name: Option<&str>,
    statuses: &[String],
) -> String {
    let mut query = Vec::new();
    if let Some(q) = qualifier {
        query.push(format!("Qualifier={}", segment(q)));
    }
    if let Some(n) = execution_name {
        query.push(format!("DurableExecutionName={}", segment(n)));
    }
    query.extend(statuses.iter().map(|s| format!("Statuses={}", segment(s))));
    let path = format!(
        "/2025-12-01/functions/{}/durable-executions",
        segment(function)
    );
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// `/2025-12-01/durable-executions/{arn}`: GetDurableExecution's path; the ARN (with its `:`, `$` and `/`) is
/// one segment.
pub fn execution_path(arn: &str) -> String {
    format!("/2025-12-01/durable-executions/{}", segment(arn))
}

/// GetDurableExecutionHistory's path with the payloads asked for (the `Marker` is added per page).
pub fn history_path(arn: &str) -> String {
    format!("{}/history?IncludeExecutionData=true", execution_path(arn))
}

/// `/2025-12-01/durable-execution-callbacks/{id}/{action}` (`succeed`, `fail`, `heartbeat`); a callback id
/// is base64, whose `+`, `/` and `=` are escaped.
pub fn callback_path(id: &str, action: &str) -> String {
    format!(
        "/2025-12-01/durable-execution-callbacks/{}/{action}",
        segment(id.trim())
    )
}

/// A span of time for people: `12ms`, `4.2s`, `3m07s`, `2h05m`, `3d04h`.
pub fn duration(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as u64);
    }
    if secs < 60.0 {
        return format!("{secs:.1}s");
    }
    let s = secs.round() as u64;
    match s {
        0..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A configured number of seconds, exactly: `30s`, `1m30s`, `1h`, `1d2h3m4s`.
pub fn seconds(n: u64) -> String {
    let parts = [
        (n / 86_400, "d"),
        (n % 86_400 / 3600, "h"),
        (n % 3600 / 60, "m"),
        (n % 60, "s"),
    ];
    let out: String = parts
        .iter()
        .filter(|(k, _)| *k > 0)
        .map(|(k, unit)| format!("{k}{unit}"))
        .collect();
    if out.is_empty() {
        "0s".to_owned()
    } else {
        out
    }
}

/// Cuts `s` to `max` characters (with `…`), control characters shown as spaces.
pub fn clip(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::http::truncate(&flat, max)
}

/// A preview of an event's `Input` or `Result` (`{Payload, Truncated}`): `None` when no payload came.
pub fn payload_preview(v: &Value) -> Option<String> {
    let payload = v["Payload"].as_str()?;
    if payload.is_empty() {
        return Some("(empty)".to_owned());
    }
    let mut s = clip(payload, PREVIEW_CHARS);
    if v["Truncated"].as_bool() == Some(true) && !s.ends_with('…') {
        s.push('…');
    }
    Some(s)
}

/// `ErrorType: ErrorMessage` of an ErrorObject, or of an event's `{Payload: ErrorObject, Truncated}`; the
/// message cut to `max` characters. `None` when there is neither.
pub fn error_text(v: &Value, max: usize) -> Option<String> {
    let e = if v["Payload"].is_object() {
        &v["Payload"]
    } else {
        v
    };
    let field = |k: &str| e[k].as_str().filter(|s| !s.is_empty());
    match (
        field("ErrorType"),
        field("ErrorMessage").map(|m| clip(m, max)),
    ) {
        (Some(t), Some(m)) => Some(format!("{t}: {m}")),
        (Some(t), None) => Some(t.to_owned()),
        (None, Some(m)) => Some(m),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str =
        "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/order-42/5f1c";

    #[test]
    fn paths_encode_arns_and_callback_ids() {
        assert_eq!(
            execution_path(ARN),
            "/2025-12-01/durable-executions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorders%3A%24LATEST%2Fdurable-execution%2Forder-42%2F5f1c"
        );
        assert_eq!(
            history_path("arn:x/y"),
            "/2025-12-01/durable-executions/arn%3Ax%2Fy/history?IncludeExecutionData=true"
        );
        assert_eq!(
            callback_path("ab+c/d==", "succeed"),
            "/2025-12-01/durable-execution-callbacks/ab%2Bc%2Fd%3D%3D/succeed"
        );
        assert_eq!(
            callback_path(" QUJD\n", "heartbeat"),
            "/2025-12-01/durable-execution-callbacks/QUJD/heartbeat"
        );
    }

    #[test]
    fn list_queries() {
        assert_eq!(
            list_path("orders", None, None, &[]),
            "/2025-12-01/functions/orders/durable-executions"
        );
        assert_eq!(
            list_path(
                "orders",
                Some("$LATEST"),
                Some("order-42"),
                &["RUNNING".into(), "TIMED_OUT".into()]
            ),
            "/2025-12-01/functions/orders/durable-executions?Qualifier=%24LATEST&DurableExecutionName=order-42&Statuses=RUNNING&Statuses=TIMED_OUT"
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(parse_status("running"), Ok("RUNNING".into()));
        assert_eq!(parse_status("timed-out"), Ok("TIMED_OUT".into()));
        assert!(parse_status("done").is_err_and(|e| e.contains("SUCCEEDED")));
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0.0123), "12ms");
        assert_eq!(duration(4.24), "4.2s");
        assert_eq!(duration(187.0), "3m07s");
        assert_eq!(duration(7500.0), "2h05m");
        assert_eq!(duration(3.0 * 86_400.0 + 4.0 * 3600.0 + 59.0), "3d04h");
        assert_eq!(duration(-1.0), "0ms");
        assert_eq!(seconds(0), "0s");
        assert_eq!(seconds(30), "30s");
        assert_eq!(seconds(90), "1m30s");
        assert_eq!(seconds(3600), "1h");
        assert_eq!(seconds(86_400 + 7384), "1d2h3m4s");
    }

    #[test]
    fn previews() {
        assert_eq!(
            payload_preview(&json!({"Payload": "{\"a\":\n1}"})).as_deref(),
            Some("{\"a\": 1}")
        );
        let long = "x".repeat(100);
        let p = payload_preview(&json!({ "Payload": long })).unwrap_or_default();
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
        assert_eq!(
            payload_preview(&json!({"Payload": "ab", "Truncated": true})).as_deref(),
            Some("ab…")
        );
        assert_eq!(
            payload_preview(&json!({"Payload": ""})).as_deref(),
            Some("(empty)")
        );
        assert_eq!(payload_preview(&json!({"Truncated": false})), None);
    }

    #[test]
    fn errors() {
        let wrapped = json!({"Payload": {"ErrorType": "ValueError", "ErrorMessage": "bad"}});
        assert_eq!(error_text(&wrapped, 10).as_deref(), Some("ValueError: bad"));
        let bare = json!({"ErrorMessage": "a long message", "StackTrace": []});
        assert_eq!(error_text(&bare, 6).as_deref(), Some("a long…"));
        assert_eq!(
            error_text(&json!({"ErrorType": "T"}), 6).as_deref(),
            Some("T")
        );
        assert_eq!(error_text(&Value::Null, 6), None);
    }
}
