//! What is delivered, and the shapes Lambda gives it at each service: the record's JSON as a message, an event
//! or an object, the S3 object key, the dead letter's attributes. Pure: no client, no clock of its own.

use bytes::Bytes;
use time::OffsetDateTime;

/// What to deliver.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// An asynchronous invocation's (or an event source mapping's) destination record: Lambda's JSON record
    /// `{version, timestamp, requestContext{requestId, functionArn, condition, approximateInvokeCount},
    /// requestPayload, responseContext, responsePayload}` (an event source mapping's record has its batch info
    /// and, for S3 only, `payload`).
    Record {
        /// The record, as the caller built it.
        record: serde_json::Value,
        /// Whether it is an on-success record (else on-failure).
        success: bool,
        /// The function's ARN as in the record's `requestContext.functionArn` (qualified).
        function_arn: String,
        /// The invocation's request id.
        request_id: String,
        /// Who produced the record: it decides the S3 object key and whether `payload` is kept.
        origin: Origin,
    },
    /// A dead letter (DeadLetterConfig.TargetArn) of an async event: the original event payload with the
    /// attributes Lambda adds.
    DeadLetter {
        /// The event as it was invoked (UTF-8: Lambda accepts only JSON events).
        payload: Bytes,
        /// The invocation's request id (attribute `RequestID`).
        request_id: String,
        /// The invoke's HTTP status code, e.g. `200` for a function error (attribute `ErrorCode`, a Number).
        error_code: String,
        /// The error message (attribute `ErrorMessage`, its first 1 KB).
        error_message: String,
    },
}

/// Who produced a destination record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An asynchronous invocation (`PutFunctionEventInvokeConfig`'s destinations).
    Async,
    /// An event source mapping's on-failure destination (Kinesis, DynamoDB streams, Kafka).
    EventSourceMapping {
        /// The mapping's UUID.
        uuid: String,
        /// The shard (Kinesis, DynamoDB) or partition (Kafka) the batch came from.
        shard: String,
    },
}

/// EventBridge's `Source` for Lambda's destination events. AWS's current table says `aws.lambda`, but events
/// Lambda has put on buses carry `lambda`, and EventBridge refuses an `aws.` source from a caller's own
/// credentials (which are what lambkin calls it with).
pub(crate) const EVENT_SOURCE: &str = "lambda";
/// EventBridge's `DetailType` of an on-success record.
pub(crate) const DETAIL_TYPE_SUCCESS: &str = "Lambda Function Invocation Result - Success";
/// EventBridge's `DetailType` of an on-failure record.
pub(crate) const DETAIL_TYPE_FAILURE: &str = "Lambda Function Invocation Result - Failure";

/// SNS's largest message: past it Lambda drops the payloads from the record.
pub(crate) const SNS_MAX_MESSAGE: usize = 262_144;
/// How much of the error message the `ErrorMessage` attribute keeps: "the first 1 KB".
pub(crate) const ERROR_MESSAGE_MAX: usize = 1024;

/// The record's JSON as `service` receives it. An event source mapping's `payload` (the whole event) goes only
/// to S3; a record too large for SNS loses `requestPayload` and `responsePayload`.
pub(crate) fn record_body(record: &serde_json::Value, origin: &Origin, service: &str) -> String {
    let mut record = record.clone();
    if service != "s3" && matches!(origin, Origin::EventSourceMapping { .. }) {
        if let Some(o) = record.as_object_mut() {
            o.remove("payload");
        }
    }
    let body = record.to_string();
    if service != "sns" || body.len() <= SNS_MAX_MESSAGE {
        return body;
    }
    if let Some(o) = record.as_object_mut() {
        o.remove("requestPayload");
        o.remove("responsePayload");
        o.remove("payload");
    }
    record.to_string()
}

