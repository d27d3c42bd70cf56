//! [`ImageError`]: what went wrong, and Lambda's `StateReasonCode` for it.

/// Why an image could not be pulled, imported or unpacked. Every message names the
/// reference, layer or path concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The registry answered 401/403, or the credentials were refused.
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// The repository, tag, manifest or blob does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// No `linux/<arch>` in the index, or the config's architecture differs.
    #[error("wrong architecture: {0}")]
    WrongArchitecture(String),
    /// Connect/DNS/TLS failures, or plain HTTP refused for this registry.
    #[error("registry unreachable: {0}")]
    Unreachable(String),
    /// The image unpacks to more than `max_unpacked_bytes`.
    #[error("image too big: {0}")]
    TooBig(String),
    /// A bad manifest, config or media type, a digest mismatch, or a hostile layer.
    #[error("invalid image: {0}")]
    Invalid(String),
    /// A local I/O failure.
    #[error("I/O error: {0}")]
    Io(String),
}

impl ImageError {
    /// Lambda's `StateReasonCode` for a function whose image failed this way.
    pub fn reason_code(&self) -> &'static str {
        match self {
            ImageError::AccessDenied(_) => "ImageAccessDenied",
            ImageError::NotFound(_) => "ImageDeleted",
            ImageError::WrongArchitecture(_)
            | ImageError::Unreachable(_)
            | ImageError::TooBig(_)
            | ImageError::Invalid(_) => "InvalidImage",
            ImageError::Io(_) => "InternalError",
        }
    }

    /// An [`ImageError::Io`] saying what was being done to which path.
    pub(crate) fn io(what: impl std::fmt::Display, e: std::io::Error) -> ImageError {
        ImageError::Io(format!("{what}: {e}"))
    }

    /// The same error with `prefix: ` before its message.
    pub(crate) fn context(self, prefix: impl std::fmt::Display) -> ImageError {
        let p = |m: String| format!("{prefix}: {m}");
        match self {
            ImageError::AccessDenied(m) => ImageError::AccessDenied(p(m)),
            ImageError::NotFound(m) => ImageError::NotFound(p(m)),
            ImageError::WrongArchitecture(m) => ImageError::WrongArchitecture(p(m)),
            ImageError::Unreachable(m) => ImageError::Unreachable(p(m)),
            ImageError::TooBig(m) => ImageError::TooBig(p(m)),
            ImageError::Invalid(m) => ImageError::Invalid(p(m)),
            ImageError::Io(m) => ImageError::Io(p(m)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes() {
        assert_eq!(
            ImageError::AccessDenied(String::new()).reason_code(),
            "ImageAccessDenied"
        );
        assert_eq!(
            ImageError::NotFound(String::new()).reason_code(),
            "ImageDeleted"
        );
        assert_eq!(
            ImageError::TooBig(String::new()).reason_code(),
            "InvalidImage"
        );
        assert_eq!(ImageError::Io(String::new()).reason_code(), "InternalError");
        let e = ImageError::Invalid("x".into()).context("layer sha256:ab");
        assert_eq!(e.to_string(), "invalid image: layer sha256:ab: x");
    }
}
