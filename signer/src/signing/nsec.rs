//! The NSEC chain (RFC 4034 §4, RFC 4035 §2.3).

use keybundles::denial::Nsec;
use keybundles::{Class, Record, Rtype};

use super::layout::{Node, NodeKind};

/// One NSEC record per name that is not occluded, linking to the next in
/// canonical order and back from the last to the apex. Each lists the
/// types at its name plus RRSIG and NSEC (RFC 4035 §2.3).
pub fn build(records: &[Record], nodes: &[Node], ttl: u32) -> Vec<Record> {
    let chain: Vec<&Node> = nodes.iter().filter(|n| n.kind != NodeKind::Occluded).collect();
    let mut out = Vec::with_capacity(chain.len());
    for (i, node) in chain.iter().enumerate() {
        let next = chain[(i + 1) % chain.len()].owner(records).clone();
        let mut types = node.authoritative_types(records);
        types.extend([Rtype::RRSIG, Rtype::NSEC]);
        let owner = node.owner(records).clone();
        out.push(Record::new(
            owner,
            Class::IN,
            ttl,
            Rtype::NSEC,
            Nsec { next, types }.to_rdata(),
        ));
    }
    out
}
