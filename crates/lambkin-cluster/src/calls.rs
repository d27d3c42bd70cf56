//! Calls between hosts over NATS request/reply: a host sends a call to another host's subject
//! (`lambkin.call.<host>`) and reads the answer as a stream of messages on its own inbox, as they come.
//!
//! A message is a kind (`Lambkin-Kind`), an optional JSON head (`Lambkin-Head`) and a body. Bodies larger than
//! [`PART`] travel in several NATS messages (`Lambkin-More: 1` on all but the last), so a 6 MB event or
//! response fits under the server's `max_payload` (1 MB by default). NATS keeps the order of one publisher's
//! messages to one subscriber, which is all the reassembly needs; the parts of concurrent calls are told apart
//! by `Lambkin-Call`.
//!
//! Hand-rolled on core NATS because nothing else streams a reply: the client's `request` takes one answer, and
//! the services API is request/response too.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{HeaderMap, Subject};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::hosts::Hosts;

/// The most body bytes one NATS message carries.
pub const PART: usize = 512 * 1024;
/// How often a caller waiting for an answer checks that the callee is still alive.
const LIVENESS: Duration = Duration::from_millis(500);

const KIND: &str = "Lambkin-Kind";
const HEAD: &str = "Lambkin-Head";
const MORE: &str = "Lambkin-More";
const CALL: &str = "Lambkin-Call";

/// One message of a call or of its answer, reassembled.
#[derive(Debug, Clone)]
pub struct Part {
    /// What it is (the caller and callee agree on the kinds).
    pub kind: String,
    /// Its JSON head, if any.
    pub head: Option<String>,
    /// Its body.
    pub body: Bytes,
}

/// Why a call has no (more) answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// Nothing listens on the callee's subject (it is gone or not started yet); the call was not delivered.
    NoResponders,
    /// The callee stopped heartbeating while the call was in flight; it may have run part of it.
    HostLost,
    /// NATS failed.
    Nats(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::NoResponders => f.write_str("no host answers"),
            CallError::HostLost => f.write_str("the host stopped heartbeating"),
            CallError::Nats(e) => write!(f, "NATS: {e}"),
        }
    }
}

/// Calls to and from this host.
pub struct Calls {
    client: async_nats::Client,
    hosts: Arc<Hosts>,
    me: String,
}

/// The answer to a call, message by message.
pub struct Answer {
    sub: async_nats::Subscriber,
    host: String,
    hosts: Arc<Hosts>,
}

/// A call this host received; answer it with [`Incoming::send`].
pub struct Incoming {
    /// The call's first message.
    pub part: Part,
    reply: Subject,
    client: async_nats::Client,
}

fn subject(host: &str) -> String {
    format!("lambkin.call.{}", crate::token(host))
}

impl Calls {
    pub(crate) fn new(client: async_nats::Client, hosts: Arc<Hosts>, me: String) -> Calls {
        Calls { client, hosts, me }
    }

    /// Sends `part` to `host`; the answer comes on the returned stream.
    pub async fn call(&self, host: &str, part: Part) -> Result<Answer, CallError> {
        let inbox = self.client.new_inbox();
        let sub = self
            .client
            .subscribe(inbox.clone())
            .await
            .map_err(|e| CallError::Nats(e.to_string()))?;
        // The inbox is unique (a NUID), so it names the call too.
        let call_id = inbox.clone();
        send(
            &self.client,
            subject(host),
            Some(inbox),
            Some(&call_id),
            part,
        )
        .await?;
        Ok(Answer {
            sub,
            host: host.to_owned(),
            hosts: self.hosts.clone(),
        })
    }

    /// Serves calls to this host, forever: each complete call goes to `handle` in a task of its own.
    pub async fn serve<F, Fut>(&self, handle: F)
    where
        F: Fn(Incoming) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = Arc::new(handle);
        loop {
            let mut sub = match self.client.subscribe(subject(&self.me)).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("cluster: cannot take calls ({e}); retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut partial: HashMap<String, (Part, BytesMut)> = HashMap::new();
            while let Some(msg) = sub.next().await {
                let Some(headers) = &msg.headers else {
                    continue;
                };
                let (Some(reply), Some(call)) = (msg.reply.clone(), header(headers, CALL)) else {
                    continue;
                };
                let more = header(headers, MORE).is_some();
                let entry = partial.entry(call.clone()).or_insert_with(|| {
                    (
                        Part {
                            kind: header(headers, KIND).unwrap_or_default(),
                            head: header(headers, HEAD),
                            body: Bytes::new(),
                        },
                        BytesMut::new(),
                    )
                });
                entry.1.extend_from_slice(&msg.payload);
                if more {
                    continue;
                }
                let Some((mut part, body)) = partial.remove(&call) else {
                    continue;
                };
                part.body = body.freeze();
                let incoming = Incoming {
                    part,
                    reply,
                    client: self.client.clone(),
                };
                tokio::spawn((handle)(incoming));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Incoming {
    /// Sends one message of the answer.
    pub async fn send(&self, part: Part) -> Result<(), CallError> {
        send(&self.client, self.reply.to_string(), None, None, part).await
    }
}

impl Answer {
    /// The next message of the answer; `Err(HostLost)` when the callee stopped heartbeating meanwhile.
    pub async fn next(&mut self) -> Result<Part, CallError> {
        let mut first: Option<Part> = None;
        let mut body = BytesMut::new();
        loop {
            let msg = match tokio::time::timeout(LIVENESS, self.sub.next()).await {
                Ok(Some(m)) => m,
                Ok(None) => return Err(CallError::Nats("the answer's subscription ended".into())),
                Err(_) => {
                    if !self.hosts.is_live(&self.host) {
                        return Err(CallError::HostLost);
                    }
                    continue;
                }
            };
            if msg.status == Some(async_nats::StatusCode::NO_RESPONDERS) {
                return Err(CallError::NoResponders);
            }
            let headers = msg.headers.clone().unwrap_or_default();
            let part = first.get_or_insert_with(|| Part {
                kind: header(&headers, KIND).unwrap_or_default(),
                head: header(&headers, HEAD),
                body: Bytes::new(),
            });
            body.extend_from_slice(&msg.payload);
            if header(&headers, MORE).is_none() {
                part.body = body.freeze();
                return Ok(first.take().unwrap_or_else(|| Part {
                    kind: String::new(),
                    head: None,
                    body: Bytes::new(),
                }));
            }
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).map(|v| v.as_str().to_owned())
}

async fn send(
    client: &async_nats::Client,
    subject: String,
    reply: Option<String>,
    call: Option<&str>,
    part: Part,
) -> Result<(), CallError> {
    let mut rest = part.body;
    loop {
        let chunk = rest.split_to(rest.len().min(PART));
        let mut headers = HeaderMap::new();
        headers.insert(KIND, part.kind.as_str());
        if let Some(h) = &part.head {
            headers.insert(HEAD, h.as_str());
        }
        if let Some(c) = call {
            headers.insert(CALL, c);
        }
        if !rest.is_empty() {
            headers.insert(MORE, "1");
        }
        let sent = match &reply {
            Some(r) => {
                client
                    .publish_with_reply_and_headers(subject.clone(), r.clone(), headers, chunk)
                    .await
            }
            None => {
                client
                    .publish_with_headers(subject.clone(), headers, chunk)
                    .await
            }
        };
        sent.map_err(|e| CallError::Nats(e.to_string()))?;
        if rest.is_empty() {
            return Ok(());
        }
    }
}
