//! A record's message as Lambda filters it: a field holding JSON text (SQS `body`) or bytes (Kinesis `data`,
//! Kafka `value`, Amazon MQ `data`, Base64 in the record) is filtered as the JSON it holds when it holds JSON,
//! and as a plain string otherwise; and what Lambda does when the message and the pattern disagree on that.

use serde_json::Value;

/// Returns `record` with its `field` replaced by the message `raw` as Lambda filters it: the parsed JSON when
/// `raw` is a JSON object or array, else `raw` itself as a plain string.
///
/// `raw` is the message's text: an SQS `body` as it is; Kinesis `data`, Kafka `value` or Amazon MQ `data`
/// Base64-decoded and read as UTF-8 (Lambda decodes them before filtering). Which record to pass: the SQS
/// record, the Kafka record, the Amazon MQ message, and for Kinesis the record's `kinesis` object (a Kinesis
/// pattern names `partitionKey` and `data` at its top). A DynamoDB record's `dynamodb` is JSON already and
/// needs nothing. For a Kafka or MQ message that is not UTF-8, remove the field instead: Lambda then filters
/// on the other properties only (see [`Mismatch::MetadataOnly`]).
///
/// Only an object or an array counts as JSON here: a message such as `42` or `"hello"` (valid JSON text, but a
/// scalar) stays the plain string it is, so that plain-string patterns (`"body": ["42"]`, `prefix`, ...) see
/// it as written. Lambda's documentation speaks of "valid JSON" without saying how it treats such scalars.
///
/// Records are filtered through this view only; the function still receives the record as it came.
pub fn with_json_body(record: &serde_json::Value, field: &str, raw: &str) -> serde_json::Value {
    let message = match serde_json::from_str::<Value>(raw) {
        Ok(json @ (Value::Object(_) | Value::Array(_))) => json,
        _ => Value::String(raw.to_owned()),
    };
    let mut record = record.clone();
    if let Value::Object(map) = &mut record {
        map.insert(field.to_owned(), message);
    }
    record
}

/// What Lambda does when a record's message field and a pattern disagree on its format: the pattern is an
/// object there (it expects JSON) and the message is a plain string, or the pattern is an array of
/// conditions (it expects a plain string) and the message is JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The record does not match the pattern. Amazon SQS (`body`), Kinesis (`data`) and DynamoDB
    /// (`dynamodb`): "If there is a mismatch, Lambda drops the message."
    Drop,
    /// The pattern's part for the message is set aside and its other fields decide. Amazon MSK and
    /// self-managed Apache Kafka (`value`), Amazon MQ (`data`): "Lambda filters (on the other metadata
    /// properties only) based on your filter criteria", also for a message that is not UTF-8.
    MetadataOnly,
}

/// The message's format in a record made by [`with_json_body`]: `Some(true)` JSON, `Some(false)` a plain
/// string, `None` no message to speak of (absent, `null`, or not UTF-8 and removed).
pub(crate) fn is_json(record: &Value, field: &str) -> Option<bool> {
    match record.get(field)? {
        Value::Object(_) | Value::Array(_) => Some(true),
        Value::String(_) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_json_object_body_becomes_the_object() {
        let record = json!({"messageId": "m1", "body": "{\"a\": 1}"});
        let view = with_json_body(&record, "body", "{\"a\": 1}");
        assert_eq!(view, json!({"messageId": "m1", "body": {"a": 1}}));
        assert_eq!(is_json(&view, "body"), Some(true));
    }

    #[test]
    fn a_json_array_body_becomes_the_array() {
        let view = with_json_body(&json!({}), "data", "[1, {\"b\": 2}]");
        assert_eq!(view, json!({"data": [1, {"b": 2}]}));
    }

    #[test]
    fn a_plain_string_body_stays_a_string() {
        let view = with_json_body(&json!({"body": "x"}), "body", "hello {");
        assert_eq!(view, json!({"body": "hello {"}));
        assert_eq!(is_json(&view, "body"), Some(false));
    }

    #[test]
    fn a_scalar_json_text_stays_the_text_it_is() {
        for raw in ["42", "\"quoted\"", "true", "null", " 7 "] {
            let view = with_json_body(&json!({}), "body", raw);
            assert_eq!(view, json!({"body": raw}), "{raw}");
        }
    }

    #[test]
    fn the_field_is_added_when_the_record_lacks_it() {
        let view = with_json_body(&json!({"partitionKey": "1"}), "data", "{\"x\": true}");
        assert_eq!(view, json!({"partitionKey": "1", "data": {"x": true}}));
    }

    #[test]
    fn no_message_has_no_format() {
        assert_eq!(is_json(&json!({}), "value"), None);
        assert_eq!(is_json(&json!({"value": null}), "value"), None);
    }
}
