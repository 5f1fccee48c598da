//! Orders records the way signing and output need them.

use std::cmp::Ordering;

use keybundles::{Record, Rtype};
use rayon::slice::ParallelSliceMut;

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

/// The order that sorts `items` by `cmp`, stably, as indices: `order[i]`
/// is the index of the item that belongs at `i`. Sorted on all cores.
///
/// Sorting indices, not the records: the merge buffer stays small
/// (a merge sort of the records themselves would need one the size of the
/// zone), and a stable merge sort finishes in about one comparison per
/// record on the mostly sorted files registries export and Signet writes.
pub fn stable_sorted_order<T: Sync>(items: &[T], cmp: impl Fn(&T, &T) -> Ordering + Sync) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.par_sort_by(|&a, &b| cmp(&items[a], &items[b]));
    order
}

/// Rearranges `items` so that position `i` holds what was at `order[i]`,
/// in place, by following the permutation's cycles. `order` is used up.
pub fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}
