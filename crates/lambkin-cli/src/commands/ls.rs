//! `lambkin ls`: ListFunctions, every page.

use serde_json::Value;

use super::{paginate, print_list, short_time, text};
use crate::console::Console;
use crate::error::CliError;
use crate::http::Api;

/// The table's columns.
pub const HEADERS: [&str; 6] = [
    "NAME",
    "RUNTIME",
    "MEMORY",
    "TIMEOUT",
    "STATE",
    "LAST MODIFIED",
];

/// One table row of a function configuration.
pub fn row(f: &Value) -> Vec<String> {
    let num = |k: &str, unit: &str| match f[k].as_u64() {
        Some(n) => format!("{n} {unit}"),
        None => String::new(),
    };
    let state = match text(f, "State").as_str() {
        "" => String::new(),
        s => match text(f, "LastUpdateStatus").as_str() {
            "" | "Successful" => s.to_owned(),
            u => format!("{s} (update {u})"),
        },
    };
    vec![
        text(f, "FunctionName"),
        text(f, "Runtime"),
        num("MemorySize", "MB"),
        num("Timeout", "s"),
        state,
        short_time(&text(f, "LastModified")),
    ]
}

/// Runs `lambkin ls`.
pub async fn run(api: &Api, con: &mut Console, json: bool) -> Result<(), CliError> {
    let all = paginate(api, con, "/2015-03-31/functions", "Functions").await?;
    let empty = "no functions yet; create one with: lambkin deploy NAME DIR";
    print_list(con, json, all, &HEADERS, row, Some(empty))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows() {
        let f = json!({"FunctionName": "f", "Runtime": "provided.al2023", "MemorySize": 128, "Timeout": 3,
                       "State": "Active", "LastUpdateStatus": "InProgress",
                       "LastModified": "2026-11-24T04:32:51.000+0000"});
        assert_eq!(
            row(&f),
            [
                "f",
                "provided.al2023",
                "128 MB",
                "3 s",
                "Active (update InProgress)",
                "2026-11-24 04:32:51"
            ]
        );
        assert_eq!(
            row(&json!({"FunctionName": "g"}))[1..],
            ["", "", "", "", ""]
        );
    }
}
