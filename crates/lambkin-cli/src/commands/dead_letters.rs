//! `lambkin dead-letters NAME`: asynchronous events that exhausted their retries or aged out.

use serde_json::Value;

use super::{on_not_found, print_json, text};
use crate::console::Console;
use crate::error::CliError;
use crate::http::{segment, Api};
use crate::{table, DeadLettersArgs};

/// Runs `lambkin dead-letters`.
pub async fn run(
    api: &Api,
    con: &mut Console,
    json: bool,
    a: DeadLettersArgs,
) -> Result<(), CliError> {
    let path = format!("/lambkin/v1/functions/{}/dead-letters", segment(&a.name));
    let v = api
        .get(&path)
        .await?
        .ok()
        .map_err(|e| on_not_found(CliError::from(e), "see what there is with: lambkin ls"))?
        .json();
    let letters = v["deadLetters"].as_array().cloned().unwrap_or_default();
    if json {
        return print_json(con, &Value::Array(letters));
    }
    let rows: Vec<Vec<String>> = letters
        .iter()
        .map(|d| {
            let ctx = &d["requestContext"];
            vec![
                text(d, "timestamp"),
                text(ctx, "requestId"),
                text(ctx, "condition"),
                text(ctx, "approximateInvokeCount"),
                d["requestPayload"].to_string(),
            ]
        })
        .collect();
    con.write_out(
        table::render(
            &["TIME", "REQUEST ID", "CONDITION", "ATTEMPTS", "EVENT"],
            &rows,
        )
        .as_bytes(),
    )
}
