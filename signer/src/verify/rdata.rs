//! Typed decoders for the denial-of-existence RDATA the verifier reads:
//! NSEC (RFC 4034 §4), NSEC3 and NSEC3PARAM (RFC 5155 §3, §4) and their
//! type bitmaps (RFC 4034 §4.1.2).
//!
//! Written here, from the RFCs, so the verifier does not share decoding
//! code with the signer; candidates to move into `keybundles` later.

use std::collections::BTreeSet;

use keybundles::nsec3::Nsec3Params;
use keybundles::{Name, Rtype};

/// A set of types, as a type bitmap carries it.
pub type TypeSet = BTreeSet<Rtype>;

/// Decodes a type bitmap: window blocks in increasing order, each with a
/// length of 1 to 32 octets (RFC 4034 §4.1.2).
pub fn decode_type_bitmap(mut wire: &[u8]) -> Result<TypeSet, String> {
    let mut types = TypeSet::new();
    let mut last_window: Option<u8> = None;
    while !wire.is_empty() {
        let [window, len, ref rest @ ..] = *wire else {
            return Err("type bitmap: truncated window header".into());
        };
        if last_window.is_some_and(|last| window <= last) {
            return Err(format!("type bitmap: window {window} out of order"));
        }
        last_window = Some(window);
        let len = usize::from(len);
        if len == 0 || len > 32 {
            return Err(format!("type bitmap: window {window} has length {len}, not 1-32"));
        }
        let bits = rest
            .get(..len)
            .ok_or_else(|| format!("type bitmap: window {window} truncated"))?;
        for (i, byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.insert(Rtype(u16::from(window) << 8 | (i * 8 + bit) as u16));
                }
            }
        }
        wire = &rest[len..];
    }
    Ok(types)
}

/// An NSEC record's RDATA (RFC 4034 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsec {
    pub next: Name,
    pub types: TypeSet,
}

impl Nsec {
    pub fn from_rdata(rdata: &[u8]) -> Result<Nsec, String> {
        let (next, used) = Name::read_wire(rdata).map_err(|e| format!("NSEC next domain name: {e}"))?;
        let types = decode_type_bitmap(&rdata[used..])?;
        Ok(Nsec {
            next: next.to_lowercase(),
            types,
        })
    }
}

/// An NSEC3 record's RDATA (RFC 5155 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsec3 {
    pub hash_algorithm: u8,
    pub flags: u8,
    pub iterations: u16,
    pub salt: Vec<u8>,
    /// The next hashed owner name, as raw hash octets (not base32hex).
    pub next_hashed: Vec<u8>,
    pub types: TypeSet,
}

impl Nsec3 {
    pub fn from_rdata(rdata: &[u8]) -> Result<Nsec3, String> {
        let short = || format!("NSEC3 RDATA truncated ({} octets)", rdata.len());
        let (&hash_algorithm, rest) = rdata.split_first().ok_or_else(short)?;
        let (&flags, rest) = rest.split_first().ok_or_else(short)?;
        let (iter, rest) = rest.split_at_checked(2).ok_or_else(short)?;
        let (&salt_len, rest) = rest.split_first().ok_or_else(short)?;
        let (salt, rest) = rest.split_at_checked(usize::from(salt_len)).ok_or_else(short)?;
        let (&hash_len, rest) = rest.split_first().ok_or_else(short)?;
        if hash_len == 0 {
            return Err("NSEC3 next hashed owner name is empty".into());
        }
        let (next, rest) = rest.split_at_checked(usize::from(hash_len)).ok_or_else(short)?;
        Ok(Nsec3 {
            hash_algorithm,
            flags,
            iterations: u16::from_be_bytes([iter[0], iter[1]]),
            salt: salt.to_vec(),
            next_hashed: next.to_vec(),
            types: decode_type_bitmap(rest)?,
        })
    }

    pub fn opt_out(&self) -> bool {
        self.flags & keybundles::nsec3::FLAG_OPT_OUT != 0
    }

    pub fn params(&self) -> Nsec3Params {
        Nsec3Params {
            algorithm: self.hash_algorithm,
            iterations: self.iterations,
            salt: self.salt.clone(),
        }
    }
}

/// An NSEC3PARAM record's RDATA (RFC 5155 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsec3Param {
    pub hash_algorithm: u8,
    pub flags: u8,
    pub iterations: u16,
    pub salt: Vec<u8>,
}

