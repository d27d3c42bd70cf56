//! CloudWatch Logs' JSON 1.1 protocol, as far as reading function logs goes: a request (`POST /`,
//! `X-Amz-Target: Logs_20140328.<Operation>`) parsed into a typed [`Action`] with CloudWatch Logs' checks and
//! words, the filter pattern language ([`FilterPattern`]), paging tokens, event ids, the response shapes and
//! the errors (`{"__type": …, "message": …}`, status 400). Knows nothing of where logs are kept: the service
//! executes an [`Action`] over its own files.

mod action;
mod pattern;
mod shape;
mod token;

pub use action::{
    Action, DescribeLogGroups, DescribeLogStreams, FilterLogEvents, GetLogEvents, OrderBy,
    RETENTION_DAYS,
};
pub use pattern::{FilterPattern, PatternError};
pub use shape::{
    group_arn, stream_arn, FilteredEvent, LogGroup, LogStream, OutputEvent, SearchedStream,
};
pub use token::{event_id, FilterToken, PageToken, StreamToken};

/// The `X-Amz-Target` prefix of CloudWatch Logs' operations.
pub const TARGET_PREFIX: &str = "Logs_20140328.";
/// The content type of requests and answers.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// An error answered in CloudWatch Logs' shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsError {
    /// `__type`: the exception's name.
    pub kind: &'static str,
    /// `message`.
    pub message: String,
}

impl LogsError {
    /// Any error.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// `InvalidParameterException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    /// `InvalidParameterException` in AWS's validation wording.
    pub fn constraint(value: impl std::fmt::Display, field: &str, constraint: &str) -> Self {
        Self::invalid(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
        ))
    }

    /// `ResourceNotFoundException`: no such log group.
    pub fn no_group() -> Self {
        Self::new(
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
    }

    /// `ResourceNotFoundException`: no such log stream.
    pub fn no_stream() -> Self {
        Self::new(
            "ResourceNotFoundException",
            "The specified log stream does not exist.",
        )
    }

    /// `InvalidParameterException`: a token this service did not make.
    pub fn bad_token() -> Self {
        Self::invalid("The specified nextToken is invalid.")
    }

    /// `ServiceUnavailableException` (the logs could not be read).
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new("ServiceUnavailableException", message)
    }

    /// The HTTP status: 400, or 500 for a service fault.
    pub fn status(&self) -> u16 {
        if self.kind == "ServiceUnavailableException" {
            500
        } else {
            400
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::json!({"__type": self.kind, "message": self.message}).to_string()
    }
}

impl std::fmt::Display for LogsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for LogsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shape() {
        let e = LogsError::no_group();
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["__type"], "ResourceNotFoundException");
        assert_eq!(v["message"], "The specified log group does not exist.");
        assert_eq!(e.status(), 400);
        assert_eq!(LogsError::unavailable("x").status(), 500);
    }
}
