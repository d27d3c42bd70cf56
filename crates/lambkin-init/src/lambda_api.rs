//! The Lambda API inside the environment (`AWS_ENDPOINT_URL_LAMBDA`): an HTTP listener on the environment's
//! own loopback whose every request goes to the host as `InitMessage::ApiCall`, as received (hop-by-hop headers
//! aside), and is answered with the host's `HostMessage::ApiAnswer`. The init decides nothing about a call but
//! that it comes from the function: it must carry the environment's session token (`X-Amz-Security-Token`, which
//! the SDKs send with the credentials the environment gives them), as under `--isolation process` any process
//! of the host can reach this listener. The host knows the caller by its channel and scopes what it may do.
//!
//! The port is ephemeral (environments of `--isolation process` share the host's loopback), so the listener is
//! bound before the runtime's and extensions' environments are final ([`advertise`]), and before any process
//! starts.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use lambkin_wire::inside::{
    header_bytes, ApiAnswer, ENDPOINT_VAR, MAX_CALL_BODY, MAX_HEADER_BYTES,
};
use lambkin_wire::{InitMessage, StartConfig};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// How long a call waits for the host's answer before it is answered `504`: longer than the longest answer
/// the API gives (a synchronous `Invoke`, of a durable function too, waits up to 15 minutes). Shorter, the SDKs
/// would retry a 504 and run a slow invoke twice.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(16 * 60);

/// Headers of one hop only: never forwarded either way (RFC 9110 §7.6.1, plus `Expect`, which this server
/// answers itself). `Content-Length` of an answer is set from its body.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
];

/// Binds the listener on the environment's loopback, on a port of its own.
pub async fn bind() -> std::io::Result<TcpListener> {
    TcpListener::bind("127.0.0.1:0").await
}

/// Points the runtime's and the extensions' `AWS_ENDPOINT_URL_LAMBDA` at `addr`, unless the function's own
/// variables set it.
pub fn advertise(start: &mut StartConfig, addr: SocketAddr) {
    let url = format!("http://{addr}");
    lambkin_wire::env::set_unless_present(&mut start.runtime_env, ENDPOINT_VAR, &url);
    lambkin_wire::env::set_unless_present(&mut start.extension_env, ENDPOINT_VAR, &url);
}

/// What a call is answered with, as the host sent it.
type Answer = (u16, Vec<(String, String)>, Bytes);

/// The calls waiting for the host, and the way to the host.
#[derive(Clone)]
pub struct Calls {
    inner: Arc<Inner>,
}

struct Inner {
    next: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Answer>>>,
    to_host: mpsc::UnboundedSender<(InitMessage, Bytes)>,
    timeout: Duration,
    /// The environment's `AWS_SESSION_TOKEN`, which every call must carry; none given, none is asked for.
    token: Option<String>,
}

/// Takes a call's entry off the table when its request ends, answered or not (a client that went away).
struct Waiting<'a> {
    calls: &'a Calls,
    id: u64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.calls.pending().remove(&self.id);
    }
}

impl Calls {
    /// Calls that go to the host through `to_host` (the control channel's outgoing queue), from the runtime
    /// and extensions that `start` gives a session token (`AWS_SESSION_TOKEN`).
    pub fn new(to_host: mpsc::UnboundedSender<(InitMessage, Bytes)>, start: &StartConfig) -> Self {
        Self::with_timeout(to_host, session_token(start), ANSWER_TIMEOUT)
    }

    fn with_timeout(
        to_host: mpsc::UnboundedSender<(InitMessage, Bytes)>,
        token: Option<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                next: AtomicU64::new(1),
                pending: Mutex::default(),
                to_host,
                timeout,
                token,
            }),
        }
    }

    /// Whether `headers` carry the environment's session token (any do if it has none).
    fn signed(&self, headers: &http::HeaderMap) -> bool {
        let Some(token) = &self.inner.token else {
            return true;
        };
        headers
            .get_all(SECURITY_TOKEN)
            .iter()
            .any(|v| same(v.as_bytes(), token.as_bytes()))
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<Answer>>> {
        self.inner.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The host's `ApiAnswer` to call `call_id`; one no one waits for any more is dropped.
    pub fn answer(&self, call_id: u64, status: u16, headers: Vec<(String, String)>, body: Bytes) {
        if let Some(tx) = self.pending().remove(&call_id) {
            let _ = tx.send((status, headers, body));
        }
    }

    /// Sends one call to the host and waits for its answer.
    async fn forward(&self, req: Request<Incoming>) -> ApiAnswer {
        let (parts, body) = req.into_parts();
        if !self.signed(&parts.headers) {
            return ApiAnswer::error(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            );
        }
        let target = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let headers = end_to_end(&parts.headers);
        if header_bytes(&headers) + target.len() > MAX_HEADER_BYTES {
            return ApiAnswer::error(
                431,
                "RequestHeaderFieldsTooLargeException",
                "The request's headers are too large.",
            );
        }
        let body = match Limited::new(body, MAX_CALL_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                return ApiAnswer::error(
                    413,
                    "RequestEntityTooLargeException",
                    &format!(
                        "Request must be smaller than {MAX_CALL_BODY} bytes for this operation"
                    ),
                )
            }
            Err(e) => {
                return ApiAnswer::error(
                    400,
                    "InvalidRequestContentException",
                    &format!("cannot read the body: {e}"),
                )
            }
        };
        let id = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending().insert(id, tx);
        let _waiting = Waiting { calls: self, id };
        let call = InitMessage::ApiCall {
            call_id: id,
            method: parts.method.as_str().to_owned(),
            target,
            headers,
        };
        if self.inner.to_host.send((call, body)).is_err() {
            return unavailable();
        }
        match tokio::time::timeout(self.inner.timeout, rx).await {
            Ok(Ok((status, headers, body))) => ApiAnswer {
                status,
                headers,
                body,
            },
            // The call's entry went without an answer: the environment is going away.
            Ok(Err(_)) => unavailable(),
            Err(_) => ApiAnswer::error(
                504,
                "ServiceException",
                &format!(
                    "The Lambda API did not answer within {} seconds.",
                    self.inner.timeout.as_secs()
                ),
            ),
        }
    }
}

