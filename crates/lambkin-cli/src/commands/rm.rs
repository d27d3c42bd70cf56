//! `lambkin rm NAME [--qualifier N]`: DeleteFunction.

use serde_json::json;

use super::{base_name, function_path, on_not_found, print_json, with_qualifier};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;
use crate::RmArgs;

/// Runs `lambkin rm`.
pub async fn run(api: &Api, con: &mut Console, json: bool, a: RmArgs) -> Result<(), CliError> {
    let path = with_qualifier(function_path(&a.name), a.qualifier.as_deref());
    let resp = api.delete(&path).await?;
    let resp = resp.ok().map_err(|e| {
        on_not_found(
            CliError::from(e),
            "see what there is with: lambkin ls".to_owned(),
        )
    })?;
    let what = match &a.qualifier {
        Some(q) => format!("{} version {q}", base_name(&a.name)),
        None => a.name.clone(),
    };
    if json {
        return print_json(con, &json!({"StatusCode": resp.status}));
    }
    con.eprintln(&format!("deleted {what}"));
    Ok(())
}
