//! The NSEC chain (RFC 4034 §4, RFC 4035 §2.3): one NSEC at every name
//! with authoritative data or a zone cut, none elsewhere (not at empty
//! non-terminals, glue or occluded names), each pointing to the next such
//! name in canonical order, the last back to the apex, each listing exactly
//! the types present.

use keybundles::Rtype;
use rayon::prelude::*;

use super::rdata::{Nsec, TypeSet};
use super::zone_view::{NameKind, Node, ZoneView};
use super::{Failure, Problem};

/// The NSEC bitmap a node must have: its authoritative types (NS and DS
/// only at a delegation) plus NSEC and RRSIG.
pub fn expected_types(node: &Node) -> TypeSet {
    let mut types: TypeSet = node.authoritative_types().into_iter().collect();
    types.insert(Rtype::NSEC);
    types.insert(Rtype::RRSIG);
    types
}

/// True for names that must own an NSEC record.
pub fn needs_nsec(node: &Node) -> bool {
    matches!(
        node.kind,
        NameKind::Apex | NameKind::Authoritative | NameKind::Delegation
    ) && node.has_data()
}

/// Compares a bitmap with what it should be.
pub fn bitmap_problem(found: &TypeSet, expected: &TypeSet) -> Option<(Vec<Rtype>, Vec<Rtype>)> {
    let missing: Vec<Rtype> = expected.difference(found).copied().collect();
    let extra: Vec<Rtype> = found.difference(expected).copied().collect();
    (!missing.is_empty() || !extra.is_empty()).then_some((missing, extra))
}

/// The TTL problem, if any, of a denial record: RFC 4035 §2.3 asks for the
/// SOA MINIMUM, RFC 9077 for the lower of that and the SOA's own TTL;
/// either is accepted.
pub fn ttl_problem(ttl: u32, soa: Option<(u32, u32)>) -> Option<Problem> {
    let (soa_ttl, minimum) = soa?;
    let rfc9077 = soa_ttl.min(minimum);
    (ttl != minimum && ttl != rfc9077).then_some(Problem::DenialTtl {
        found: ttl,
        expected: rfc9077,
    })
}

/// Checks the NSEC chain, on all threads; failures come in name order.
pub fn check(view: &ZoneView) -> Vec<Failure> {
    let soa = view.soa_ttls();
    // Where in `view.nodes` the names that own an NSEC are, in order: a
    // name's successor in the chain is found by its position, not by
    // searching names.
    let chain: Vec<usize> = (0..view.nodes.len())
        .into_par_iter()
        .filter(|&i| needs_nsec(&view.nodes[i]))
        .collect();
    view.nodes
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, node)| check_node(view, &chain, i, node, soa))
        .collect()
}

fn check_node(view: &ZoneView, chain: &[usize], index: usize, node: &Node, soa: Option<(u32, u32)>) -> Vec<Failure> {
    let mut failures = Vec::new();
    let nsec = node.rrset(Rtype::NSEC);
    if !needs_nsec(node) {
        if nsec.is_some() {
            let why = match node.kind {
                NameKind::Occluded => "below a zone cut",
                NameKind::EmptyNonTerminal => "an empty non-terminal",
                _ => "a name with no other data",
            };
            failures.push(Failure::new(
                &node.name,
                Rtype::NSEC,
                None,
                Problem::UnexpectedNsec(why),
            ));
        }
        return failures;
    }
    let Some(nsec) = nsec else {
        failures.push(Failure::new(&node.name, Rtype::NSEC, None, Problem::MissingNsec));
        return failures;
    };
    let fail = |p: Problem| Failure::new(&node.name, Rtype::NSEC, None, p);
    if nsec.records.len() > 1 {
        failures.push(fail(Problem::DuplicateDenial(nsec.records.len(), Rtype::NSEC)));
    }
    if let Some(p) = ttl_problem(nsec.ttl, soa) {
        failures.push(fail(p));
    }
    // The next name in the chain, wrapping from the last to the first.
    let expected_next = chain
        .binary_search(&index)
        .ok()
        .map_or(&view.origin, |k| &view.nodes[chain[(k + 1) % chain.len()]].name);
    for record in &nsec.records {
        let decoded = match Nsec::from_rdata(&record.rdata) {
            Ok(d) => d,
            Err(e) => {
                failures.push(fail(Problem::BadRdata(e)));
                continue;
            }
        };
        if decoded.next != *expected_next {
            failures.push(fail(Problem::NsecNext {
                found: decoded.next.clone(),
                expected: expected_next.clone(),
            }));
        }
        if let Some((missing, extra)) = bitmap_problem(&decoded.types, &expected_types(node)) {
            failures.push(fail(Problem::Bitmap { missing, extra }));
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rules() {
        assert_eq!(ttl_problem(300, Some((3600, 300))), None);
        assert_eq!(ttl_problem(300, Some((300, 3600))), None, "RFC 9077");
        assert_eq!(ttl_problem(3600, Some((300, 3600))), None, "RFC 4035");
        assert!(ttl_problem(60, Some((300, 3600))).is_some());
        assert_eq!(ttl_problem(60, None), None);
    }

    #[test]
    fn bitmap_comparison() {
        let a: TypeSet = [Rtype::A, Rtype::NSEC, Rtype::RRSIG].into_iter().collect();
        let b: TypeSet = [Rtype::A, Rtype::MX, Rtype::NSEC].into_iter().collect();
        assert_eq!(bitmap_problem(&a, &a), None);
        assert_eq!(bitmap_problem(&a, &b), Some((vec![Rtype::MX], vec![Rtype::RRSIG])));
    }
}
