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

/// Record indices where about `pieces` stretches start, each at a new
/// owner name, then `records.len()`: how sorted records are cut to be
/// worked on all cores a stretch of names each.
pub fn owner_starts(records: &[Record], pieces: usize) -> Vec<usize> {
    let step = (records.len() / pieces.max(1)).max(1);
    let mut starts = vec![0];
    let mut at = step;
    while at < records.len() {
        let owner = &records[at - 1].owner;
        at += records[at..].iter().take_while(|r| &r.owner == owner).count();
        if at < records.len() {
            starts.push(at);
        }
        at += step;
    }
    starts.push(records.len());
    starts
}
