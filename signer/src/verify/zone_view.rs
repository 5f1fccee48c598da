//! The signed zone, indexed for checking: names in canonical order, their
//! RRsets and signatures, zone cuts, occluded names and empty non-terminals.
//!
//! Deliberately independent of the signer's `zone` module (RFC 1034 §4.2.1
//! and RFC 4035 §2.2 read afresh): the verifier must not inherit the
//! signer's mistakes.

use std::collections::{HashMap, HashSet};

use keybundles::rrsig::Rrsig;
use keybundles::{Class, Name, Record, Rtype};
use rayon::slice::ParallelSliceMut;

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
    index: HashMap<Name, usize>,
    /// Owners of NSEC3 records, with the NSEC3 RRset and its signatures
    /// only (kept out of `nodes`: hashed owners are not names of the zone's
    /// tree), in canonical order, which is also hash order.
    pub nsec3_nodes: Vec<Node>,
    pub record_count: usize,
}

#[derive(Default)]
struct Builder {
    rrsets: HashMap<Rtype, RRset>,
    signatures: Vec<Signature>,
}

impl Builder {
    fn add(&mut self, record: Record, failures: &mut Vec<Failure>) {
        if record.rtype == Rtype::RRSIG {
            match Rrsig::from_rdata(&record.rdata) {
                Ok(rrsig) => self.signatures.push(Signature { record, rrsig }),
                Err(e) => failures.push(Failure::new(
                    &record.owner,
                    Rtype::RRSIG,
                    None,
                    Problem::BadRdata(e.to_string()),
                )),
            }
            return;
        }
        let rrset = self.rrsets.entry(record.rtype).or_insert_with(|| RRset {
            rtype: record.rtype,
            class: record.class,
            ttl: record.ttl,
            records: Vec::new(),
        });
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
        let mut rrsets: Vec<RRset> = self.rrsets.into_values().collect();
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
    pub fn build(origin: &Name, records: Vec<Record>) -> (ZoneView, Vec<Failure>) {
        let origin = origin.to_lowercase();
        let mut failures = Vec::new();
        let record_count = records.len();
        let class = records
            .iter()
            .find(|r| r.rtype == Rtype::SOA && r.owner.as_wire().eq_ignore_ascii_case(origin.as_wire()))
            .map_or(Class::IN, |r| r.class);

        let mut names: HashMap<Name, Builder> = HashMap::new();
        let mut hashed: HashMap<Name, Builder> = HashMap::new();
        for mut record in records {
            if !record.owner.is_lowercase() {
                record.owner = record.owner.to_lowercase();
            }
            if !record.owner.is_subdomain_of(&origin) {
                failures.push(Failure::new(
                    &record.owner,
                    record.rtype,
                    None,
                    Problem::OutOfZone(origin.clone()),
                ));
                continue;
            }
            if record.class != class {
                failures.push(Failure::new(
                    &record.owner,
                    record.rtype,
                    None,
                    Problem::WrongClass(record.class.0, class.0),
                ));
                continue;
            }
            let nsec3_side = record.rtype == Rtype::NSEC3
                || record.rtype == Rtype::RRSIG && record.rdata.get(..2) == Some(&Rtype::NSEC3.0.to_be_bytes()[..]);
            let map = if nsec3_side { &mut hashed } else { &mut names };
            map.entry(record.owner.clone()).or_default().add(record, &mut failures);
        }

        // Zone cuts: NS anywhere but the apex.
        let cuts: HashSet<Name> = names
            .iter()
            .filter(|(name, b)| **name != origin && b.rrsets.contains_key(&Rtype::NS))
            .map(|(name, _)| name.clone())
            .collect();
        let below_cut = |name: &Name| {
            let mut cur = name.parent();
            while let Some(n) = cur {
                if n.wire_len() <= origin.wire_len() {
                    break;
                }
                if cuts.contains(&n) {
                    return true;
                }
                cur = n.parent();
            }
            false
        };

        let mut nodes: Vec<Node> = Vec::with_capacity(names.len());
        for (name, builder) in names {
            let kind = if name == origin {
                NameKind::Apex
            } else if below_cut(&name) {
                NameKind::Occluded
            } else if cuts.contains(&name) {
                NameKind::Delegation
            } else {
                NameKind::Authoritative
            };
            nodes.push(builder.into_node(name, kind));
        }

        // Empty non-terminals: ancestors of names with data, up to the apex.
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
        nodes.extend(ents.into_iter().map(|name| Node {
            name,
            kind: NameKind::EmptyNonTerminal,
            rrsets: Vec::new(),
            signatures: Vec::new(),
        }));

        nodes.par_sort_by_cached_key(|n| n.name.canonical_sort_key());
        let index = nodes.iter().enumerate().map(|(i, n)| (n.name.clone(), i)).collect();

        let mut nsec3_nodes: Vec<Node> = hashed
            .into_iter()
            .map(|(name, b)| b.into_node(name, NameKind::Authoritative))
            .collect();
        nsec3_nodes.par_sort_by_cached_key(|n| n.name.canonical_sort_key());

        let view = ZoneView {
            origin,
            class,
            nodes,
            index,
            nsec3_nodes,
            record_count,
        };
        (view, failures)
    }

    /// The node of a name, if the name has records or is an ENT.
    pub fn node(&self, name: &Name) -> Option<&Node> {
        self.index.get(name).map(|&i| &self.nodes[i])
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
