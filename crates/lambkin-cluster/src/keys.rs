//! Store keys as NATS KV keys.
//!
//! A KV key is a NATS subject (`[-/_=.a-zA-Z0-9]+`, `.` separating non-empty tokens). A store key is
//! `<table>.<key>` with both parts escaped: bytes outside `[-/_a-zA-Z0-9]` become `=HH` (uppercase hex), and the
//! empty string is `=`. The escape is reversible and keeps `.` free as the one separator, so the table of a KV
//! key is its first token.

/// The KV key of `table`/`key`.
pub(crate) fn encode(table: &str, key: &str) -> String {
    let mut out = String::with_capacity(table.len() + key.len() + 1);
    escape_into(table, &mut out);
    out.push('.');
    escape_into(key, &mut out);
    out
}

/// `table`/`key` of a KV key made by [`encode`]; `None` for any other key.
pub(crate) fn decode(kv_key: &str) -> Option<(String, String)> {
    let (table, key) = kv_key.split_once('.')?;
    Some((unescape(table)?, unescape(key)?))
}

fn escape_into(s: &str, out: &mut String) {
    if s.is_empty() {
        out.push('=');
        return;
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
}

fn unescape(s: &str) -> Option<String> {
    if s == "=" {
        return Some(String::new());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_stays_a_valid_subject() {
        for (t, k) in [
            ("functions", "us-east-1/my-fn"),
            ("aliases", "us-east-1/f/$LATEST"),
            ("events", "0001700000000000/abc.def"),
            ("urls", ""),
            ("x", "a b=c.d*>é"),
        ] {
            let kv = encode(t, k);
            assert!(
                kv.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-/_=.".contains(&b)),
                "{kv}"
            );
            assert_eq!(kv.matches('.').count(), 1, "{kv}");
            assert_eq!(decode(&kv), Some((t.to_owned(), k.to_owned())));
        }
        assert_eq!(encode("aliases", "r/f/$LATEST"), "aliases.r/f/=24LATEST");
        assert_eq!(decode("_txn"), None);
        assert_eq!(decode("t.=4"), None);
    }
}
