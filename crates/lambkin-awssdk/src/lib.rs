//! How lambkin's AWS SDK clients are configured, in one place: S3 code sources (`lambkin-api`), the SQS poller
//! (`lambkin-sources`) and destinations (`lambkin-destinations`) load their `SdkConfig` here. The HTTP client is
//! rustls with ring (no OpenSSL, no aws-lc build); endpoints and credentials come from the SDKs' own chain
//! (`AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`, environment, shared profile, web identity, ECS, IMDS), so
//! lambkin reaches AWS, or an AWS-compatible server, exactly as an SDK configured the same way would.

use std::time::Duration;

pub use aws_config::{Region, SdkConfig};
pub use aws_credential_types::Credentials;

/// What a client's configuration is made of.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long to wait for an answer (an SQS long poll lasts 20 s).
    pub read_timeout: Duration,
    /// Attempts per request, the SDK's standard retry included.
    pub max_attempts: u32,
    /// The region to load with (`None`: the SDK's region chain).
    pub region: Option<String>,
    /// Fixed access keys instead of the standard chain (tests).
    pub credentials: Option<Credentials>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(30),
            max_attempts: 2,
            region: None,
            credentials: None,
        }
    }
}

/// Loads an `SdkConfig` with `settings` over the SDKs' own configuration chain.
pub async fn load(settings: &Settings) -> SdkConfig {
    use aws_smithy_http_client::tls;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout)
        .read_timeout(settings.read_timeout)
        .operation_attempt_timeout(settings.read_timeout + settings.connect_timeout)
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts)
        .retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(settings.max_attempts),
        );
    if let Some(r) = &settings.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(c) = &settings.credentials {
        loader = loader.credentials_provider(c.clone());
    }
    loader.load().await
}

/// An error and its causes, `a: b: c` (without the SDK's debug dump), each cause once.
pub fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(c) = next {
        let text = c.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct E(&'static str, Option<Box<E>>);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for E {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn causes_are_chained_once_each() {
        let e = E(
            "dispatch failure",
            Some(Box::new(E("io error", Some(Box::new(E("io error", None)))))),
        );
        assert_eq!(causes(&e), "dispatch failure: io error");
        assert_eq!(causes(&E("alone", None)), "alone");
    }

    #[tokio::test]
    async fn settings_reach_the_config() {
        let sdk = load(&Settings {
            region: Some("eu-west-3".into()),
            credentials: Some(Credentials::new("AKID", "SECRET", None, None, "test")),
            ..Settings::default()
        })
        .await;
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-3"));
        assert!(sdk.credentials_provider().is_some());
        assert_eq!(
            sdk.timeout_config().and_then(|t| t.connect_timeout()),
            Some(Duration::from_secs(5))
        );
    }
}
