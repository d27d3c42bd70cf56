//! What a command reports when it fails: the message, the AWS error type when the server gave one, a hint
//! that says what to fix, and the exit code.

use crate::http::ApiError;

/// An error to show to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The AWS error type (`ResourceNotFoundException`, …), when the server answered one.
    pub error_type: Option<String>,
    /// What went wrong.
    pub message: String,
    /// What to do about it, when obvious.
    pub hint: Option<String>,
    /// The process exit code: 1 for failures, 2 for bad usage, 0 for a quiet stop (closed pipe).
    pub exit_code: i32,
}

impl CliError {
    /// A failure (exit code 1) with a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Self {
            error_type: None,
            message: message.into(),
            hint: None,
            exit_code: 1,
        }
    }

    /// Bad usage (exit code 2): an argument the command cannot work with.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            exit_code: 2,
            ..Self::msg(message)
        }
    }

    /// Standard output was closed (`lambkin logs f | head`): stop without a message.
    pub fn closed_pipe() -> Self {
        Self {
            exit_code: 0,
            ..Self::msg("")
        }
    }

    /// Adds (or replaces) the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether the server answered this AWS error type.
    pub fn is(&self, error_type: &str) -> bool {
        self.error_type.as_deref() == Some(error_type)
    }

    /// Turns a failed write to the console into an error (a closed pipe is a quiet stop).
    pub fn from_write(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::closed_pipe()
        } else {
            Self::msg(format!("writing the output: {e}"))
        }
    }
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        let hint = match e.code.as_str() {
            "TooManyRequestsException" => {
                Some("the server is at a concurrency limit; try again in a moment")
            }
            "RequestTooLargeException" | "CodeStorageExceededException" => {
                Some("make the package smaller (leave out build artifacts and tests)")
            }
            "ServiceException" => {
                Some("the server failed; its log (lambkin serve's output) says why")
            }
            _ => None,
        };
        Self {
            error_type: Some(e.code),
            message: e.message,
            hint: hint.map(str::to_owned),
            exit_code: 1,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error_type {
            Some(t) => write!(f, "{t}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_type_message_and_hint() {
        let e = CliError::from(ApiError {
            status: 404,
            code: "ResourceNotFoundException".into(),
            message: "Function not found: f".into(),
        })
        .hint("deploy it first: lambkin deploy f DIR");
        assert_eq!(
            e.to_string(),
            "ResourceNotFoundException: Function not found: f\n  hint: deploy it first: lambkin deploy f DIR"
        );
        assert_eq!(e.exit_code, 1);
        assert_eq!(CliError::usage("bad").exit_code, 2);
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(CliError::from_write(pipe).exit_code, 0);
    }
}
