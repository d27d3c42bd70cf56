//! SHA-256 digests: `sha256:<hex>` strings, validation, and a hashing, counting reader.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

use crate::ImageError;

/// `sha256:<hex>` of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The hex part of a `sha256:<64 hex>` digest, or `Invalid` (only sha256 is supported).
pub(crate) fn hex_of(digest: &str) -> Result<&str, ImageError> {
    match digest.strip_prefix("sha256:") {
        Some(h) if h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
            Ok(h)
        }
        _ => Err(ImageError::Invalid(format!(
            "`{digest}` is not a sha256 digest (sha256:<64 lowercase hex>)"
        ))),
    }
}

/// A reader that hashes and counts what passes through it, and fails with
/// [`io::ErrorKind::FileTooLarge`] once more than `limit` bytes have been read.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
    limit: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`, allowing at most `limit` bytes.
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            count: 0,
            limit,
        }
    }

    /// `sha256:<hex>` of everything read, and its length.
    pub(crate) fn finish(self) -> (String, u64) {
        (
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
        )
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        if self.count > self.limit {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("more than {} bytes", self.limit),
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        let d = sha256(b"");
        assert_eq!(
            d,
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(hex_of(&d).is_ok());
        assert!(hex_of("sha256:../../etc").is_err());
        assert!(hex_of("md5:00").is_err());
        let mut r = HashingReader::new(&b"abc"[..], 2);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
    }
}
