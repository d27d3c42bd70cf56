//! One module per command; helpers they share.

pub mod callback;
pub mod dead_letters;
pub mod deploy;
pub mod dev;
pub mod durable;
pub mod execution;
pub mod executions;
pub mod invoke;
pub mod layer;
pub mod local;
pub mod logs;
pub mod ls;
pub mod rm;
pub mod template;
pub mod timeline;

use serde_json::Value;

use crate::console::Console;
use crate::error::CliError;
use crate::http::{segment, Api};
use crate::table;

/// `/2015-03-31/functions/{name}` with the name (or ARN) percent-encoded.
pub fn function_path(name: &str) -> String {
    format!("/2015-03-31/functions/{}", segment(name))
}

/// Appends `?Qualifier=…` when there is one.
pub fn with_qualifier(path: String, qualifier: Option<&str>) -> String {
    match qualifier {
        Some(q) => format!("{path}?Qualifier={}", segment(q)),
        None => path,
    }
}

/// The function name in a `name`, `name:qualifier` or ARN reference (for hints).
pub fn base_name(reference: &str) -> &str {
    if let Some(rest) = reference.strip_prefix("arn:") {
        // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
        return rest.split(':').nth(5).unwrap_or(reference);
    }
    reference.split(':').next().unwrap_or(reference)
}

/// A size for people (`12.3 MB`, `4.0 KB`).
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

/// `2026-11-24T04:32:51.000+0000` as `2026-11-24 04:32:51`; anything else as it is.
pub fn short_time(s: &str) -> String {
    let b = s.as_bytes();
    match (s.get(..10), s.get(11..19)) {
        (Some(day), Some(clock)) if b[10] == b'T' && b[4] == b'-' && b[13] == b':' => {
            format!("{day} {clock}")
        }
        _ => s.to_owned(),
    }
}

/// A string field of a JSON object (`""` when absent).
pub fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Prints a JSON value for scripts (indented).
pub fn print_json(con: &mut Console, v: &Value) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    con.println(&s)
}

/// Prints a list: a JSON array for scripts, else a table of `headers` with a `row` for each item, and `empty`
/// (a hint) on stderr when there is none.
pub fn print_list(
    con: &mut Console,
    json: bool,
    items: Vec<Value>,
    headers: &[&str],
    row: impl Fn(&Value) -> Vec<String>,
    empty: Option<&str>,
) -> Result<(), CliError> {
    if json {
        return print_json(con, &Value::Array(items));
    }
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    con.write_out(table::render(headers, &rows).as_bytes())?;
    if let (true, Some(hint)) = (items.is_empty(), empty) {
        con.eprintln(hint);
    }
    Ok(())
}

/// Adds the "not found" hint that fits a command.
pub fn on_not_found(e: CliError, hint: impl Into<String>) -> CliError {
    if e.is("ResourceNotFoundException") {
        e.hint(hint)
    } else {
        e
    }
}

/// Every item of a paginated list (`Marker` in, `NextMarker` out); `path` may carry a query already.
pub async fn paginate(
    api: &Api,
    con: &mut Console,
    path: &str,
    items_key: &str,
) -> Result<Vec<Value>, CliError> {
    let mut all = Vec::new();
    let mut marker: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    let sep = if path.contains('?') { '&' } else { '?' };
    loop {
        let page_path = match &marker {
            Some(m) => format!("{path}{sep}Marker={}", segment(m)),
            None => path.to_owned(),
        };
        let page = api.get(&page_path).await?.ok()?.json();
        if let Some(items) = page[items_key].as_array() {
            all.extend(items.iter().cloned());
        }
        match page["NextMarker"].as_str() {
            Some(m) if !m.is_empty() && seen.insert(m.to_owned()) => {
                con.progress(&format!("listing ({} so far)", all.len()));
                marker = Some(m.to_owned());
            }
            _ => break,
        }
    }
    con.clear_progress();
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_encode_names_and_arns() {
        assert_eq!(function_path("demo"), "/2015-03-31/functions/demo");
        assert_eq!(function_path("demo:1"), "/2015-03-31/functions/demo%3A1");
        assert_eq!(
            with_qualifier(
                function_path("arn:aws:lambda:us-east-1:123456789012:function:demo"),
                Some("$LATEST")
            ),
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ademo?Qualifier=%24LATEST"
        );
    }

    #[test]
    fn names_sizes_times() {
        assert_eq!(base_name("demo"), "demo");
        assert_eq!(base_name("demo:prod"), "demo");
        assert_eq!(
            base_name("arn:aws:lambda:us-east-1:123456789012:function:demo:3"),
            "demo"
        );
        assert_eq!(human_size(12_897_485), "12.3 MB");
        assert_eq!(human_size(4096), "4.0 KB");
        assert_eq!(
            short_time("2026-11-24T04:32:51.000+0000"),
            "2026-11-24 04:32:51"
        );
        assert_eq!(short_time("yesterday"), "yesterday");
    }
}
