//! Sorting the millions of records of a zone by index: generic helpers
//! the zone loader, the signature reuse index and the verifier each use
//! with their own ordering.

use std::cmp::Ordering;

use rayon::prelude::*;

/// Input whose sorted runs are this long on average has them merged;
/// shorter, and it is sorted from scratch.
const MIN_AVERAGE_RUN: usize = 8;

/// The order that sorts `items` by `cmp`, stably, as indices: `order[i]`
/// is the index of the item that belongs at `i`. Sorted on all cores.
///
/// Sorting indices, not the records: the merge buffer stays small
/// (a merge sort of the records themselves would need one the size of the
/// zone).
///
/// One parallel pass of comparisons finds where the input steps down.
/// Input already in order — Signet's own output, and many registries'
/// exports — is not sorted at all. Input made of long sorted runs (a file
/// in order but for its apex glue, or with each DS written after the
/// delegation's glue) has its runs merged, galloping over the long
/// stretches that need no comparing. Anything else is sorted by rayon's
/// parallel merge sort.
pub fn stable_sorted_order<T: Sync>(items: &[T], cmp: impl Fn(&T, &T) -> Ordering + Sync) -> Vec<usize> {
    let descents: Vec<usize> = (1..items.len())
        .into_par_iter()
        .filter(|&i| cmp(&items[i - 1], &items[i]) == Ordering::Greater)
        .collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    if descents.is_empty() {
        return order;
    }
    if descents.len().saturating_mul(MIN_AVERAGE_RUN) <= items.len() {
        let bounds: Vec<usize> = std::iter::once(0)
            .chain(descents)
            .chain(std::iter::once(items.len()))
            .collect();
        merge_runs(items, &mut order, &bounds, &cmp);
        return order;
    }
    order.par_sort_by(|&a, &b| cmp(&items[a], &items[b]));
    order
}

/// Sorts `order`, whose sorted runs start at `bounds` (absolute positions:
/// `order` starts at `bounds[0]` and ends at the last bound), by merging
/// the two halves' runs in parallel, then the halves.
///
/// Only where the halves overlap is merged: the head of the left half that
/// goes before all of the right, and the tail of the right half that goes
/// after all of the left, stay where they are. A zone in order but for a
/// DS after each delegation's glue has tens of thousands of runs whose
/// overlaps are a few records each, so merging moves a few records, not
/// the whole zone once per level of the merge tree.
fn merge_runs<T: Sync>(items: &[T], order: &mut [usize], bounds: &[usize], cmp: &(impl Fn(&T, &T) -> Ordering + Sync)) {
    if bounds.len() <= 2 {
        return;
    }
    let middle = bounds.len() / 2;
    let split = bounds[middle] - bounds[0];
    let (left, right) = order.split_at_mut(split);
    rayon::join(
        || merge_runs(items, left, &bounds[..=middle], cmp),
        || merge_runs(items, right, &bounds[middle..], cmp),
    );
    let (Some(&first_right), Some(&last_left)) = (right.first(), left.last()) else {
        return;
    };
    // Ties go to the left half (stability). Overlaps are mostly short, so
    // both ends are found by galloping from the split, not by bisection.
    let head = left.len() - stretch_back(left, |&x| cmp(&items[x], &items[first_right]) == Ordering::Greater);
    let tail = gallop(right, |&y| cmp(&items[y], &items[last_left]) == Ordering::Less);
    let merged = merge_two(items, &left[head..], &right[..tail], cmp);
    order[head..split + tail].copy_from_slice(&merged);
}

/// Merges two sorted runs of indices; on ties `earlier`'s come first.
/// Gallops: each stretch of one run that goes before the other's next
/// item is found by exponential then binary search and copied whole, so
/// runs that barely overlap cost a few comparisons, not one per item.
fn merge_two<T>(items: &[T], earlier: &[usize], later: &[usize], cmp: impl Fn(&T, &T) -> Ordering) -> Vec<usize> {
    let mut merged = Vec::with_capacity(earlier.len() + later.len());
    let (mut a, mut b) = (earlier, later);
    while let (Some(_), Some(&y)) = (a.first(), b.first()) {
        // Items of `earlier` up to and including ties with `y`.
        let take = gallop(a, |&other| cmp(&items[other], &items[y]) != Ordering::Greater);
        merged.extend_from_slice(&a[..take]);
        a = &a[take..];
        let Some(&x_next) = a.first() else { break };
        // Items of `later` strictly before the next of `earlier`.
        let take = gallop(b, |&other| cmp(&items[other], &items[x_next]) == Ordering::Less);
        merged.extend_from_slice(&b[..take]);
        b = &b[take..];
    }
    merged.extend_from_slice(a);
    merged.extend_from_slice(b);
    merged
}

