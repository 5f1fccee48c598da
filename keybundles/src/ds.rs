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

    /// Refuses a digest whose length its digest type rules out: such a
    /// DS can match no key, and validators and servers refuse it (BIND
    /// will not load a zone holding one). Digest types Signet does not
    /// compute (and 0, the CDS "delete" sentinel of RFC 8078) pass.
    pub fn check_digest_length(&self) -> Result<(), DsError> {
        let Some(known) = DigestType::from_number(self.digest_type) else {
            return Ok(());
        };
        if self.digest.len() == known.digest_len() {
            return Ok(());
        }
        Err(DsError::DigestLength {
            digest_type: self.digest_type,
            name: known.name(),
            expected: known.digest_len(),
            found: self.digest.len(),
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

    fn ds(digest_type: u8, digest_hex: &str) -> Ds {
        Ds {
            key_tag: 60485,
            algorithm: 5,
            digest_type,
            digest: HEX.decode(digest_hex.as_bytes()).unwrap(),
        }
    }

    #[test]
    fn digest_lengths_follow_the_digest_type() {
        // The DS examples of RFC 4034 §5.4 (SHA-1) and RFC 4509 §2.3 (SHA-256).
        assert_eq!(
            ds(1, "2BB183AF5F22588179A53B0A98631FAD1A292118").check_digest_length(),
            Ok(())
        );
        let sha256 = "D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A";
        assert_eq!(ds(2, sha256).check_digest_length(), Ok(()));
        assert_eq!(ds(4, &sha256.repeat(2)[..96]).check_digest_length(), Ok(()));
        assert_eq!(
            ds(2, "AB").check_digest_length(),
            Err(DsError::DigestLength {
                digest_type: 2,
                name: "SHA-256",
                expected: 32,
                found: 1
            })
        );
        // One octet too many, and a SHA-256 digest given as SHA-1.
        assert!(ds(2, &format!("{sha256}00")).check_digest_length().is_err());
        assert!(ds(1, sha256).check_digest_length().is_err());
        assert!(ds(4, sha256).check_digest_length().is_err());
        // Types Signet does not compute, and the CDS "delete" record
        // (RFC 8078 §4: CDS 0 0 0 00), are not judged.
        assert_eq!(ds(3, "AB").check_digest_length(), Ok(()));
        assert_eq!(ds(0, "00").check_digest_length(), Ok(()));
    }

    #[test]
    fn a_bad_length_is_explained_in_words() {
        let said = ds(2, "ABCD").check_digest_length().unwrap_err().to_string();
        assert_eq!(
            said,
            "digest type 2 (SHA-256) digests are 32 octets long, and this one is 2"
        );
    }
}
