//! Which keys sign which RRsets.
//!
//! Per algorithm (RFC 4035 §2.2 wants every RRset signed by each
//! algorithm in the DNSKEY set): the DNSKEY, CDS and CDNSKEY RRsets are
//! signed by that algorithm's KSKs (flags 257), everything else by its
//! ZSKs (flags 256). An algorithm with only KSKs signs everything with
//! them (a CSK); one with only ZSKs signs the DNSKEY set with them too.

use keybundles::Rtype;

use crate::keys::ZoneKey;

/// Key indices for the two kinds of RRset.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    pub key_set_signers: Vec<usize>,
    pub data_signers: Vec<usize>,
}

impl Roles {
    pub fn new(keys: &[ZoneKey]) -> Roles {
        let mut roles = Roles::default();
        let mut algorithms: Vec<u8> = keys.iter().map(|k| k.dnskey.algorithm).collect();
        algorithms.sort_unstable();
        algorithms.dedup();
        for alg in algorithms {
            let of = |sep: bool| -> Vec<usize> {
                keys.iter()
                    .enumerate()
                    .filter(|(_, k)| k.dnskey.algorithm == alg && k.is_ksk() == sep)
                    .map(|(i, _)| i)
                    .collect()
            };
            let (ksks, zsks) = (of(true), of(false));
            roles
                .key_set_signers
                .extend(if ksks.is_empty() { &zsks } else { &ksks });
            roles.data_signers.extend(if zsks.is_empty() { &ksks } else { &zsks });
        }
        roles
    }

    /// The keys that sign an RRset of type `rtype`.
    pub fn signers(&self, rtype: Rtype) -> &[usize] {
        if matches!(rtype, Rtype::DNSKEY | Rtype::CDS | Rtype::CDNSKEY) {
            &self.key_set_signers
        } else {
            &self.data_signers
        }
    }
}
