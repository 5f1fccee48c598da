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
#[derive(Default)]
struct Builder {
    /// In the order first seen; a name has a handful of types.
    rrsets: Vec<RRset>,
    signatures: Vec<Signature>,
}

impl Builder {
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
        let index = match self.rrsets.iter().position(|r| r.rtype == record.rtype) {
            Some(index) => index,
            None => {
                self.rrsets.push(RRset {
                    rtype: record.rtype,
                    class: record.class,
                    ttl: record.ttl,
                    records: Vec::new(),
                });
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
/// cores: the records are cut into pieces at owner boundaries.
fn nodes_of(mut records: Vec<Record>) -> (Vec<Node>, Vec<Failure>) {
    let pieces_wanted = rayon::current_num_threads() * 8;
    let mut pieces: Vec<Vec<Record>> = Vec::with_capacity(pieces_wanted + 1);
    while records.len() > 4096 && pieces.len() < pieces_wanted {
        let mut cut = records.len() - records.len() / (pieces_wanted - pieces.len()).max(2);
        while cut > 0 && records[cut].owner == records[cut - 1].owner {
            cut -= 1;
        }
        if cut == 0 {
            break;
        }
        pieces.push(records.split_off(cut));
    }
    pieces.push(records);
    pieces.reverse();
    let built: Vec<(Vec<Node>, Vec<Failure>)> = pieces
        .into_par_iter()
        .map(|piece| {
            let mut nodes = Vec::new();
            let mut failures = Vec::new();
            let mut current: Option<(Name, Builder)> = None;
            for record in piece {
                match &mut current {
                    Some((name, builder)) if record.owner.canonical_cmp(name) == Ordering::Equal => {
                        builder.add(record, &mut failures)
                    }
                    _ => {
                        if let Some((name, builder)) = current.take() {
                            nodes.push(builder.into_node(name, NameKind::Authoritative));
                        }
                        let mut builder = Builder::default();
                        let name = record.owner.clone();
                        builder.add(record, &mut failures);
                        current = Some((name, builder));
                    }
                }
            }
            if let Some((name, builder)) = current {
                nodes.push(builder.into_node(name, NameKind::Authoritative));
            }
            (nodes, failures)
        })
        .collect();
    let mut nodes = Vec::with_capacity(built.iter().map(|(n, _)| n.len()).sum());
    let mut failures = Vec::new();
    for (piece_nodes, piece_failures) in built {
        nodes.extend(piece_nodes);
        failures.extend(piece_failures);
    }
    (nodes, failures)
}
