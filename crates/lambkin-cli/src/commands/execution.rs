//! `lambkin execution ARN [--data] [--stop]`: GetDurableExecution as a summary, then
//! GetDurableExecutionHistory (every page) as a timeline; or StopDurableExecution.

use serde_json::{json, Value};

use super::durable::{duration, error_text, execution_path, history_path};
use super::executions::now;
use super::{base_name, on_not_found, paginate, print_json, text, timeline};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::local_time::{self, epoch, Offset};
use crate::{table, ExecutionArgs};

/// The summary above the timeline: name, function, status, times, the error; the input and result too with
/// `data`. `now` (Unix seconds) measures an execution that has not ended.
pub fn summary(x: &Value, data: bool, now: f64, offset: Offset) -> String {
    let mut items: Vec<(&str, String)> = vec![
        ("name", text(x, "DurableExecutionName")),
        ("function", text(x, "FunctionArn")),
    ];
    if let Some(v) = x["Version"].as_str() {
        items.push(("version", v.to_owned()));
    }
    items.push(("status", text(x, "Status")));
    let start = epoch(&x["StartTimestamp"]);
    if let Some(s) = start {
        items.push(("started", local_time::format(s, offset)));
    }
    match (start, epoch(&x["EndTimestamp"])) {
        (Some(s), Some(e)) => items.push((
            "ended",
            format!(
                "{} (took {})",
                local_time::format(e, offset),
                duration(e - s)
            ),
        )),
        (None, Some(e)) => items.push(("ended", local_time::format(e, offset))),
        (Some(s), None) => items.push(("running", format!("{} so far", duration(now - s)))),
        (None, None) => {}
    }
    let error = &x["Error"];
    if let Some(e) = error_text(error, usize::MAX) {
        items.push(("error", e));
    }
    if data {
        if let Some(d) = error["ErrorData"].as_str() {
            items.push(("error data", d.to_owned()));
        }
        let trace = error["StackTrace"].as_array().cloned().unwrap_or_default();
        for (i, line) in trace.iter().filter_map(Value::as_str).enumerate() {
            items.push((if i == 0 { "stack trace" } else { "" }, line.to_owned()));
        }
        for (label, key) in [("input", "InputPayload"), ("result", "Result")] {
            if let Some(p) = x[key].as_str() {
                items.push((label, p.to_owned()));
            }
        }
    }
    table::pairs(&items)
}

/// Runs `lambkin execution`.
pub async fn run(
    api: &Api,
    con: &mut Console,
    json: bool,
    a: ExecutionArgs,
) -> Result<(), CliError> {
    let hint = format!(
        "list the function's executions with: lambkin executions {}",
        base_name(&a.arn)
    );
    if a.stop {
        return stop(api, con, json, &a.arn, &hint).await;
    }
    let mut path = execution_path(&a.arn);
    if a.data {
        path.push_str("?IncludeExecutionData=true");
    }
    let x = api
        .get(&path)
        .await?
        .ok()
        .map_err(|e| on_not_found(CliError::from(e), hint.clone()))?
        .json();
    let events = paginate(api, con, &history_path(&a.arn), "Events")
        .await
        .map_err(|e| on_not_found(e, hint))?;
    if json {
        return print_json(con, &json!({"Execution": x, "Events": events}));
    }
    let offset = local_time::local_offset;
    con.write_out(summary(&x, a.data, now(), offset).as_bytes())?;
    if !events.is_empty() {
        con.println("")?;
    }
    for line in timeline::render(&events, epoch(&x["StartTimestamp"]), offset) {
        con.println(&line)?;
    }
    Ok(())
}

async fn stop(
    api: &Api,
    con: &mut Console,
    json: bool,
    arn: &str,
    hint: &str,
) -> Result<(), CliError> {
    // The request's payload is its optional ErrorObject; without one the body is an empty object.
    let v = api
        .post(&format!("{}/stop", execution_path(arn)), &json!({}))
        .await?
        .ok()
        .map_err(|e| on_not_found(CliError::from(e), hint))?
        .json();
    if json {
        return print_json(con, &v);
    }
    let at = epoch(&v["StopTimestamp"])
        .map(|t| format!(" at {}", local_time::format(t, local_time::local_offset)))
        .unwrap_or_default();
    con.eprintln(&format!("stopped {arn}{at}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local_time::utc;

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST";

    #[test]
    fn summary_of_a_failed_execution() {
        let x = json!({
            "DurableExecutionArn": format!("{FUNCTION}/durable-execution/order-42/5f1c"),
            "DurableExecutionName": "order-42", "FunctionArn": FUNCTION, "Version": "$LATEST",
            "Status": "FAILED", "StartTimestamp": 1_796_616_031.0, "EndTimestamp": 1_796_616_046.2,
            "InputPayload": "{\"order\":42}",
            "Error": {"ErrorType": "CardDeclined", "ErrorMessage": "no funds", "ErrorData": "{\"code\":51}",
                      "StackTrace": ["at charge (index.js:10)", "at handler (index.js:3)"]}
        });
        assert_eq!(
            summary(&x, false, 0.0, utc),
            format!(
                "name      order-42\n\
                 function  {FUNCTION}\n\
                 version   $LATEST\n\
                 status    FAILED\n\
                 started   2026-12-07 04:00:31\n\
                 ended     2026-12-07 04:00:46 (took 15.2s)\n\
                 error     CardDeclined: no funds\n"
            )
        );
        let full = summary(&x, true, 0.0, utc);
        assert!(
            full.ends_with(
                "error        CardDeclined: no funds\n\
                 error data   {\"code\":51}\n\
                 stack trace  at charge (index.js:10)\n\
                 \x20            at handler (index.js:3)\n\
                 input        {\"order\":42}\n"
            ),
            "{full}"
        );
    }

    #[test]
    fn summary_of_a_running_execution() {
        let x = json!({"DurableExecutionName": "n", "FunctionArn": FUNCTION, "Status": "RUNNING",
                       "StartTimestamp": 1000.0, "Result": "ignored without --data"});
        assert_eq!(
            summary(&x, false, 1090.0, utc),
            format!(
                "name      n\nfunction  {FUNCTION}\nstatus    RUNNING\nstarted   1970-01-01 00:16:40\n\
                 running   1m30s so far\n"
            )
        );
    }
}