/// One `PutEvents` entry as Lambda puts it: the record as `Detail`, on the destination bus.
pub(crate) fn event_entry(
    bus: &str,
    detail: String,
    success: bool,
    function_arn: &str,
) -> aws_sdk_eventbridge::types::PutEventsRequestEntry {
    aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source(EVENT_SOURCE)
        .detail_type(if success {
            DETAIL_TYPE_SUCCESS
        } else {
            DETAIL_TYPE_FAILURE
        })
        .detail(detail)
        // "The resource event field contains the function and destination ARNs": delivered events list
        // the bus first.
        .resources(bus)
        .resources(function_arn)
        .event_bus_name(bus)
        .build()
}

/// The object key of an on-failure record in S3:
/// `aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>` for an asynchronous
/// invocation, `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>` for an event
/// source mapping.
pub(crate) fn s3_key(
    origin: &Origin,
    function_arn: &str,
    now: OffsetDateTime,
    unique: uuid::Uuid,
) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    let (y, m, d) = (now.year(), u8::from(now.month()), now.day());
    let (hh, mm, ss) = (now.hour(), now.minute(), now.second());
    let prefix = match origin {
        Origin::Async => format!("async/{}", function_name(function_arn)),
        Origin::EventSourceMapping { uuid, shard } => format!("{uuid}/{shard}"),
    };
    format!(
        "aws/lambda/{prefix}/{y:04}/{m:02}/{d:02}/{y:04}-{m:02}-{d:02}T{hh:02}.{mm:02}.{ss:02}-{unique}"
    )
}

/// The function's name in its ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`), or the
/// whole string when it is no function ARN.
fn function_name(function_arn: &str) -> &str {
    function_arn
        .split(':')
        .skip_while(|p| *p != "function")
        .nth(1)
        .filter(|n| !n.is_empty())
        .unwrap_or(function_arn)
}

/// A message attribute's data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttributeType {
    /// `String`.
    String,
    /// `Number`.
    Number,
}

impl AttributeType {
    /// The `DataType` SQS and SNS take.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "String",
            AttributeType::Number => "Number",
        }
    }
}

