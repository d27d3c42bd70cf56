//! Code and layer zips from S3 (`Code.S3Bucket`/`S3Key`/`S3ObjectVersion`, `Content.S3*`): one S3 client per
//! server, built on first need the way the AWS SDKs configure themselves (the standard credential chain and
//! region; `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` or `--s3-endpoint-url` for an S3-compatible server, then
//! addressed path-style), the object streamed to a file under the store's `tmp/` (never whole in memory), and
//! S3's failures answered with Lambda's texts. A leaf: it names no operation module.

use std::path::Path;
use std::time::Duration;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use http::StatusCode;
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};

/// Largest object taken from S3: Lambda's unzipped limit (a larger zip cannot unpack to less).
pub(crate) const MAX_S3_ZIP: u64 = 262_144_000;

/// How long to wait for a connection to S3.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for the answer to GetObject, and then for each piece of its body.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a zip lies in S3.
#[derive(Debug, Clone)]
pub(crate) struct S3Location {
    /// `S3Bucket`.
    pub bucket: String,
    /// `S3Key`.
    pub key: String,
    /// `S3ObjectVersion`.
    pub version: Option<String>,
}

/// A zip downloaded from S3: a file under the store's `tmp/`, removed when dropped.
pub(crate) struct Downloaded {
    /// The file.
    pub path: tempfile::TempPath,
}

/// The server's S3 client, built once, on first need.
pub(crate) struct S3Code {
    /// `--s3-endpoint-url`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (None: Amazon S3).
    endpoint: Option<String>,
    /// Fixed credentials instead of the standard chain (tests).
    credentials: Option<aws_sdk_s3::config::Credentials>,
    client: tokio::sync::OnceCell<aws_sdk_s3::Client>,
}

impl S3Code {
    /// A client to be: `configured` is `--s3-endpoint-url` (or its config key / variable), if any.
    pub(crate) fn new(configured: Option<String>) -> Self {
        let from_env = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        let endpoint = configured
            .filter(|v| !v.is_empty())
            .or_else(|| from_env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| from_env("AWS_ENDPOINT_URL"));
        Self {
            endpoint,
            credentials: None,
            client: tokio::sync::OnceCell::new(),
        }
    }

    /// Warns when the S3 endpoint looks like `serve`'s own address (an `AWS_ENDPOINT_URL` meant for the
    /// Lambda clients of this shell, inherited by `serve`).
    pub(crate) fn warn_if_self(&self, local: &std::net::SocketAddr) {
        let Some(e) = &self.endpoint else { return };
        let port = format!(":{}", local.port());
        let host_port = e
            .split("://")
            .nth(1)
            .unwrap_or(e)
            .split('/')
            .next()
            .unwrap_or("");
        let loopback = ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"]
            .iter()
            .any(|h| host_port == format!("{h}{port}"));
        if loopback || host_port == local.to_string() {
            tracing::warn!(
                "the S3 endpoint for code sources, {e}, is this server's own address (from AWS_ENDPOINT_URL?): \
                 set --s3-endpoint-url or AWS_ENDPOINT_URL_S3 to the S3 server"
            );
        }
    }

    /// The endpoint requests go to, for messages.
    fn endpoint_name(&self) -> &str {
        self.endpoint.as_deref().unwrap_or("Amazon S3")
    }

    async fn client(&self) -> &aws_sdk_s3::Client {
        self.client
            .get_or_init(|| async {
                let sdk = lambkin_awssdk::load(&lambkin_awssdk::Settings {
                    connect_timeout: CONNECT_TIMEOUT,
                    read_timeout: READ_TIMEOUT,
                    max_attempts: 2,
                    region: None,
                    credentials: self.credentials.clone(),
                })
                .await;
                let mut b = aws_sdk_s3::config::Builder::from(&sdk);
                if sdk.region().is_none() {
                    b = b.region(lambkin_awssdk::Region::new("us-east-1"));
                }
                if let Some(url) = &self.endpoint {
                    // Virtual-host names (bucket.localhost) do not resolve for most S3-compatible servers.
                    b = b.endpoint_url(url).force_path_style(true);
                }
                tracing::info!(
                    "S3 client for code sources: {} (region {})",
                    self.endpoint_name(),
                    sdk.region().map_or("us-east-1", |r| r.as_ref())
                );
                aws_sdk_s3::Client::from_conf(b.build())
            })
            .await
    }

