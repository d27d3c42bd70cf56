//! Registry credentials from a docker `config.json`-format file.
//!
//! `auths.<registry>` entries are read: `auth` (base64 `user:password`), or `username` and
//! `password`, or `identitytoken` (sent as a bearer token). Keys may carry a scheme and a
//! path (`https://index.docker.io/v1/`). Credential helpers (`credsStore`, `credHelpers`)
//! are not run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use oci_client::secrets::RegistryAuth;
use serde::Deserialize;

use crate::ImageError;

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The credentials file to read: `explicit`, else `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`.
pub(crate) fn auth_file(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(d) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(d).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// The credentials for `registry` (`host[:port]`) in the file `path`; anonymous when the file
/// does not exist or has no entry for it. An explicitly named file must exist.
pub(crate) fn credentials(
    path: Option<&Path>,
    explicit: bool,
    registry: &str,
) -> Result<RegistryAuth, ImageError> {
    let Some(path) = path else {
        return Ok(RegistryAuth::Anonymous);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(RegistryAuth::Anonymous)
        }
        Err(e) => {
            return Err(ImageError::io(
                format!("reading credentials file {}", path.display()),
                e,
            ))
        }
    };
    let file: ConfigFile = serde_json::from_slice(&bytes).map_err(|e| {
        ImageError::AccessDenied(format!(
            "credentials file {} is not valid JSON: {e}",
            path.display()
        ))
    })?;
    let wanted = key_host(registry);
    let entry = file.auths.iter().find(|(k, _)| {
        let k = key_host(k);
        k == wanted || (is_docker_hub(&k) && is_docker_hub(&wanted))
    });
    let Some((key, entry)) = entry else {
        return Ok(RegistryAuth::Anonymous);
    };
    let bad = |why: &str| {
        ImageError::AccessDenied(format!(
            "credentials for `{key}` in {}: {why}",
            path.display()
        ))
    };
    if let Some(a) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .map_err(|_| bad("`auth` is not base64"))?;
        let decoded = String::from_utf8(decoded).map_err(|_| bad("`auth` is not UTF-8"))?;
        let (user, pass) = decoded
            .split_once(':')
            .ok_or_else(|| bad("`auth` is not base64 of user:password"))?;
        return Ok(RegistryAuth::Basic(user.to_string(), pass.to_string()));
    }
    if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
        return Ok(RegistryAuth::Basic(u.clone(), p.clone()));
    }
    if let Some(t) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(RegistryAuth::Bearer(t.to_string()));
    }
    Ok(RegistryAuth::Anonymous)
}

/// `host[:port]` of a config.json key (which may be a URL).
fn key_host(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or_default().to_ascii_lowercase()
}

fn is_docker_hub(host: &str) -> bool {
    matches!(
        host,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docker_config() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        std::fs::write(
            &p,
            r#"{"auths":{
                "localhost:5000":{"auth":"dXNlcjpwYTpzcw=="},
                "https://index.docker.io/v1/":{"username":"u","password":"p"},
                "tok.example":{"identitytoken":"T"}}}"#,
        )
        .unwrap();
        let c = |r| credentials(Some(&p), true, r).unwrap();
        assert!(
            matches!(c("localhost:5000"), RegistryAuth::Basic(u, p) if u == "user" && p == "pa:ss")
        );
        assert!(matches!(c("docker.io"), RegistryAuth::Basic(u, p) if u == "u" && p == "p"));
        assert!(matches!(c("tok.example"), RegistryAuth::Bearer(t) if t == "T"));
        assert!(matches!(c("other:1"), RegistryAuth::Anonymous));
        let missing = dir.path().join("nope.json");
        assert!(credentials(Some(&missing), true, "x").is_err());
        assert!(credentials(Some(&missing), false, "x").is_ok());
    }
}
