//! Incremental re-signing: keep the signatures of a previous signed zone
//! that are still good, make new ones only where needed.
//!
//! A previous RRSIG is kept for an RRset when all of these hold:
//! * the RRset is the same: same owner, type, TTL and RDATA set;
//! * it was made by a key that is signing this RRset now (same key tag
//!   and algorithm, signer name the apex);
//! * its inception is not in the future, and it stays valid for longer
//!   than the refresh threshold after now.
//!
//! Denial records are rebuilt every run and go through the same rule, so
//! only the NSEC/NSEC3 records next to a change get new signatures.
//! Reused signatures are not verified again here: the `valid` guardrail
//! (or `signer verify`) checks the whole output.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use keybundles::rrsig::Rrsig;
use keybundles::time::from_serial;
use keybundles::{Name, Record, Rtype};

use crate::keys::ZoneKey;

/// One RRset of the previous zone and the signatures over it.
struct PreviousRrset {
    ttl: u32,
    /// Canonical RDATA, sorted and without duplicates.
    rdatas: Vec<keybundles::octets::Octets>,
    signatures: Vec<(Rrsig, Record)>,
}

/// The reusable signatures of a previously signed zone.
pub struct PreviousSignatures {
    /// Only RRsets that carry a signature by the apex are indexed. Fx, not
    /// SipHash: millions of owner names are looked up, and resistance to
    /// chosen collisions buys nothing against one's own signed zone.
    rrsets: FxHashMap<(Name, Rtype), PreviousRrset>,
    /// Only signatures valid for longer than this after `now` are kept.
    refresh: i64,
    now: i64,
}

impl PreviousSignatures {
    /// Indexes the records of a signed zone (in any order).
    pub fn new(records: Vec<Record>, apex: &Name, now: i64, refresh: i64) -> PreviousSignatures {
        let mut rrsets: FxHashMap<(Name, Rtype), PreviousRrset> = FxHashMap::default();
        // Signatures first, so that the (many) unsigned RRsets — NS at
        // delegations, glue — are never indexed.
        let (signatures, data): (Vec<Record>, Vec<Record>) =
            records.into_par_iter().partition(|r| r.rtype == Rtype::RRSIG);
        let parsed: Vec<(Rrsig, Record)> = signatures
            .into_par_iter()
            .filter_map(|record| {
                let rrsig = Rrsig::from_rdata(&record.rdata).ok()?;
                rrsig.signer.eq_ignore_case(apex).then_some((rrsig, record))
            })
            .collect();
        for (rrsig, record) in parsed {
            rrsets
                .entry((record.owner.clone(), rrsig.type_covered))
                .or_insert_with(|| PreviousRrset {
                    ttl: u32::MAX,
                    rdatas: Vec::new(),
                    signatures: Vec::new(),
                })
                .signatures
                .push((rrsig, record));
        }
        for record in data {
            if let Some(rrset) = rrsets.get_mut(&(record.owner, record.rtype)) {
                rrset.ttl = rrset.ttl.min(record.ttl);
                rrset.rdatas.push(record.rdata);
            }
        }
        rrsets.par_iter_mut().for_each(|(_, rrset)| {
            rrset.rdatas.sort();
            rrset.rdatas.dedup();
        });
        PreviousSignatures { rrsets, refresh, now }
    }

    /// A previous signature by `key` over `rrset` (sorted, deduplicated,
    /// one TTL) that may be kept, if there is one.
    pub fn reusable(&self, rrset: &[Record], key: &ZoneKey) -> Option<Record> {
        let first = rrset.first()?;
        let previous = self.rrsets.get(&(first.owner.clone(), first.rtype))?;
        if previous.ttl != first.ttl
            || previous.rdatas.len() != rrset.len()
            || previous.rdatas.iter().zip(rrset).any(|(a, b)| **a != *b.rdata)
        {
            return None;
        }
        let tag = key.key_tag();
        previous
            .signatures
            .iter()
            .find(|(rrsig, _)| {
                rrsig.key_tag == tag
                    && rrsig.algorithm == key.dnskey.algorithm
                    && rrsig.original_ttl == first.ttl
                    && rrsig.labels == first.owner.rrsig_labels()
                    && from_serial(rrsig.inception, self.now) <= self.now
                    && from_serial(rrsig.expiration, self.now) - self.now > self.refresh
            })
            .map(|(_, record)| record.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;
    use keybundles::algorithm::Algorithm;
    use keybundles::rrsig::signing_input;
    use keybundles::time::to_serial;
    use keybundles::Class;

    fn a(owner: &Name, last: u8) -> Record {
        Record::new(owner.clone(), Class::IN, 300, Rtype::A, vec![192, 0, 2, last])
    }

    #[test]
    fn keeps_only_fresh_signatures_over_unchanged_data_by_active_keys() {
        let dir = tempfile::tempdir().unwrap();
        let apex: Name = "example.".parse().unwrap();
        let make = |ksk| {
            let g = keys::generate(Algorithm::Ed25519, None, ksk).unwrap();
            keys::load(&keys::write_key_files(dir.path(), &apex, &g, 0).unwrap()).unwrap()
        };
        let (key, other) = (make(false), make(false));
        let owner: Name = "www.example.".parse().unwrap();
        let rrset = vec![a(&owner, 1), a(&owner, 2)];
        let now = 1_000_000;
        let sig = |expiration: i64| {
            let mut rrsig = Rrsig {
                type_covered: Rtype::A,
                algorithm: 15,
                labels: 2,
                original_ttl: 300,
                expiration: to_serial(expiration),
                inception: to_serial(now - 3600),
                key_tag: key.key_tag(),
                signer: apex.clone(),
                signature: vec![],
            };
            let refs: Vec<&Record> = rrset.iter().collect();
            rrsig.signature = key.signing.sign(&signing_input(&rrsig, &refs)).unwrap();
            Record::new(owner.clone(), Class::IN, 300, Rtype::RRSIG, rrsig.to_rdata())
        };
        let day = 86400;
        let previous = |expiration: i64, data: Vec<Record>| {
            let mut records = data;
            records.push(sig(expiration));
            PreviousSignatures::new(records, &apex, now, 5 * day)
        };
        let fresh = previous(now + 10 * day, rrset.clone());
        assert!(
            fresh.reusable(&rrset, &key).is_some(),
            "fresh signature over unchanged data is kept"
        );
        assert!(
            fresh.reusable(&rrset, &other).is_none(),
            "a different key must sign anew"
        );
        assert!(fresh.reusable(&rrset[..1], &key).is_none(), "changed RRset");
        let mut longer_ttl = rrset.clone();
        longer_ttl.iter_mut().for_each(|r| r.ttl = 600);
        assert!(fresh.reusable(&longer_ttl, &key).is_none(), "changed TTL");
        let due = previous(now + 4 * day, rrset.clone());
        assert!(due.reusable(&rrset, &key).is_none(), "due for refresh");
    }
}
