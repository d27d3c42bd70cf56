//! `FilterError`: why a `FilterCriteria` was refused, in Lambda's words.
//!
//! Lambda answers every pattern it cannot use with one sentence, `Invalid filter pattern definition.`
//! (`InvalidParameterValueException`), whatever is wrong with it; the precise reason (EventBridge's
//! wording, as its rule compiler gives it) is kept beside it for logs and tests, never shown as the message.

use std::fmt;

/// Lambda's message for a pattern it cannot parse or does not accept.
pub const INVALID_PATTERN: &str = "Invalid filter pattern definition.";

/// Why a `FilterCriteria` was refused. `Display` is the message Lambda answers with; [`FilterError::exception`]
/// names the exception it comes in.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError {
    kind: Kind,
    reason: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Malformed JSON, a leaf that is not an array, an unknown operator, a bad numeric range...
    InvalidPattern,
    /// A pattern over [`crate::MAX_PATTERN_LENGTH`]: the API model's length constraint on `Filter.Pattern`.
    PatternTooLong { index: usize, pattern: String },
    /// More filters than the account's quota allows.
    TooManyFilters { limit: usize },
}

impl FilterError {
    /// A pattern Lambda does not accept; `reason` says why (never shown as the message).
    pub(crate) fn invalid(reason: impl Into<String>) -> FilterError {
        FilterError {
            kind: Kind::InvalidPattern,
            reason: reason.into(),
        }
    }

    /// The pattern at 1-based `index` of `FilterCriteria.Filters` is too long.
    pub(crate) fn too_long(index: usize, pattern: &str, length: usize) -> FilterError {
        FilterError {
            kind: Kind::PatternTooLong {
                index,
                pattern: pattern.to_owned(),
            },
            reason: format!(
                "pattern {index} has {length} characters, more than {}",
                crate::MAX_PATTERN_LENGTH
            ),
        }
    }

    /// `count` filters where the quota is `limit`.
    pub(crate) fn too_many(count: usize, limit: usize) -> FilterError {
        FilterError {
            kind: Kind::TooManyFilters { limit },
            reason: format!("{count} filters, more than the quota of {limit}"),
        }
    }

    /// The exception Lambda answers with: `InvalidParameterValueException`, or `ValidationException` for a
    /// pattern over the API's length limit.
    pub fn exception(&self) -> &'static str {
        match self.kind {
            Kind::PatternTooLong { .. } => "ValidationException",
            Kind::InvalidPattern | Kind::TooManyFilters { .. } => "InvalidParameterValueException",
        }
    }

    /// What exactly is wrong, for logs and tests (Lambda itself does not say).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::InvalidPattern => f.write_str(INVALID_PATTERN),
            // The API model's constraint on `Filter.Pattern`, worded as Lambda words every such violation.
            Kind::PatternTooLong { index, pattern } => write!(
                f,
                "1 validation error detected: Value '{pattern}' at \
                 'filterCriteria.filters.{index}.member.pattern' failed to satisfy constraint: \
                 Member must have length less than or equal to {}",
                crate::MAX_PATTERN_LENGTH
            ),
            // Lambda documents that it refuses more filters than the quota, not with which words: these are
            // lambkin's.
            Kind::TooManyFilters { limit } => write!(
                f,
                "The number of filters in FilterCriteria exceeds the quota of {limit} filters \
                 for an event source mapping."
            ),
        }
    }
}

impl std::error::Error for FilterError {}
