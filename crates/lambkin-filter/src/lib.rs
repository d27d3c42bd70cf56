//! Lambda's event filtering: the `FilterCriteria` of an event source mapping, parsed and checked as Lambda
//! checks it at `CreateEventSourceMapping` / `UpdateEventSourceMapping`, and matched against records as Lambda
//! matches them before it batches them for the function.
//!
//! A `FilterCriteria` holds up to [`MAX_FILTERS`] filters (Lambda's default quota; raised on request up to
//! 10, hence [`Filters::parse_with_quota`]); a record passes when any filter's pattern matches it, and every
//! record passes when there are none. A pattern is a JSON object shaped like the record: nested objects whose
//! leaves are arrays of conditions. Lambda documents the same syntax as Amazon EventBridge's event patterns,
//! with these operators (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html>,
//! "Filter rule syntax"):
//!
//! | operator | rule |
//! |---|---|
//! | Null | `"UserID": [ null ]` |
//! | Empty | `"LastName": [ "" ]` |
//! | Equals | `"Name": [ "Alice" ]`, `"Count": [ 5 ]` |
//! | Equals (ignore case) | `"Name": [ { "equals-ignore-case": "alice" } ]` |
//! | And | `"Location": [ "New York" ], "Day": [ "Monday" ]` |
//! | Or | `"PaymentType": [ "Credit", "Debit" ]`; `"$or": [ { "Location": [ "New York" ] }, { "Day": [ "Monday" ] } ]` |
//! | Not | `"Weather": [ { "anything-but": [ "Raining" ] } ]`; also a single value, `{ "prefix": .. }`, `{ "suffix": .. }`, `{ "equals-ignore-case": .. }` inside |
//! | Numeric | `"Price": [ { "numeric": [ "=", 100 ] } ]`, `[ { "numeric": [ ">", 10, "<=", 20 ] } ]` |
//! | Exists | `"ProductName": [ { "exists": true } ]`, `[ { "exists": false } ]` |
//! | Begins with | `"Region": [ { "prefix": "us-" } ]`, `[ { "prefix": { "equals-ignore-case": "US-" } } ]` |
//! | Ends with | `"FileName": [ { "suffix": ".png" } ]`, with `equals-ignore-case` likewise |
//!
//! EventBridge's `wildcard` and `cidr` are not in Lambda's list and are refused. Matching semantics (arrays,
//! `exists` on leaves only, numbers) are described on [`Pattern`]; a record's message (SQS `body`,
//! Kinesis `data`, Kafka `value`) is filtered as JSON when it is JSON: see [`with_json_body`] and
//! [`Mismatch`].
//!
//! Hand-written rather than taken from a crate: this is Lambda's own language, with Lambda's set of operators,
//! Lambda's refusals and Lambda's treatment of messages, not a general protocol a library provides (a general
//! EventBridge rule engine accepts operators Lambda refuses and answers with other errors); the whole of it
//! is a few hundred lines over `serde_json`.
//!
//! Lambda refuses every pattern it cannot use with `Invalid filter pattern definition.`
//! (`InvalidParameterValueException`); [`FilterError::reason`] keeps the precise reason.

mod error;
mod pattern;
mod record;

pub use error::{FilterError, INVALID_PATTERN};
pub use pattern::Pattern;
pub use record::{with_json_body, Mismatch};

/// Filters an event source mapping may have under Lambda's default quota.
pub const MAX_FILTERS: usize = 5;

/// The longest pattern the API accepts (`Filter.Pattern`, in UTF-16 code units as Lambda's service counts).
pub const MAX_PATTERN_LENGTH: usize = 4096;

/// One or more filters (FilterCriteria.Filters[].Pattern); an event passes when any filter matches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    patterns: Vec<Pattern>,
}

impl Filters {
    /// Parses and checks a `FilterCriteria`'s patterns under the default quota of [`MAX_FILTERS`].
    pub fn parse<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Filters, FilterError> {
        Filters::parse_with_quota(patterns, MAX_FILTERS)
    }

