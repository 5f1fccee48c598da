//! Time as DNSSEC and Signet's command line write it.
//!
//! Every expiry decision in Signet takes "now" as an argument (from one
//! injectable clock, `--now`), never from the system clock directly.
//! RRSIG times are 32-bit serial numbers of seconds (RFC 4034 §3.1.5).

use chrono::{DateTime, NaiveDateTime, Utc};

/// Why a time or duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("'{0}' is not a time: use YYYYMMDDHHMMSS (UTC), unix seconds, or +/- a duration such as +14d or -1h")]
    BadTime(String),
    #[error("'{0}' is not a duration: use a number with units s, m, h, d, w, e.g. 3d, 1h30m, 3600")]
    BadDuration(String),
}

/// Parses a duration: plain seconds, or numbers with units s/m/h/d/w
/// (`14d`, `1h30m`, `2w`), as in BIND and RFC 2308 TTLs.
pub fn parse_duration(text: &str) -> Result<i64, TimeError> {
    let bad = || TimeError::BadDuration(text.into());
    if text.is_empty() {
        return Err(bad());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            number = Some(
                number
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(i64::from(d)))
                    .ok_or_else(bad)?,
            );
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => return Err(bad()),
        };
        let n = number.take().ok_or_else(bad)?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
    }
    if number.is_some() {
        return Err(bad());
    }
    Ok(total)
}

/// Parses a point in time: `YYYYMMDDHHMMSS` (UTC), unix seconds, or a
/// duration relative to `now` (`+14d`, `-1h`).
pub fn parse_time(text: &str, now: i64) -> Result<i64, TimeError> {
    let bad = || TimeError::BadTime(text.into());
    if let Some(rest) = text.strip_prefix('+') {
        return parse_duration(rest).map(|d| now + d).map_err(|_| bad());
    }
    if let Some(rest) = text.strip_prefix('-') {
        return parse_duration(rest).map(|d| now - d).map_err(|_| bad());
    }
    if text.len() == 14 && text.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S")
            .map(|t| t.and_utc().timestamp())
            .map_err(|_| bad());
    }
    if !text.is_empty() && text.len() <= 11 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| bad())
}

/// Formats unix seconds as `YYYYMMDDHHMMSS` (UTC), the RRSIG presentation form.
pub fn format_compact(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0).map_or_else(|| unix.to_string(), |t| t.format("%Y%m%d%H%M%S").to_string())
}

/// Formats unix seconds for people: `2026-11-25 02:17:00 UTC`.
pub fn format_human(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map_or_else(|| unix.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// An RRSIG time field for an instant (RFC 4034 §3.1.5: modulo 2^32).
pub fn to_serial(unix: i64) -> u32 {
    unix.rem_euclid(1 << 32) as u32
}

/// The instant an RRSIG time field means, read with serial-number
/// arithmetic (RFC 1982) around `now`: the value within ±68 years of now.
pub fn from_serial(serial: u32, now: i64) -> i64 {
    let diff = serial.wrapping_sub(to_serial(now)) as i32;
    now + i64::from(diff)
}

/// Reads an RRSIG time field in presentation form (RFC 4034 §3.2):
/// `YYYYMMDDHHMMSS` in UTC or decimal seconds, as the wire's 32-bit value.
/// For callers that read signed zone text without parsing whole records.
pub fn parse_rrsig_time(text: &[u8]) -> Option<u32> {
    crate::rdata::parse_time(text)
}

/// Formats a duration in seconds for people: `3d 4h`, `45m`, `-2h`.
pub fn format_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (d, h, m) = (s / 86400, s % 86400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sign}{s}s"),
        (0, 0, m) => format!("{sign}{m}m"),
        (0, h, m) => format!("{sign}{h}h {m}m"),
        (d, h, _) => format!("{sign}{d}d {h}h"),
    }
}

/// Now, from the system clock: the one place Signet reads it. Commands
/// call this only when the operator gave no `--now`.
pub fn system_now() -> i64 {
    Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600"), Ok(3600));
        assert_eq!(parse_duration("14d"), Ok(14 * 86400));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("2W"), Ok(14 * 86400));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("1h30").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn times() {
        let now = 1_700_000_000;
        assert_eq!(parse_time("20231114221320", now), Ok(1_700_000_000));
        assert_eq!(parse_time("1700000000", now), Ok(1_700_000_000));
        assert_eq!(parse_time("+1h", now), Ok(now + 3600));
        assert_eq!(parse_time("-1d", now), Ok(now - 86400));
        assert_eq!(parse_time("2023-11-14T22:13:20Z", now), Ok(1_700_000_000));
        assert!(parse_time("20231332000000", now).is_err());
        assert!(parse_time("tomorrow", now).is_err());
        assert_eq!(format_compact(1_700_000_000), "20231114221320");
    }

    #[test]
    fn serial_arithmetic_wraps() {
        let now = 4_294_967_000; // just before 2^32 seconds (year 2106)
        let later = now + 1000;
        assert_eq!(from_serial(to_serial(later), now), later);
        assert_eq!(from_serial(to_serial(now - 5000), now), now - 5000);
        assert_eq!(format_duration(3 * 86400 + 4 * 3600), "3d 4h");
        assert_eq!(format_duration(-7200), "-2h 0m");
    }
}
