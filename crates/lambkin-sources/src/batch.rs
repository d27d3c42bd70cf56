//! What every source shares: Lambda's partial batch response and filtering a record.

use std::collections::HashSet;

use lambkin_filter::Filters;

/// What a function's answer says of its batch, with `ReportBatchItemFailures`.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemFailures {
    /// Every record succeeded.
    None,
    /// These records (by identifier) failed; the others succeeded.
    Some(HashSet<String>),
    /// The answer is not a valid report: the whole batch failed.
    All,
}

/// Reads a function's answer as Lambda reads a partial batch response: a complete success when the answer
/// is empty, `null`, has no `batchItemFailures` or an empty or null list; a complete failure when it is not
/// JSON, or an entry's `itemIdentifier` is missing, null, empty, not a string or not one of `ids`.
pub fn item_failures(body: &[u8], ids: &HashSet<&str>) -> ItemFailures {
    if body.iter().all(u8::is_ascii_whitespace) {
        return ItemFailures::None;
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return ItemFailures::All;
    };
    let list = match &v {
        serde_json::Value::Null => return ItemFailures::None,
        serde_json::Value::Object(o) => match o.get("batchItemFailures") {
            None | Some(serde_json::Value::Null) => return ItemFailures::None,
            Some(serde_json::Value::Array(a)) => a,
            Some(_) => return ItemFailures::All,
        },
        // Any other answer (a string, a number): no report, every record succeeded.
        _ => return ItemFailures::None,
    };
    if list.is_empty() {
        return ItemFailures::None;
    }
    let mut failed = HashSet::new();
    for item in list {
        match item.get("itemIdentifier").and_then(|i| i.as_str()) {
            Some(id) if !id.is_empty() && ids.contains(id) => {
                failed.insert(id.to_owned());
            }
            _ => return ItemFailures::All,
        }
    }
    ItemFailures::Some(failed)
}

/// Whether a record passes the mapping's filters, its `field` (an SQS `body`, a stream's `data`) read as
/// Lambda reads it: JSON when it is JSON, a plain string otherwise.
pub(crate) fn passes(
    filters: &Filters,
    record: &serde_json::Value,
    field: &str,
    raw: &str,
) -> bool {
    filters.is_empty()
        || filters.matches_record(
            &lambkin_filter::with_json_body(record, field, raw),
            field,
            lambkin_filter::Mismatch::Drop,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> HashSet<&'static str> {
        ["a", "b", "c"].into_iter().collect()
    }

    #[test]
    fn complete_successes() {
        for body in [
            "",
            "null",
            "{}",
            r#"{"batchItemFailures": null}"#,
            r#"{"batchItemFailures": []}"#,
            r#""done""#,
            "42",
        ] {
            assert_eq!(
                item_failures(body.as_bytes(), &ids()),
                ItemFailures::None,
                "{body}"
            );
        }
    }

    #[test]
    fn partial_failures() {
        let r = item_failures(
            br#"{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"c"}]}"#,
            &ids(),
        );
        assert_eq!(
            r,
            ItemFailures::Some(["b".to_owned(), "c".to_owned()].into_iter().collect())
        );
    }

    #[test]
    fn invalid_reports_fail_the_whole_batch() {
        for body in [
            "not json",
            r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#,
            r#"{"batchItemFailures":[{"itemId":"a"}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":"z"}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":1}]}"#,
            r#"{"batchItemFailures":"a"}"#,
        ] {
            assert_eq!(
                item_failures(body.as_bytes(), &ids()),
                ItemFailures::All,
                "{body}"
            );
        }
    }
}
