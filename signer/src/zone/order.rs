//! Orders records the way signing and output need them.

use std::cmp::Ordering;

use keybundles::{Record, Rtype};

/// Canonical order for signing: owner (RFC 4034 §6.1), then type, then
/// RDATA octets (§6.3). Records of one RRset end up next to each other.
pub fn canonical_record_cmp(a: &Record, b: &Record) -> Ordering {
    a.owner
        .canonical_cmp(&b.owner)
        .then(a.rtype.cmp(&b.rtype))
        .then_with(|| a.rdata.cmp(&b.rdata))
}

/// Order for output files: canonical owner order; at each name the SOA
/// first, then types by number, each RRset followed by its RRSIGs.
pub fn output_record_cmp(a: &Record, b: &Record) -> Ordering {
    a.owner
        .canonical_cmp(&b.owner)
        .then_with(|| output_rank(a).cmp(&output_rank(b)))
        .then_with(|| a.rdata.cmp(&b.rdata))
}

fn output_rank(record: &Record) -> (u32, bool) {
    let (rtype, is_sig) = if record.rtype == Rtype::RRSIG {
        let covered = record.rdata.get(..2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
        (Rtype(covered), true)
    } else {
        (record.rtype, false)
    };
    let rank = if rtype == Rtype::SOA { 0 } else { u32::from(rtype.0) + 1 };
    (rank, is_sig)
}
