//! The facts about a signed zone the guardrails compare: serial, counts,
//! and every signature's validity window, per RRset.

use std::cmp::Ordering;

use keybundles::dnskey::Dnskey;
use keybundles::time::from_serial;
use keybundles::{Name, Rtype};
use rayon::prelude::*;

use crate::verify::{NameKind, Node, ZoneView};

/// One signature's times and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigTimes {
    pub key_tag: u16,
    pub algorithm: u8,
    pub inception: i64,
    pub expiration: i64,
}

/// The signatures over one RRset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRRset {
    pub owner: Name,
    /// The type the signatures cover.
    pub rtype: Rtype,
    pub sigs: Vec<SigTimes>,
}

impl SignedRRset {
    /// Canonical order of owner, then type.
    fn cmp_key(&self, owner: &Name, rtype: Rtype) -> Ordering {
        self.owner.canonical_cmp(owner).then(self.rtype.cmp(&rtype))
    }
}

/// A signed zone, summarised.
#[derive(Debug, Clone, Default)]
pub struct ZoneFacts {
    pub serial: Option<u32>,
    /// Every record, signatures and denial records included.
    pub records: usize,
    /// Records the operator wrote: not RRSIG, NSEC, NSEC3, NSEC3PARAM,
    /// DNSKEY, CDS or CDNSKEY (those change with keys and denial mode).
    pub data_records: usize,
    /// Zone cuts below the apex.
    pub delegations: usize,
    pub signatures: usize,
    /// Signatures by (owner, type covered), in canonical order: a sorted
    /// array rather than a map, so that a million-delegation zone's are
    /// gathered on all cores and two zones' are compared by one walk.
    pub signed: Vec<SignedRRset>,
    /// The latest inception of any signature.
    pub max_inception: Option<i64>,
    /// The apex DNSKEY RRset.
    pub dnskeys: Vec<Dnskey>,
}

impl ZoneFacts {
    /// Summarises `view`, reading RRSIG serial times around `at`.
    pub fn of(view: &ZoneView, at: i64) -> ZoneFacts {
        let mut facts = ZoneFacts {
            records: view.record_count,
            ..ZoneFacts::default()
        };
        if let Some(apex) = view.apex() {
            facts.serial = apex
                .rrset(Rtype::SOA)
                .and_then(|s| s.records.first())
                .and_then(|r| soa_serial(&r.rdata));
            if let Some(keys) = apex.rrset(Rtype::DNSKEY) {
                facts.dnskeys = keys
                    .records
                    .iter()
                    .filter_map(|r| Dnskey::from_rdata(&r.rdata).ok())
                    .collect();
            }
        }
        let nodes = || view.nodes.par_iter().chain(view.nsec3_nodes.par_iter());
        let counts = nodes()
            .map(|node| {
                let data: usize = node
                    .rrsets
                    .iter()
                    .filter(|set| {
                        !(set.rtype.is_dnssec_generated()
                            || matches!(set.rtype, Rtype::DNSKEY | Rtype::CDS | Rtype::CDNSKEY))
                    })
                    .map(|set| set.records.len())
                    .sum();
                (data, usize::from(node.kind == NameKind::Delegation))
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        (facts.data_records, facts.delegations) = counts;
        // Each name's RRsets in type order; the tree's names and the NSEC3
        // owners are each in canonical order, and are merged by the sort.
        facts.signed = nodes().flat_map_iter(|node| signed_rrsets(node, at)).collect();
        facts.signed.par_sort_by(|a, b| a.cmp_key(&b.owner, b.rtype));
        facts.signatures = facts.signed.par_iter().map(|s| s.sigs.len()).sum();
        facts.max_inception = facts
            .signed
            .par_iter()
            .flat_map_iter(|s| s.sigs.iter().map(|t| t.inception))
            .max();
        facts
    }

    /// The signatures over `owner`'s `rtype` RRset, if it has any.
    pub fn get(&self, owner: &Name, rtype: Rtype) -> Option<&SignedRRset> {
        self.signed
            .binary_search_by(|s| s.cmp_key(owner, rtype))
            .ok()
            .map(|i| &self.signed[i])
    }

    /// Every signature.
    pub fn all_sigs(&self) -> impl Iterator<Item = &SigTimes> {
        self.signed.iter().flat_map(|s| &s.sigs)
    }

    /// The RRsets signed in both `self` and `other`, as pairs (this one's,
    /// the other's), found on all cores by walking both sorted arrays.
    pub fn in_common<'a>(&'a self, other: &'a ZoneFacts) -> Vec<(&'a SignedRRset, &'a SignedRRset)> {
        self.in_common_by(other, 4096)
    }

    /// [`Self::in_common`], each thread walking `chunk` RRsets of `self`.
    fn in_common_by<'a>(&'a self, other: &'a ZoneFacts, chunk: usize) -> Vec<(&'a SignedRRset, &'a SignedRRset)> {
        self.signed
            .par_chunks(chunk)
            .flat_map_iter(|chunk| {
                let start = chunk.first().map_or(0, |first| {
                    other
                        .signed
                        .partition_point(|s| s.cmp_key(&first.owner, first.rtype) == Ordering::Less)
                });
                let mut theirs = other.signed[start..].iter().peekable();
                chunk.iter().filter_map(move |mine| {
                    while let Some(next) = theirs.peek() {
                        match next.cmp_key(&mine.owner, mine.rtype) {
                            Ordering::Less => {
                                theirs.next();
                            }
                            Ordering::Equal => return theirs.next().map(|t| (mine, t)),
                            Ordering::Greater => return None,
                        }
                    }
                    None
                })
            })
            .collect()
    }