/// How many leading `items` satisfy `pred` (true for a prefix, then
/// false), as `partition_point` finds it, but by galloping from the front
/// (exponential search, then binary search): cheap when that number is
/// small, as in merges where runs barely overlap and in lookups that start
/// where the last one ended.
pub fn gallop<T>(items: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let mut bound = 1;
    while bound < items.len() && pred(&items[bound - 1]) {
        bound *= 2;
    }
    let low = bound / 2;
    let high = bound.min(items.len());
    low + items[low..high].partition_point(pred)
}

/// How many trailing items of `run` satisfy `goes_last` (false for a
/// prefix, then true): [`gallop`] from the other end.
fn stretch_back(run: &[usize], goes_last: impl Fn(&usize) -> bool) -> usize {
    let mut bound = 1;
    while bound < run.len() && goes_last(&run[run.len() - bound]) {
        bound *= 2;
    }
    let low = bound / 2;
    let high = bound.min(run.len());
    // Of the items between `high` and `low` from the end, those that go last.
    let window = &run[run.len() - high..run.len() - low];
    low + window.len() - window.partition_point(|x| !goes_last(x))
}

/// Rearranges `items` so that position `i` holds what was at `order[i]`,
/// in place. `order` is used up.
pub fn permute<T>(items: &mut [T], order: &mut [usize]) {
    permute_with(items, order, |_, _| {});
}

/// [`permute`], calling `swap_also(i, j)` whenever it swaps items `i` and
/// `j`, so that a companion slice (where each record was read) follows.
///
/// Fills the positions in order, each by one swap with the item it wants,
/// wherever earlier swaps have put it (two index tables keep track). A
/// zone sorts into an order close to the file's — a few records move far,
/// most a few places — so the swaps walk the records front to back, which
/// the caches follow; following the permutation's cycles instead jumps
/// across the whole zone again and again (twice as slow on 3.4 M records).
///
/// # Panics
///
/// If `order` is not a permutation of `0..items.len()`.
pub fn permute_with<T>(items: &mut [T], order: &mut [usize], swap_also: impl FnMut(usize, usize)) {
    assert_eq!(items.len(), order.len(), "a permutation of another length");
    // Index tables of 4 octets where they suffice (any zone that fits in
    // memory): 27 MB, not 54, for a 3.4 M-record zone.
    if u32::try_from(items.len()).is_ok() {
        permute_tracked::<T, u32>(items, order, swap_also);
    } else {
        permute_tracked::<T, usize>(items, order, swap_also);
    }
}

/// An index type for [`permute_tracked`]'s tables.
trait Slot: Copy {
    /// Only called with values below the length checked by the caller.
    fn from_index(index: usize) -> Self;
    fn index(self) -> usize;
}

impl Slot for u32 {
    fn from_index(index: usize) -> u32 {
        u32::try_from(index).unwrap_or(u32::MAX)
    }
    fn index(self) -> usize {
        self as usize
    }
}

impl Slot for usize {
    fn from_index(index: usize) -> usize {
        index
    }
    fn index(self) -> usize {
        self
    }
}