    /// Downloads the object at `loc` into a new file under `tmp_dir`, refusing one larger than
    /// [`MAX_S3_ZIP`] before reading it.
    pub(crate) async fn fetch(&self, loc: &S3Location, tmp_dir: &Path) -> ApiResult<Downloaded> {
        let client = self.client().await;
        let mut req = client.get_object().bucket(&loc.bucket).key(&loc.key);
        if let Some(v) = &loc.version {
            req = req.version_id(v);
        }
        let out = req.send().await.map_err(|e| self.get_error(e, loc))?;
        let too_large = || {
            ApiError::invalid(format!(
                "Unzipped size must be smaller than {MAX_S3_ZIP} bytes"
            ))
        };
        if out
            .content_length()
            .is_some_and(|n| u64::try_from(n).unwrap_or(0) > MAX_S3_ZIP)
        {
            return Err(too_large());
        }
        let local = |e: std::io::Error| {
            ApiError::service(format!("cannot keep the object from S3 on disk: {e}"))
        };
        let tmp = tempfile::Builder::new()
            .prefix("s3-")
            .suffix(".zip")
            .tempfile_in(tmp_dir)
            .map_err(local)?;
        let (file, path) = tmp.into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let mut body = out.body;
        let mut size: u64 = 0;
        loop {
            let chunk = match tokio::time::timeout(READ_TIMEOUT, body.try_next()).await {
                Err(_) => {
                    return Err(self.unreachable(format!(
                        "no data for {}s while reading the object",
                        READ_TIMEOUT.as_secs()
                    )))
                }
                Ok(Err(e)) => return Err(self.unreachable(lambkin_awssdk::causes(&e))),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(c))) => c,
            };
            size += chunk.len() as u64;
            if size > MAX_S3_ZIP {
                return Err(too_large());
            }
            file.write_all(&chunk).await.map_err(local)?;
        }
        file.flush().await.map_err(local)?;
        Ok(Downloaded { path })
    }

    fn unreachable(&self, detail: String) -> ApiError {
        ApiError::service(format!(
            "Error occurred while GetObject: lambkin could not fetch the code from S3 at {}: {detail}",
            self.endpoint_name()
        ))
    }

    /// Lambda's answer to a failed GetObject: S3's error code and message, verbatim.
    fn get_error(&self, e: SdkError<GetObjectError>, loc: &S3Location) -> ApiError {
        let SdkError::ServiceError(se) = &e else {
            let detail = match &e {
                SdkError::TimeoutError(_) => format!(
                    "no answer within {}s",
                    (READ_TIMEOUT + CONNECT_TIMEOUT).as_secs()
                ),
                _ => {
                    let chain = lambkin_awssdk::causes(&e);
                    if chain.contains("loading credentials") {
                        format!("no usable AWS credentials (environment, shared profile, web identity, ECS or IMDS): {chain}")
                    } else {
                        chain
                    }
                }
            };
            return self.unreachable(detail);
        };
        let status = se.raw().status().as_u16();
        let err = se.err();
        let code = err.code().map(str::to_owned).unwrap_or_else(|| {
            match status {
                403 => "AccessDenied",
                404 => "NoSuchKey",
                _ => "InternalError",
            }
            .to_owned()
        });
        let message = err.message().unwrap_or_default();
        s3_error(status, &code, message, loc)
    }
}

/// Lambda's error for an S3 error answered to its GetObject.
pub(crate) fn s3_error(status: u16, code: &str, message: &str, loc: &S3Location) -> ApiError {
    if status == 403 || code == "AccessDenied" {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            format!(
                "Your access has been denied by S3, please make sure your request credentials have permission to GetObject for {}/{}. S3 Error Code: {code}. S3 Error Message: {message}",
                loc.bucket, loc.key
            ),
        );
    }
    ApiError::invalid(format!(
        "Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_keys(port: u16) -> S3Code {
        let mut s3 = S3Code::new(Some(format!("http://127.0.0.1:{port}")));
        s3.credentials = Some(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "tests",
        ));
        s3
    }

    fn loc() -> S3Location {
        S3Location {
            bucket: "b".into(),
            key: "k.zip".into(),
            version: None,
        }
    }

    #[test]
    fn lambda_texts() {
        let e = s3_error(
            404,
            "NoSuchKey",
            "The specified key does not exist.",
            &loc(),
        );
        assert_eq!(e.error_type, "InvalidParameterValueException");
        assert_eq!(
            e.message,
            "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."
        );
        let e = s3_error(403, "AccessDenied", "Access Denied", &loc());
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert_eq!(e.error_type, "AccessDeniedException");
        assert!(e.message.ends_with(
            "GetObject for b/k.zip. S3 Error Code: AccessDenied. S3 Error Message: Access Denied"
        ));
    }

    #[tokio::test]
    async fn an_object_past_the_limit_is_refused_before_reading() {
        // An HTTP server announcing one byte more than Lambda takes, then sending nothing: the fetch must not
        // wait for the body.
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut buf = vec![0u8; 8192];
            let _ = sock.read(&mut buf).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/zip\r\n\r\n",
                MAX_S3_ZIP + 1
            );
            let _ = sock.write_all(head.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(600)).await;
        });
        let s3 = with_keys(port);
        let dir = tempfile::tempdir().expect("tmp");
        let Err(e) = s3.fetch(&loc(), dir.path()).await else {
            panic!("took an oversized object")
        };
        assert_eq!(e.error_type, "InvalidParameterValueException");
        assert_eq!(
            e.message,
            "Unzipped size must be smaller than 262144000 bytes"
        );
    }

    #[tokio::test]
    async fn unreachable_endpoint_is_an_error_not_a_hang() {
        // A port nothing listens on: refused at once, answered as a service error naming the endpoint.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let s3 = with_keys(port);
        let dir = tempfile::tempdir().expect("tmp");
        let Err(e) = s3.fetch(&loc(), dir.path()).await else {
            panic!("fetched from nowhere")
        };
        assert_eq!(e.error_type, "ServiceException");
        assert!(
            e.message.contains(&format!("127.0.0.1:{port}")),
            "{}",
            e.message
        );
    }
}