    /// The key tags in the DNSKEY RRset.
    pub fn key_tags(&self) -> Vec<u16> {
        self.dnskeys.iter().map(Dnskey::key_tag).collect()
    }
}

/// A name's signatures grouped by the type they cover, in type order.
fn signed_rrsets(node: &Node, at: i64) -> Vec<SignedRRset> {
    let mut out: Vec<SignedRRset> = Vec::new();
    for sig in &node.signatures {
        let times = SigTimes {
            key_tag: sig.rrsig.key_tag,
            algorithm: sig.rrsig.algorithm,
            inception: from_serial(sig.rrsig.inception, at),
            expiration: from_serial(sig.rrsig.expiration, at),
        };
        let rtype = sig.rrsig.type_covered;
        match out.iter_mut().find(|s| s.rtype == rtype) {
            Some(set) => set.sigs.push(times),
            None => out.push(SignedRRset {
                owner: node.name.clone(),
                rtype,
                sigs: vec![times],
            }),
        }
    }
    out.sort_by_key(|s| s.rtype);
    out
}

/// The serial of SOA RDATA (MNAME, RNAME, then SERIAL).
pub fn soa_serial(rdata: &[u8]) -> Option<u32> {
    let offset = soa_serial_offset(rdata)?;
    let b = rdata.get(offset..offset + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Where SOA RDATA's SERIAL field starts.
pub fn soa_serial_offset(rdata: &[u8]) -> Option<usize> {
    let (_, m) = Name::read_wire(rdata).ok()?;
    let (_, r) = Name::read_wire(rdata.get(m..)?).ok()?;
    (rdata.len() >= m + r + 20).then_some(m + r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rrset(owner: &str, rtype: Rtype, expiration: i64) -> SignedRRset {
        SignedRRset {
            owner: owner.parse().unwrap(),
            rtype,
            sigs: vec![SigTimes {
                key_tag: 1,
                algorithm: 13,
                inception: 0,
                expiration,
            }],
        }
    }

    fn facts(mut signed: Vec<SignedRRset>) -> ZoneFacts {
        signed.sort_by(|a, b| a.cmp_key(&b.owner, b.rtype));
        ZoneFacts {
            signed,
            ..ZoneFacts::default()
        }
    }

    /// The walk pairs exactly the RRsets a lookup of each would find,
    /// wherever the chunks start and end.
    #[test]
    fn in_common_finds_what_lookups_find() {
        let mut new = Vec::new();
        let mut old = Vec::new();
        for i in 0..200 {
            let owner = format!("d{i:03}.example.");
            if i % 3 != 0 {
                new.push(rrset(&owner, Rtype::DS, i));
            }
            if i % 5 != 0 {
                old.push(rrset(&owner, Rtype::DS, -i));
            }
            if i % 7 == 0 {
                new.push(rrset(&owner, Rtype::NSEC, i));
                old.push(rrset(&owner, Rtype::NSEC, i));
            }
            if i % 11 == 0 {
                old.push(rrset(&owner, Rtype::A, i));
            }
        }
        let (new, old) = (facts(new), facts(old));
        let expected: Vec<(Name, Rtype, i64)> = new
            .signed
            .iter()
            .filter(|s| old.get(&s.owner, s.rtype).is_some())
            .map(|s| {
                (
                    s.owner.clone(),
                    s.rtype,
                    old.get(&s.owner, s.rtype).unwrap().sigs[0].expiration,
                )
            })
            .collect();
        assert!(expected.len() > 50, "the test needs RRsets in common");
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let found: Vec<(Name, Rtype, i64)> = new
                .in_common_by(&old, chunk)
                .into_iter()
                .map(|(mine, theirs)| {
                    assert_eq!((&mine.owner, mine.rtype), (&theirs.owner, theirs.rtype));
                    (mine.owner.clone(), mine.rtype, theirs.sigs[0].expiration)
                })
                .collect();
            assert_eq!(found, expected, "chunks of {chunk}");
        }
    }

    /// A name's signatures are grouped by the type they cover, and the
    /// tree's names and NSEC3 owners end up in one canonical order.
    #[test]
    fn signed_rrsets_are_in_canonical_order() {
        use keybundles::zonefile::ZoneReader;
        let text = "$ORIGIN example.\n$TTL 300\n\
            @ SOA ns1 host 1 2 3 4 5\n\
            @ RRSIG SOA 13 1 300 20300101000000 20200101000000 1 example. AAAA\n\
            zz RRSIG A 13 2 300 20300101000000 20200101000000 1 example. AAAA\n\
            zz A 192.0.2.1\n\
            zz RRSIG A 13 2 300 20300101000000 20200101000000 2 example. AAAA\n\
            zz RRSIG TXT 13 2 300 20300101000000 20200101000000 1 example. AAAA\n\
            zz TXT x\n\
            0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 0 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A\n\
            0p9mhaveqvm6t7vbl5lop2u3t2rp3tom RRSIG NSEC3 13 2 300 20300101000000 20200101000000 1 example. AAAA\n";
        let origin: Name = "example.".parse().unwrap();
        let records: Vec<_> = ZoneReader::from_str(text, std::path::Path::new("t"), &origin)
            .map(|e| e.unwrap().record)
            .collect();
        let (view, _) = ZoneView::build(&origin, records);
        let facts = ZoneFacts::of(&view, 1_700_000_000);
        let keys: Vec<(String, Rtype, usize)> = facts
            .signed
            .iter()
            .map(|s| (s.owner.to_string(), s.rtype, s.sigs.len()))
            .collect();
        assert_eq!(
            keys,
            [
                ("example.".to_string(), Rtype::SOA, 1),
                ("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.".to_string(), Rtype::NSEC3, 1),
                ("zz.example.".to_string(), Rtype::A, 2),
                ("zz.example.".to_string(), Rtype::TXT, 1),
            ]
        );
        assert_eq!(facts.signatures, 5);
        assert!(facts.get(&"zz.example.".parse().unwrap(), Rtype::TXT).is_some());
        assert!(facts.get(&"zz.example.".parse().unwrap(), Rtype::NS).is_none());
    }
}
