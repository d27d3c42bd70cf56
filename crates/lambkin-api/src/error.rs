//! Errors in the Lambda REST API's shape: the right status, `x-amzn-ErrorType` always, and a JSON body with
//! `Type` and the message member cased as the client's model expects it (spec §1.1).

use http::StatusCode;

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `x-amzn-ErrorType` (the exception name).
    pub error_type: &'static str,
    /// The message.
    pub message: String,
    /// Extra body members (`Reason` of a throttle, …).
    pub extra: Vec<(&'static str, String)>,
}

/// Result of an API operation.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// Any error.
    pub fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    /// 404 `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    /// 409 `ResourceConflictException`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "ResourceConflictException", message)
    }

    /// 400 `InvalidParameterValueException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            message,
        )
    }

    /// 400 `ValidationException` with AWS's constraint wording.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    /// 400 `InvalidRequestContentException`.
    pub fn bad_content(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            message,
        )
    }

    /// 412 `PreconditionFailedException` (a stale `RevisionId`).
    pub fn precondition() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )
    }

    /// 429 `TooManyRequestsException` with Lambda's `Reason`.
    pub fn throttled(reason: &'static str) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Rate Exceeded.",
        );
        e.extra.push(("Reason", reason.to_owned()));
        e
    }

    /// 500 `ServiceException`.
    pub fn service(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            message,
        )
    }

    /// 413 `RequestTooLargeException`.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            message,
        )
    }

    /// The JSON body. Exceptions whose model member is `Message` get `Message`, the others `message`
    /// (botocore reads either; modeled fields follow the model's casing).
    pub fn body(&self) -> String {
        let capital = matches!(
            self.error_type,
            "ResourceNotFoundException"
                | "ServiceException"
                | "ResourceInUseException"
                | "ResourceNotReadyException"
                | "CodeSigningConfigNotFoundException"
                | "CodeVerificationFailedException"
                | "PublicPolicyException"
                | "PolicyLengthExceededException"
        );
        let mut map = serde_json::Map::new();
        map.insert(
            "Type".into(),
            serde_json::Value::String(if self.status.is_server_error() {
                "Service".into()
            } else {
                "User".into()
            }),
        );
        // An error Lambda answers without a message (CreateFunction of another account's ARN) has none.
        if !self.message.is_empty() {
            map.insert(
                if capital { "Message" } else { "message" }.into(),
                serde_json::Value::String(self.message.clone()),
            );
        }
        for (k, v) in &self.extra {
            map.insert((*k).into(), serde_json::Value::String(v.clone()));
        }
        serde_json::Value::Object(map).to_string()
    }
}

impl From<lambkin_store::StoreError> for ApiError {
    fn from(e: lambkin_store::StoreError) -> Self {
        tracing::error!("store: {e}");
        Self::service(format!("the store failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_follows_the_model() {
        let nf: serde_json::Value =
            serde_json::from_str(&ApiError::not_found("x").body()).expect("json");
        assert_eq!(nf["Message"], "x");
        assert_eq!(nf["Type"], "User");
        let c: serde_json::Value =
            serde_json::from_str(&ApiError::conflict("y").body()).expect("json");
        assert_eq!(c["message"], "y");
        let t: serde_json::Value = serde_json::from_str(
            &ApiError::throttled("ReservedFunctionConcurrentInvocationLimitExceeded").body(),
        )
        .expect("json");
        assert_eq!(
            t["Reason"],
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        );
    }
}
