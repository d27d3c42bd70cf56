//! Queued asynchronous events (table `events`, keyed `<due ms, 13 digits>/<request id>`) and dead letters
//! (table `deadletters`, keyed `<region>/<function>/<ms, 13 digits>/<request id>`).

use lambkin_store::{Expect, Op, Store, StoreError};
use serde::{Deserialize, Serialize};

use super::{all_rows, function_prefix, Stored, DEAD_LETTERS, EVENTS};

/// An event waiting for delivery.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QueuedEvent {
    /// Request id (answered with the `202`).
    pub id: String,
    /// Region of the function.
    pub region: String,
    /// Account.
    pub account: String,
    /// Function name.
    pub function: String,
    /// Qualifier it was invoked with.
    pub qualifier: Option<String>,
    /// The event, base64.
    pub payload: String,
    /// Decoded client context.
    pub client_context: Option<String>,
    /// Trace header.
    pub trace_id: Option<String>,
    /// When it was accepted, Unix ms.
    pub enqueued_ms: u64,
    /// When it is due, Unix ms.
    pub due_ms: u64,
    /// Invocations so far that ran the function.
    pub attempts: u32,
    /// Throttles or start failures so far.
    pub deferrals: u32,
    /// The incarnation of the function it was accepted for (`FunctionRecord::incarnation`); an event of an
    /// earlier incarnation (the function was deleted and created again) is dropped, never delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incarnation: Option<String>,
    /// Invocations before this one in its chain of destination records (0 for an event a client sent):
    /// Lambda's recursive loop detection stops the chain at 16 (`queue.rs`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hops: u32,
    /// A record sent to an `OnFailure` destination because its event's chain was stopped as a recursive
    /// loop: if its own chain is stopped again, it goes nowhere further.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_stop: bool,
    /// A delivery to a destination that is not a function (an SQS queue, SNS topic, EventBridge bus or S3
    /// bucket) rather than an invocation: what goes where. `payload` is then what is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound: Option<Outbound>,
}

/// What a delivery to a destination that is not a function sends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outbound {
    /// The destination's ARN.
    pub target: String,
    /// The function whose invocation it reports on (its ARN).
    pub function_arn: String,
    /// The request id it reports on.
    pub request_id: String,
    /// A destination record (`Some(success)`) or a dead letter (`None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// A dead letter's `ErrorCode` and `ErrorMessage` attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<(String, String)>,
    /// The event source mapping (UUID) and shard (stream) whose failed batch it reports; `None`: an
    /// asynchronous invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<(String, String)>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl QueuedEvent {
    /// A new event of `function[:qualifier]` carrying `payload`, due now, with a new request id.
    pub fn new(
        region: &str,
        account: &str,
        function: &str,
        qualifier: Option<&str>,
        payload: &[u8],
    ) -> QueuedEvent {
        use base64::Engine as _;
        let now = crate::time_fmt::now_ms();
        QueuedEvent {
            id: uuid::Uuid::new_v4().to_string(),
            region: region.to_owned(),
            account: account.to_owned(),
            function: function.to_owned(),
            qualifier: qualifier.map(str::to_owned),
            payload: base64::engine::general_purpose::STANDARD.encode(payload),
            client_context: None,
            trace_id: None,
            enqueued_ms: now,
            due_ms: now,
            attempts: 0,
            deferrals: 0,
            incarnation: None,
            hops: 0,
            after_stop: false,
            outbound: None,
        }
    }

    /// Its payload, decoded (empty if the stored base64 is damaged).
    pub fn payload_bytes(&self) -> Vec<u8> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(&self.payload)
            .unwrap_or_default()
    }

    /// The lane it is delivered in: its function's, or its destination's for an outbound delivery.
    pub fn lane(&self) -> String {
        match &self.outbound {
            Some(o) => format!("outbound/{}", o.target),
            None => format!("{}/{}", self.region, self.function),
        }
    }

    /// Its store key.
    pub fn key(&self) -> String {
        format!("{:013}/{}", self.due_ms, self.id)
    }

    /// Whether it belongs to `function` (any qualifier) or to its `qualifier`.
    pub fn owned_by(&self, region: &str, function: &str, qualifier: Option<&str>) -> bool {
        self.region == region
            && self.function == function
            && qualifier.is_none_or(|q| self.qualifier.as_deref() == Some(q))
    }
}

/// Every queued event, in due order; an unreadable one comes with its error.
pub(crate) fn all(store: &Store) -> Result<Vec<Stored<QueuedEvent>>, StoreError> {
    all_rows(store, EVENTS)
}

/// Writes an event under its key.
pub(crate) fn put(ev: &QueuedEvent) -> Result<Op, StoreError> {
    Op::put_json(EVENTS, &ev.key(), ev, Expect::Any)
}

/// Removes the event stored under `key`.
pub(crate) fn delete(key: &str) -> Op {
    Op::delete(EVENTS, key, Expect::Any)
}

/// Keeps the record of an event that exhausted its retries or aged out.
pub(crate) fn put_dead_letter(
    ev: &QueuedEvent,
    now_ms: u64,
    record: &serde_json::Value,
) -> Result<Op, StoreError> {
    let key = format!("{}/{}/{now_ms:013}/{}", ev.region, ev.function, ev.id);
    Op::put_json(DEAD_LETTERS, &key, record, Expect::Any)
}

/// The dead letters of a function, oldest first.
pub(crate) fn dead_letters(
    store: &Store,
    region: &str,
    function: &str,
) -> Result<Vec<serde_json::Value>, StoreError> {
    Ok(store
        .list(
            DEAD_LETTERS,
            &function_prefix(region, function),
            None,
            10_000,
        )?
        .into_iter()
        .filter_map(|(_, rec)| rec.json().ok())
        .collect())
}

/// The ops that drop the queued events of a function (all qualifiers) or of one version, and, for the whole
/// function, its dead letters.
pub(crate) fn drop_ops(
    store: &Store,
    region: &str,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Vec<Op>, StoreError> {
    let mut ops = Vec::new();
    for (key, ev) in all(store)? {
        if ev.is_ok_and(|ev| ev.owned_by(region, function, qualifier)) {
            ops.push(delete(&key));
        }
    }
    if qualifier.is_none() {
        ops.push(Op::delete_prefix(
            DEAD_LETTERS,
            &function_prefix(region, function),
        ));
    }
    Ok(ops)
}
