//! The signed zone, indexed for checking: names in canonical order, their
//! RRsets and signatures, zone cuts, occluded names and empty non-terminals.
//!
//! Deliberately independent of the signer's `zone` module (RFC 1034 §4.2.1
//! and RFC 4035 §2.2 read afresh): the verifier must not inherit the
//! signer's mistakes.

use std::cmp::Ordering;
use std::collections::HashSet;

use keybundles::rrsig::Rrsig;
use keybundles::{Class, Name, Record, Rtype};
use rayon::prelude::*;

use crate::sort::{permute, stable_sorted_order};

use super::{Failure, Problem};

/// What a name is, as far as this zone is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// The zone apex.
    Apex,
    /// An ordinary name the zone is authoritative for.
    Authoritative,
    /// A zone cut: NS below the apex. Only DS (and NSEC) here are the
    /// zone's own data.
    Delegation,
    /// Below a zone cut: glue or occluded data, never signed nor in a chain.
    Occluded,
    /// No records of its own (none but stray denial records) but names
    /// with data below it (RFC 5155 §7.1 empty non-terminal).
    EmptyNonTerminal,
}

/// The records of one type at one name.
#[derive(Debug, Clone)]
pub struct RRset {
    pub rtype: Rtype,
    pub class: Class,
    pub ttl: u32,
    /// Distinct records (duplicates removed).
    pub records: Vec<Record>,
}

impl RRset {
    /// An RRset with no records yet, of `record`'s type, class and TTL.
    fn empty_like(record: &Record) -> RRset {
        RRset {
            rtype: record.rtype,
            class: record.class,
            ttl: record.ttl,
            records: Vec::new(),
        }
    }
}

/// One RRSIG record with its RDATA decoded.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The RRSIG record: owner, class, TTL. Its RDATA is in `rrsig` and
    /// not kept here too (a signed TLD has millions of signatures).
    pub record: Record,
    pub rrsig: Rrsig,
}

/// A name and what is at it.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: Name,
    pub kind: NameKind,
    /// Sorted by type; never RRSIG.
    pub rrsets: Vec<RRset>,
    pub signatures: Vec<Signature>,
}

impl Node {
    pub fn rrset(&self, rtype: Rtype) -> Option<&RRset> {
        self.rrsets
            .binary_search_by(|r| r.rtype.cmp(&rtype))
            .ok()
            .map(|i| &self.rrsets[i])
    }

    /// True when the name has data other than denial-of-existence records.
    pub fn has_data(&self) -> bool {
        self.rrsets.iter().any(|r| r.rtype != Rtype::NSEC)
    }

    /// True when the zone is authoritative for `rtype` at this name, so an
    /// RRset of that type must be signed (RFC 4035 §2.2).
    pub fn is_authoritative_for(&self, rtype: Rtype) -> bool {
        match self.kind {
            NameKind::Apex | NameKind::Authoritative => true,
            NameKind::Delegation => rtype == Rtype::DS || rtype == Rtype::NSEC,
            NameKind::Occluded | NameKind::EmptyNonTerminal => false,
        }
    }

    /// The types a denial record at this name must list, denial records
    /// and RRSIG aside: everything at an ordinary name; NS and DS at a
    /// delegation (RFC 4035 §2.3); nothing elsewhere.
    pub fn authoritative_types(&self) -> Vec<Rtype> {
        let types = self.rrsets.iter().map(|r| r.rtype).filter(|&t| t != Rtype::NSEC);
        match self.kind {
            NameKind::Apex | NameKind::Authoritative => types.collect(),
            NameKind::Delegation => types.filter(|&t| t == Rtype::NS || t == Rtype::DS).collect(),
            NameKind::Occluded | NameKind::EmptyNonTerminal => Vec::new(),
        }
    }
}

/// The zone, indexed.
#[derive(Debug, Clone)]
pub struct ZoneView {
    pub origin: Name,
    pub class: Class,
    /// Every name with records, plus empty non-terminals, in canonical order.
    pub nodes: Vec<Node>,
    /// Owners of NSEC3 records, with the NSEC3 RRset and its signatures
    /// only (kept out of `nodes`: hashed owners are not names of the zone's
    /// tree), in canonical order, which is also hash order.
    pub nsec3_nodes: Vec<Node>,
    pub record_count: usize,
}

