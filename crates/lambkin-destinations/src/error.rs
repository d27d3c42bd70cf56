//! A failed delivery, and whether trying again can help.

use std::fmt;

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};

use crate::target::Target;

/// Why a delivery failed. `permanent`: the target does not exist, access is denied, or the target or the
/// message is invalid, so retrying cannot help; otherwise (timeouts, unreachable endpoints, 5xx, throttling) it
/// may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Whether retrying cannot help.
    pub permanent: bool,
    /// What failed, naming the target and the service's error code.
    pub message: String,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SendError {}

impl SendError {
    /// A failure retrying cannot help, found before any request.
    pub(crate) fn refused(target: &Target, why: impl fmt::Display) -> Self {
        SendError {
            permanent: true,
            message: format!("{target}: {why}"),
        }
    }

    /// A failure an operation answered with, or met on its way.
    pub(crate) fn from_sdk<E>(
        target: &Target,
        operation: &str,
        e: &SdkError<E, aws_sdk_sqs::config::http::HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match e {
            SdkError::ServiceError(se) => {
                let status = se.raw().status().as_u16();
                let err = se.err();
                let code = err.code().unwrap_or("UnknownError");
                service_error(target, operation, status, code, err.message().unwrap_or(""))
            }
            SdkError::TimeoutError(_) => SendError {
                permanent: false,
                message: format!(
                    "{target}: {operation}: no answer in time ({})",
                    lambkin_awssdk::causes(e)
                ),
            },
            // Not sent: no usable credentials (ConstructionFailure), no connection, an unreadable answer.
            // None of these says anything of the target.
            _ => SendError {
                permanent: false,
                message: format!("{target}: {operation}: {}", lambkin_awssdk::causes(e)),
            },
        }
    }
}

/// A service's error answer as a [`SendError`].
pub(crate) fn service_error(
    target: &Target,
    operation: &str,
    status: u16,
    code: &str,
    message: &str,
) -> SendError {
    let mut text = format!("{target}: {operation} failed with {code} (HTTP {status})");
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
    SendError {
        permanent: is_permanent(status, code),
        message: text,
    }
}

/// An entry refused in a successful (200) answer, as `PutEvents` refuses one: its code alone says what failed.
pub(crate) fn entry_error(
    target: &Target,
    operation: &str,
    code: &str,
    message: &str,
) -> SendError {
    let mut text = format!("{target}: {operation} refused the entry with {code}");
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
    SendError {
        permanent: !is_transient_code(code),
        message: text,
    }
}

/// Whether an error answer means retrying cannot help: any 4xx but throttling and timeouts; never a 5xx.
pub(crate) fn is_permanent(status: u16, code: &str) -> bool {
    !(is_transient_code(code) || status >= 500 || status == 429 || status == 408 || status < 400)
}

/// Error codes of the services that mean "later", whatever the status says.
fn is_transient_code(code: &str) -> bool {
    // SQS's JSON protocol names some errors `AWS.SimpleQueueService.<Code>`.
    let code = code.rsplit('.').next().unwrap_or(code);
    code.contains("Throttl")
        || matches!(
            code,
            "SlowDown"
                | "RequestLimitExceeded"
                | "TooManyRequestsException"
                | "LimitExceededException"
                | "InternalError"
                | "InternalFailure"
                | "InternalErrorException"
                | "InternalServiceError"
                | "InternalException"
                | "ServiceUnavailable"
                | "ServiceUnavailableException"
                | "RequestTimeout"
                | "RequestTimeoutException"
                | "KMSInternalException"
                | "KMSUnavailableException"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_retrying_cannot_help() {
        for (status, code) in [
            (400, "QueueDoesNotExist"),
            (400, "AWS.SimpleQueueService.NonExistentQueue"),
            (404, "NotFound"),
            (404, "NoSuchBucket"),
            (403, "AccessDenied"),
            (403, "AuthorizationError"),
            (400, "AccessDeniedException"),
            (400, "InvalidParameterValue"),
            (400, "InvalidMessageContents"),
            (400, "KMSDisabledException"),
            (404, "ResourceNotFoundException"),
            (400, "MalformedDetail"),
            (400, "NotAuthorizedForSourceException"),
        ] {
            assert!(is_permanent(status, code), "{status} {code}");
        }
    }

    #[test]
    fn what_retrying_can_help() {
        for (status, code) in [
            (500, "InternalError"),
            (503, "ServiceUnavailable"),
            (502, "UnknownError"),
            (400, "ThrottlingException"),
            (400, "Throttling"),
            (400, "AWS.SimpleQueueService.RequestThrottled"),
            (503, "SlowDown"),
            (429, "TooManyRequestsException"),
            (400, "KMSThrottlingException"),
            (400, "InternalFailure"),
            (400, "RequestTimeout"),
            (408, "Whatever"),
        ] {
            assert!(!is_permanent(status, code), "{status} {code}");
        }
    }

    #[test]
    fn messages_name_the_target_and_the_code() {
        let t = Target::S3 {
            bucket: "bkt".into(),
        };
        let e = service_error(
            &t,
            "PutObject",
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
        );
        assert!(e.permanent);
        assert_eq!(
            e.to_string(),
            "S3 bucket bkt: PutObject failed with NoSuchBucket (HTTP 404): The specified bucket does not exist"
        );
        let e = entry_error(&t, "PutEvents", "InternalFailure", "");
        assert!(!e.permanent);
        let e = entry_error(&t, "PutEvents", "MalformedDetail", "Detail is malformed.");
        assert!(e.permanent);
        assert_eq!(
            e.to_string(),
            "S3 bucket bkt: PutEvents refused the entry with MalformedDetail: Detail is malformed."
        );
        let e = SendError::refused(&t, "S3 takes only on-failure records");
        assert!(e.permanent);
        assert_eq!(
            e.to_string(),
            "S3 bucket bkt: S3 takes only on-failure records"
        );
    }
}
