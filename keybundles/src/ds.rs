//! DS RDATA (RFC 4034 §5) and its digest types (RFC 4509, RFC 6605).

use std::fmt;

use data_encoding::HEXUPPER;
use ring::digest;

/// A DS digest type Signet computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestType {
    /// 1, SHA-1: only for reading old DS sets; never offered for new ones.
    Sha1,
    /// 2, SHA-256 (RFC 4509), the one to publish.
    Sha256,
    /// 4, SHA-384 (RFC 6605).
    Sha384,
}

impl DigestType {
    pub fn from_number(number: u8) -> Option<DigestType> {
        match number {
            1 => Some(DigestType::Sha1),
            2 => Some(DigestType::Sha256),
            4 => Some(DigestType::Sha384),
            _ => None,
        }
    }

    /// Its name in the IANA registry.
    pub fn name(self) -> &'static str {
        match self {
            DigestType::Sha1 => "SHA-1",
            DigestType::Sha256 => "SHA-256",
            DigestType::Sha384 => "SHA-384",
        }
    }

    pub fn number(self) -> u8 {
        match self {
            DigestType::Sha1 => 1,
            DigestType::Sha256 => 2,
            DigestType::Sha384 => 4,
        }
    }

    /// The length of its digests in octets.
    pub fn digest_len(self) -> usize {
        self.ring_algorithm().output_len()
    }

    pub(crate) fn ring_algorithm(self) -> &'static digest::Algorithm {
        match self {
            DigestType::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestType::Sha256 => &digest::SHA256,
            DigestType::Sha384 => &digest::SHA384,
        }
    }
}

/// Why DS RDATA could not be read, or cannot be right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsError {
    #[error("DS RDATA is {0} octets; it needs at least 5")]
    TooShort(usize),
    #[error("digest type {digest_type} ({name}) digests are {expected} octets long, and this one is {found}")]
    DigestLength {
        digest_type: u8,
        name: &'static str,
        expected: usize,
        found: usize,
    },
}

/// The fields of a DS (or CDS) record.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Ds {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    pub digest: Vec<u8>,
}

impl Ds {
    pub fn from_rdata(rdata: &[u8]) -> Result<Ds, DsError> {
        if rdata.len() < 5 {
            return Err(DsError::TooShort(rdata.len()));
        }
        Ok(Ds {
            key_tag: u16::from_be_bytes([rdata[0], rdata[1]]),
            algorithm: rdata[2],
            digest_type: rdata[3],
            digest: rdata[4..].to_vec(),
        })
    }

    /// Refuses DS (or CDS) RDATA whose digest length its digest type
    /// rules out: such a DS can match no key, and validators and servers
    /// refuse it (BIND will not load a zone holding one). Digest types
    /// Signet does not compute (and 0, the CDS "delete" sentinel of RFC
    /// 8078) pass. Reads the RDATA in place: a TLD has a DS for every
    /// signed delegation.
    pub fn check_rdata(rdata: &[u8]) -> Result<(), DsError> {
        if rdata.len() < 5 {
            return Err(DsError::TooShort(rdata.len()));
        }
        let (digest_type, found) = (rdata[3], rdata.len() - 4);
        let Some(known) = DigestType::from_number(digest_type) else {
            return Ok(());
        };
        if found == known.digest_len() {
            return Ok(());
        }
        Err(DsError::DigestLength {
            digest_type,
            name: known.name(),
            expected: known.digest_len(),
            found,
        })
    }

    pub fn to_rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.digest.len());
        out.extend_from_slice(&self.key_tag.to_be_bytes());
        out.push(self.algorithm);
        out.push(self.digest_type);
        out.extend_from_slice(&self.digest);
        out
    }

    /// True when this DS points at `dnskey` published at `owner`.
    pub fn matches(&self, owner: &crate::Name, dnskey: &crate::dnskey::Dnskey) -> bool {
        let Some(digest_type) = DigestType::from_number(self.digest_type) else {
            return false;
        };
        self.key_tag == dnskey.key_tag()
            && self.algorithm == dnskey.algorithm
            && dnskey.ds(owner, digest_type).digest == self.digest
    }
}

impl fmt::Display for Ds {
    /// Presentation form of the RDATA: `60485 5 1 2BB1…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.key_tag,
            self.algorithm,
            self.digest_type,
            HEXUPPER.encode(&self.digest)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use data_encoding::HEXUPPER_PERMISSIVE as HEX;

    /// DS RDATA with this digest type and digest.
    fn rdata(digest_type: u8, digest_hex: &str) -> Vec<u8> {
        Ds {
            key_tag: 60485,
            algorithm: 5,
            digest_type,
            digest: HEX.decode(digest_hex.as_bytes()).unwrap(),
        }
        .to_rdata()
    }

    fn check(digest_type: u8, digest_hex: &str) -> Result<(), DsError> {
        Ds::check_rdata(&rdata(digest_type, digest_hex))
    }

    #[test]
    fn digest_lengths_follow_the_digest_type() {
        // The DS examples of RFC 4034 §5.4 (SHA-1) and RFC 4509 §2.3 (SHA-256).
        assert_eq!(check(1, "2BB183AF5F22588179A53B0A98631FAD1A292118"), Ok(()));
        let sha256 = "D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A";
        assert_eq!(check(2, sha256), Ok(()));
        assert_eq!(check(4, &sha256.repeat(2)[..96]), Ok(()));
        assert_eq!(
            check(2, "AB"),
            Err(DsError::DigestLength {
                digest_type: 2,
                name: "SHA-256",
                expected: 32,
                found: 1
            })
        );
        // One octet too many, and a SHA-256 digest given as SHA-1 or SHA-384.
        assert!(check(2, &format!("{sha256}00")).is_err());
        assert!(check(1, sha256).is_err());
        assert!(check(4, sha256).is_err());
        // Types Signet does not compute, and the CDS "delete" record
        // (RFC 8078 §4: CDS 0 0 0 00), are not judged.
        assert_eq!(check(3, "AB"), Ok(()));
        assert_eq!(check(0, "00"), Ok(()));
        // RDATA too short to hold a digest at all.
        assert_eq!(Ds::check_rdata(&[0, 1, 13, 2]), Err(DsError::TooShort(4)));
    }

    #[test]
    fn a_bad_length_is_explained_in_words() {
        let said = check(2, "ABCD").unwrap_err().to_string();
        assert_eq!(
            said,
            "digest type 2 (SHA-256) digests are 32 octets long, and this one is 2"
        );
    }
}
