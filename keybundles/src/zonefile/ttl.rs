//! TTLs with BIND-style units (`3600`, `1h30m`, `1w`, `2D`).

/// Parses a TTL: plain seconds, or numbers each followed by a unit `s`,
/// `m`, `h`, `d` or `w` (case-insensitive; a last bare number is seconds).
/// `None` when malformed or over 2^32 - 1.
pub fn parse_ttl(text: &[u8]) -> Option<u32> {
    if text.is_empty() || !text[0].is_ascii_digit() {
        return None;
    }
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut digits = 0;
    for &c in text {
        if c.is_ascii_digit() {
            current = current.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            digits += 1;
            if current > u64::from(u32::MAX) {
                return None;
            }
        } else {
            let unit: u64 = match c.to_ascii_lowercase() {
                b's' => 1,
                b'm' => 60,
                b'h' => 3600,
                b'd' => 86400,
                b'w' => 604_800,
                _ => return None,
            };
            if digits == 0 {
                return None;
            }
            total = total.checked_add(current.checked_mul(unit)?)?;
            current = 0;
            digits = 0;
        }
    }
    total = total.checked_add(current)?;
    u32::try_from(total).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn ttls_with_units() {
        assert_eq!(parse_ttl(b"3600"), Some(3600));
        assert_eq!(parse_ttl(b"1h30m"), Some(5400));
        assert_eq!(parse_ttl(b"1W"), Some(604_800));
        assert_eq!(parse_ttl(b"2d3h4m5s"), Some(2 * 86400 + 3 * 3600 + 4 * 60 + 5));
        assert_eq!(parse_ttl(b"1h30"), Some(3630));
        assert_eq!(parse_ttl(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_ttl(b"4294967296"), None);
        assert_eq!(parse_ttl(b"1y"), None);
        assert_eq!(parse_ttl(b"h"), None);
        assert_eq!(parse_ttl(b"1hh"), None);
        assert_eq!(parse_ttl(b""), None);
        assert_eq!(parse_ttl(b"-1"), None);
    }
}
