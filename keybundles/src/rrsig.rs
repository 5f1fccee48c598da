//! RRSIG RDATA and the signing input it covers (RFC 4034 §3).

use crate::name::{Name, NameError};
use crate::record::Record;
use crate::rtype::Rtype;

/// Why RRSIG RDATA could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RrsigError {
    #[error("RRSIG RDATA is {0} octets; the fixed fields alone need 18")]
    TooShort(usize),
    #[error("RRSIG signer name: {0}")]
    SignerName(#[from] NameError),
}

/// The fields of an RRSIG record.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Rrsig {
    pub type_covered: Rtype,
    pub algorithm: u8,
    /// Labels of the owner, not counting the root or a wildcard label.
    pub labels: u8,
    pub original_ttl: u32,
    /// Expiration and inception as 32-bit serial times (RFC 4034 §3.1.5);
    /// see [`crate::time`] to turn them into instants.
    pub expiration: u32,
    pub inception: u32,
    pub key_tag: u16,
    pub signer: Name,
    pub signature: Vec<u8>,
}

impl Rrsig {
    pub fn from_rdata(rdata: &[u8]) -> Result<Rrsig, RrsigError> {
        if rdata.len() < 18 {
            return Err(RrsigError::TooShort(rdata.len()));
        }
        let u32_at = |i: usize| u32::from_be_bytes([rdata[i], rdata[i + 1], rdata[i + 2], rdata[i + 3]]);
        let (signer, used) = Name::read_wire(&rdata[18..])?;
        Ok(Rrsig {
            type_covered: Rtype(u16::from_be_bytes([rdata[0], rdata[1]])),
            algorithm: rdata[2],
            labels: rdata[3],
            original_ttl: u32_at(4),
            expiration: u32_at(8),
            inception: u32_at(12),
            key_tag: u16::from_be_bytes([rdata[16], rdata[17]]),
            signer,
            signature: rdata[18 + used..].to_vec(),
        })
    }

    /// The RDATA without the signature field, lowercase signer name: the
    /// first part of the signing input (RFC 4034 §3.1.8.1).
    pub fn write_fields(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.type_covered.0.to_be_bytes());
        out.push(self.algorithm);
        out.push(self.labels);
        out.extend_from_slice(&self.original_ttl.to_be_bytes());
        out.extend_from_slice(&self.expiration.to_be_bytes());
        out.extend_from_slice(&self.inception.to_be_bytes());
        out.extend_from_slice(&self.key_tag.to_be_bytes());
        out.extend_from_slice(self.signer.to_lowercase().as_wire());
    }

    pub fn to_rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(18 + self.signer.wire_len() + self.signature.len());
        self.write_fields(&mut out);
        out.extend_from_slice(&self.signature);
        out
    }
}

/// Builds the octets an RRSIG signs (RFC 4034 §3.1.8.1):
/// `RRSIG_RDATA(without signature) ‖ RR(1) ‖ RR(2) …` with each RR in
/// canonical form (RFC 4034 §6.2), in canonical RDATA order, duplicates
/// removed, the TTL replaced by the RRSIG's original TTL and, for a
/// wildcard expansion or wildcard owner, the owner replaced by
/// `*.<rightmost Labels labels>` (RFC 4035 §5.3.2).
///
/// All records must share owner, class and type; `rrset` may be in any
/// order. Record RDATA must already be in canonical form, as Signet's
/// zone-file reader produces it.
pub fn signing_input(rrsig: &Rrsig, rrset: &[&Record]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        64 + rrset
            .iter()
            .map(|r| r.owner.wire_len() + 10 + r.rdata.len())
            .sum::<usize>(),
    );
    rrsig.write_fields(&mut out);
    let Some(first) = rrset.first() else {
        return out;
    };
    let owner = signing_owner(&first.owner, rrsig.labels);
    let mut sorted: Vec<&Record> = rrset.to_vec();
    sorted.sort_by(|a, b| a.rdata.cmp(&b.rdata));
    sorted.dedup_by(|a, b| a.rdata == b.rdata);
    for record in sorted {
        record.write_canonical(&mut out, &owner, rrsig.original_ttl);
    }
    out
}

/// The owner as it enters the signing input: lowercase, and reduced to
/// `*.` plus its rightmost `labels` labels when it has more than that.
pub fn signing_owner(owner: &Name, labels: u8) -> Name {
    let owner = if owner.is_lowercase() {
        owner.clone()
    } else {
        owner.to_lowercase()
    };
    let count = owner.label_count();
    let labels = usize::from(labels);
    if count <= labels {
        return owner;
    }
    let mut suffix = owner;
    for _ in 0..count - labels {
        suffix = match suffix.parent() {
            Some(parent) => parent,
            None => break,
        };
    }
    // A valid name cannot grow too long by replacing labels with `*`.
    suffix.prepend(b"*").unwrap_or(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Class;

    #[test]
    fn rdata_round_trip() {
        let rrsig = Rrsig {
            type_covered: Rtype::A,
            algorithm: 13,
            labels: 2,
            original_ttl: 3600,
            expiration: 1_700_000_000,
            inception: 1_690_000_000,
            key_tag: 12345,
            signer: "Example.".parse().unwrap(),
            signature: vec![1, 2, 3],
        };
        let back = Rrsig::from_rdata(&rrsig.to_rdata()).unwrap();
        assert_eq!(back.signer, "example.".parse().unwrap());
        assert_eq!(back.signature, vec![1, 2, 3]);
        assert_eq!(back.key_tag, 12345);
        assert!(matches!(Rrsig::from_rdata(&[0; 10]), Err(RrsigError::TooShort(10))));
    }

    #[test]
    fn wildcard_owner_in_signing_input() {
        let owner: Name = "a.b.example.".parse().unwrap();
        assert_eq!(signing_owner(&owner, 2).to_string(), "*.b.example.");
        assert_eq!(signing_owner(&owner, 3).to_string(), "a.b.example.");
        let wild: Name = "*.example.".parse().unwrap();
        assert_eq!(signing_owner(&wild, 1).to_string(), "*.example.");
    }

    #[test]
    fn input_sorts_and_dedups_rdata() {
        let owner: Name = "example.".parse().unwrap();
        let r1 = Record::new(owner.clone(), Class::IN, 300, Rtype::A, vec![192, 0, 2, 2]);
        let r2 = Record::new(owner.clone(), Class::IN, 300, Rtype::A, vec![192, 0, 2, 1]);
        let rrsig = Rrsig {
            type_covered: Rtype::A,
            algorithm: 13,
            labels: 1,
            original_ttl: 300,
            expiration: 2,
            inception: 1,
            key_tag: 1,
            signer: owner.clone(),
            signature: vec![],
        };
        let a = signing_input(&rrsig, &[&r1, &r2, &r1]);
        let b = signing_input(&rrsig, &[&r2, &r1]);
        assert_eq!(a, b);
        // fields (18 + 9 for "example.") then two RRs of 9 + 10 + 4 octets
        assert_eq!(a.len(), 18 + 9 + 2 * (9 + 10 + 4));
        assert_eq!(&a[a.len() - 4..], &[192, 0, 2, 2]);
    }
}