/// The attributes Lambda adds to a dead letter: `RequestID` (String), `ErrorCode` (Number), `ErrorMessage`
/// (String, the first 1 KB). SQS and SNS refuse an empty value, so an empty one is left out.
pub(crate) fn dead_letter_attributes(
    request_id: &str,
    error_code: &str,
    error_message: &str,
) -> Vec<(&'static str, AttributeType, String)> {
    [
        ("RequestID", AttributeType::String, request_id),
        ("ErrorCode", AttributeType::Number, error_code),
        (
            "ErrorMessage",
            AttributeType::String,
            truncate(error_message, ERROR_MESSAGE_MAX),
        ),
    ]
    .into_iter()
    .filter(|(_, _, v)| !v.is_empty())
    .map(|(n, t, v)| (n, t, v.to_owned()))
    .collect()
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST";
    const BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/results";

    #[test]
    fn event_entry_is_lambdas() {
        let e = event_entry(BUS, r#"{"version":"1.0"}"#.into(), true, FN);
        assert_eq!(e.source(), Some("lambda"));
        assert_eq!(
            e.detail_type(),
            Some("Lambda Function Invocation Result - Success")
        );
        assert_eq!(e.detail(), Some(r#"{"version":"1.0"}"#));
        assert_eq!(e.resources(), [BUS.to_owned(), FN.to_owned()]);
        assert_eq!(e.event_bus_name(), Some(BUS));
        assert_eq!(e.time(), None, "EventBridge stamps the time");
        let e = event_entry(BUS, "{}".into(), false, FN);
        assert_eq!(
            e.detail_type(),
            Some("Lambda Function Invocation Result - Failure")
        );
    }

    #[test]
    fn s3_key_of_an_async_record() {
        let now = time::macros::datetime!(2024-03-05 07:08:09.123 UTC);
        let id = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(
            s3_key(&Origin::Async, FN, now, id),
            "aws/lambda/async/my-function/2024/03/05/2024-03-05T07.08.09-01234567-89ab-cdef-0123-456789abcdef"
        );
        let unqualified = "arn:aws:lambda:us-east-1:123456789012:function:other";
        assert!(s3_key(&Origin::Async, unqualified, now, id)
            .starts_with("aws/lambda/async/other/2024/"));
    }

    #[test]
    fn s3_key_is_in_utc() {
        let now = time::macros::datetime!(2024-12-31 23:30:00 -02:00);
        let key = s3_key(&Origin::Async, FN, now, uuid::Uuid::nil());
        assert!(key.contains("/2025/01/01/2025-01-01T01.30.00-"), "{key}");
    }

    #[test]
    fn s3_key_of_a_mapping_record() {
        let now = time::macros::datetime!(2019-11-14 00:38:05 UTC);
        let origin = Origin::EventSourceMapping {
            uuid: "a1b2c3d4-0000-1111-2222-333344445555".into(),
            shard: "shardId-000000000001".into(),
        };
        assert_eq!(
            s3_key(&origin, FN, now, uuid::Uuid::nil()),
            "aws/lambda/a1b2c3d4-0000-1111-2222-333344445555/shardId-000000000001/2019/11/14/\
             2019-11-14T00.38.05-00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn dead_letter_attributes_are_lambdas() {
        let a = dead_letter_attributes("req-1", "200", "boom");
        assert_eq!(
            a,
            [
                ("RequestID", AttributeType::String, "req-1".to_owned()),
                ("ErrorCode", AttributeType::Number, "200".to_owned()),
                ("ErrorMessage", AttributeType::String, "boom".to_owned()),
            ]
        );
        assert_eq!(AttributeType::Number.as_str(), "Number");
        assert_eq!(AttributeType::String.as_str(), "String");
    }

    #[test]
    fn error_message_keeps_its_first_kilobyte() {
        let long = "é".repeat(600); // 1200 bytes
        let a = dead_letter_attributes("r", "200", &long);
        let msg = &a[2].2;
        assert_eq!(msg.len(), 1024);
        assert_eq!(msg.chars().count(), 512);
        let a = dead_letter_attributes("r", "200", &"x".repeat(5000));
        assert_eq!(a[2].2.len(), 1024);
    }

    #[test]
    fn empty_attribute_values_are_left_out() {
        let a = dead_letter_attributes("r", "502", "");
        assert_eq!(
            a.iter().map(|a| a.0).collect::<Vec<_>>(),
            ["RequestID", "ErrorCode"]
        );
    }

    #[test]
    fn mapping_payload_goes_only_to_s3() {
        let r = json!({"version": "1.0", "payload": "<Whole Event>"});
        let esm = Origin::EventSourceMapping {
            uuid: "u".into(),
            shard: "s".into(),
        };
        for service in ["sqs", "sns", "events"] {
            let body: serde_json::Value =
                serde_json::from_str(&record_body(&r, &esm, service)).unwrap();
            assert_eq!(body, json!({"version": "1.0"}), "{service}");
        }
        assert_eq!(record_body(&r, &esm, "s3"), r.to_string());
        // An async record is sent as it is.
        assert_eq!(record_body(&r, &Origin::Async, "sqs"), r.to_string());
    }

    #[test]
    fn a_record_too_large_for_sns_loses_its_payloads() {
        let big = "x".repeat(SNS_MAX_MESSAGE);
        let r = json!({"version": "1.0", "requestPayload": big, "responsePayload": {"a": 1}, "requestContext": {}});
        let body: serde_json::Value =
            serde_json::from_str(&record_body(&r, &Origin::Async, "sns")).unwrap();
        assert_eq!(body, json!({"version": "1.0", "requestContext": {}}));
        // SQS takes it whole.
        assert_eq!(record_body(&r, &Origin::Async, "sqs"), r.to_string());
        // A small one reaches SNS whole.
        let small = json!({"requestPayload": 1});
        assert_eq!(
            record_body(&small, &Origin::Async, "sns"),
            small.to_string()
        );
    }
}
