//! `--since` durations: `30s`, `10m`, `2h`, `1d`.

use std::time::Duration;

/// Parses a duration with a unit suffix.
pub fn parse(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{s:?}: add a unit, e.g. 30s, 10m, 2h or 1d"))?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?}: expected a number then s, m, h or d"))?;
    let per: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use s, m, h or d)")),
    };
    let secs = n
        .checked_mul(per)
        .ok_or_else(|| format!("{s:?}: too long ago"))?;
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse("10").is_err());
        assert!(parse("m").is_err());
        assert!(parse("5w").is_err());
        assert!(parse("-5m").is_err());
        assert!(parse("1.5h").is_err());
        assert!(parse("999999999999999999d").is_err());
        assert_eq!(parse(" 0s "), Ok(Duration::ZERO));
    }
}
