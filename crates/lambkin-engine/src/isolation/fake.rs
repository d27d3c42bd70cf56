//! A fake isolation for tests: no process at all. Each environment's "init" is a task on the test's runtime
//! speaking the real control protocol over a real socketpair, so the engine and `InitClient` run unchanged.
//!
//! The fake init answers `Start` with `Ready`, and each invoke by echoing its payload. A JSON payload can ask
//! for more: `{"work_ms": N}` answers after N ms, `{"finish_ms": N}` ends the invoke phase N ms after the
//! answer, `{"crash": true}` closes the channel as a dying init would, `{"api_call": "/path"}` makes that call to
//! the Lambda API inside (`ApiCall`, as a function would) and answers `<status> <body>` of the host's answer.
//! Every create, freeze, thaw and destroy is recorded in a [`FakeLog`].

use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use lambkin_wire::{
    write_frame, FrameReader, HostMessage, InitMessage, InvokeStatus, ResponseFrame,
};

use super::{Built, Isolated, Isolator};
use crate::FunctionSpec;

/// What happened to the fake environments, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeEvent {
    /// Environment built.
    Created(String),
    /// Frozen.
    Frozen(String),
    /// Thawed.
    Thawed(String),
    /// Destroyed.
    Destroyed(String),
}

/// The record of a [`FakeIsolator`]'s environments.
#[derive(Debug, Default)]
pub struct FakeLog(Mutex<Vec<FakeEvent>>);

impl FakeLog {
    fn push(&self, e: FakeEvent) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(e);
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<FakeEvent> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many events match `f`.
    pub fn count(&self, f: impl Fn(&FakeEvent) -> bool) -> usize {
        self.events().iter().filter(|e| f(e)).count()
    }

    /// Environments built so far.
    pub fn created(&self) -> usize {
        self.count(|e| matches!(e, FakeEvent::Created(_)))
    }

    /// Environments destroyed so far.
    pub fn destroyed(&self) -> usize {
        self.count(|e| matches!(e, FakeEvent::Destroyed(_)))
    }
}

/// Builds fake environments whose inits run on `runtime`.
pub struct FakeIsolator {
    runtime: tokio::runtime::Handle,
    /// What happened.
    pub log: Arc<FakeLog>,
}

impl Default for FakeIsolator {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeIsolator {
    /// A fake isolator on the current tokio runtime (call it inside one).
    pub fn new() -> Self {
        Self {
            runtime: tokio::runtime::Handle::current(),
            log: Arc::default(),
        }
    }
}

impl Isolator for FakeIsolator {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn create(&self, id: &str, _spec: &FunctionSpec) -> Result<Built, String> {
        let (host, init) = UnixStream::pair().map_err(|e| e.to_string())?;
        init.set_nonblocking(true).map_err(|e| e.to_string())?;
        let task = self.runtime.spawn(fake_init(init));
        self.log.push(FakeEvent::Created(id.to_owned()));
        Ok((
            Box::new(FakeEnvironment {
                id: id.to_owned(),
                log: self.log.clone(),
                task,
            }),
            host,
        ))
    }
}

struct FakeEnvironment {
    id: String,
    log: Arc<FakeLog>,
    task: tokio::task::JoinHandle<()>,
}

impl Isolated for FakeEnvironment {
    fn freeze(&self) -> Result<(), String> {
        self.log.push(FakeEvent::Frozen(self.id.clone()));
        Ok(())
    }

    fn thaw(&self) -> Result<(), String> {
        self.log.push(FakeEvent::Thawed(self.id.clone()));
        Ok(())
    }

    fn oom_kills(&self) -> u64 {
        0
    }

    fn destroy(self: Box<Self>) {
        self.task.abort();
        self.log.push(FakeEvent::Destroyed(self.id.clone()));
    }
}

fn millis(v: &serde_json::Value, key: &str) -> Duration {
    Duration::from_millis(v.get(key).and_then(|n| n.as_u64()).unwrap_or(0))
}

async fn fake_init(stream: UnixStream) {
    let Ok(stream) = tokio::net::UnixStream::from_std(stream) else {
        return;
    };
    let (r, mut w) = stream.into_split();
    let mut r = FrameReader::new(r);
    let Ok((HostMessage::Start { .. }, _)) = r.next::<HostMessage>().await else {
        return;
    };
    let ready = InitMessage::Ready {
        runtime_api: "127.0.0.1:9001".into(),
        init_ms: 1.0,
    };
    if write_frame(&mut w, &ready, Bytes::new()).await.is_err() {
        return;
    }
    let mut calls = 0u64;
    while let Ok((msg, payload)) = r.next::<HostMessage>().await {
        let request = match msg {
            HostMessage::Invoke { request } => request,
            HostMessage::Shutdown { .. } => {
                let _ = write_frame(&mut w, &InitMessage::Stopped, Bytes::new()).await;
                return;
            }
            HostMessage::Start { .. } | HostMessage::ApiAnswer { .. } => continue,
        };
        let ask: serde_json::Value = serde_json::from_slice(&payload).unwrap_or_default();
        if ask.get("crash").and_then(|c| c.as_bool()) == Some(true) {
            return;
        }
        tokio::time::sleep(millis(&ask, "work_ms")).await;
        let answer = match ask.get("api_call").and_then(|t| t.as_str()) {
            Some(target) => {
                calls += 1;
                let call = InitMessage::ApiCall {
                    call_id: calls,
                    method: "GET".into(),
                    target: target.to_owned(),
                    headers: Vec::new(),
                };
                if write_frame(&mut w, &call, Bytes::new()).await.is_err() {
                    return;
                }
                match r.next::<HostMessage>().await {
                    Ok((
                        HostMessage::ApiAnswer {
                            call_id, status, ..
                        },
                        body,
                    )) if call_id == calls => {
                        Bytes::from(format!("{status} {}", String::from_utf8_lossy(&body)))
                    }
                    _ => return,
                }
            }
            None => payload,
        };
        let request_id = request.request_id.unwrap_or_default();
        let (head, body): (_, Bytes) = ResponseFrame::Complete {
            content_type: None,
            body: answer,
        }
        .into_wire();
        let response = InitMessage::Response {
            request_id: request_id.clone(),
            head,
        };
        if write_frame(&mut w, &response, body).await.is_err() {
            return;
        }
        tokio::time::sleep(millis(&ask, "finish_ms")).await;
        let done = InitMessage::Done {
            request_id,
            status: InvokeStatus::Success,
            error_type: None,
            duration_ms: 1.0,
            init_duration_ms: None,
            max_memory_used_mb: 0,
        };
        if write_frame(&mut w, &done, Bytes::new()).await.is_err() {
            return;
        }
    }
}
