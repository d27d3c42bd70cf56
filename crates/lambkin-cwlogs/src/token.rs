//! Tokens: `GetLogEvents`' `f/…/s` and `b/…/s` (a stream's byte offset), `FilterLogEvents`' position in
//! every stream, the describe operations' page marks, and stable event ids.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::LogsError;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `GetLogEvents`' `nextForwardToken` / `nextBackwardToken`: a byte offset in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamToken {
    /// `f/<offset>/s`: lines starting at the offset.
    Forward(u64),
    /// `b/<offset>/s`: lines ending at or before the offset.
    Backward(u64),
}

impl StreamToken {
    /// `f/` or `b/`, the offset in 56 digits (as long as AWS's), `/s`.
    pub fn encode(&self) -> String {
        match self {
            StreamToken::Forward(o) => format!("f/{o:056}/s"),
            StreamToken::Backward(o) => format!("b/{o:056}/s"),
        }
    }

    /// Parses a token made by [`StreamToken::encode`].
    pub fn decode(s: &str) -> Result<StreamToken, LogsError> {
        let (dir, rest) = s.split_at_checked(2).ok_or_else(LogsError::bad_token)?;
        let digits = rest.strip_suffix("/s").unwrap_or(rest);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LogsError::bad_token());
        }
        let n: u64 = digits
            .trim_start_matches('0')
            .parse()
            .or_else(|_| {
                if digits.bytes().all(|b| b == b'0') {
                    Ok(0)
                } else {
                    Err(())
                }
            })
            .map_err(|_| LogsError::bad_token())?;
        match dir {
            "f/" => Ok(StreamToken::Forward(n)),
            "b/" => Ok(StreamToken::Backward(n)),
            _ => Err(LogsError::bad_token()),
        }
    }
}

/// `FilterLogEvents`' `nextToken`: where the search goes on in each stream (keys are the executor's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterToken {
    /// Byte offset per stream key.
    #[serde(rename = "p")]
    pub positions: BTreeMap<String, u64>,
}

impl FilterToken {
    /// The token's text.
    pub fn encode(&self) -> String {
        B64.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses a token made by [`FilterToken::encode`].
    pub fn decode(s: &str) -> Result<FilterToken, LogsError> {
        B64.decode(s)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(LogsError::bad_token)
    }
}

/// The describe operations' `nextToken`: the sort key after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageToken {
    /// The last item of the page (a name, or a time and name).
    #[serde(rename = "a")]
    pub after: String,
}

impl PageToken {
    /// The token's text.
    pub fn encode(&self) -> String {
        B64.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses a token made by [`PageToken::encode`].
    pub fn decode(s: &str) -> Result<PageToken, LogsError> {
        B64.decode(s)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(LogsError::bad_token)
    }
}

/// An event's id: 56 digits (as AWS's), the same for the same line every time it is read: its timestamp, a
/// hash of its stream's key and its byte offset in the stream.
pub fn event_id(timestamp_ms: u64, stream_key: &str, offset: u64) -> String {
    // FNV-1a: stable across processes and versions (unlike std's hasher).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stream_key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!(
        "{:020}{:016}{:020}",
        timestamp_ms,
        h % 10_000_000_000_000_000,
        offset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_tokens_round_trip() {
        for t in [
            StreamToken::Forward(0),
            StreamToken::Forward(123_456),
            StreamToken::Backward(u64::MAX),
        ] {
            let s = t.encode();
            assert_eq!(s.len(), 2 + 56 + 2);
            assert_eq!(StreamToken::decode(&s).unwrap(), t);
        }
        for bad in [
            "",
            "f/",
            "x/0001/s",
            "f/12a/s",
            "f/99999999999999999999999/s",
        ] {
            assert_eq!(
                StreamToken::decode(bad),
                Err(LogsError::bad_token()),
                "{bad}"
            );
        }
    }

    #[test]
    fn filter_and_page_tokens_round_trip() {
        let mut t = FilterToken::default();
        t.positions.insert("fn\n2026/01/01/[$LATEST]ab".into(), 77);
        assert_eq!(FilterToken::decode(&t.encode()).unwrap(), t);
        assert!(FilterToken::decode("not a token").is_err());
        let p = PageToken {
            after: "/aws/lambda/x".into(),
        };
        assert_eq!(PageToken::decode(&p.encode()).unwrap(), p);
    }

    #[test]
    fn event_ids_are_stable_and_distinct() {
        let a = event_id(1_700_000_000_000, "fn\ns1", 0);
        assert_eq!(a.len(), 56);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a, event_id(1_700_000_000_000, "fn\ns1", 0));
        assert_ne!(a, event_id(1_700_000_000_000, "fn\ns1", 40));
        assert_ne!(a, event_id(1_700_000_000_000, "fn\ns2", 0));
    }
}
