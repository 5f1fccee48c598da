//! Sorting the millions of records of a zone by index: generic helpers
//! the zone loader, the signature reuse index and the verifier each use
//! with their own ordering.

use std::cmp::Ordering;

use rayon::prelude::*;

/// The order that sorts `items` by `cmp`, stably, as indices: `order[i]`
/// is the index of the item that belongs at `i`. Sorted on all cores.
///
/// Sorting indices, not the records: the merge buffer stays small
/// (a merge sort of the records themselves would need one the size of the
/// zone), and a stable merge sort finishes in about one comparison per
/// record on the mostly sorted files registries export and Signet writes.
///
/// Input already in order — most zone files registries export — is found
/// so with one parallel pass of comparisons, and not sorted at all.
pub fn stable_sorted_order<T: Sync>(items: &[T], cmp: impl Fn(&T, &T) -> Ordering + Sync) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    if !items
        .par_windows(2)
        .all(|pair| cmp(&pair[0], &pair[1]) != Ordering::Greater)
    {
        order.par_sort_by(|&a, &b| cmp(&items[a], &items[b]));
    }
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
}
