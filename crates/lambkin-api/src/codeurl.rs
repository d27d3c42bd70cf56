//! Signed, time-limited code download URLs (`GetFunction`'s `Code.Location`, `GetLayerVersion`'s
//! `Content.Location`), like S3's presigned URLs: `…/lambkin/v1/code/<sha256>?Expires=<unix>&Signature=<hex>`,
//! the signature an HMAC-SHA256 of the blob and the expiry under a per-server secret kept in the data
//! directory (`code-url.key`, mode 0600), so URLs stay valid across restarts and nobody can forge or extend
//! one. A leaf: it names no operation module.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use hmac::{Hmac, Mac};
use http::StatusCode;
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};

/// How long a download URL is valid (as Lambda's presigned `Code.Location`: 10 minutes).
pub(crate) const VALID_FOR_SECS: u64 = 600;

const KEY_FILE: &str = "code-url.key";

/// Signs and checks download URLs.
pub(crate) struct CodeUrls {
    key: Vec<u8>,
}

fn now_secs() -> u64 {
    crate::time_fmt::now_ms() / 1000
}

impl CodeUrls {
    /// The data directory's signing secret, made (32 random bytes) on first use.
    pub(crate) fn open(data_dir: &Path) -> Result<Self, String> {
        let path = data_dir.join(KEY_FILE);
        let read = |p: &Path| -> Result<Option<Vec<u8>>, String> {
            match std::fs::read(p) {
                Ok(k) if k.len() >= 32 => Ok(Some(k)),
                Ok(_) => Err(format!(
                    "{}: too short to be a signing secret; remove it and restart",
                    p.display()
                )),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("cannot read {}: {e}", p.display())),
            }
        };
        if let Some(key) = read(&path)? {
            return Ok(Self { key });
        }
        let mut key = Vec::with_capacity(32);
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        let tmp = data_dir.join(format!(".{KEY_FILE}.{}", uuid::Uuid::new_v4()));
        let written = (|| -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&key)?;
            f.sync_all()?;
            // Another server on the same directory may have made one meanwhile: the first one wins.
            std::fs::hard_link(&tmp, &path)
        })();
        let _ = std::fs::remove_file(&tmp);
        match written {
            Ok(()) => Ok(Self { key }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path)?
                .map(|key| Self { key })
                .ok_or_else(|| format!("{} vanished", path.display())),
            Err(e) => Err(format!("cannot write {}: {e}", path.display())),
        }
    }

    fn mac(&self, hex: &str, expires: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("lambkin-code\n{hex}\n{expires}").as_bytes());
        mac
    }

    /// The download URL of the zip `hex`, valid for [`VALID_FOR_SECS`] from now.
    pub(crate) fn url(&self, base_url: &str, hex: &str) -> String {
        let expires = now_secs() + VALID_FOR_SECS;
        let sig = hex::encode(self.mac(hex, expires).finalize().into_bytes());
        format!("{base_url}/lambkin/v1/code/{hex}?Expires={expires}&Signature={sig}")
    }

    /// Whether a download of `hex` with these query members may proceed: 403 when unsigned, tampered or
    /// expired.
    pub(crate) fn check(
        &self,
        hex: &str,
        expires: Option<&str>,
        signature: Option<&str>,
    ) -> ApiResult<()> {
        let denied = |m: String| ApiError::new(StatusCode::FORBIDDEN, "AccessDeniedException", m);
        let (Some(expires), Some(signature)) = (expires, signature) else {
            return Err(denied(
                "Code download URLs are signed: take a fresh one from GetFunction's Code.Location or GetLayerVersion's Content.Location.".into(),
            ));
        };
        let bad = || {
            denied(
                "The code download URL's signature does not match: the URL was altered or signed by another server. Take a fresh one from GetFunction or GetLayerVersion.".into(),
            )
        };
        let at: u64 = expires.parse().map_err(|_| bad())?;
        let sig = hex::decode(signature).map_err(|_| bad())?;
        self.mac(hex, at).verify_slice(&sig).map_err(|_| bad())?;
        if now_secs() > at {
            return Err(denied(format!(
                "The code download URL expired at {} (URLs are valid for {} minutes). Take a fresh one from GetFunction or GetLayerVersion.",
                time::OffsetDateTime::from_unix_timestamp(i64::try_from(at).unwrap_or(0))
                    .map(crate::time_fmt::format)
                    .unwrap_or_else(|_| at.to_string()),
                VALID_FOR_SECS / 60
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(url: &str, name: &str) -> String {
        let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    #[test]
    fn signed_urls_check_and_refuse_tampering() {
        let dir = tempfile::tempdir().expect("tmp");
        let urls = CodeUrls::open(dir.path()).expect("key");
        let again = CodeUrls::open(dir.path()).expect("key again");
        assert_eq!(urls.key, again.key, "the secret survives a restart");
        let hex = "ab".repeat(32);
        let url = urls.url("http://h", &hex);
        let (e, s) = (query(&url, "Expires"), query(&url, "Signature"));
        assert!(again.check(&hex, Some(&e), Some(&s)).is_ok());
        let other = "cd".repeat(32);
        assert!(urls.check(&other, Some(&e), Some(&s)).is_err());
        let later = (e.parse::<u64>().expect("n") + 1).to_string();
        assert!(urls.check(&hex, Some(&later), Some(&s)).is_err());
        assert!(urls.check(&hex, None, None).is_err());
        let past = now_secs() - 1;
        let sig = hex::encode(urls.mac(&hex, past).finalize().into_bytes());
        let err = urls
            .check(&hex, Some(&past.to_string()), Some(&sig))
            .expect_err("expired");
        assert!(err.message.contains("expired"), "{}", err.message);
        assert_eq!(err.status, StatusCode::FORBIDDEN);
    }
}
