//! The NSEC3 chain (RFC 5155 §7.1), with opt-out (§6) and empty
//! non-terminals.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashSet;

use rayon::prelude::*;

use keybundles::denial::Nsec3;
use keybundles::nsec3::{owner_for_hash, Nsec3Params, FLAG_OPT_OUT};
use keybundles::{Class, Name, Record, Rtype};

use super::layout::{Node, NodeKind};

/// Why an NSEC3 chain could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Nsec3Error {
    #[error("NSEC3 hash collision between {0} and {1}; sign with another salt (--salt) or use NSEC (RFC 5155 §7.1)")]
    Collision(Name, Name),
    #[error("the zone name {0} is too long to hold NSEC3 owner names (a 32-octet label must fit in 255 octets)")]
    ZoneNameTooLong(Name),
    #[error("the previous signed zone has an NSEC3 record at {0}, whose first label is not a base32hex SHA-1 hash")]
    NotHashed(Name),
}

/// Builds the NSEC3 records for the zone. Names in the chain: the apex,
/// authoritative names, delegations (with opt-out: only those with DS),
/// and every empty non-terminal above them. The apex lists NSEC3PARAM,
/// which the caller must add to the zone.
pub fn build(
    records: &[Record],
    nodes: &[Node],
    apex: &Name,
    params: &Nsec3Params,
    opt_out: bool,
    ttl: u32,
) -> Result<Vec<Record>, Nsec3Error> {
    let in_chain = |node: &&Node| in_chain(node, opt_out);
    // Hashing is the costly part (a million names in a big unsigned-
    // delegation-free zone): done on all threads.
    let mut entries: Vec<([u8; 20], Cow<'_, Name>, Vec<Rtype>)> = nodes
        .par_iter()
        .filter(in_chain)
        .map(|node| {
            let owner = node.owner(records);
            (params.hash(owner), Cow::Borrowed(owner), chain_types(records, node))
        })
        .collect();
    for name in empty_non_terminals(records, nodes, apex, in_chain) {
        entries.push((params.hash(&name), Cow::Owned(name), Vec::new()));
    }
    entries.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(Nsec3Error::Collision(
            pair[0].1.clone().into_owned(),
            pair[1].1.clone().into_owned(),
        ));
    }
    let flags = if opt_out { FLAG_OPT_OUT } else { 0 };
    (0..entries.len())
        .into_par_iter()
        .map(|i| {
            let (hash, _, types) = &entries[i];
            let next = entries[(i + 1) % entries.len()].0;
            let owner = owner_for_hash(hash, apex).map_err(|_| Nsec3Error::ZoneNameTooLong(apex.clone()))?;
            let rdata = Nsec3 {
                algorithm: params.algorithm,
                flags,
                iterations: params.iterations,
                salt: params.salt.clone(),
                next_hashed: next.to_vec(),
                types: types.clone(),
            }
            .to_rdata();
            Ok(Record::new(owner, Class::IN, ttl, Rtype::NSEC3, rdata))
        })
        .collect()
}

/// True when `node`'s name has an NSEC3 record: the apex, authoritative
/// names, and delegations (with opt-out, only those with DS).
pub fn in_chain(node: &Node, opt_out: bool) -> bool {
    match node.kind {
        NodeKind::Occluded => false,
        NodeKind::Delegation { has_ds } => has_ds || !opt_out,
        _ => true,
    }
}

/// The types the NSEC3 record of a name in the chain lists: its
/// authoritative types (at the apex the NSEC3PARAM the signer adds among
/// them), and RRSIG if any of them is signed.
pub fn chain_types(records: &[Record], node: &Node) -> Vec<Rtype> {
    let mut types = node.authoritative_types(records);
    let signed = match node.kind {
        NodeKind::Delegation { has_ds } => has_ds,
        _ => !types.is_empty(),
    };
    if signed {
        types.push(Rtype::RRSIG);
    }
    types
}

/// The empty non-terminals above the chain's names (RFC 5155 §7.1): the
/// ancestors, below the apex, that own no records.
fn empty_non_terminals(
    records: &[Record],
    nodes: &[Node],
    apex: &Name,
    in_chain: impl Fn(&&Node) -> bool,
) -> HashSet<Name> {
    // Only needed for names two or more labels below the apex: a TLD's
    // delegations never look it up, so it is built on first use.
    let existing: OnceCell<HashSet<&Name>> = OnceCell::new();
    let mut found = HashSet::new();
    for node in nodes.iter().filter(in_chain) {
        let mut ancestor = node.owner(records).parent();
        while let Some(name) = ancestor {
            if &name == apex || !name.is_subdomain_of(apex) {
                break;
            }
            if existing
                .get_or_init(|| nodes.iter().map(|n| n.owner(records)).collect())
                .contains(&name)
            {
                break;
            }
            ancestor = name.parent();
            found.insert(name);
        }
    }
    found
}
