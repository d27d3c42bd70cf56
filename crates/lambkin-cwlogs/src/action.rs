//! A request made a typed [`Action`], with CloudWatch Logs' checks (botocore's `logs` model: lengths,
//! patterns, ranges, enums) and words.

use serde::Deserialize;
use serde_json::Value;

use crate::pattern::FilterPattern;
use crate::token::{FilterToken, PageToken, StreamToken};
use crate::LogsError;

/// The retention values CloudWatch Logs accepts.
pub const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// What a request asks for.
#[derive(Debug, Clone)]
pub enum Action {
    /// `DescribeLogGroups`.
    DescribeLogGroups(DescribeLogGroups),
    /// `DescribeLogStreams`.
    DescribeLogStreams(DescribeLogStreams),
    /// `GetLogEvents`.
    GetLogEvents(GetLogEvents),
    /// `FilterLogEvents`.
    FilterLogEvents(FilterLogEvents),
    /// `PutRetentionPolicy`.
    PutRetentionPolicy {
        /// The group.
        group: String,
        /// One of [`RETENTION_DAYS`].
        days: u32,
    },
    /// `DeleteRetentionPolicy`.
    DeleteRetentionPolicy {
        /// The group.
        group: String,
    },
}

/// `DescribeLogGroups`.
#[derive(Debug, Clone)]
pub struct DescribeLogGroups {
    /// `logGroupNamePrefix`.
    pub prefix: Option<String>,
    /// `logGroupNamePattern`: a case-sensitive substring.
    pub pattern: Option<String>,
    /// `limit` (1–50, default 50).
    pub limit: usize,
    /// Where the page starts.
    pub after: Option<PageToken>,
}

/// `orderBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderBy {
    /// By name.
    LogStreamName,
    /// By the time of the last event.
    LastEventTime,
}

/// `DescribeLogStreams`.
#[derive(Debug, Clone)]
pub struct DescribeLogStreams {
    /// The group (from `logGroupName` or `logGroupIdentifier`).
    pub group: String,
    /// `logStreamNamePrefix`.
    pub prefix: Option<String>,
    /// `orderBy`.
    pub order_by: OrderBy,
    /// `descending`.
    pub descending: bool,
    /// `limit` (1–50, default 50).
    pub limit: usize,
    /// Where the page starts.
    pub after: Option<PageToken>,
}

/// `GetLogEvents`.
#[derive(Debug, Clone)]
pub struct GetLogEvents {
    /// The group.
    pub group: String,
    /// `logStreamName`.
    pub stream: String,
    /// `startTime` (inclusive).
    pub start_time: Option<u64>,
    /// `endTime` (exclusive).
    pub end_time: Option<u64>,
    /// `nextToken`.
    pub token: Option<StreamToken>,
    /// `limit` (1–10,000, default 10,000).
    pub limit: usize,
    /// `startFromHead`.
    pub start_from_head: bool,
}

impl GetLogEvents {
    /// Whether an event's timestamp is within the request's bounds.
    pub fn in_time(&self, t: u64) -> bool {
        self.start_time.is_none_or(|s| t >= s) && self.end_time.is_none_or(|e| t < e)
    }
}

/// `FilterLogEvents`.
#[derive(Debug, Clone)]
pub struct FilterLogEvents {
    /// The group.
    pub group: String,
    /// `logStreamNames`.
    pub stream_names: Option<Vec<String>>,
    /// `logStreamNamePrefix`.
    pub stream_prefix: Option<String>,
    /// `startTime` (inclusive).
    pub start_time: Option<u64>,
    /// `endTime` (inclusive).
    pub end_time: Option<u64>,
    /// `filterPattern`.
    pub pattern: FilterPattern,
    /// `nextToken`.
    pub token: Option<FilterToken>,
    /// `limit` (1–10,000, default 10,000).
    pub limit: usize,
}

impl FilterLogEvents {
    /// Whether a stream is one the request searches.
    pub fn wants_stream(&self, name: &str) -> bool {
        self.stream_names
            .as_ref()
            .is_none_or(|n| n.iter().any(|s| s == name))
            && self
                .stream_prefix
                .as_ref()
                .is_none_or(|p| name.starts_with(p.as_str()))
    }