/// The records of one name being gathered into a [`Node`].
struct Builder {
    /// In the order first seen; a name has a handful of types.
    rrsets: Vec<RRset>,
    signatures: Vec<Signature>,
}

impl Builder {
    /// A builder whose vectors are sized for exactly `records` (the
    /// records of one name): a signed TLD has millions of one-record
    /// RRsets, and a vector's first growth step would hold four, which
    /// made the index of a 1 M-delegation zone twice the size it needs.
    fn for_records(records: &[Record]) -> Builder {
        let mut rrsets: Vec<RRset> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut signatures = 0;
        for record in records {
            if record.rtype == Rtype::RRSIG {
                signatures += 1;
            } else if let Some(i) = rrsets.iter().position(|r| r.rtype == record.rtype) {
                counts[i] += 1;
            } else {
                rrsets.push(RRset::empty_like(record));
                counts.push(1);
            }
        }
        for (rrset, count) in rrsets.iter_mut().zip(counts) {
            rrset.records.reserve_exact(count);
        }
        rrsets.shrink_to_fit();
        Builder {
            rrsets,
            signatures: Vec::with_capacity(signatures),
        }
    }

    /// Adds a record of the name (one of those it was sized for).
    fn add(&mut self, mut record: Record, failures: &mut Vec<Failure>) {
        if record.rtype == Rtype::RRSIG {
            match Rrsig::from_rdata(&record.rdata) {
                Ok(rrsig) => {
                    record.rdata = Default::default();
                    self.signatures.push(Signature { record, rrsig })
                }
                Err(e) => failures.push(Failure::new(
                    &record.owner,
                    Rtype::RRSIG,
                    None,
                    Problem::BadRdata(e.to_string()),
                )),
            }
            return;
        }
        // for_records made an RRset for every type it was shown; a type
        // it was not shown still gets one, only not sized in advance.
        let index = match self.rrsets.iter().position(|r| r.rtype == record.rtype) {
            Some(index) => index,
            None => {
                self.rrsets.push(RRset::empty_like(&record));
                self.rrsets.len() - 1
            }
        };
        let rrset = &mut self.rrsets[index];
        if record.ttl != rrset.ttl {
            failures.push(Failure::new(
                &record.owner,
                record.rtype,
                None,
                Problem::MixedTtls(rrset.ttl, record.ttl),
            ));
        }
        if !rrset.records.iter().any(|r| r.rdata == record.rdata) {
            rrset.records.push(record);
        }
    }

    fn into_node(self, name: Name, kind: NameKind) -> Node {
        let mut rrsets = self.rrsets;
        rrsets.sort_by_key(|r| r.rtype);
        Node {
            name,
            kind,
            rrsets,
            signatures: self.signatures,
        }
    }
}