    /// Parses and checks a `FilterCriteria`'s patterns where the account's quota is `quota` filters. The
    /// API's checks come first (every pattern within [`MAX_PATTERN_LENGTH`]), then the quota, then each
    /// pattern in order; the first refusal is the answer.
    pub fn parse_with_quota<'a>(
        patterns: impl IntoIterator<Item = &'a str>,
        quota: usize,
    ) -> Result<Filters, FilterError> {
        let texts: Vec<&str> = patterns.into_iter().collect();
        for (i, text) in texts.iter().enumerate() {
            let length = text.encode_utf16().count();
            if length > MAX_PATTERN_LENGTH {
                return Err(FilterError::too_long(i + 1, text, length));
            }
        }
        if texts.len() > quota {
            return Err(FilterError::too_many(texts.len(), quota));
        }
        let patterns = texts
            .into_iter()
            .map(Pattern::parse)
            .collect::<Result<_, _>>()?;
        Ok(Filters { patterns })
    }

    /// No filters: everything passes.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `event` passes: it matches any filter, or there are none.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        self.is_empty() || self.patterns.iter().any(|p| p.matches(event))
    }

    /// Whether a queue's or stream's record passes, its message `field` seen through [`with_json_body`] and
    /// judged by [`Pattern::matches_record`] with the source's [`Mismatch`] rule; every record passes when
    /// there are no filters.
    pub fn matches_record(
        &self,
        record: &serde_json::Value,
        field: &str,
        mismatch: Mismatch,
    ) -> bool {
        self.is_empty()
            || self
                .patterns
                .iter()
                .any(|p| p.matches_record(record, field, mismatch))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn no_filters_let_everything_pass() {
        let filters = Filters::parse([]).unwrap();
        assert!(filters.is_empty());
        assert!(filters.matches(&json!({"anything": 1})));
        assert!(filters.matches_record(&json!({"body": "x"}), "body", Mismatch::Drop));
    }

    #[test]
    fn filters_are_ored() {
        let filters =
            Filters::parse([r#"{"a": ["x"]}"#, r#"{"b": [{"numeric": [">", 3]}]}"#]).unwrap();
        assert!(!filters.is_empty());
        assert!(filters.matches(&json!({"a": "x"})));
        assert!(filters.matches(&json!({"b": 4})));
        assert!(!filters.matches(&json!({"a": "y", "b": 3})));
    }

    #[test]
    fn five_filters_are_the_default_quota() {
        let five = [r#"{"a": ["x"]}"#; 5];
        assert!(Filters::parse(five).is_ok());
        let six = [r#"{"a": ["x"]}"#; 6];
        let err = Filters::parse(six).unwrap_err();
        assert_eq!(err.exception(), "InvalidParameterValueException");
        assert_eq!(
            err.to_string(),
            "The number of filters in FilterCriteria exceeds the quota of 5 filters for an event \
             source mapping."
        );
        assert_eq!(err.reason(), "6 filters, more than the quota of 5");
    }

    #[test]
    fn a_raised_quota_allows_more() {
        let ten = [r#"{"a": ["x"]}"#; 10];
        assert!(Filters::parse_with_quota(ten, 10).is_ok());
        let eleven = [r#"{"a": ["x"]}"#; 11];
        let err = Filters::parse_with_quota(eleven, 10).unwrap_err();
        assert!(err.to_string().contains("quota of 10 filters"));
    }

    #[test]
    fn a_pattern_of_4096_is_accepted_and_longer_refused_as_the_api_does() {
        // {"a":["xxx…"]} padded to exactly the limit.
        let exact = format!(r#"{{"a":["{}"]}}"#, "x".repeat(MAX_PATTERN_LENGTH - 10));
        assert_eq!(exact.len(), MAX_PATTERN_LENGTH);
        assert!(Filters::parse([exact.as_str()]).is_ok());

        let long = format!(r#"{{"a":["{}"]}}"#, "x".repeat(MAX_PATTERN_LENGTH - 9));
        let err = Filters::parse([r#"{"a": ["x"]}"#, long.as_str()]).unwrap_err();
        assert_eq!(err.exception(), "ValidationException");
        assert_eq!(
            err.to_string(),
            format!(
                "1 validation error detected: Value '{long}' at 'filterCriteria.filters.2.member.pattern' \
                 failed to satisfy constraint: Member must have length less than or equal to 4096"
            )
        );
    }

    #[test]
    fn length_counts_utf16_units_not_bytes() {
        // 'é' is two bytes in UTF-8 but one UTF-16 unit: 4096 units pass though the text has more bytes.
        let text = format!(r#"{{"a":["{}"]}}"#, "é".repeat(MAX_PATTERN_LENGTH - 10));
        assert!(text.len() > MAX_PATTERN_LENGTH);
        assert!(Filters::parse([text.as_str()]).is_ok());
    }

    #[test]
    fn the_length_is_checked_before_the_quota_and_the_quota_before_the_patterns() {
        let long = "x".repeat(MAX_PATTERN_LENGTH + 1);
        let mut many = vec!["not json"; 6];
        many.push(&long);
        assert_eq!(
            Filters::parse(many.iter().copied())
                .unwrap_err()
                .exception(),
            "ValidationException"
        );
        let six = ["not json"; 6];
        assert!(Filters::parse(six)
            .unwrap_err()
            .to_string()
            .contains("quota"));
    }

    #[test]
    fn one_bad_pattern_refuses_them_all() {
        let err = Filters::parse([r#"{"a": ["x"]}"#, r#"{"a": "x"}"#]).unwrap_err();
        assert_eq!(err.to_string(), INVALID_PATTERN);
        assert_eq!(err.exception(), "InvalidParameterValueException");
    }

    #[test]
    fn records_use_the_sources_mismatch_rule() {
        let filters = Filters::parse([r#"{"body": {"k": ["v"]}}"#]).unwrap();
        let plain = with_json_body(&json!({"messageId": "1"}), "body", "k=v");
        assert!(!filters.matches_record(&plain, "body", Mismatch::Drop));
        assert!(filters.matches_record(&plain, "body", Mismatch::MetadataOnly));
        let json = with_json_body(&json!({"messageId": "1"}), "body", r#"{"k": "v"}"#);
        assert!(filters.matches_record(&json, "body", Mismatch::Drop));
    }
}
