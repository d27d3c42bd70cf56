//! The SDK clients: one `SdkConfig`, built on first need the way the AWS SDKs configure themselves (the standard
//! credential chain, `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`), and one client per service and region,
//! kept for every later delivery. SQS queue URLs are kept too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use lambkin_awssdk::{Region, SdkConfig};

/// How long to wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for an answer.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per request, the SDK's standard retry included: the caller decides on retries past these.
const MAX_ATTEMPTS: u32 = 2;

/// Fixed access keys instead of the standard chain.
pub(crate) type Credentials = lambkin_awssdk::Credentials;

/// Clients by region, built once each.
struct PerRegion<C>(Mutex<HashMap<String, C>>);

impl<C: Clone> PerRegion<C> {
    fn new() -> Self {
        PerRegion(Mutex::new(HashMap::new()))
    }

    fn get_or(&self, region: &str, build: impl FnOnce() -> C) -> C {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(region.to_owned()).or_insert_with(build).clone()
    }
}

/// Everything the deliveries share.
pub(crate) struct Clients {
    /// The region of targets whose ARN names none (S3 buckets) and of the loaded configuration.
    pub(crate) default_region: String,
    /// An endpoint every service is reached at, over the SDK's own endpoint configuration.
    endpoint: Option<String>,
    credentials: Option<Credentials>,
    sdk: tokio::sync::OnceCell<SdkConfig>,
    sqs: PerRegion<aws_sdk_sqs::Client>,
    sns: PerRegion<aws_sdk_sns::Client>,
    events: PerRegion<aws_sdk_eventbridge::Client>,
    s3: PerRegion<aws_sdk_s3::Client>,
    /// Queue URLs by (region, account, queue name).
    queue_urls: Mutex<HashMap<(String, String, String), String>>,
}

impl Clients {
    pub(crate) fn new(
        default_region: &str,
        endpoint: Option<String>,
        credentials: Option<Credentials>,
    ) -> Self {
        let default_region = if default_region.is_empty() {
            "us-east-1".to_owned()
        } else {
            default_region.to_owned()
        };
        Clients {
            default_region,
            endpoint,
            credentials,
            sdk: tokio::sync::OnceCell::new(),
            sqs: PerRegion::new(),
            sns: PerRegion::new(),
            events: PerRegion::new(),
            s3: PerRegion::new(),
            queue_urls: Mutex::new(HashMap::new()),
        }
    }

    async fn sdk(&self) -> &SdkConfig {
        self.sdk
            .get_or_init(|| async {
                // Every client names its region, so the configuration's is only a default: giving it
                // spares the region chain (and its instance-metadata lookups).
                let sdk = lambkin_awssdk::load(&lambkin_awssdk::Settings {
                    connect_timeout: CONNECT_TIMEOUT,
                    read_timeout: READ_TIMEOUT,
                    max_attempts: MAX_ATTEMPTS,
                    region: Some(self.default_region.clone()),
                    credentials: self.credentials.clone(),
                })
                .await;
                tracing::info!(
                    "SDK clients for destinations: {}",
                    self.endpoint
                        .as_deref()
                        .or(sdk.endpoint_url())
                        .unwrap_or("AWS endpoints")
                );
                sdk
            })
            .await
    }

    pub(crate) async fn sqs(&self, region: &str) -> aws_sdk_sqs::Client {
        let sdk = self.sdk().await;
        self.sqs.get_or(region, || {
            let mut b =
                aws_sdk_sqs::config::Builder::from(sdk).region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoint {
                b = b.endpoint_url(url);
            }
            aws_sdk_sqs::Client::from_conf(b.build())
        })
    }

    pub(crate) async fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        let sdk = self.sdk().await;
        self.sns.get_or(region, || {
            let mut b =
                aws_sdk_sns::config::Builder::from(sdk).region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoint {
                b = b.endpoint_url(url);
            }
            aws_sdk_sns::Client::from_conf(b.build())
        })
    }

    pub(crate) async fn events(&self, region: &str) -> aws_sdk_eventbridge::Client {
        let sdk = self.sdk().await;
        self.events.get_or(region, || {
            let mut b = aws_sdk_eventbridge::config::Builder::from(sdk)
                .region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoint {
                b = b.endpoint_url(url);
            }
            aws_sdk_eventbridge::Client::from_conf(b.build())
        })
    }

    pub(crate) async fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let sdk = self.sdk().await;
        self.s3.get_or(region, || {
            let mut b =
                aws_sdk_s3::config::Builder::from(sdk).region(Region::new(region.to_owned()));
            if let Some(url) = &self.endpoint {
                b = b.endpoint_url(url);
            }
            // Virtual-host names (bucket.localhost) do not resolve for most S3-compatible servers.
            let env_endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
            if self.endpoint.is_some() || env_endpoint {
                b = b.force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        })
    }

    /// The URL kept for a queue, if any.
    pub(crate) fn queue_url(&self, key: &(String, String, String)) -> Option<String> {
        let map = self.queue_urls.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).cloned()
    }

    /// Keeps a queue's URL, or forgets it (`None`: the queue is gone).
    pub(crate) fn keep_queue_url(&self, key: (String, String, String), url: Option<String>) {
        let mut map = self.queue_urls.lock().unwrap_or_else(|p| p.into_inner());
        match url {
            Some(u) => {
                map.insert(key, u);
            }
            None => {
                map.remove(&key);
            }
        }
    }
}
