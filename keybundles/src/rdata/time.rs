//! RRSIG times (RFC 4034 §3.2): `YYYYMMDDHHMMSS` in UTC or plain seconds.
//!
//! The wire value is seconds since 1970 modulo 2^32; like ldns, Signet
//! writes it as a date between 1970 and 2106.

use std::fmt::Write;

/// Parses a 14-digit `YYYYMMDDHHMMSS` date or a decimal number of seconds.
pub(crate) fn parse_time(text: &[u8]) -> Option<u32> {
    if !text.iter().all(u8::is_ascii_digit) || text.is_empty() {
        return None;
    }
    if text.len() != 14 {
        return super::text::parse_decimal(text, u64::from(u32::MAX)).map(|v| v as u32);
    }
    let num = |r: std::ops::Range<usize>| -> i64 { text[r].iter().fold(0, |acc, &d| acc * 10 + i64::from(d - b'0')) };
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    let (hour, minute, second) = (num(8..10), num(10..12), num(12..14));
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    u32::try_from(secs).ok()
}

/// Writes seconds since 1970 as `YYYYMMDDHHMMSS`.
pub(crate) fn write_time(secs: u32, out: &mut String) {
    let secs = i64::from(secs);
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let rem = secs.rem_euclid(86400);
    if !(0..=9999).contains(&y) {
        let _ = write!(
            out,
            "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        );
        return;
    }
    // YYYYMMDDHHmmSS without a formatter: two RRSIG times per signature.
    let mut digits = [0u8; 14];
    for (at, (value, width)) in [
        (y, 4),
        (m, 2),
        (d, 2),
        (rem / 3600, 2),
        (rem / 60 % 60, 2),
        (rem % 60, 2),
    ]
    .into_iter()
    .scan(0usize, |pos, field| {
        let at = *pos;
        *pos += field.1;
        Some((at, field))
    }) {
        let mut v = value;
        for i in (0..width).rev() {
            digits[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    }
    out.extend(digits.iter().map(|&b| char::from(b)));
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4034_example_times() {
        // RFC 4034 §3.3: 20030322173103 is 1048354263.
        assert_eq!(parse_time(b"20030322173103"), Some(1_048_354_263));
        assert_eq!(parse_time(b"1048354263"), Some(1_048_354_263));
        let mut s = String::new();
        write_time(1_048_354_263, &mut s);
        assert_eq!(s, "20030322173103");
        s.clear();
        write_time(u32::MAX, &mut s);
        assert_eq!(s, "21060207062815");
        assert_eq!(parse_time(b"21060207062815"), Some(u32::MAX));
        assert_eq!(parse_time(b"21060207062816"), None);
        assert_eq!(parse_time(b"20230229000000"), None);
        assert_eq!(parse_time(b"20240229000000").map(|_| ()), Some(()));
        assert_eq!(parse_time(b"2024-01-01"), None);
        for secs in [0u32, 1, 86399, 951_782_400, 4_000_000_000] {
            s.clear();
            write_time(secs, &mut s);
            assert_eq!(parse_time(s.as_bytes()), Some(secs), "{s}");
        }
    }
}