impl ZoneView {
    /// Indexes the records of a zone. Records outside the zone or of
    /// another class than the apex SOA's, malformed RRSIGs and mixed TTLs
    /// are returned as failures.
    pub fn build(origin: &Name, mut records: Vec<Record>) -> (ZoneView, Vec<Failure>) {
        let origin = origin.to_lowercase();
        let mut failures = Vec::new();
        let record_count = records.len();
        let class = records
            .iter()
            .find(|r| r.rtype == Rtype::SOA && r.owner.as_wire().eq_ignore_ascii_case(origin.as_wire()))
            .map_or(Class::IN, |r| r.class);

        records.par_iter_mut().for_each(|record| {
            if !record.owner.is_lowercase() {
                record.owner = record.owner.to_lowercase();
            }
        });
        records.retain(|record| {
            let problem = if !record.owner.is_subdomain_of(&origin) {
                Problem::OutOfZone(origin.clone())
            } else if record.class != class {
                Problem::WrongClass(record.class.0, class.0)
            } else {
                return true;
            };
            failures.push(Failure::new(&record.owner, record.rtype, None, problem));
            false
        });

        // The names of the zone's tree, then the hashed NSEC3 owners, each
        // in canonical order; records of a name keep the order they came in.
        let nsec3_side = |record: &Record| {
            record.rtype == Rtype::NSEC3
                || record.rtype == Rtype::RRSIG && record.rdata.get(..2) == Some(&Rtype::NSEC3.0.to_be_bytes()[..])
        };
        let mut order = stable_sorted_order(&records, |a, b| {
            nsec3_side(a)
                .cmp(&nsec3_side(b))
                .then_with(|| a.owner.canonical_cmp(&b.owner))
        });
        permute(&mut records, &mut order);
        drop(order);
        let hashed = records.split_off(records.partition_point(|r| !nsec3_side(r)));
        let (mut nodes, node_failures) = nodes_of(records);
        let (nsec3_nodes, nsec3_failures) = nodes_of(hashed);
        failures.extend(node_failures);
        failures.extend(nsec3_failures);

        // Zone cuts: NS anywhere but the apex. In canonical order every
        // name below a name follows it directly, so one pass finds what
        // lies below a cut (occluded, RFC 4035 §2.2).
        let mut cut: Option<Name> = None;
        for node in nodes.iter_mut() {
            if cut
                .as_ref()
                .is_some_and(|c| node.name.is_subdomain_of(c) && node.name != *c)
            {
                node.kind = NameKind::Occluded;
                continue;
            }
            cut = None;
            node.kind = if node.name == origin {
                NameKind::Apex
            } else if node.rrset(Rtype::NS).is_some() {
                cut = Some(node.name.clone());
                NameKind::Delegation
            } else {
                NameKind::Authoritative
            };
        }

        // Empty non-terminals: ancestors of names with data, up to the apex
        // (none where every such name is a child of the apex, as in a TLD).
        let origin_labels = origin.label_count();
        let deep = |n: &Node| n.kind != NameKind::Occluded && n.has_data() && n.name.label_count() > origin_labels + 1;
        if nodes.par_iter().any(deep) {
            let with_data: HashSet<&Name> = nodes
                .iter()
                .filter(|n| n.kind != NameKind::Occluded && n.has_data())
                .map(|n| &n.name)
                .collect();
            let mut ents: HashSet<Name> = HashSet::new();
            for name in &with_data {
                let mut cur = name.parent();
                while let Some(n) = cur {
                    if n.wire_len() <= origin.wire_len() || with_data.contains(&n) || ents.contains(&n) {
                        break;
                    }
                    cur = n.parent();
                    ents.insert(n);
                }
            }
            drop(with_data);
            for node in nodes.iter_mut() {
                if ents.remove(&node.name) {
                    node.kind = NameKind::EmptyNonTerminal;
                }
            }
            if !ents.is_empty() {
                nodes.extend(ents.into_iter().map(|name| Node {
                    name,
                    kind: NameKind::EmptyNonTerminal,
                    rrsets: Vec::new(),
                    signatures: Vec::new(),
                }));
                nodes.par_sort_by(|a, b| a.name.canonical_cmp(&b.name));
            }
        }

        let view = ZoneView {
            origin,
            class,
            nodes,
            nsec3_nodes,
            record_count,
        };
        (view, failures)
    }

    /// The node of a name, if the name has records or is an ENT.
    pub fn node(&self, name: &Name) -> Option<&Node> {
        let i = self.nodes.binary_search_by(|n| n.name.canonical_cmp(name)).ok()?;
        Some(&self.nodes[i])
    }

    pub fn apex(&self) -> Option<&Node> {
        self.node(&self.origin)
    }

    /// The apex SOA's TTL and MINIMUM, which set NSEC/NSEC3 TTLs.
    pub fn soa_ttls(&self) -> Option<(u32, u32)> {
        let soa = self.apex()?.rrset(Rtype::SOA)?;
        let minimum = super::rdata::soa_minimum(&soa.records.first()?.rdata)?;
        Some((soa.ttl, minimum))
    }
}

