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

/// One log line as a host receives it: when the init took it (ms since the Unix epoch) and its bytes, without
/// the newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When the init took the line.
    pub timestamp_ms: u64,
    /// The line.
    pub line: bytes::Bytes,
}

/// Now, in ms since the Unix epoch (a log line's timestamp).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
