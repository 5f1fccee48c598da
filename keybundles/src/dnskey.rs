//! DNSKEY RDATA (RFC 4034 §2), key tags (RFC 4034 Appendix B) and the
//! DS records that point at a key (RFC 4034 §5, RFC 4509, RFC 6605).

use std::fmt;

use data_encoding::BASE64;
use ring::digest;

use crate::algorithm::Algorithm;
use crate::ds::{DigestType, Ds};
use crate::name::Name;

/// Flag bit 7: this is a zone key (RFC 4034 §2.1.1).
pub const FLAG_ZONE: u16 = 0x0100;
/// Flag bit 15: Secure Entry Point, set on key-signing keys (RFC 3757).
pub const FLAG_SEP: u16 = 0x0001;
/// Flag bit 8: the key is revoked (RFC 5011 §3).
pub const FLAG_REVOKE: u16 = 0x0080;

/// Why DNSKEY RDATA could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnskeyError {
    #[error("DNSKEY RDATA is {0} octets; it needs at least 4")]
    TooShort(usize),
}

/// The fields of a DNSKEY (or CDNSKEY) record.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Dnskey {
    pub flags: u16,
    pub protocol: u8,
    pub algorithm: u8,
    /// The public key in the algorithm's DNSKEY encoding (RFC 3110 for RSA,
    /// x‖y for ECDSA, the raw 32 octets for Ed25519).
    pub public_key: Vec<u8>,
}

impl Dnskey {
    /// A zone key with the given algorithm; `sep` makes it a KSK (flags 257).
    pub fn new(algorithm: Algorithm, public_key: Vec<u8>, sep: bool) -> Dnskey {
        let flags = FLAG_ZONE | if sep { FLAG_SEP } else { 0 };
        Dnskey {
            flags,
            protocol: 3,
            algorithm: algorithm.number(),
            public_key,
        }
    }

    pub fn from_rdata(rdata: &[u8]) -> Result<Dnskey, DnskeyError> {
        if rdata.len() < 4 {
            return Err(DnskeyError::TooShort(rdata.len()));
        }
        Ok(Dnskey {
            flags: u16::from_be_bytes([rdata[0], rdata[1]]),
            protocol: rdata[2],
            algorithm: rdata[3],
            public_key: rdata[4..].to_vec(),
        })
    }

    pub fn to_rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.public_key.len());
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.push(self.protocol);
        out.push(self.algorithm);
        out.extend_from_slice(&self.public_key);
        out
    }

    /// The key tag (RFC 4034 Appendix B; algorithm 1 is not supported).
    pub fn key_tag(&self) -> u16 {
        key_tag(&self.to_rdata())
    }

    /// True when the SEP bit is set (a KSK, flags 257).
    pub fn is_sep(&self) -> bool {
        self.flags & FLAG_SEP != 0
    }

    /// True when the zone-key bit is set; only zone keys may sign (RFC 4034 §2.1.1).
    pub fn is_zone_key(&self) -> bool {
        self.flags & FLAG_ZONE != 0
    }

    /// True when the RFC 5011 REVOKE bit is set.
    pub fn is_revoked(&self) -> bool {
        self.flags & FLAG_REVOKE != 0
    }

    /// The algorithm, if Signet supports it.
    pub fn supported_algorithm(&self) -> Option<Algorithm> {
        Algorithm::from_number(self.algorithm)
    }

    /// The DS record for this key at `owner` (RFC 4034 §5.1.4):
    /// digest = hash(owner in canonical form ‖ DNSKEY RDATA).
    pub fn ds(&self, owner: &Name, digest_type: DigestType) -> Ds {
        let mut input = owner.to_lowercase().as_wire().to_vec();
        input.extend_from_slice(&self.to_rdata());
        let digest = digest::digest(digest_type.ring_algorithm(), &input).as_ref().to_vec();
        Ds {
            key_tag: self.key_tag(),
            algorithm: self.algorithm,
            digest_type: digest_type.number(),
            digest,
        }
    }

    /// RSA modulus size in bits, or the curve's size for the others.
    pub fn key_size_bits(&self) -> Option<usize> {
        match self.supported_algorithm()? {
            Algorithm::RsaSha256 => crate::crypto::rsa_public_components(&self.public_key).map(|(_, n)| {
                let n = strip_leading_zeros(n);
                n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize)
            }),
            Algorithm::EcdsaP256Sha256 | Algorithm::Ed25519 => Some(256),
            Algorithm::EcdsaP384Sha384 => Some(384),
        }
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// Key tag over DNSKEY RDATA (RFC 4034 Appendix B).
pub fn key_tag(rdata: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    for (i, &b) in rdata.iter().enumerate() {
        acc += if i & 1 == 1 { u32::from(b) } else { u32::from(b) << 8 };
    }
    acc += (acc >> 16) & 0xffff;
    (acc & 0xffff) as u16
}

impl fmt::Display for Dnskey {
    /// Presentation form of the RDATA: `257 3 13 base64…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.flags,
            self.protocol,
            self.algorithm,
            BASE64.encode(&self.public_key)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4034 §5.4: the DNSKEY of dskey.example.com. and its DS.
    #[test]
    fn rfc4034_ds_example() {
        let key = BASE64
            .decode(
                b"AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
            )
            .unwrap();
        let dnskey = Dnskey {
            flags: 256,
            protocol: 3,
            algorithm: 5,
            public_key: key,
        };
        assert_eq!(dnskey.key_tag(), 60485);
        let owner: Name = "dskey.example.com.".parse().unwrap();
        let ds = dnskey.ds(&owner, DigestType::Sha1);
        assert_eq!(ds.to_string(), "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
    }

    /// RFC 6605 §6.1: the P-256 example key, its tag and SHA-256 DS
    /// (the digest cross-checked with BIND's dnssec-dsfromkey).
    #[test]
    fn rfc6605_p256_example() {
        let key = BASE64
            .decode(b"GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==")
            .unwrap();
        let dnskey = Dnskey {
            flags: 257,
            protocol: 3,
            algorithm: 13,
            public_key: key,
        };
        assert_eq!(dnskey.key_tag(), 55648);
        let owner: Name = "example.net.".parse().unwrap();
        assert_eq!(
            dnskey.ds(&owner, DigestType::Sha256).to_string(),
            "55648 13 2 B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17"
        );
        assert_eq!(dnskey.key_size_bits(), Some(256));
    }
}