/// Gathers records sorted by owner into one node per owner name (kind
/// [`NameKind::Authoritative`] until the caller knows better), on all
/// cores: the records are cut into pieces at owner boundaries, and moved
/// out of the array in place (no copy of the array per piece).
fn nodes_of(mut records: Vec<Record>) -> (Vec<Node>, Vec<Failure>) {
    let pieces_wanted = rayon::current_num_threads() * 8;
    let mut cuts = vec![0];
    for k in 1..pieces_wanted {
        let mut cut = records.len() * k / pieces_wanted;
        while cut > 0 && cut < records.len() && records[cut].owner == records[cut - 1].owner {
            cut -= 1;
        }
        if cut > *cuts.last().unwrap_or(&0) {
            cuts.push(cut);
        }
    }
    let mut pieces: Vec<&mut [Record]> = Vec::with_capacity(cuts.len());
    let mut rest: &mut [Record] = &mut records;
    let mut start = 0;
    for &cut in cuts.iter().skip(1) {
        let (piece, tail) = rest.split_at_mut(cut - start);
        pieces.push(piece);
        rest = tail;
        start = cut;
    }
    pieces.push(rest);

    let built: Vec<(Vec<Node>, Vec<Failure>)> = pieces
        .into_par_iter()
        .map(|piece| {
            let mut nodes = Vec::new();
            let mut failures = Vec::new();
            let mut first = 0;
            while first < piece.len() {
                let owner = &piece[first].owner;
                let end = first
                    + piece[first..]
                        .iter()
                        .position(|r| r.owner.canonical_cmp(owner) != Ordering::Equal)
                        .unwrap_or(piece.len() - first);
                let name = piece[first].owner.clone();
                let mut builder = Builder::for_records(&piece[first..end]);
                for record in &mut piece[first..end] {
                    builder.add(std::mem::replace(record, placeholder()), &mut failures);
                }
                nodes.push(builder.into_node(name, NameKind::Authoritative));
                first = end;
            }
            (nodes, failures)
        })
        .collect();
    drop(records);
    let mut nodes = Vec::with_capacity(built.iter().map(|(n, _)| n.len()).sum());
    let mut failures = Vec::new();
    for (piece_nodes, piece_failures) in built {
        nodes.extend(piece_nodes);
        failures.extend(piece_failures);
    }
    (nodes, failures)
}

/// What a record moved into a node leaves behind: nothing on the heap.
fn placeholder() -> Record {
    Record::new(
        Name::root(),
        Class::IN,
        0,
        Rtype(0),
        keybundles::octets::Octets::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(owner: &str, ttl: u32, rtype: Rtype, rdata: &[u8]) -> Record {
        let owner = Name::parse(owner, None).expect("test name");
        Record::new(owner, Class::IN, ttl, rtype, rdata.to_vec())
    }

    /// Enough names that the records are cut into many pieces, with one
    /// to four records per name so cut points land inside names; every
    /// name must come out whole, once, with vectors of exactly its size.
    #[test]
    fn nodes_are_whole_across_piece_cuts_and_sized_exactly() {
        let mut records = Vec::new();
        let mut expected = Vec::new();
        for i in 0..5_000u32 {
            let owner = format!("n{i:05}.example.");
            let per_name = 1 + (i % 4) as usize;
            for j in 0..per_name {
                let rtype = if j < 2 { Rtype::A } else { Rtype::TXT };
                records.push(record(&owner, 300, rtype, &[10, 0, (i % 250) as u8, j as u8]));
            }
            expected.push((owner, per_name));
        }
        // A duplicate A record and a second TTL at the last name.
        records.push(record("n04999.example.", 300, Rtype::A, &[10, 0, 249, 0]));
        records.push(record("n04999.example.", 60, Rtype::A, &[10, 0, 249, 9]));

        let (nodes, failures) = nodes_of(records);

        assert_eq!(nodes.len(), expected.len());
        for (node, (owner, per_name)) in nodes.iter().zip(&expected) {
            assert_eq!(node.name, Name::parse(owner, None).expect("test name"));
            let total: usize = node.rrsets.iter().map(|r| r.records.len()).sum();
            let extra = usize::from(owner == "n04999.example.");
            assert_eq!(total, per_name + extra, "{owner}");
            for rrset in &node.rrsets {
                // The duplicate was counted when sizing, then dropped.
                let slack = usize::from(extra == 1 && rrset.rtype == Rtype::A);
                assert_eq!(rrset.records.capacity(), rrset.records.len() + slack, "{owner}");
            }
        }
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(matches!(failures[0].problem, Problem::MixedTtls(300, 60)));
    }
}
