//! The answers' shapes, as botocore's `logs` model names their members.

use serde::Serialize;

/// `arn:aws:logs:<region>:<account>:log-group:<name>` (the `logGroupArn`; `arn` adds `:*`).
pub fn group_arn(region: &str, account: &str, group: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:{group}")
}

/// `arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>`.
pub fn stream_arn(region: &str, account: &str, group: &str, stream: &str) -> String {
    format!("{}:log-stream:{stream}", group_arn(region, account, group))
}

/// `LogGroup`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    /// Name.
    pub log_group_name: String,
    /// Milliseconds since the epoch.
    pub creation_time: u64,
    /// Retention, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<u32>,
    /// Always 0 (no metric filters).
    pub metric_filter_count: u32,
    /// The group's ARN with `:*`.
    pub arn: String,
    /// The group's ARN.
    pub log_group_arn: String,
    /// Bytes kept.
    pub stored_bytes: u64,
    /// `STANDARD`.
    pub log_group_class: &'static str,
}

impl LogGroup {
    /// A group's description.
    pub fn new(
        region: &str,
        account: &str,
        name: &str,
        creation_time: u64,
        retention_in_days: Option<u32>,
        stored_bytes: u64,
    ) -> Self {
        let arn = group_arn(region, account, name);
        Self {
            log_group_name: name.to_owned(),
            creation_time,
            retention_in_days,
            metric_filter_count: 0,
            arn: format!("{arn}:*"),
            log_group_arn: arn,
            stored_bytes,
            log_group_class: "STANDARD",
        }
    }
}

/// `LogStream`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogStream {
    /// Name.
    pub log_stream_name: String,
    /// Milliseconds since the epoch.
    pub creation_time: u64,
    /// Its first event kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event_timestamp: Option<u64>,
    /// Its last event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_timestamp: Option<u64>,
    /// When it was last written.
    pub last_ingestion_time: u64,
    /// ARN.
    pub arn: String,
    /// Bytes kept.
    pub stored_bytes: u64,
}

/// `OutputLogEvent` (`GetLogEvents`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OutputEvent {
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    /// The line.
    pub message: String,
    /// When it was kept.
    pub ingestion_time: u64,
}

/// `FilteredLogEvent` (`FilterLogEvents`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FilteredEvent {
    /// Its stream.
    pub log_stream_name: String,
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    /// The line.
    pub message: String,
    /// When it was kept.
    pub ingestion_time: u64,
    /// Stable id ([`crate::event_id`]).
    pub event_id: String,
}

/// `SearchedLogStream`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SearchedStream {
    /// Its name.
    pub log_stream_name: String,
    /// Whether all of it was searched.
    pub searched_completely: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_shape() {
        let g = LogGroup::new("us-east-1", "123456789012", "/aws/lambda/f", 5, Some(7), 10);
        let v = serde_json::to_value(&g).unwrap();
        assert_eq!(
            v["arn"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*"
        );
        assert_eq!(
            v["logGroupArn"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f"
        );
        assert_eq!(v["retentionInDays"], 7);
        assert_eq!(v["metricFilterCount"], 0);
        let g = LogGroup::new("us-east-1", "123456789012", "/x", 5, None, 10);
        assert!(serde_json::to_value(&g)
            .unwrap()
            .get("retentionInDays")
            .is_none());
    }
}