/// The header the SDKs send a session token in.
const SECURITY_TOKEN: &str = "x-amz-security-token";

/// The session token `start` gives the runtime.
fn session_token(start: &StartConfig) -> Option<String> {
    start
        .runtime_env
        .iter()
        .find(|(k, _)| k == "AWS_SESSION_TOKEN")
        .map(|(_, v)| v.clone())
}

/// `a == b`, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn unavailable() -> ApiAnswer {
    ApiAnswer::error(
        503,
        "ServiceException",
        "The execution environment is shutting down.",
    )
}

/// A request's end-to-end headers, in order: hop-by-hop ones (and those its `Connection` names) and values that
/// are not text are left out.
fn end_to_end(headers: &http::HeaderMap) -> Vec<(String, String)> {
    let named: Vec<String> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    headers
        .iter()
        .filter(|(k, _)| {
            !HOP_BY_HOP.contains(&k.as_str()) && !named.iter().any(|n| n == k.as_str())
        })
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// The host's answer as this server's response: its status (`502` if not one), its headers but hop-by-hop ones
/// and `Content-Length` (set from the body).
fn response(answer: ApiAnswer) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(answer.body));
    *r.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let h = r.headers_mut();
    for (k, v) in answer.headers {
        let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) else {
            continue;
        };
        if HOP_BY_HOP.contains(&k.as_str()) || k == http::header::CONTENT_LENGTH {
            continue;
        }
        h.append(k, v);
    }
    r
}