fn permute_tracked<T, S: Slot>(items: &mut [T], order: &mut [usize], mut swap_also: impl FnMut(usize, usize)) {
    // `position[k]`: where the item first at `k` is now; `holds[p]`: which
    // item (by first position) is now at `p`.
    let mut position: Vec<S> = (0..items.len()).map(S::from_index).collect();
    let mut holds: Vec<S> = position.clone();
    for i in 0..items.len() {
        let wanted = order[i];
        let at = position[wanted].index();
        assert!(at >= i, "permute: item {wanted} is wanted twice");
        if at != i {
            items.swap(i, at);
            swap_also(i, at);
            let displaced = holds[i];
            position[displaced.index()] = S::from_index(at);
            holds[at] = displaced;
        }
        // Placed for good: asking for it again trips the check above.
        position[wanted] = S::from_index(i);
        order[i] = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_follows_every_cycle() {
        // Fixed points, a 2-cycle and a 3-cycle.
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        let mut order = vec![0, 2, 1, 5, 3, 4];
        permute(&mut items, &mut order);
        assert_eq!(items, vec!['a', 'c', 'b', 'f', 'd', 'e']);
        let mut empty: Vec<u8> = Vec::new();
        permute(&mut empty, &mut []);
    }

    #[test]
    fn permute_refuses_what_is_not_a_permutation_and_loses_nothing() {
        for bad in [vec![1, 1, 0], vec![2, 0, 7]] {
            let mut items = vec![String::from("a"), String::from("b"), String::from("c")];
            let mut order = bad.clone();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| permute(&mut items, &mut order)));
            assert!(outcome.is_err(), "{bad:?} was taken for a permutation");
            // Every item is still there once (and is dropped once, below).
            items.sort();
            assert_eq!(items, ["a", "b", "c"], "{bad:?}");
        }
    }

    #[test]
    fn stretches_are_counted_from_either_end() {
        for len in 0..40usize {
            let run: Vec<usize> = (0..len).collect();
            for cut in 0..=len {
                assert_eq!(gallop(&run, |&x| x < cut), cut, "len {len} prefix {cut}");
                assert_eq!(
                    stretch_back(&run, |&x| x >= cut),
                    len - cut,
                    "len {len} suffix from {cut}"
                );
            }
        }
    }

    #[test]
    fn sorts_stably_by_the_given_order() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        let mut order = stable_sorted_order(&items, |x, y| x.0.cmp(&y.0));
        permute(&mut items, &mut order);
        assert_eq!(items, vec![(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
        // Already in order, equal keys included: left as it is.
        let sorted = vec![(0, 'z'), (1, 'y'), (1, 'x'), (2, 'w')];
        assert_eq!(stable_sorted_order(&sorted, |x, y| x.0.cmp(&y.0)), vec![0, 1, 2, 3]);
        // One pair out of order at the very end is still sorted.
        let late = vec![(0, 'a'), (1, 'b'), (2, 'c'), (1, 'd')];
        assert_eq!(stable_sorted_order(&late, |x, y| x.0.cmp(&y.0)), vec![0, 1, 3, 2]);
        assert!(stable_sorted_order::<(u8, char)>(&[], |x, y| x.0.cmp(&y.0)).is_empty());
    }

    /// A small deterministic generator, so the cases are the same each run.
    fn pseudo_random(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn runs_are_merged_stably_like_a_full_sort() {
        let mut seed = 7;
        // Few runs (merged as runs), short and long ones, ties across runs;
        // and many runs (sorted from scratch).
        for runs in [2, 3, 5, 17, 63, 64, 65, 300, 2_000] {
            for short in [false, true] {
                let mut items: Vec<(u64, usize)> = Vec::new();
                for run in 0..runs {
                    let len = if short && run % 2 == 1 {
                        1 + run % 3
                    } else {
                        50 + run % 20 * 7
                    };
                    let mut keys: Vec<u64> = (0..len).map(|_| pseudo_random(&mut seed) % 40).collect();
                    keys.sort_unstable();
                    items.extend(keys.into_iter().map(|k| (k, 0)));
                }
                assert_sorts_stably(items, &format!("{runs} runs, short runs: {short}"));
            }
        }
    }

    #[test]
    fn a_zone_with_far_and_near_movers_sorts_like_a_full_sort() {
        // Like a TLD export: a few records first that belong at the end
        // (apex glue), then sorted delegations each followed by a record
        // that belongs a few places back (a DS after glue), with ties.
        let mut items: Vec<(u64, usize)> = vec![(9_000, 0), (9_001, 0), (9_001, 0)];
        for d in 0..500u64 {
            items.extend((5..12).map(|k| (d * 20 + k, 0)));
            items.extend([(d * 20 + 1, 0), (d * 20 + 5, 0), (d * 20 + 12, 0)]);
        }
        // Long runs: merged as runs, not sorted from scratch.
        let descents = items.windows(2).filter(|w| w[0].0 > w[1].0).count();
        assert!(descents * MIN_AVERAGE_RUN <= items.len());
        assert_sorts_stably(items, "far and near movers");
    }

    /// Numbers the items in input order, then expects the sorted order
    /// and permute to give what std's stable sort gives.
    fn assert_sorts_stably(mut items: Vec<(u64, usize)>, case: &str) {
        for (i, item) in items.iter_mut().enumerate() {
            item.1 = i;
        }
        let mut expected = items.clone();
        expected.sort_by_key(|item| item.0);
        let mut order = stable_sorted_order(&items, |x, y| x.0.cmp(&y.0));
        permute(&mut items, &mut order);
        assert_eq!(items, expected, "{case}");
    }

    #[test]
    fn merging_two_runs_keeps_ties_in_input_order() {
        let items = [1, 3, 3, 5, 0, 3, 3, 9];
        let merged = merge_two(&items, &[0, 1, 2, 3], &[4, 5, 6, 7], |a: &i32, b: &i32| a.cmp(b));
        assert_eq!(merged, vec![4, 0, 1, 2, 5, 6, 3, 7]);
        // A one-item run, both ways round.
        let items = [3, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        let rest: Vec<usize> = (1..items.len()).collect();
        let merged = merge_two(&items, &[0], &rest, |a: &i32, b: &i32| a.cmp(b));
        assert_eq!(&merged[..7], &[1, 2, 3, 0, 4, 5, 6]);
        let items = [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 3];
        let first: Vec<usize> = (0..18).collect();
        let merged = merge_two(&items, &first, &[18], |a: &i32, b: &i32| a.cmp(b));
        assert_eq!(&merged[..7], &[0, 1, 2, 3, 4, 18, 5]);
        assert_eq!(merged.len(), items.len());
    }
}
