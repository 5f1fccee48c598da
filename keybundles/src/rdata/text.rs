//! Names and character strings in presentation form (RFC 1035 §5.1):
//! escape decoding straight into a wire buffer, and quoting on output.

use std::fmt::Write;

use crate::name::{parse_escape, Name, NameError, MAX_LABEL_LEN, MAX_NAME_LEN};

/// Appends the wire form of the presentation-form name `text` (escapes not
/// yet decoded) to `out`. `@` is `origin`; a name without a trailing dot
/// is completed with `origin`. With `lower`, ASCII letters are folded to
/// lowercase (canonical form, RFC 4034 §6.2). Allocates nothing but `out`.
pub(crate) fn encode_name(text: &[u8], origin: &Name, lower: bool, out: &mut Vec<u8>) -> Result<(), NameError> {
    let start = out.len();
    let show = || String::from_utf8_lossy(text).into_owned();
    if text == b"@" {
        push_origin(origin, lower, out);
        return Ok(());
    }
    if text == b"." {
        out.push(0);
        return Ok(());
    }
    if text.is_empty() {
        return Err(NameError::EmptyLabel(String::new()));
    }
    let mut label_start = out.len();
    out.push(0);
    let mut absolute = false;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        match c {
            b'.' => {
                finish_label(out, label_start, text)?;
                if i + 1 == text.len() {
                    absolute = true;
                } else {
                    label_start = out.len();
                    out.push(0);
                }
                i += 1;
            }
            b'\\' => {
                let (b, used) = parse_escape(&text[i + 1..]).ok_or_else(|| NameError::BadEscape(show()))?;
                out.push(if lower { b.to_ascii_lowercase() } else { b });
                i += 1 + used;
            }
            _ => {
                out.push(if lower { c.to_ascii_lowercase() } else { c });
                i += 1;
            }
        }
        if out.len() - start > MAX_NAME_LEN + MAX_LABEL_LEN + 1 {
            return Err(NameError::NameTooLong);
        }
    }
    if absolute {
        out.push(0);
    } else {
        finish_label(out, label_start, text)?;
        push_origin(origin, lower, out);
    }
    if out.len() - start > MAX_NAME_LEN {
        return Err(NameError::NameTooLong);
    }
    Ok(())
}

fn finish_label(out: &mut [u8], label_start: usize, text: &[u8]) -> Result<(), NameError> {
    let len = out.len() - label_start - 1;
    if len == 0 {
        return Err(NameError::EmptyLabel(String::from_utf8_lossy(text).into_owned()));
    }
    if len > MAX_LABEL_LEN {
        return Err(NameError::LabelTooLong(
            String::from_utf8_lossy(&out[label_start + 1..]).into_owned(),
        ));
    }
    out[label_start] = len as u8;
    Ok(())
}

fn push_origin(origin: &Name, lower: bool, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(origin.as_wire());
    if lower {
        out[start..].make_ascii_lowercase();
    }
}

/// Folds the ASCII letters of the wire-form name at the front of `wire` to
/// lowercase in place (label length octets are below `A`, so untouched).
pub(crate) fn lowercase_wire_name(wire: &mut [u8]) {
    wire.make_ascii_lowercase();
}

/// Appends the octets of a character string in presentation form (escapes
/// `\X` and `\DDD` decoded) to `out`. Returns `None` on a bad escape.
pub(crate) fn decode_string(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            let (b, used) = parse_escape(&text[i + 1..])?;
            out.push(b);
            i += 1 + used;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Some(())
}

/// Writes octets as a quoted character string, escaping `"` and `\` with a
/// backslash and everything not printable ASCII as `\DDD` (as BIND does).
pub(crate) fn write_quoted(bytes: &[u8], out: &mut String) {
    out.push('"');
    write_escaped(bytes, out);
    out.push('"');
}

/// The inside of a quoted string, without the quotes.
pub(crate) fn write_escaped(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
}

/// Parses an unsigned decimal number of at most `max`.
pub(crate) fn parse_decimal(text: &[u8], max: u64) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut value: u64 = 0;
    for &c in text {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    (value <= max).then_some(value)
}

/// Appends `value` in decimal; `write!` costs a formatter per number and
/// zone files are mostly numbers and names.
pub(crate) fn push_decimal(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Appends an IPv4 address in dotted decimal, as `Ipv4Addr`'s `Display`
/// does, without a formatter (a TLD has hundreds of thousands of glue A).
pub(crate) fn push_ipv4(out: &mut String, octets: [u8; 4]) {
    for (i, &octet) in octets.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_decimal(out, u64::from(octet));
    }
}

