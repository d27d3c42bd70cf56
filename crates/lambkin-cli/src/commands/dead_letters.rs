//! `lambkin dead-letters NAME`: asynchronous events that exhausted their retries or aged out.

use serde_json::Value;

use super::{on_not_found, print_list, text};
use crate::console::Console;
use crate::error::CliError;
use crate::http::{segment, Api};
use crate::DeadLettersArgs;

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
    let row = |d: &Value| {
        let ctx = &d["requestContext"];
        vec![
            text(d, "timestamp"),
            text(ctx, "requestId"),
            text(ctx, "condition"),
            text(ctx, "approximateInvokeCount"),
            d["requestPayload"].to_string(),
        ]
    };
    let headers = ["TIME", "REQUEST ID", "CONDITION", "ATTEMPTS", "EVENT"];
    print_list(con, json, letters, &headers, row, None)
}
