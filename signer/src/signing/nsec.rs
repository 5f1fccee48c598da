//! The NSEC chain (RFC 4034 §4, RFC 4035 §2.3).

use keybundles::denial::Nsec;
use keybundles::{Class, Record, Rtype};

use super::layout::{Node, NodeKind};

/// The NSEC record of `nodes[index]` (which must not be occluded): it
/// links to the next name in canonical order that is not occluded, the
/// last one back to the apex, and lists the types at its name plus RRSIG
/// and NSEC. Built one node at a time so a whole chain is never held in
/// memory.
pub fn record_for(records: &[Record], nodes: &[Node], index: usize, ttl: u32) -> Record {
    let next = nodes[index + 1..]
        .iter()
        .find(|n| n.kind != NodeKind::Occluded)
        .unwrap_or(&nodes[0])
        .owner(records)
        .clone();
    let node = &nodes[index];
    let mut types = node.authoritative_types(records);
    types.extend([Rtype::RRSIG, Rtype::NSEC]);
    Record::new(
        node.owner(records).clone(),
        Class::IN,
        ttl,
        Rtype::NSEC,
        Nsec { next, types }.to_rdata(),
    )
}
