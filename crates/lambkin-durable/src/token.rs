//! Checkpoint tokens and callback ids: opaque to clients, base64 of a small JSON naming what they belong to, so
//! the service finds the execution without an index. The shapes satisfy botocore's patterns
//! (`[A-Za-z0-9+/]+={0,2}`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// A checkpoint token: one invocation's right to checkpoint, rotated by every checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointToken {
    /// The execution.
    #[serde(rename = "a")]
    pub arn: String,
    /// The invocation it was given to.
    #[serde(rename = "i")]
    pub invocation: String,
    /// Its place in the invocation's sequence of tokens.
    #[serde(rename = "s")]
    pub seq: u64,
}

impl CheckpointToken {
    /// The token as sent.
    pub fn encode(&self) -> String {
        STANDARD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// A token as received; `None` when it is not one of ours.
    pub fn decode(s: &str) -> Option<CheckpointToken> {
        serde_json::from_slice(&STANDARD.decode(s).ok()?).ok()
    }
}

/// A callback id: the execution and the `CALLBACK` operation it completes, and a random part so that one id
/// cannot be made from another (operation ids are predictable; the service accepts only the id it gave out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackId {
    /// The execution.
    #[serde(rename = "a")]
    pub arn: String,
    /// The operation.
    #[serde(rename = "o")]
    pub op: String,
    /// Random.
    #[serde(rename = "n", default)]
    pub nonce: String,
}

impl CallbackId {
    /// A new id for an operation of an execution.
    pub fn new(arn: &str, op: &str) -> CallbackId {
        CallbackId {
            arn: arn.to_owned(),
            op: op.to_owned(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

impl CallbackId {
    /// The id as given to the handler.
    pub fn encode(&self) -> String {
        STANDARD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// An id as received; `None` when it is not one of ours.
    pub fn decode(s: &str) -> Option<CallbackId> {
        serde_json::from_slice(&STANDARD.decode(s).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_match_botocores_pattern() {
        let t = CheckpointToken {
            arn: "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/n/i"
                .into(),
            invocation: "inv".into(),
            seq: 7,
        };
        let s = t.encode();
        assert!(s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='));
        assert_eq!(CheckpointToken::decode(&s), Some(t));
        assert_eq!(CheckpointToken::decode("not base64!"), None);
        assert_eq!(CheckpointToken::decode("aGVsbG8="), None);
        let c = CallbackId::new("a", "o");
        assert_eq!(CallbackId::decode(&c.encode()), Some(c.clone()));
        assert_ne!(CallbackId::new("a", "o"), c);
    }
}
