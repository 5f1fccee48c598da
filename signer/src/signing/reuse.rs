//! Incremental re-signing: keep the signatures of a previous signed zone
//! that are still good, make new ones only where needed.
//!
//! A previous RRSIG is kept for an RRset when all of these hold:
//! * the RRset is the same: same owner, type, TTL and RDATA set;
//! * it was made by a key that is signing this RRset now (same key tag
//!   and algorithm, signer name the apex);
//! * its inception is not in the future, and it stays valid for longer
//!   than the refresh threshold after now;
//! * its RRset's moment in the re-signing schedule has not come round
//!   since it was made ([`Schedule`]).
//!
//! Denial records are rebuilt every run and go through the same rule, so
//! only the NSEC/NSEC3 records next to a change get new signatures.
//! Reused signatures are not verified again here: the `valid` guardrail
//! (or `signer verify`) checks the whole output.

use std::cell::Cell;
use std::cmp::Ordering;

use keybundles::time::from_serial;
use keybundles::{Name, Record, Rtype};

use super::schedule::{rrset_hash, Schedule};
use crate::keys::ZoneKey;
use crate::sort::{gallop, permute, stable_sorted_order};

/// The reusable signatures of a previously signed zone.
///
/// A sorted array searched by owner and type, not a hash map: a signed
/// TLD has millions of RRsets, and one allocation-free array sorted on all
/// cores (Signet's own output is nearly in this order already) costs a
/// fraction of the memory and time of a map of RRsets.
pub struct PreviousSignatures {
    /// Only RRsets that carry a signature by the apex, each as its records
    /// (sorted by RDATA) followed by its RRSIGs: sorted by [`group_cmp`].
    records: Vec<Record>,
    /// Only signatures valid for longer than this after `now` are kept.
    refresh: i64,
    now: i64,
    /// Signatures whose RRset's moment has come are made again.
    schedule: Schedule,
}

/// The type a record is grouped under: the type covered for an RRSIG.
fn group_type(record: &Record) -> Rtype {
    match record.rdata.get(..2) {
        Some(&[high, low]) if record.rtype == Rtype::RRSIG => Rtype(u16::from_be_bytes([high, low])),
        _ => record.rtype,
    }
}

/// Owner (canonical order), group type, the RRset before its RRSIGs,
/// then RDATA.
fn group_cmp(a: &Record, b: &Record) -> Ordering {
    a.owner
        .canonical_cmp(&b.owner)
        .then_with(|| group_type(a).cmp(&group_type(b)))
        .then_with(|| (a.rtype == Rtype::RRSIG).cmp(&(b.rtype == Rtype::RRSIG)))
        .then_with(|| a.rdata.cmp(&b.rdata))
}

/// True for an RRSIG whose signer name is `apex` (RDATA: 18 fixed octets,
/// then the signer name in uncompressed wire form; RFC 4034 §3.1).
fn signed_by(record: &Record, apex: &Name) -> bool {
    let apex = apex.as_wire();
    record.rtype == Rtype::RRSIG
        && record
            .rdata
            .get(18..18 + apex.len())
            .is_some_and(|signer| signer.eq_ignore_ascii_case(apex))
}

thread_local! {
    /// Where this thread's last [`PreviousSignatures::group`] lookup
    /// ended. A signing thread looks up the RRsets of a chunk in canonical
    /// order, so the next group is nearly always right there: a few
    /// comparisons instead of a binary search over millions of records
    /// (that search was a tenth of a re-signing's CPU time). Only a hint:
    /// a lookup before it searches the whole array.
    static NEXT_GROUP: Cell<usize> = const { Cell::new(0) };
}

impl PreviousSignatures {
    /// Indexes the records of a signed zone (in any order).
    pub fn new(
        mut records: Vec<Record>,
        apex: &Name,
        now: i64,
        refresh: i64,
        schedule: Schedule,
    ) -> PreviousSignatures {
        let mut order = stable_sorted_order(&records, group_cmp);
        permute(&mut records, &mut order);
        drop(order);
        // Keep only the groups with a signature by the apex: the (many)
        // unsigned RRsets — NS at delegations, glue — are never looked up.
        let mut keep = vec![false; records.len()];
        let mut start = 0;
        while start < records.len() {
            let end = start
                + records[start..]
                    .iter()
                    .take_while(|r| r.owner == records[start].owner && group_type(r) == group_type(&records[start]))
                    .count();
            let group = &records[start..end];
            if group.iter().any(|r| signed_by(r, apex)) {
                for (i, record) in group.iter().enumerate() {
                    keep[start + i] = record.rtype != Rtype::RRSIG || signed_by(record, apex);
                }
            }
            start = end;
        }
        let mut flags = keep.into_iter();
        records.retain(|_| flags.next().unwrap_or(false));
        records.shrink_to_fit();
        PreviousSignatures {
            records,
            refresh,
            now,
            schedule,
        }
    }

    /// The previous zone's records of the group (`owner`, `rtype`): the
    /// RRset, then the RRSIGs over it.
    fn group(&self, owner: &Name, rtype: Rtype) -> &[Record] {
        let key = |r: &Record| r.owner.canonical_cmp(owner).then_with(|| group_type(r).cmp(&rtype));
        let records = &self.records[..];
        let hint = NEXT_GROUP.with(Cell::get).min(records.len());
        let start = if hint == 0 || key(&records[hint - 1]) == Ordering::Less {
            // At or after where this thread's last lookup ended.
            hint + gallop(&records[hint..], |r| key(r) == Ordering::Less)
        } else {
            records.partition_point(|r| key(r) == Ordering::Less)
        };
        let len = gallop(&records[start..], |r| key(r) == Ordering::Equal);
        NEXT_GROUP.with(|next| next.set(start + len));
        &records[start..start + len]
    }