/// Serves the Lambda API on `listener` until the process ends.
pub async fn serve(listener: TcpListener, calls: Calls) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("Lambda API accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let calls = calls.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let calls = calls.clone();
                async move { Ok::<_, Infallible>(response(calls.forward(req).await)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!("Lambda API connection ended: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves `calls` on a fresh listener; its address.
    async fn listening(calls: Calls) -> SocketAddr {
        let listener = bind().await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve(listener, calls));
        addr
    }

    /// Sends one raw HTTP/1.1 request (closing the connection after it); the whole response.
    async fn request(addr: SocketAddr, raw: &[u8]) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(raw).await.expect("send");
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.expect("read");
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn a_request_goes_to_the_host_as_received_and_its_answer_comes_back() {
        let (tx, mut host) = mpsc::unbounded_channel();
        let calls = Calls::with_timeout(tx, None, ANSWER_TIMEOUT);
        let addr = listening(calls.clone()).await;
        let answering = tokio::spawn(async move {
            let (msg, body) = host.recv().await.expect("call");
            let InitMessage::ApiCall {
                call_id,
                method,
                target,
                headers,
            } = msg
            else {
                panic!("{msg:?}")
            };
            assert_eq!(method, "POST");
            assert_eq!(target, "/2015-03-31/functions/f/invocations?Qualifier=1");
            assert_eq!(&body[..], b"{\"a\":1}");
            let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
            assert!(names.contains(&"x-amz-invocation-type"), "{names:?}");
            assert!(names.contains(&"host"), "{names:?}");
            for hop in ["connection", "keep-alive", "x-hop", "transfer-encoding"] {
                assert!(!names.contains(&hop), "{hop} was forwarded: {names:?}");
            }
            calls.answer(
                call_id,
                200,
                vec![
                    ("X-Amz-Executed-Version".into(), "1".into()),
                    ("Content-Length".into(), "999".into()),
                    ("Connection".into(), "upgrade".into()),
                ],
                Bytes::from_static(b"answered"),
            );
        });
        let got = request(
            addr,
            b"POST /2015-03-31/functions/f/invocations?Qualifier=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              X-Amz-Invocation-Type: RequestResponse\r\nConnection: close, x-hop\r\nX-Hop: 1\r\n\
              Keep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n",
        )
        .await;
        answering.await.expect("host");
        assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
        let lower = got.to_ascii_lowercase();
        assert!(lower.contains("x-amz-executed-version: 1\r\n"), "{got}");
        assert!(lower.contains("content-length: 8\r\n"), "{got}");
        assert!(!lower.contains("upgrade"), "{got}");
        assert!(got.ends_with("\r\n\r\nanswered"), "{got}");
    }

    #[tokio::test]
    async fn too_large_bodies_unanswered_calls_and_a_gone_host_get_lambdas_errors() {
        let (tx, mut host) = mpsc::unbounded_channel();
        let calls = Calls::with_timeout(tx, None, Duration::from_millis(100));
        let addr = listening(calls.clone()).await;
        // Refused before the host hears of it.
        let big = format!(
            "POST /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            MAX_CALL_BODY + 1
        );
        let mut raw = big.into_bytes();
        raw.extend(std::iter::repeat_n(b'x', MAX_CALL_BODY + 1));
        let got = request(addr, &raw).await;
        assert!(
            got.starts_with("HTTP/1.1 413 "),
            "{}",
            &got[..80.min(got.len())]
        );
        assert!(got.contains("RequestEntityTooLargeException"), "{got}");
        assert!(got.contains("\"Type\":\"User\""), "{got}");
        assert!(host.try_recv().is_err());
        // The host never answers.
        let get = b"GET /2015-03-31/functions/f HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        let got = request(addr, get).await;
        assert!(got.starts_with("HTTP/1.1 504 "), "{got}");
        assert!(got.contains("ServiceException"), "{got}");
        let (late, _) = host.recv().await.expect("the call went out");
        let InitMessage::ApiCall { call_id, .. } = late else {
            panic!("{late:?}")
        };
        // A late answer finds no one, and the table is empty.
        calls.answer(call_id, 200, Vec::new(), Bytes::new());
        assert!(calls.pending().is_empty());
        // The channel is gone.
        drop(host);
        let got = request(addr, get).await;
        assert!(got.starts_with("HTTP/1.1 503 "), "{got}");
    }

    #[tokio::test]
    async fn only_calls_with_the_environments_session_token_reach_the_host() {
        let (tx, mut host) = mpsc::unbounded_channel();
        let mut start = crate::control::tests::start_config(Vec::new());
        start
            .runtime_env
            .push(("AWS_SESSION_TOKEN".into(), "the-token".into()));
        let calls = Calls::new(tx, &start);
        let addr = listening(calls.clone()).await;
        let get = |token: &str| {
            format!(
                "GET /2015-03-31/functions/f HTTP/1.1\r\nHost: h\r\nConnection: close\r\n{token}\r\n"
            )
        };
        for refused in [
            "",
            "X-Amz-Security-Token: another-token\r\n",
            "X-Amz-Security-Token: the-toke\r\n",
        ] {
            let got = request(addr, get(refused).as_bytes()).await;
            assert!(got.starts_with("HTTP/1.1 403 "), "{got}");
            assert!(
                got.to_ascii_lowercase()
                    .contains("x-amzn-errortype: unrecognizedclientexception\r\n"),
                "{got}"
            );
            assert!(
                got.ends_with(
                    r#"{"Type":"User","message":"The security token included in the request is invalid."}"#
                ),
                "{got}"
            );
            assert!(host.try_recv().is_err(), "{refused:?} reached the host");
        }
        let answering = tokio::spawn(async move {
            let (msg, _) = host.recv().await.expect("call");
            let InitMessage::ApiCall { call_id, .. } = msg else {
                panic!("{msg:?}")
            };
            calls.answer(call_id, 200, Vec::new(), Bytes::from_static(b"ok"));
        });
        let got = request(addr, get("X-Amz-Security-Token: the-token\r\n").as_bytes()).await;
        answering.await.expect("host");
        assert!(got.starts_with("HTTP/1.1 200 "), "{got}");
        assert!(got.ends_with("\r\n\r\nok"), "{got}");
    }

    #[test]
    fn the_functions_own_endpoint_wins() {
        let mut start = lambkin_wire::StartConfig {
            runtime_env: vec![(ENDPOINT_VAR.into(), "http://mine:1".into())],
            extension_env: Vec::new(),
            ..crate::control::tests::start_config(Vec::new())
        };
        advertise(&mut start, "127.0.0.1:4321".parse().expect("addr"));
        let get = |v: &[(String, String)]| {
            v.iter()
                .find(|(k, _)| k == ENDPOINT_VAR)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get(&start.runtime_env).as_deref(), Some("http://mine:1"));
        assert_eq!(
            get(&start.extension_env).as_deref(),
            Some("http://127.0.0.1:4321")
        );
    }
}
