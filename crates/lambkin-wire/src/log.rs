//! Who wrote a log line of an environment.

use serde::{Deserialize, Serialize};

/// The writer of a log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", content = "name", rename_all = "lowercase")]
pub enum LogSource {
    /// The runtime (function code).
    Function,
    /// An extension, by name.
    Extension(String),
    /// The platform itself (START, END, REPORT).
    Platform,
}
