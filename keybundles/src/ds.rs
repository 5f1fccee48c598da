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

    pub fn number(self) -> u8 {
        match self {
            DigestType::Sha1 => 1,
            DigestType::Sha256 => 2,
            DigestType::Sha384 => 4,
        }
    }

    pub(crate) fn ring_algorithm(self) -> &'static digest::Algorithm {
        match self {
            DigestType::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestType::Sha256 => &digest::SHA256,
            DigestType::Sha384 => &digest::SHA384,
        }
    }
}

/// Why DS RDATA could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsError {
    #[error("DS RDATA is {0} octets; it needs at least 5")]
    TooShort(usize),
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
