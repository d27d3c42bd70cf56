//! Image references: parsing and normalising them as Docker does, ECR mapping, loopback checks.

use std::fmt;

use crate::ImageError;

/// Docker Hub's registry name in normalised references.
const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference: `[registry/]repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `host[:port]`; `docker.io` when the reference names none.
    pub registry: String,
    /// The repository path, e.g. `fn` or `library/alpine` (Docker Hub's official images).
    pub repository: String,
    /// The tag; `latest` when neither a tag nor a digest was given.
    pub tag: Option<String>,
    /// The manifest digest, `sha256:<hex>`.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses and normalises `reference` as Docker does: `fn` is `docker.io/library/fn:latest`
    /// (shown as `fn:latest`), a reference without tag or digest gets `:latest`.
    pub fn parse(reference: &str) -> Result<ImageRef, ImageError> {
        let bad = |why: &str| {
            ImageError::Invalid(format!("image reference `{reference}` is invalid: {why}"))
        };
        let s = reference.trim();
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => {
                crate::digest::hex_of(d).map_err(|_| bad("the digest is not sha256:<64 hex>"))?;
                (n, Some(d.to_string()))
            }
            None => (s, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &name[last_slash + i + 1..];
                let ok = !tag.is_empty()
                    && tag.len() <= 128
                    && !tag.starts_with(['.', '-'])
                    && tag
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
                if !ok {
                    return Err(bad("the tag must be [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"));
                }
                (&name[..last_slash + i], Some(tag.to_string()))
            }
            None => (name, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains(['.', ':']) || first == "localhost" || first.starts_with('[') =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        if registry.is_empty()
            || !registry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        {
            return Err(bad("the registry must be host[:port]"));
        }
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
            _ => registry,
        };
        if repository.is_empty()
            || repository.split('/').any(|c| {
                c.is_empty()
                    || !c.bytes().all(|b| {
                        b.is_ascii_lowercase()
                            || b.is_ascii_digit()
                            || matches!(b, b'.' | b'_' | b'-')
                    })
            })
        {
            return Err(bad(
                "the repository must be lowercase path components of [a-z0-9._-]",
            ));
        }
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository` in Docker's familiar form (`fn` for `docker.io/library/fn`).
    pub fn repository_name(&self) -> String {
        if self.registry == DOCKER_HUB {
            self.repository
                .strip_prefix("library/")
                .unwrap_or(&self.repository)
                .to_string()
        } else {
            format!("{}/{}", self.registry, self.repository)
        }
    }

    /// `repository@digest`: Lambda's `ResolvedImageUri`.
    pub fn resolved(&self, digest: &str) -> String {
        format!("{}@{digest}", self.repository_name())
    }

    /// Whether the registry is an ECR one (`<account>.dkr.ecr.<region>.amazonaws.com`).
    pub fn is_ecr(&self) -> bool {
        let host = self.registry.split(':').next().unwrap_or_default();
        let labels: Vec<&str> = host.split('.').collect();
        labels.len() >= 6
            && labels[0].len() == 12
            && labels[0].bytes().all(|b| b.is_ascii_digit())
            && labels[1] == "dkr"
            && labels[2] == "ecr"
            && labels[4] == "amazonaws"
            && matches!(&labels[5..], ["com"] | ["com", "cn"])
    }

    /// The registry actually contacted: `ecr_registry` for ECR references when it is set.
    pub fn fetch_registry<'a>(&'a self, ecr_registry: Option<&'a str>) -> &'a str {
        match ecr_registry {
            Some(mapped) if self.is_ecr() => mapped,
            _ => &self.registry,
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository_name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Whether `registry` (`host[:port]`) is on the loopback interface: `localhost`,
/// `127.0.0.0/8` or `[::1]`.
pub(crate) fn is_loopback(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        registry.split(':').next().unwrap_or_default()
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        ImageRef::parse(s)
            .map(|r| r.to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn normalises_like_docker() {
        assert_eq!(n("fn"), "fn:latest");
        assert_eq!(n("fn:latest"), "fn:latest");
        assert_eq!(n("docker.io/library/fn:1"), "fn:1");
        assert_eq!(n("user/fn"), "user/fn:latest");
        assert_eq!(n("localhost:5000/fn:latest"), "localhost:5000/fn:latest");
        assert_eq!(n("localhost/a/b"), "localhost/a/b:latest");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            n(&format!("localhost:5000/fn@{d}")),
            format!("localhost:5000/fn@{d}")
        );
        let r = ImageRef::parse("fn").unwrap();
        assert_eq!(r.repository, "library/fn");
        assert_eq!(r.resolved(&d), format!("fn@{d}"));
        assert!(ImageRef::parse("Fn").is_err());
        assert!(ImageRef::parse("fn:").is_err());
        assert!(ImageRef::parse("fn@sha256:xyz").is_err());
        assert!(ImageRef::parse("a//b").is_err());
    }

    #[test]
    fn ecr_mapping() {
        let r = ImageRef::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/fn:v1").unwrap();
        assert!(r.is_ecr());
        assert_eq!(r.fetch_registry(Some("127.0.0.1:5000")), "127.0.0.1:5000");
        assert_eq!(r.repository, "team/fn");
        let other = ImageRef::parse("localhost:5000/fn").unwrap();
        assert!(!other.is_ecr());
        assert_eq!(other.fetch_registry(Some("x:1")), "localhost:5000");
    }

    #[test]
    fn loopback() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.1.2.3:80"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.example:5000"));
        assert!(!is_loopback("10.0.0.1"));
    }
}
