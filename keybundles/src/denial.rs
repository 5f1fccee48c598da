//! NSEC and NSEC3 RDATA as typed values (RFC 4034 §4, RFC 5155 §3), and
//! the type bitmaps both use (RFC 4034 §4.1.2).

use crate::name::{Name, NameError};
use crate::rtype::Rtype;

/// Why NSEC/NSEC3 RDATA could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DenialError {
    #[error("NSEC next name: {0}")]
    NextName(#[from] NameError),
    #[error("{0} RDATA is truncated")]
    Truncated(&'static str),
    #[error("type bitmap: {0}")]
    Bitmap(&'static str),
}

/// Encodes a set of types as windowed bitmaps; `types` need not be sorted
/// and may repeat.
pub fn encode_type_bitmap(types: &[Rtype], out: &mut Vec<u8>) {
    let mut sorted: Vec<u16> = types.iter().map(|t| t.0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut i = 0;
    while i < sorted.len() {
        let window = (sorted[i] >> 8) as u8;
        let mut bits = [0u8; 32];
        let mut used = 0;
        while i < sorted.len() && (sorted[i] >> 8) as u8 == window {
            let low = (sorted[i] & 0xff) as usize;
            bits[low / 8] |= 0x80 >> (low % 8);
            used = low / 8 + 1;
            i += 1;
        }
        out.push(window);
        out.push(used as u8);
        out.extend_from_slice(&bits[..used]);
    }
}

/// Decodes windowed type bitmaps, checking windows ascend and lengths fit.
pub fn decode_type_bitmap(mut wire: &[u8]) -> Result<Vec<Rtype>, DenialError> {
    let mut types = Vec::new();
    let mut last_window: Option<u8> = None;
    while !wire.is_empty() {
        let [window, len, rest @ ..] = wire else {
            return Err(DenialError::Bitmap("truncated window header"));
        };
        let len = usize::from(*len);
        if len == 0 || len > 32 {
            return Err(DenialError::Bitmap("window length must be 1 to 32"));
        }
        if last_window.is_some_and(|w| w >= *window) {
            return Err(DenialError::Bitmap("windows out of order"));
        }
        let bits = rest.get(..len).ok_or(DenialError::Bitmap("truncated window"))?;
        for (octet, &byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.push(Rtype(u16::from(*window) << 8 | (octet * 8 + bit) as u16));
                }
            }
        }
        last_window = Some(*window);
        wire = &rest[len..];
    }
    Ok(types)
}

/// The fields of an NSEC record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nsec {
    pub next: Name,
    pub types: Vec<Rtype>,
}

impl Nsec {
    pub fn to_rdata(&self) -> Vec<u8> {
        let mut out = self.next.as_wire().to_vec();
        encode_type_bitmap(&self.types, &mut out);
        out
    }

    pub fn from_rdata(rdata: &[u8]) -> Result<Nsec, DenialError> {
        let (next, used) = Name::read_wire(rdata)?;
        Ok(Nsec {
            next,
            types: decode_type_bitmap(&rdata[used..])?,
        })
    }
}

/// The fields of an NSEC3 record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nsec3 {
    pub algorithm: u8,
    pub flags: u8,
    pub iterations: u16,
    pub salt: Vec<u8>,
    /// The next hashed owner name, raw (not base32hex).
    pub next_hashed: Vec<u8>,
    pub types: Vec<Rtype>,
}

impl Nsec3 {
    pub fn to_rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.salt.len() + self.next_hashed.len() + 16);
        out.push(self.algorithm);
        out.push(self.flags);
        out.extend_from_slice(&self.iterations.to_be_bytes());
        out.push(self.salt.len() as u8);
        out.extend_from_slice(&self.salt);
        out.push(self.next_hashed.len() as u8);
        out.extend_from_slice(&self.next_hashed);
        encode_type_bitmap(&self.types, &mut out);
        out
    }

    pub fn from_rdata(rdata: &[u8]) -> Result<Nsec3, DenialError> {
        let truncated = DenialError::Truncated("NSEC3");
        let [algorithm, flags, i0, i1, salt_len, rest @ ..] = rdata else {
            return Err(truncated);
        };
        let salt = rest.get(..usize::from(*salt_len)).ok_or(truncated.clone())?;
        let rest = &rest[salt.len()..];
        let (&hash_len, rest) = rest.split_first().ok_or(truncated.clone())?;
        let next_hashed = rest.get(..usize::from(hash_len)).ok_or(truncated)?;
        Ok(Nsec3 {
            algorithm: *algorithm,
            flags: *flags,
            iterations: u16::from_be_bytes([*i0, *i1]),
            salt: salt.to_vec(),
            next_hashed: next_hashed.to_vec(),
            types: decode_type_bitmap(&rest[next_hashed.len()..])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4034 §4.3: "A MX RRSIG NSEC TYPE1234" encodes as in the RFC.
    #[test]
    fn rfc4034_bitmap_example() {
        let mut out = Vec::new();
        encode_type_bitmap(&[Rtype::A, Rtype::MX, Rtype::RRSIG, Rtype::NSEC, Rtype(1234)], &mut out);
        // window 0: A(1) MX(15) RRSIG(46) NSEC(47); window 4: 1234 = 4*256 + 210
        let mut expected: Vec<u8> = vec![0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b];
        expected.extend_from_slice(&[0u8; 26]);
        expected.push(0x20);
        assert_eq!(out, expected);
        let types = decode_type_bitmap(&out).unwrap();
        assert_eq!(types, vec![Rtype::A, Rtype::MX, Rtype::RRSIG, Rtype::NSEC, Rtype(1234)]);
    }

    #[test]
    fn bad_bitmaps_are_errors_not_panics() {
        assert!(decode_type_bitmap(&[0]).is_err());
        assert!(decode_type_bitmap(&[0, 0]).is_err());
        assert!(decode_type_bitmap(&[0, 33]).is_err());
        assert!(decode_type_bitmap(&[1, 1, 0x80, 0, 1, 0x80]).is_err());
        assert!(Nsec3::from_rdata(&[1, 0, 0, 0, 5, 1]).is_err());
    }

    #[test]
    fn nsec3_round_trip() {
        let n = Nsec3 {
            algorithm: 1,
            flags: 1,
            iterations: 0,
            salt: vec![],
            next_hashed: vec![7; 20],
            types: vec![Rtype::NS, Rtype::DS, Rtype::RRSIG],
        };
        assert_eq!(Nsec3::from_rdata(&n.to_rdata()).unwrap(), n);
    }
}
