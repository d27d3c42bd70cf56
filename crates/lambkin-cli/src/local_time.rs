//! Instants for people: the API's epoch-second timestamps as this machine's local wall-clock time.

use serde_json::Value;

/// The UTC offset, in seconds east, in force at a Unix time; [`local_offset`] in the CLI, [`utc`] in tests.
pub type Offset = fn(i64) -> i32;

/// This machine's UTC offset at `epoch` (its time zone, daylight saving included); 0 when it cannot say.
#[cfg(unix)]
pub fn local_offset(epoch: i64) -> i32 {
    // `time_t` is 64 bits wherever lambkin runs.
    let t = epoch as libc::time_t;
    // SAFETY: `libc::tm` is a plain C struct of integers and a pointer, for which all-zero bytes are valid.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals of the right types; `localtime_r` reads `t`, writes only `tm`
    // and reads the time zone, which this process never changes.
    let filled = unsafe { libc::localtime_r(&t, &mut tm) };
    if filled.is_null() {
        0
    } else {
        i32::try_from(tm.tm_gmtoff).unwrap_or(0)
    }
}

/// This machine's UTC offset: unknown off Unix, so UTC.
#[cfg(not(unix))]
pub fn local_offset(_epoch: i64) -> i32 {
    0
}

/// UTC: an offset of 0 at every instant.
pub fn utc(_epoch: i64) -> i32 {
    0
}

/// A timestamp member as Unix seconds: rest-json sends epoch seconds as a number (with a fraction); a
/// numeric string is accepted too.
pub fn epoch(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|t: &f64| t.is_finite())
}

/// `2026-12-07 13:00:31` in the zone `offset` gives (seconds dropped below one).
pub fn format(epoch: f64, offset: Offset) -> String {
    let secs = epoch.floor() as i64;
    let at = time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            let off = time::UtcOffset::from_whole_seconds(offset(secs)).ok()?;
            t.checked_to_offset(off)
        });
    match at {
        Some(t) => t
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .unwrap_or_else(|_| epoch.to_string()),
        None => epoch.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plus_one_hour(_: i64) -> i32 {
        3600
    }

    #[test]
    fn formats_in_the_given_zone() {
        assert_eq!(format(1_796_616_031.75, utc), "2026-12-07 04:00:31");
        assert_eq!(
            format(1_796_616_031.75, plus_one_hour),
            "2026-12-07 05:00:31"
        );
        assert_eq!(format(0.0, utc), "1970-01-01 00:00:00");
        assert_eq!(format(1e30, utc), "1000000000000000000000000000000");
    }

    #[test]
    fn epochs() {
        assert_eq!(epoch(&json!(1_796_616_031.5)), Some(1_796_616_031.5));
        assert_eq!(epoch(&json!(17)), Some(17.0));
        assert_eq!(epoch(&json!("17.25")), Some(17.25));
        assert_eq!(epoch(&json!("yesterday")), None);
        assert_eq!(epoch(&Value::Null), None);
    }

    #[test]
    fn local_offset_is_a_real_offset() {
        let off = local_offset(1_796_616_031);
        assert!((-14 * 3600..=14 * 3600).contains(&off), "{off}");
    }
}