impl Nsec3Param {
    pub fn from_rdata(rdata: &[u8]) -> Result<Nsec3Param, String> {
        let [hash_algorithm, flags, i0, i1, salt_len, ref salt @ ..] = *rdata else {
            return Err(format!("NSEC3PARAM RDATA truncated ({} octets)", rdata.len()));
        };
        if salt.len() != usize::from(salt_len) {
            return Err(format!(
                "NSEC3PARAM salt length {salt_len} but {} octets follow",
                salt.len()
            ));
        }
        Ok(Nsec3Param {
            hash_algorithm,
            flags,
            iterations: u16::from_be_bytes([i0, i1]),
            salt: salt.to_vec(),
        })
    }

    pub fn params(&self) -> Nsec3Params {
        Nsec3Params {
            algorithm: self.hash_algorithm,
            iterations: self.iterations,
            salt: self.salt.clone(),
        }
    }
}

/// The MINIMUM field of SOA RDATA (RFC 1035 §3.3.13): its last four octets.
pub fn soa_minimum(rdata: &[u8]) -> Option<u32> {
    let tail: [u8; 4] = rdata.get(rdata.len().checked_sub(4)?..)?.try_into().ok()?;
    // MNAME and RNAME come first: at least two root labels plus 20 octets.
    (rdata.len() >= 22).then(|| u32::from_be_bytes(tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(list: &[u16]) -> TypeSet {
        list.iter().map(|&t| Rtype(t)).collect()
    }

    /// RFC 4034 §4.3: "host.example.com. NSEC A MX RRSIG NSEC TYPE1234".
    #[test]
    fn rfc4034_nsec_example() {
        let mut rdata = Vec::new();
        rdata.extend_from_slice(b"\x04host\x07example\x03com\x00");
        rdata.extend_from_slice(&[0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03]);
        rdata.extend_from_slice(&[0x04, 0x1b]);
        rdata.extend_from_slice(&[0; 26]);
        rdata.push(0x20);
        let nsec = Nsec::from_rdata(&rdata).unwrap();
        assert_eq!(nsec.next.to_string(), "host.example.com.");
        assert_eq!(nsec.types, types(&[1, 15, 46, 47, 1234]));
    }

    #[test]
    fn bitmap_errors() {
        assert_eq!(decode_type_bitmap(&[]).unwrap(), TypeSet::new());
        assert!(decode_type_bitmap(&[0]).is_err());
        assert!(decode_type_bitmap(&[0, 0]).is_err());
        assert!(decode_type_bitmap(&[0, 33]).is_err());
        assert!(decode_type_bitmap(&[0, 2, 0x40]).is_err());
        // Windows out of order.
        assert!(decode_type_bitmap(&[1, 1, 0x80, 0, 1, 0x40]).is_err());
        assert_eq!(decode_type_bitmap(&[0, 1, 0x40, 1, 1, 0x80]).unwrap(), types(&[1, 256]));
    }

    /// RFC 5155 Appendix A: the NSEC3 at 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.
    /// (next 2t7b4g4vsa5smi47k61mv5bv1a22bojr, NS SOA MX RRSIG DNSKEY NSEC3PARAM).
    #[test]
    fn rfc5155_nsec3_example() {
        let next = data_encoding::BASE32HEX_NOPAD
            .decode(b"2T7B4G4VSA5SMI47K61MV5BV1A22BOJR")
            .unwrap();
        let mut rdata = vec![1, 1, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd, 20];
        rdata.extend_from_slice(&next);
        rdata.extend_from_slice(&[0x00, 0x07, 0x22, 0x01, 0x00, 0x00, 0x00, 0x02, 0x90]);
        let nsec3 = Nsec3::from_rdata(&rdata).unwrap();
        assert!(nsec3.opt_out());
        assert_eq!(nsec3.iterations, 12);
        assert_eq!(nsec3.salt, vec![0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(nsec3.next_hashed, next);
        assert_eq!(nsec3.types, types(&[2, 6, 15, 46, 48, 51]));
        assert!(Nsec3::from_rdata(&rdata[..12]).is_err());

        let param = Nsec3Param::from_rdata(&[1, 0, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd]).unwrap();
        assert_eq!(param.params(), nsec3.params());
        assert!(Nsec3Param::from_rdata(&[1, 0, 0, 12, 4, 0xaa]).is_err());
    }

    #[test]
    fn soa_minimum_field() {
        let mut rdata = b"\x02ns\x00\x04host\x00".to_vec();
        for v in [1u32, 2, 3, 4, 300] {
            rdata.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(soa_minimum(&rdata), Some(300));
        assert_eq!(soa_minimum(&[0, 0, 1]), None);
    }
}
