//! The NSEC3 chain (RFC 5155 §7.1), with opt-out (§6) and empty
//! non-terminals.

use std::collections::HashSet;

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
    let in_chain = |node: &&Node| match node.kind {
        NodeKind::Occluded => false,
        NodeKind::Delegation { has_ds } => has_ds || !opt_out,
        _ => true,
    };
    let existing: HashSet<&Name> = nodes.iter().map(|n| n.owner(records)).collect();
    // (hash, original name, types)
    let mut entries: Vec<([u8; 20], Name, Vec<Rtype>)> = Vec::new();
    let mut empty_non_terminals: HashSet<Name> = HashSet::new();
    for node in nodes.iter().filter(in_chain) {
        let owner = node.owner(records);
        let mut types = node.authoritative_types(records);
        let signed = match node.kind {
            NodeKind::Delegation { has_ds } => has_ds,
            _ => !types.is_empty(),
        };
        if signed {
            types.push(Rtype::RRSIG);
        }
        entries.push((params.hash(owner), owner.clone(), types));
        let mut ancestor = owner.parent();
        while let Some(name) = ancestor {
            if &name == apex || !name.is_subdomain_of(apex) || existing.contains(&name) {
                break;
            }
            ancestor = name.parent();
            empty_non_terminals.insert(name);
        }
    }
    for name in empty_non_terminals {
        entries.push((params.hash(&name), name, Vec::new()));
    }
    entries.sort_by_key(|e| e.0);
    for pair in entries.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(Nsec3Error::Collision(pair[0].1.clone(), pair[1].1.clone()));
        }
    }
    let flags = if opt_out { FLAG_OPT_OUT } else { 0 };
    let mut out = Vec::with_capacity(entries.len());
    for (i, (hash, _, types)) in entries.iter().enumerate() {
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
        out.push(Record::new(owner, Class::IN, ttl, Rtype::NSEC3, rdata));
    }
    Ok(out)
}
