//! The crate's one error type: what is wrong, and where in the template.

/// A template, an override or an option that cannot become a plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamError {
    /// The text is neither YAML nor JSON (the parser's message, with its line and column).
    #[error("the template is not valid {format}: {message}")]
    Syntax {
        /// `YAML` or `JSON`.
        format: &'static str,
        /// The parser's words.
        message: String,
    },
    /// A `--parameter-overrides` string that cannot be read.
    #[error("parameter overrides: {0}")]
    Overrides(String),
    /// Something at a place of the template (or of the options) is not what it must be.
    #[error("{at}: {message}")]
    Invalid {
        /// A dotted path from the template's root: `Resources.HelloFunction.Properties.Timeout`,
        /// `Parameters.Stage`, `Conditions.IsProd`; `options.stack_name` for the options.
        at: String,
        /// What was expected, what was found.
        message: String,
    },
}

impl SamError {
    /// An [`SamError::Invalid`] at `at`.
    pub(crate) fn at(at: impl Into<String>, message: impl Into<String>) -> Self {
        SamError::Invalid {
            at: at.into(),
            message: message.into(),
        }
    }
}

/// The kind of a JSON value, for messages ("expected a string, found a list").
pub(crate) fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a map",
    }
}

/// `at.key`, or `key` at the root.
pub(crate) fn child(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}
