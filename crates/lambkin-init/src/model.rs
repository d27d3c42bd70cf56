//! Wire shapes of the in-sandbox APIs: error bodies, the error catalogue and error-type normalisation.
//!
//! Everything here mirrors the behaviour documented in `spec/execution-environment-api.md` §1.3, §2.6 and §4.

use bytes::Bytes;
use serde::Serialize;

/// Largest payload (request to the runtime, response from it) in bytes: 6 MiB + 100 B, as RAPID.
pub const MAX_PAYLOAD_SIZE: usize = 6 * 1024 * 1024 + 100;

/// Largest number of extensions (internal and external) per environment.
pub const MAX_EXTENSIONS: usize = 10;

/// The JSON error body of every in-sandbox API: `{"errorMessage":..,"errorType":..}`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody<'a> {
    /// `errorMessage`.
    #[serde(rename = "errorMessage")]
    pub message: &'a str,
    /// `errorType`.
    #[serde(rename = "errorType")]
    pub error_type: &'a str,
}

/// Renders a JSON value as Go's `json.Encoder` does: compact, HTML characters escaped, one trailing newline.
pub fn go_json<T: Serialize>(value: &T) -> Bytes {
    let compact = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    let mut out = String::with_capacity(compact.len() + 8);
    for c in compact.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    Bytes::from(out)
}

/// Normalises a `Lambda-Runtime-Function-Error-Type` header as RAPID does (§2.3): a value that contains
/// `(Runtime|Function)\.[A-Z][a-zA-Z]+` is kept, other `Function.` values become `Function.Unknown`,
/// everything else (missing, `Unhandled`, …) becomes `Runtime.Unknown`.
///
/// The pattern is matched by hand: it is one fixed, unanchored pattern and a regex engine would be the init's
/// largest dependency.
pub fn normalize_error_type(raw: Option<&str>) -> String {
    let Some(raw) = raw else {
        return "Runtime.Unknown".to_owned();
    };
    for prefix in ["Runtime.", "Function."] {
        let mut from = 0;
        while let Some(pos) = raw[from..].find(prefix) {
            let start = from + pos;
            let rest = &raw[start + prefix.len()..];
            let mut chars = rest.chars();
            if chars.next().is_some_and(|c| c.is_ascii_uppercase())
                && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            {
                return raw.to_owned();
            }
            from = start + 1;
        }
    }
    if raw.starts_with("Function.") {
        "Function.Unknown".to_owned()
    } else {
        "Runtime.Unknown".to_owned()
    }
}

/// A failure the platform reports to the caller instead of a runtime-provided payload
/// (`{"errorType":..,"errorMessage":"RequestId: <id> Error: <cause>"}`, field order as RAPID).
#[derive(Debug, Clone, Serialize)]
pub struct PlatformError {
    /// `errorType`, e.g. `Runtime.ExitError`.
    #[serde(rename = "errorType")]
    pub error_type: String,
    /// `errorMessage`, e.g. `RequestId: <id> Error: Runtime exited with error: exit status 1`.
    #[serde(rename = "errorMessage")]
    pub error_message: String,
}

impl PlatformError {
    /// Builds the error with RAPID's formatted message.
    pub fn new(error_type: &str, request_id: Option<&str>, cause: &str) -> Self {
        let error_message = match request_id {
            Some(id) if !id.is_empty() => format!("RequestId: {id} Error: {cause}"),
            _ => format!("Error: {cause}"),
        };
        Self {
            error_type: error_type.to_owned(),
            error_message,
        }
    }

    /// Builds the error with a message used as is.
    pub fn raw(error_type: &str, error_message: String) -> Self {
        Self {
            error_type: error_type.to_owned(),
            error_message,
        }
    }

    /// The compact JSON payload sent to the caller.
    pub fn to_payload(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }
}

/// Describes how a process ended, as RAPID words it in `Runtime.ExitError` messages.
pub fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        format!("exit status {code}")
    } else if let Some(sig) = status.signal() {
        format!("signal: {}", signal_name(sig))
    } else {
        "exit status unknown".to_owned()
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "killed",
        libc::SIGTERM => "terminated",
        libc::SIGSEGV => "segmentation fault",
        libc::SIGABRT => "aborted",
        libc::SIGINT => "interrupt",
        libc::SIGBUS => "bus error",
        libc::SIGFPE => "floating point exception",
        libc::SIGILL => "illegal instruction",
        libc::SIGPIPE => "broken pipe",
        _ => "unknown signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_follows_rapid() {
        assert_eq!(normalize_error_type(None), "Runtime.Unknown");
        assert_eq!(normalize_error_type(Some("Unhandled")), "Runtime.Unknown");
        assert_eq!(normalize_error_type(Some("unhandled")), "Runtime.Unknown");
        assert_eq!(
            normalize_error_type(Some("Runtime.ImportModuleError")),
            "Runtime.ImportModuleError"
        );
        assert_eq!(
            normalize_error_type(Some("x Function.MyError y")),
            "x Function.MyError y"
        );
        assert_eq!(normalize_error_type(Some("Function.x")), "Function.Unknown");
        assert_eq!(normalize_error_type(Some("Runtime.A")), "Runtime.Unknown");
        assert_eq!(normalize_error_type(Some("MyError")), "Runtime.Unknown");
    }

    #[test]
    fn go_json_escapes_html_and_ends_with_newline() {
        let body = go_json(&ErrorBody {
            message: "a<b>&",
            error_type: "T",
        });
        assert_eq!(
            &body[..],
            b"{\"errorMessage\":\"a\\u003cb\\u003e\\u0026\",\"errorType\":\"T\"}\n"
        );
    }

    #[test]
    fn platform_error_message() {
        let e = PlatformError::new(
            "Runtime.ExitError",
            Some("abc"),
            "Runtime exited with error: exit status 1",
        );
        assert_eq!(
            &e.to_payload()[..],
            br#"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: abc Error: Runtime exited with error: exit status 1"}"#
        );
    }
}
