//! One resource record, with RDATA kept in (canonical) wire form.
//!
//! Keeping RDATA as wire octets makes canonical ordering, duplicate removal
//! and the RRSIG signing input plain byte operations; presentation form is
//! produced only when a file is written (see [`crate::rdata`]).

use crate::name::Name;
use crate::octets::Octets;
use crate::rtype::{Class, Rtype};

/// A resource record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    pub owner: Name,
    pub class: Class,
    pub ttl: u32,
    pub rtype: Rtype,
    /// RDATA in uncompressed wire form. For the types of RFC 4034 §6.2 the
    /// embedded names are lowercase, so this is also the canonical form.
    pub rdata: Octets,
}

impl Record {
    pub fn new(owner: Name, class: Class, ttl: u32, rtype: Rtype, rdata: impl Into<Octets>) -> Record {
        Record {
            owner,
            class,
            ttl,
            rtype,
            rdata: rdata.into(),
        }
    }

    /// Appends the canonical wire form of this record as it appears in an
    /// RRSIG signing input (RFC 4034 §3.1.8.1, §6.2): lowercase owner (or
    /// the wildcard owner `*.closest-encloser` when `owner` is given), type,
    /// class, the *original* TTL, RDLENGTH and canonical RDATA.
    pub fn write_canonical(&self, out: &mut Vec<u8>, owner: &Name, original_ttl: u32) {
        out.extend_from_slice(owner.as_wire());
        out.extend_from_slice(&self.rtype.0.to_be_bytes());
        out.extend_from_slice(&self.class.0.to_be_bytes());
        out.extend_from_slice(&original_ttl.to_be_bytes());
        out.extend_from_slice(&(self.rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.rdata);
    }
}