    /// Whether an event's timestamp is within the request's bounds.
    pub fn in_time(&self, t: u64) -> bool {
        self.start_time.is_none_or(|s| t >= s) && self.end_time.is_none_or(|e| t <= e)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
    log_stream_name: Option<String>,
    log_stream_name_prefix: Option<String>,
    log_stream_names: Option<Vec<String>>,
    order_by: Option<String>,
    descending: Option<bool>,
    next_token: Option<String>,
    limit: Option<i64>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    start_from_head: Option<bool>,
    filter_pattern: Option<String>,
    retention_in_days: Option<i64>,
}

const GROUP_PATTERN: &str = "[\\.\\-_/#A-Za-z0-9]+";

fn check_group_name(name: &str, field: &str) -> Result<(), LogsError> {
    if name.is_empty() {
        return Err(LogsError::constraint(
            name,
            field,
            "Member must have length greater than or equal to 1",
        ));
    }
    if name.len() > 512 {
        return Err(LogsError::constraint(
            name,
            field,
            "Member must have length less than or equal to 512",
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'#'))
    {
        return Err(LogsError::constraint(
            name,
            field,
            &format!("Member must satisfy regular expression pattern: {GROUP_PATTERN}"),
        ));
    }
    Ok(())
}

fn check_stream_name(name: &str, field: &str) -> Result<(), LogsError> {
    if name.is_empty() || name.len() > 512 {
        return Err(LogsError::constraint(
            name,
            field,
            if name.is_empty() {
                "Member must have length greater than or equal to 1"
            } else {
                "Member must have length less than or equal to 512"
            },
        ));
    }
    if name.contains([':', '*']) {
        return Err(LogsError::constraint(
            name,
            field,
            "Member must satisfy regular expression pattern: [^:*]*",
        ));
    }
    Ok(())
}

fn limit(v: Option<i64>, max: i64) -> Result<usize, LogsError> {
    match v {
        None => Ok(max as usize),
        Some(n) if n < 1 => Err(LogsError::constraint(
            n,
            "limit",
            "Member must have value greater than or equal to 1",
        )),
        Some(n) if n > max => Err(LogsError::constraint(
            n,
            "limit",
            &format!("Member must have value less than or equal to {max}"),
        )),
        Some(n) => Ok(n as usize),
    }
}

fn time(v: Option<i64>, field: &str) -> Result<Option<u64>, LogsError> {
    match v {
        None => Ok(None),
        Some(t) if t < 0 => Err(LogsError::constraint(
            t,
            field,
            "Member must have value greater than or equal to 0",
        )),
        Some(t) => Ok(Some(t as u64)),
    }
}

/// The group a request names: `logGroupName`, or `logGroupIdentifier` (a name or an ARN, `:*` allowed).
fn group_of(i: &Input) -> Result<String, LogsError> {
    match (&i.log_group_name, &i.log_group_identifier) {
        (Some(_), Some(_)) => Err(LogsError::invalid(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )),
        (None, None) => Err(LogsError::invalid(
            "Should provide either name or ARN of the log group.",
        )),
        (Some(n), None) => {
            check_group_name(n, "logGroupName")?;
            Ok(n.clone())
        }
        (None, Some(id)) => {
            let name = match id.strip_prefix("arn:") {
                Some(rest) => {
                    let parts: Vec<&str> = rest.splitn(5, ':').collect();
                    match parts.as_slice() {
                        [_, "logs", _, _, res] if res.starts_with("log-group:") => {
                            res["log-group:".len()..].trim_end_matches(":*").to_owned()
                        }
                        _ => {
                            return Err(LogsError::invalid(format!(
                                "Invalid ARN: {id}, only log group ARNs are supported."
                            )))
                        }
                    }
                }
                None => id.clone(),
            };
            check_group_name(&name, "logGroupIdentifier")?;
            Ok(name)
        }
    }
}

impl Action {
    /// The action of operation `op` (the target without its `Logs_20140328.` prefix) with JSON body `body`.
    pub fn parse(op: &str, body: &[u8]) -> Result<Action, LogsError> {
        let input: Input = if body.iter().all(u8::is_ascii_whitespace) {
            Input::default()
        } else {
            let v: Value = serde_json::from_slice(body).map_err(|_| {
                LogsError::new(
                    "SerializationException",
                    "Start of structure or map found where not expected.",
                )
            })?;
            serde_json::from_value(v)
                .map_err(|e| LogsError::new("SerializationException", e.to_string()))?
        };
        let i = &input;
        Ok(match op {
            "DescribeLogGroups" => {
                if i.log_group_name_prefix.is_some() && i.log_group_name_pattern.is_some() {
                    return Err(LogsError::invalid(
                        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
                    ));
                }
                if let Some(p) = &i.log_group_name_prefix {
                    check_group_name(p, "logGroupNamePrefix")?;
                }
                if let Some(p) = &i.log_group_name_pattern {
                    if !p.is_empty() {
                        check_group_name(p, "logGroupNamePattern")?;
                    }
                }
                Action::DescribeLogGroups(DescribeLogGroups {
                    prefix: i.log_group_name_prefix.clone(),
                    pattern: i.log_group_name_pattern.clone().filter(|p| !p.is_empty()),
                    limit: limit(i.limit, 50)?,
                    after: i.next_token.as_deref().map(PageToken::decode).transpose()?,
                })
            }
            "DescribeLogStreams" => {
                let group = group_of(i)?;
                if let Some(p) = &i.log_stream_name_prefix {
                    check_stream_name(p, "logStreamNamePrefix")?;
                }
                let order_by =
                    match i.order_by.as_deref() {
                        None | Some("LogStreamName") => OrderBy::LogStreamName,
                        Some("LastEventTime") => OrderBy::LastEventTime,
                        Some(other) => return Err(LogsError::constraint(
                            other,
                            "orderBy",
                            "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
                        )),
                    };
                if order_by == OrderBy::LastEventTime && i.log_stream_name_prefix.is_some() {
                    return Err(LogsError::invalid(
                        "Cannot order by LastEventTime with a logStreamNamePrefix.",
                    ));
                }
                Action::DescribeLogStreams(DescribeLogStreams {
                    group,
                    prefix: i.log_stream_name_prefix.clone(),
                    order_by,
                    descending: i.descending.unwrap_or(false),
                    limit: limit(i.limit, 50)?,
                    after: i.next_token.as_deref().map(PageToken::decode).transpose()?,
                })
            }
            "GetLogEvents" => {
                let group = group_of(i)?;
                let stream = i.log_stream_name.clone().ok_or_else(|| {
                    LogsError::constraint("null", "logStreamName", "Member must not be null")
                })?;
                check_stream_name(&stream, "logStreamName")?;
                Action::GetLogEvents(GetLogEvents {
                    group,
                    stream,
                    start_time: time(i.start_time, "startTime")?,
                    end_time: time(i.end_time, "endTime")?,
                    token: i
                        .next_token
                        .as_deref()
                        .map(StreamToken::decode)
                        .transpose()?,
                    limit: limit(i.limit, 10_000)?,
                    start_from_head: i.start_from_head.unwrap_or(false),
                })
            }
            "FilterLogEvents" => {
                let group = group_of(i)?;
                if i.log_stream_names.is_some() && i.log_stream_name_prefix.is_some() {
                    return Err(LogsError::invalid(
                        "Only one of logStreamNames or logStreamNamePrefix can be provided.",
                    ));
                }
                if let Some(names) = &i.log_stream_names {
                    if names.is_empty() || names.len() > 100 {
                        return Err(LogsError::constraint(
                            format!("{names:?}"),
                            "logStreamNames",
                            if names.is_empty() {
                                "Member must have length greater than or equal to 1"
                            } else {
                                "Member must have length less than or equal to 100"
                            },
                        ));
                    }
                    for n in names {
                        check_stream_name(n, "logStreamNames")?;
                    }
                }
                if let Some(p) = &i.log_stream_name_prefix {
                    check_stream_name(p, "logStreamNamePrefix")?;
                }
                let text = i.filter_pattern.as_deref().unwrap_or("");
                if text.chars().count() > 1024 {
                    return Err(LogsError::constraint(
                        text,
                        "filterPattern",
                        "Member must have length less than or equal to 1024",
                    ));
                }
                let pattern = FilterPattern::parse(text)
                    .map_err(|_| LogsError::invalid("Invalid filter pattern"))?;
                Action::FilterLogEvents(FilterLogEvents {
                    group,
                    stream_names: i.log_stream_names.clone(),
                    stream_prefix: i.log_stream_name_prefix.clone(),
                    start_time: time(i.start_time, "startTime")?,
                    end_time: time(i.end_time, "endTime")?,
                    pattern,
                    token: i
                        .next_token
                        .as_deref()
                        .map(FilterToken::decode)
                        .transpose()?,
                    limit: limit(i.limit, 10_000)?,
                })
            }
            "PutRetentionPolicy" => {
                let group = i.log_group_name.clone().ok_or_else(|| {
                    LogsError::constraint("null", "logGroupName", "Member must not be null")
                })?;
                check_group_name(&group, "logGroupName")?;
                let days = i.retention_in_days.ok_or_else(|| {
                    LogsError::constraint("null", "retentionInDays", "Member must not be null")
                })?;
                match u32::try_from(days) {
                    Ok(d) if RETENTION_DAYS.contains(&d) => {
                        Action::PutRetentionPolicy { group, days: d }
                    }
                    _ => {
                        let set: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
                        return Err(LogsError::constraint(
                            days,
                            "retentionInDays",
                            &format!("Member must satisfy enum value set: [{}]", set.join(", ")),
                        ));
                    }
                }
            }
            "DeleteRetentionPolicy" => {
                let group = i.log_group_name.clone().ok_or_else(|| {
                    LogsError::constraint("null", "logGroupName", "Member must not be null")
                })?;
                check_group_name(&group, "logGroupName")?;
                Action::DeleteRetentionPolicy { group }
            }
            other => {
                return Err(LogsError::new(
                    "UnknownOperationException",
                    format!("lambkin does not implement the CloudWatch Logs operation {other}"),
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(op: &str, body: &str) -> Result<Action, LogsError> {
        Action::parse(op, body.as_bytes())
    }

    #[test]
    fn filter_log_events_parses_and_checks() {
        let Action::FilterLogEvents(f) = parse(
            "FilterLogEvents",
            r#"{"logGroupName":"/aws/lambda/f","startTime":10,"filterPattern":"ERROR","interleaved":true,"limit":5}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(f.group, "/aws/lambda/f");
        assert_eq!(f.start_time, Some(10));
        assert_eq!(f.limit, 5);
        assert!(f.pattern.matches("an ERROR"));
        assert!(f.wants_stream("anything"));
        let e = parse(
            "FilterLogEvents",
            r#"{"logGroupName":"g","filterPattern":"{ $.a = "}"#,
        )
        .unwrap_err();
        assert_eq!(e, LogsError::invalid("Invalid filter pattern"));
        let e = parse("FilterLogEvents", r#"{"logGroupName":"g","limit":10001}"#).unwrap_err();
        assert_eq!(e.message, "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000");
        let e = parse(
            "FilterLogEvents",
            r#"{"logGroupName":"g","nextToken":"zz"}"#,
        )
        .unwrap_err();
        assert_eq!(e, LogsError::bad_token());
    }

    #[test]
    fn groups_by_name_or_arn() {
        let Action::GetLogEvents(g) = parse(
            "GetLogEvents",
            r#"{"logGroupIdentifier":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*","logStreamName":"s"}"#,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(g.group, "/aws/lambda/f");
        assert!(!g.start_from_head);
        assert_eq!(g.limit, 10_000);
        assert!(parse("GetLogEvents", r#"{"logGroupName":"g"}"#).is_err());
        assert!(parse(
            "GetLogEvents",
            r#"{"logGroupName":"g","logGroupIdentifier":"g","logStreamName":"s"}"#
        )
        .is_err());
        let e = parse("DescribeLogStreams", r#"{"logGroupName":"bad name"}"#).unwrap_err();
        assert_eq!(e.kind, "InvalidParameterException");
        assert!(e.message.contains("regular expression pattern"));
    }

    #[test]
    fn describe_checks() {
        let e = parse("DescribeLogGroups", r#"{"limit":51}"#).unwrap_err();
        assert!(e.message.contains("less than or equal to 50"));
        assert!(parse("DescribeLogGroups", "").is_ok());
        let e = parse(
            "DescribeLogStreams",
            r#"{"logGroupName":"g","orderBy":"Size"}"#,
        )
        .unwrap_err();
        assert!(e
            .message
            .contains("enum value set: [LogStreamName, LastEventTime]"));
        let e = parse(
            "DescribeLogStreams",
            r#"{"logGroupName":"g","orderBy":"LastEventTime","logStreamNamePrefix":"a"}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Cannot order by LastEventTime with a logStreamNamePrefix."
        );
    }

    #[test]
    fn retention_values_and_unknown_operations() {
        assert!(matches!(
            parse(
                "PutRetentionPolicy",
                r#"{"logGroupName":"g","retentionInDays":7}"#
            )
            .unwrap(),
            Action::PutRetentionPolicy { days: 7, .. }
        ));
        let e = parse(
            "PutRetentionPolicy",
            r#"{"logGroupName":"g","retentionInDays":2}"#,
        )
        .unwrap_err();
        assert!(e.message.starts_with("1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14,"), "{}", e.message);
        let e = parse("PutLogEvents", "{}").unwrap_err();
        assert_eq!(e.kind, "UnknownOperationException");
        let e = parse("DescribeLogGroups", "{not json").unwrap_err();
        assert_eq!(e.kind, "SerializationException");
    }
}