/// Appends an IPv6 address in RFC 5952 form, exactly as `Ipv6Addr`'s
/// `Display` does, without a formatter: lowercase hex groups without
/// leading zeros, the first longest run of two or more zero groups as
/// `::`. IPv4-mapped addresses (`::ffff:a.b.c.d`), which `Display` writes
/// with a dotted tail, are left to `Display`.
pub(crate) fn push_ipv6(out: &mut String, octets: [u8; 16]) {
    use std::fmt::Write;
    if octets[..10].iter().all(|&b| b == 0) && octets[10..12] == [0xff, 0xff] {
        let _ = write!(out, "{}", std::net::Ipv6Addr::from(octets));
        return;
    }
    let groups: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([octets[2 * i], octets[2 * i + 1]]));
    // The first longest run of zero groups, if at least two long.
    let (mut best_start, mut best_len, mut run_start, mut run_len) = (0, 0, 0, 0);
    for (i, &group) in groups.iter().enumerate() {
        if group == 0 {
            if run_len == 0 {
                run_start = i;
            }
            run_len += 1;
            if run_len > best_len {
                (best_start, best_len) = (run_start, run_len);
            }
        } else {
            run_len = 0;
        }
    }
    let push_group = |out: &mut String, group: u16| {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let digit = usize::from((group >> shift) & 0xf);
            if digit != 0 || started || shift == 0 {
                started = true;
                out.push(char::from(HEX[digit]));
            }
        }
    };
    let push_groups = |out: &mut String, groups: &[u16]| {
        for (i, &group) in groups.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            push_group(out, group);
        }
    };
    if best_len < 2 {
        push_groups(out, &groups);
    } else {
        push_groups(out, &groups[..best_start]);
        out.push_str("::");
        push_groups(out, &groups[best_start + best_len..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast writers agree with the standard library's `Display` on
    /// every shape of address: zero runs of each length at each place,
    /// ties, mapped and compatible IPv4 forms, and many pseudo-random ones.
    #[test]
    fn addresses_written_like_display() {
        let mut cases: Vec<[u8; 16]> = Vec::new();
        for mask in 0u32..256 {
            // Each of the 8 groups zero or not: every zero-run layout.
            let mut octets = [0u8; 16];
            for g in 0..8 {
                if mask & (1 << g) != 0 {
                    octets[2 * g] = (g as u8) * 17;
                    octets[2 * g + 1] = 0x01 + g as u8;
                }
            }
            cases.push(octets);
        }
        cases.push([0; 16]);
        cases.push(std::net::Ipv6Addr::LOCALHOST.octets());
        cases.push("::ffff:192.0.2.1".parse::<std::net::Ipv6Addr>().unwrap().octets());
        cases.push("::192.0.2.1".parse::<std::net::Ipv6Addr>().unwrap().octets());
        cases.push("2001:db8:0:1:1:1:1:1".parse::<std::net::Ipv6Addr>().unwrap().octets());
        cases.push("fe80::f:ff:fff:ffff".parse::<std::net::Ipv6Addr>().unwrap().octets());
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            let mut octets = [0u8; 16];
            for pair in octets.chunks_mut(2) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Zero groups often, so that runs appear.
                if x & 3 != 0 {
                    pair.copy_from_slice(&((x >> 20) as u16 >> (x % 13)).to_be_bytes());
                }
            }
            cases.push(octets);
        }
        for octets in cases {
            let mut fast = String::new();
            push_ipv6(&mut fast, octets);
            assert_eq!(fast, std::net::Ipv6Addr::from(octets).to_string(), "{octets:?}");
        }
        for octets in [[0, 0, 0, 0], [192, 0, 2, 1], [10, 255, 100, 9], [255; 4]] {
            let mut fast = String::new();
            push_ipv4(&mut fast, octets);
            assert_eq!(fast, std::net::Ipv4Addr::from(octets).to_string());
        }
    }

    #[test]
    fn encodes_names_like_name_parse() {
        let origin: Name = "Example.".parse().unwrap();
        for text in ["www", "WWW.example.", "a\\.b", "c\\032d", "@", ".", "x.y.z"] {
            let mut out = Vec::new();
            encode_name(text.as_bytes(), &origin, false, &mut out).unwrap();
            let expected = if text == "@" {
                origin.clone()
            } else {
                Name::parse(text, Some(&origin)).unwrap()
            };
            assert_eq!(out, expected.as_wire(), "{text}");
            out.clear();
            encode_name(text.as_bytes(), &origin, true, &mut out).unwrap();
            assert_eq!(out, expected.to_lowercase().as_wire(), "{text}");
        }
        let mut out = Vec::new();
        assert!(matches!(
            encode_name(b"a..b", &origin, false, &mut out),
            Err(NameError::EmptyLabel(_))
        ));
        let long = "a".repeat(64);
        assert!(matches!(
            encode_name(long.as_bytes(), &origin, false, &mut out),
            Err(NameError::LabelTooLong(_))
        ));
        let many = "abcdefghi.".repeat(26);
        assert_eq!(
            encode_name(many.as_bytes(), &origin, false, &mut out),
            Err(NameError::NameTooLong)
        );
        assert!(matches!(
            encode_name(b"a\\300", &origin, false, &mut out),
            Err(NameError::BadEscape(_))
        ));
    }

    #[test]
    fn strings_escape_and_unescape() {
        let mut out = Vec::new();
        decode_string(b"a\\\"b\\\\c\\010\\;", &mut out).unwrap();
        assert_eq!(out, b"a\"b\\c\n;");
        let mut s = String::new();
        write_quoted(&out, &mut s);
        assert_eq!(s, "\"a\\\"b\\\\c\\010;\"");
        assert!(decode_string(b"\\25", &mut out).is_none());
    }
}