    /// A previous signature by `key` over `rrset` (sorted, deduplicated,
    /// one TTL) that may be kept, if there is one.
    pub fn reusable(&self, rrset: &[Record], key: &ZoneKey) -> Option<Record> {
        let first = rrset.first()?;
        let group = self.group(&first.owner, first.rtype);
        let data_len = group.iter().take_while(|r| r.rtype != Rtype::RRSIG).count();
        let (data, signatures) = group.split_at(data_len);
        if data.len() != rrset.len()
            || data
                .iter()
                .zip(rrset)
                .any(|(old, new)| old.ttl != first.ttl || old.rdata != new.rdata)
        {
            return None;
        }
        let tag = key.key_tag();
        let labels = first.owner.rrsig_labels();
        let hash = (self.schedule.cycle() > 0).then(|| rrset_hash(first.owner.as_wire(), first.rtype));
        signatures
            .iter()
            .find(|record| {
                let rdata = &record.rdata;
                let u32_at = |i: usize| u32::from_be_bytes([rdata[i], rdata[i + 1], rdata[i + 2], rdata[i + 3]]);
                // Signatures in the index are at least 18 octets and
                // signed by the apex (see `signed_by`).
                u16::from_be_bytes([rdata[16], rdata[17]]) == tag
                    && rdata[2] == key.dnskey.algorithm
                    && rdata[3] == labels
                    && u32_at(4) == first.ttl
                    && from_serial(u32_at(12), self.now) <= self.now
                    && from_serial(u32_at(8), self.now) - self.now > self.refresh
                    && !hash.is_some_and(|hash| self.schedule.is_due(hash, from_serial(u32_at(12), self.now)))
            })
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;
    use keybundles::algorithm::Algorithm;
    use keybundles::rrsig::{signing_input, Rrsig};
    use keybundles::time::to_serial;
    use keybundles::Class;

    /// Lookups in any order, each starting from wherever the one before
    /// ended, find the same groups as a fresh binary search.
    #[test]
    fn group_lookups_in_any_order_agree_with_binary_search() {
        let apex: Name = "example.".parse().unwrap();
        let names: Vec<Name> = (0..50).map(|i| format!("n{i:02}.example.").parse().unwrap()).collect();
        let mut records = Vec::new();
        for (i, owner) in names.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
            let rrsig = Rrsig {
                type_covered: Rtype::A,
                algorithm: 13,
                labels: 2,
                original_ttl: 300,
                expiration: 0,
                inception: 0,
                key_tag: 1,
                signer: apex.clone(),
                signature: vec![i as u8],
            };
            let rdata = rrsig.to_rdata();
            records.push(a(owner, i as u8));
            records.push(Record::new(owner.clone(), Class::IN, 300, Rtype::RRSIG, rdata));
        }
        let index = PreviousSignatures::new(records, &apex, 0, 0, Schedule::NONE);
        let expected = |owner: &Name| {
            let key = |r: &Record| r.owner.canonical_cmp(owner).then_with(|| group_type(r).cmp(&Rtype::A));
            let start = index.records.partition_point(|r| key(r) == Ordering::Less);
            let len = index.records[start..].partition_point(|r| key(r) == Ordering::Equal);
            (start, len)
        };
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.extend((0..names.len()).rev());
        order.extend((0..names.len()).map(|i| (i * 17) % names.len()));
        for i in order {
            let found = index.group(&names[i], Rtype::A);
            let (start, len) = expected(&names[i]);
            assert_eq!(found, &index.records[start..start + len], "{}", names[i]);
            assert_eq!(found.len(), if i % 3 == 0 { 0 } else { 2 }, "{}", names[i]);
        }
    }

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
            PreviousSignatures::new(records, &apex, now, 5 * day, Schedule::NONE)
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

        // Any order in the file, other names and types around it, and
        // unsigned RRsets (dropped from the index) change nothing.
        let glue = Record::new(
            "ns.www.example.".parse().unwrap(),
            Class::IN,
            300,
            Rtype::A,
            vec![192, 0, 2, 9],
        );
        let other_type = Record::new(owner.clone(), Class::IN, 300, Rtype::TXT, vec![1, b'x']);
        let shuffled = vec![
            glue,
            sig(now + 10 * day),
            rrset[1].clone(),
            other_type.clone(),
            a(&"a.example.".parse().unwrap(), 7),
            rrset[0].clone(),
        ];
        let index = PreviousSignatures::new(shuffled, &apex, now, 5 * day, Schedule::NONE);
        assert!(index.reusable(&rrset, &key).is_some(), "found in a shuffled zone");
        assert!(
            index.reusable(std::slice::from_ref(&other_type), &key).is_none(),
            "an unsigned RRset has nothing to keep"
        );
        let mut grown = rrset.clone();
        grown.push(a(&owner, 3));
        assert!(index.reusable(&grown, &key).is_none(), "a record added to the RRset");

        // A signature whose signer name is not the apex is never kept.
        let mut foreign = sig(now + 10 * day);
        let mut rrsig = Rrsig::from_rdata(&foreign.rdata).unwrap();
        rrsig.signer = "example.net.".parse().unwrap();
        foreign.rdata = rrsig.to_rdata().into();
        let mut records = rrset.clone();
        records.push(foreign);
        let index = PreviousSignatures::new(records, &apex, now, 5 * day, Schedule::NONE);
        assert!(index.reusable(&rrset, &key).is_none(), "signed by another zone");
    }
}
