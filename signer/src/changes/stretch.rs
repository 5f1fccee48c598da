//! Which names of the previous signed zone are signed again: stretches of
//! consecutive names (node ranges `first..end` of [`SignedText`]) around
//! each change.

use keybundles::Name;
use rayon::prelude::*;

use super::signed_text::{NameKey, SignedText};

/// Nodes `first..end` of the previous signed zone; empty where only new
/// names go (at `first`).
pub type Stretch = (usize, usize);

/// NSEC: for each affected name, from its predecessor in the NSEC chain
/// (whose NSEC may change) to the next chain member that is not below it
/// (so a zone cut added or removed takes its glue along). For the apex,
/// the apex up to the next chain member.
pub fn nsec(text: &SignedText, affected: &[Name], apex: &Name) -> Vec<Stretch> {
    let count = text.nodes.len();
    let next_member = |mut k: usize, below: Option<&NameKey<'_>>| {
        while k < count {
            if text.nodes[k].has_nsec && below.is_none_or(|name| !text.is_at_or_below(k, name)) {
                break;
            }
            k += 1;
        }
        k
    };
    affected
        .par_iter()
        .map(|name| {
            if name.eq_ignore_case(apex) {
                return (0, next_member(1, None));
            }
            let key = NameKey::new(name);
            let at = text.lower_bound_key(&key);
            let first = (0..at).rev().find(|&j| text.nodes[j].has_nsec).unwrap_or(0);
            (first, next_member(at, Some(&key)))
        })
        .collect()
}

/// NSEC, names whose signatures are due but whose data did not change:
/// node `i` and everything below it, up to the next chain member. Their
/// NSEC records and their predecessors' stay as they are (no name comes or
/// goes), so the stretch need not reach back: a daily run finds an eighth
/// of a TLD due, scattered, and reaching back to each predecessor doubled
/// the names parsed and signed again. `due` must be chain members.
pub fn nsec_due(text: &SignedText, due: &[usize]) -> Vec<Stretch> {
    let count = text.nodes.len();
    due.par_iter()
        .map(|&i| {
            let owner = text.owner(i);
            let key = NameKey::new(&owner);
            let mut k = i + 1;
            // Below the apex is everything: there the next member ends it.
            while k < count && !(text.nodes[k].has_nsec && (i == 0 || !text.is_at_or_below(k, &key))) {
                k += 1;
            }
            (i, k)
        })
        .collect()
}

/// The index just past `name`'s node and everything below it, starting
/// the search at `from` (where `name` is or would be).
pub fn subtree_end(text: &SignedText, from: usize, name: &NameKey<'_>) -> usize {
    let mut k = from;
    while k < text.nodes.len() && text.is_at_or_below(k, name) {
        k += 1;
    }
    k
}

/// NSEC3, the names' side: each name with everything below it (empty
/// where the name is new).
pub fn subtrees(text: &SignedText, names: &[Name]) -> Vec<Stretch> {
    names
        .par_iter()
        .map(|name| {
            let key = NameKey::new(name);
            let first = text.lower_bound_key(&key);
            (first, subtree_end(text, first, &key))
        })
        .collect()
}

/// NSEC3, the hashes' side: for each hashed owner name, its NSEC3 node
/// (or where it would go) and the NSEC3 node before it in hash order —
/// the last one for the first hash — whose next-hash field may change.
/// `nsec3_nodes` are the indices of all nodes with an NSEC3 record.
pub fn hashed(text: &SignedText, owners: &[Name], nsec3_nodes: &[usize]) -> Vec<Stretch> {
    owners
        .par_iter()
        .flat_map_iter(|owner| {
            let key = NameKey::new(owner);
            let at = text.lower_bound_key(&key);
            let here = at < text.nodes.len() && text.nodes[at].has_nsec3 && text.is_named(at, &key);
            let before = nsec3_nodes.partition_point(|&k| k < at);
            let previous = if before > 0 {
                nsec3_nodes.get(before - 1)
            } else {
                nsec3_nodes.last()
            };
            std::iter::once((at, if here { at + 1 } else { at })).chain(previous.map(|&k| (k, k + 1)))
        })
        .collect()
}

/// Sorts stretches and merges those that overlap or touch.
pub fn merge(mut found: Vec<Stretch>) -> Vec<Stretch> {
    found.sort_unstable();
    let mut merged: Vec<Stretch> = Vec::with_capacity(found.len());
    for (first, end) in found {
        match merged.last_mut() {
            Some(last) if first <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((first, end)),
        }
    }
    merged
}

/// True when node `k` lies in one of the (merged) `stretches`.
pub fn contains(stretches: &[Stretch], k: usize) -> bool {
    let i = stretches.partition_point(|s| s.1 <= k);
    stretches.get(i).is_some_and(|s| s.0 <= k)
}

#[cfg(test)]
mod tests {
    use super::super::keep_rule::tests::rule;
    use super::super::signed_text::Contents;
    use super::*;

    /// Nodes: 0 the apex, 1 a delegation, 2 its glue, 3 and 4 two more
    /// names; all but the glue in the NSEC chain.
    fn zone() -> SignedText {
        let text = "tld.\t3600\tIN\tSOA\tns1.tld. h.tld. 1 1800 900 604800 300\n\
            tld.\t300\tIN\tNSEC\ta.tld. NS SOA RRSIG NSEC\n\
            a.tld.\t3600\tIN\tNS\tns1.a.tld.\n\
            a.tld.\t300\tIN\tNSEC\tb.tld. NS RRSIG NSEC\n\
            ns1.a.tld.\t3600\tIN\tA\t192.0.2.1\n\
            b.tld.\t3600\tIN\tA\t192.0.2.2\n\
            b.tld.\t300\tIN\tNSEC\tc.tld. A RRSIG NSEC\n\
            c.tld.\t3600\tIN\tA\t192.0.2.3\n\
            c.tld.\t300\tIN\tNSEC\ttld. A RRSIG NSEC\n\
            ; end of zone tld.\n";
        SignedText::index(
            Contents::Owned(text.as_bytes().to_vec()),
            std::path::Path::new("z"),
            &rule(),
        )
        .unwrap()
    }

    /// A changed name reaches back to its predecessor in the chain; a name
    /// with only a signature due is itself and what is below it.
    #[test]
    fn a_due_name_is_its_own_stretch_a_changed_one_reaches_back() {
        let text = zone();
        assert_eq!(text.nodes.len(), 5);
        let apex: Name = "tld.".parse().unwrap();
        let a: Name = "a.tld.".parse().unwrap();
        assert_eq!(nsec(&text, &[a], &apex), [(0, 3)]);
        assert_eq!(nsec_due(&text, &[1]), [(1, 3)], "the delegation takes its glue");
        assert_eq!(nsec_due(&text, &[0]), [(0, 1)], "the apex, up to the next chain member");
        assert_eq!(
            nsec_due(&text, &[3, 4]),
            [(3, 4), (4, 5)],
            "the last name ends at the end"
        );
    }

    #[test]
    fn merging_joins_overlapping_touching_and_empty_stretches() {
        let merged = merge(vec![
            (9, 9),
            (5, 7),
            (0, 1),
            (7, 8),
            (3, 3),
            (12, 15),
            (13, 14),
            (9, 10),
        ]);
        assert_eq!(merged, [(0, 1), (3, 3), (5, 8), (9, 10), (12, 15)]);
        let inside: Vec<usize> = (0..16).filter(|&k| contains(&merged, k)).collect();
        assert_eq!(inside, [0, 5, 6, 7, 9, 12, 13, 14]);
    }
}
