//! AWS event-stream framing (`application/vnd.amazon.eventstream`) for `InvokeWithResponseStream`.
//!
//! Encoding only, and only string headers: that is all Lambda's streaming responses use, so a dependency
//! on the full AWS SDK codec is not worth it. Frame layout: total length, headers length, prelude CRC32,
//! headers, payload, message CRC32 (all big-endian).

use bytes::{BufMut, Bytes, BytesMut};

/// Encodes one message with string headers.
pub fn encode(headers: &[(&str, &str)], payload: &[u8]) -> Bytes {
    let headers_len: usize = headers
        .iter()
        .map(|(n, v)| 1 + n.len() + 1 + 2 + v.len())
        .sum();
    let total = 12 + headers_len + payload.len() + 4;
    let mut out = BytesMut::with_capacity(total);
    out.put_u32(total as u32);
    out.put_u32(headers_len as u32);
    let prelude_crc = crc32fast::hash(&out[..8]);
    out.put_u32(prelude_crc);
    for (name, value) in headers {
        out.put_u8(name.len() as u8);
        out.put_slice(name.as_bytes());
        out.put_u8(7);
        out.put_u16(value.len() as u16);
        out.put_slice(value.as_bytes());
    }
    out.put_slice(payload);
    let crc = crc32fast::hash(&out);
    out.put_u32(crc);
    out.freeze()
}

/// A `PayloadChunk` event.
pub fn payload_chunk(data: &[u8]) -> Bytes {
    encode(
        &[
            (":event-type", "PayloadChunk"),
            (":content-type", "application/octet-stream"),
            (":message-type", "event"),
        ],
        data,
    )
}

/// The closing `InvokeComplete` event.
pub fn invoke_complete(
    error_code: Option<&str>,
    error_details: Option<&str>,
    log_result: Option<&str>,
) -> Bytes {
    let mut body = serde_json::Map::new();
    if let Some(c) = error_code {
        body.insert("ErrorCode".into(), c.into());
    }
    if let Some(d) = error_details {
        body.insert("ErrorDetails".into(), d.into());
    }
    if let Some(l) = log_result {
        body.insert("LogResult".into(), l.into());
    }
    let payload = serde_json::Value::Object(body).to_string();
    encode(
        &[
            (":event-type", "InvokeComplete"),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        payload.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_lengths_and_crcs_are_consistent() {
        let f = payload_chunk(b"hello");
        let total = u32::from_be_bytes([f[0], f[1], f[2], f[3]]) as usize;
        assert_eq!(total, f.len());
        let prelude_crc = u32::from_be_bytes([f[8], f[9], f[10], f[11]]);
        assert_eq!(prelude_crc, crc32fast::hash(&f[..8]));
        let msg_crc = u32::from_be_bytes([f[total - 4], f[total - 3], f[total - 2], f[total - 1]]);
        assert_eq!(msg_crc, crc32fast::hash(&f[..total - 4]));
        assert!(f.ends_with(&[&b"hello"[..], &msg_crc.to_be_bytes()[..]].concat()));
    }
}
