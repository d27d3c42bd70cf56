//! Timestamps as the Lambda API writes them: `2026-11-24T04:25:00.000+0000`.

use time::macros::format_description;
use time::OffsetDateTime;

/// Now, Unix milliseconds.
pub fn now_ms() -> u64 {
    unix_ms(std::time::SystemTime::now())
}

/// A time as Unix milliseconds (0 before the epoch).
pub fn unix_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The time `ms` Unix milliseconds name.
pub fn from_unix_ms(ms: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)
}

/// Now, in Lambda's `LastModified` format.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// Now as ISO 8601 with milliseconds and `Z` (destination records' `timestamp`).
pub fn iso_now() -> String {
    let f =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::now_utc().format(&f).unwrap_or_default()
}

/// A time in the common log format of payload-format-2.0 events: `12/Mar/2020:19:03:58 +0000`.
pub fn clf(t: OffsetDateTime) -> String {
    let f = format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// A time in Lambda's `LastModified` format.
pub fn format(t: OffsetDateTime) -> String {
    let f = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shape() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_764_000_000).expect("time");
        assert_eq!(super::format(t), "2025-11-24T16:00:00.000+0000");
    }
}
