//! Type bitmaps of NSEC, NSEC3 and CSYNC (RFC 4034 §4.1.2).

use std::fmt::Write;

use crate::rtype::Rtype;

/// Encodes a set of types (any order, duplicates allowed) as windows.
pub(crate) fn encode(types: &mut [u16], out: &mut Vec<u8>) {
    types.sort_unstable();
    let mut i = 0;
    while i < types.len() {
        let window = (types[i] >> 8) as u8;
        let mut bits = [0u8; 32];
        let mut used = 0;
        while i < types.len() && (types[i] >> 8) as u8 == window {
            let low = (types[i] & 0xff) as usize;
            bits[low / 8] |= 0x80 >> (low % 8);
            used = used.max(low / 8 + 1);
            i += 1;
        }
        out.push(window);
        out.push(used as u8);
        out.extend_from_slice(&bits[..used]);
    }
}

/// Decodes windows into types, checking the layout: window blocks in
/// increasing order, each 1 to 32 octets long.
pub(crate) fn decode(mut wire: &[u8], mut each: impl FnMut(u16)) -> Result<(), &'static str> {
    let mut last: Option<u8> = None;
    while !wire.is_empty() {
        let [window, len, ref rest @ ..] = *wire else {
            return Err("type bitmap: truncated window header");
        };
        if last.is_some_and(|l| window <= l) {
            return Err("type bitmap: windows out of order");
        }
        last = Some(window);
        let len = usize::from(len);
        if len == 0 || len > 32 {
            return Err("type bitmap: window length not 1-32");
        }
        let bits = rest.get(..len).ok_or("type bitmap: truncated window")?;
        for (i, &byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    each(u16::from(window) << 8 | (i * 8 + bit) as u16);
                }
            }
        }
        wire = &rest[len..];
    }
    Ok(())
}

/// Writes the types of a bitmap, space separated.
pub(crate) fn write(wire: &[u8], out: &mut String) -> Result<(), &'static str> {
    let mut first = true;
    decode(wire, |t| {
        if !first {
            out.push(' ');
        }
        first = false;
        let _ = write!(out, "{}", Rtype(t));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4034 §4.3's example: A MX RRSIG NSEC TYPE1234.
    #[test]
    fn rfc4034_example_bitmap() {
        let mut types = vec![1234, 47, 46, 15, 1, 15];
        let mut wire = Vec::new();
        encode(&mut types, &mut wire);
        let mut expected = vec![0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b];
        expected.extend_from_slice(&[0; 26]);
        expected.push(0x20);
        assert_eq!(wire, expected);
        let mut s = String::new();
        write(&wire, &mut s).unwrap();
        assert_eq!(s, "A MX RRSIG NSEC TYPE1234");
        assert!(write(&[0, 0], &mut s).is_err());
        assert!(write(&[0, 1], &mut s).is_err());
        assert!(write(&[1, 1, 1, 0, 1, 1], &mut s).is_err());
    }
}
