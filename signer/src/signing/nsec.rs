//! The NSEC chain (RFC 4034 §4, RFC 4035 §2.3).

use std::cmp::Ordering;

use keybundles::denial::Nsec;
use keybundles::{Class, Name, Record, Rtype};

use super::layout::{Node, NodeKind};

/// The NSEC record of `nodes[index]` (which must not be occluded): it
/// links to the next name in canonical order that is not occluded, the
/// last one back to the apex, and lists the types at its name plus RRSIG
/// and NSEC. Built one node at a time so a whole chain is never held in
/// memory.
///
/// `bounds` is empty when `nodes` is a whole zone. When they are only the
/// stretches of a zone around some changes (see `changes`), `bounds`
/// holds, for each stretch but one that runs to the end of the zone, the
/// name that follows it in the zone, in canonical order: the last name of
/// a stretch links to that.
pub fn record_for(records: &[Record], nodes: &[Node], index: usize, ttl: u32, bounds: &[Name]) -> Record {
    let node = &nodes[index];
    let owner = node.owner(records);
    let following = nodes[index + 1..].iter().find(|n| n.kind != NodeKind::Occluded);
    let bound = bounds
        .get(bounds.partition_point(|b| b.canonical_cmp(owner) != Ordering::Greater))
        .filter(|bound| following.is_none_or(|n| n.owner(records).canonical_cmp(bound) != Ordering::Less));
    let next = match (bound, following) {
        (Some(bound), _) => bound.clone(),
        (None, Some(n)) => n.owner(records).clone(),
        (None, None) => nodes[0].owner(records).clone(),
    };
    let mut types = node.authoritative_types(records);
    types.extend([Rtype::RRSIG, Rtype::NSEC]);
    Record::new(
        owner.clone(),
        Class::IN,
        ttl,
        Rtype::NSEC,
        Nsec { next, types }.to_rdata(),
    )
}
