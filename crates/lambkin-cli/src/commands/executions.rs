//! `lambkin executions NAME [--qualifier Q] [--status S]... [--name EXECUTION_NAME]`:
//! ListDurableExecutionsByFunction, every page.

use serde_json::Value;

use super::durable::{duration, list_path};
use super::{on_not_found, paginate, print_list, text};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::local_time::{self, epoch, Offset};
use crate::ExecutionsArgs;

/// The table's columns.
pub const HEADERS: [&str; 5] = ["NAME", "STATUS", "STARTED", "DURATION", "ARN"];

/// One table row of an execution; `now` (Unix seconds) measures one that has not ended.
pub fn row(x: &Value, now: f64, offset: Offset) -> Vec<String> {
    let start = epoch(&x["StartTimestamp"]);
    let took = match (start, epoch(&x["EndTimestamp"])) {
        (Some(s), Some(e)) => duration(e - s),
        (Some(s), None) => format!("{} so far", duration(now - s)),
        _ => String::new(),
    };
    vec![
        text(x, "DurableExecutionName"),
        text(x, "Status"),
        start
            .map(|s| local_time::format(s, offset))
            .unwrap_or_default(),
        took,
        text(x, "DurableExecutionArn"),
    ]
}

/// Now, in Unix seconds.
pub fn now() -> f64 {
    super::logs::now_ms() as f64 / 1000.0
}

/// Runs `lambkin executions`.
pub async fn run(
    api: &Api,
    con: &mut Console,
    json: bool,
    a: ExecutionsArgs,
) -> Result<(), CliError> {
    let path = list_path(
        &a.name,
        a.qualifier.as_deref(),
        a.execution_name.as_deref(),
        &a.statuses,
    );
    let all = paginate(api, con, &path, "DurableExecutions")
        .await
        .map_err(|e| on_not_found(e, "see what there is with: lambkin ls"))?;
    let now = now();
    let empty = if a.statuses.is_empty() && a.execution_name.is_none() {
        format!("no durable executions of {} yet", a.name)
    } else {
        format!("no durable executions of {} match", a.name)
    };
    print_list(
        con,
        json,
        all,
        &HEADERS,
        |x| row(x, now, local_time::local_offset),
        Some(&empty),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local_time::utc;
    use crate::table;
    use serde_json::json;

    #[test]
    fn rows_and_table() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/order-42/5f1c";
        let page = json!({"DurableExecutions": [
            {"DurableExecutionArn": arn, "DurableExecutionName": "order-42",
             "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST",
             "Status": "SUCCEEDED", "StartTimestamp": 1_796_616_031.25, "EndTimestamp": 1_796_616_045.5},
            {"DurableExecutionArn": "arn:…/order-43/77aa", "DurableExecutionName": "order-43",
             "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST",
             "Status": "RUNNING", "StartTimestamp": 1_796_616_100.0}
        ], "NextMarker": "m2"});
        let now = 1_796_616_100.0 + 312.0;
        let rows: Vec<Vec<String>> = page["DurableExecutions"]
            .as_array()
            .map(|xs| xs.iter().map(|x| row(x, now, utc)).collect())
            .unwrap_or_default();
        assert_eq!(
            table::render(&HEADERS, &rows),
            format!(
                "NAME      STATUS     STARTED              DURATION      ARN\n\
                 order-42  SUCCEEDED  2026-12-07 04:00:31  14.2s         {arn}\n\
                 order-43  RUNNING    2026-12-07 04:01:40  5m12s so far  arn:…/order-43/77aa\n"
            )
        );
        assert_eq!(row(&json!({}), now, utc), ["", "", "", "", ""]);
    }
}
