//! **delegations** (warnings by default; `guardrails.delegations = "fatal"`
//! refuses): the name servers of the apex and of every delegation can be
//! reached.
//!
//! * an in-domain name server (below the delegation it serves) needs glue;
//!   an in-zone name server outside any delegation needs an address record;
//! * glue that no NS record uses is a leftover;
//! * all of one NS set's addresses in one IPv4 /24 or IPv6 /48 (one
//!   network, one outage); only judged when every address is in the zone;
//! * delegations whose name servers lie in each other without glue form a
//!   cycle nobody can resolve.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use keybundles::rdata::address;
use keybundles::{Name, Rtype};
use rayon::prelude::*;

use super::{Inputs, Outcome, Status};
use crate::config::Severity;
use crate::verify::{NameKind, ZoneView};

pub const NAME: &str = "delegations";

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let findings = findings(inputs.view);
    let (delegations, _) = count(inputs.view);
    if findings.is_empty() {
        return Outcome::pass(
            NAME,
            format!("{delegations} delegation(s) and the apex: glue present and used, name servers spread, no cycles"),
        );
    }
    let status = match inputs.config.guardrails.delegations {
        Severity::Warn => Status::Warn,
        Severity::Fatal => Status::Fail,
    };
    Outcome::new(
        NAME,
        status,
        format!("{} problem(s) with name servers or glue", findings.len()),
    )
    .with_findings(findings)
}

fn count(view: &ZoneView) -> (usize, usize) {
    let d = view.nodes.iter().filter(|n| n.kind == NameKind::Delegation).count();
    (d, view.nodes.len())
}

/// Every delegation problem in `view`, in canonical order of the owner.
///
/// Worked out on all cores: a TLD has a million delegations (two seconds
/// on one core, every other core idle, before a publication).
pub fn findings(view: &ZoneView) -> Vec<String> {
    let origin = &view.origin;
    let addresses: HashMap<&Name, Vec<IpAddr>> = view
        .nodes
        .par_iter()
        .filter_map(|node| {
            let list: Vec<IpAddr> = [Rtype::A, Rtype::AAAA]
                .iter()
                .filter_map(|&rtype| node.rrset(rtype))
                .flat_map(|set| set.records.iter().filter_map(|r| address(set.rtype, &r.rdata)))
                .collect();
            (!list.is_empty()).then_some((&node.name, list))
        })
        .collect();
    let cuts: HashSet<&Name> = view
        .nodes
        .par_iter()
        .filter(|n| n.kind == NameKind::Delegation)
        .map(|n| &n.name)
        .collect();
    let enclosing_cut = |name: &Name| -> Option<Name> {
        let mut cur = Some(name.clone());
        while let Some(n) = cur {
            if n.wire_len() <= origin.wire_len() {
                return None;
            }
            if cuts.contains(&n) {
                return Some(n);
            }
            cur = n.parent();
        }
        None
    };

    let servers: Vec<ServerFindings<'_>> = view
        .nodes
        .par_iter()
        .filter(|node| matches!(node.kind, NameKind::Apex | NameKind::Delegation))
        .filter_map(|node| Some((node, node.rrset(Rtype::NS)?)))
        .map(|(node, ns)| {
            let owner = &node.name;
            let mut found = ServerFindings {
                owner,
                problems: Vec::new(),
                targets: Vec::new(),
                edges: Vec::new(),
            };
            let mut known: Vec<IpAddr> = Vec::new();
            let mut all_known = true;
            for record in &ns.records {
                let Ok(target) = Name::from_wire(&record.rdata).map(|n| n.to_lowercase()) else {
                    continue;
                };
                if !target.is_subdomain_of(origin) {
                    all_known = false;
                    continue;
                }
                let addrs = addresses.get(&target);
                match enclosing_cut(&target) {
                    Some(cut) if &cut == owner => {
                        if addrs.is_none() {
                            found.problems.push(format!(
                                "{owner} NS {target}: in-bailiwick name server without glue (no A/AAAA for {target}); resolvers cannot reach it"
                            ));
                        }
                    }
                    Some(cut) => {
                        if addrs.is_none() {
                            found.edges.push(cut);
                        }
                    }
                    None => {
                        if addrs.is_none() {
                            found.problems.push(format!(
                                "{owner} NS {target}: {target} is in this zone but has no A or AAAA record (lame)"
                            ));
                        }
                    }
                }
                match addrs {
                    Some(a) => known.extend(a.iter().copied()),
                    None => all_known = false,
                }
                found.targets.push(target);
            }
            if all_known && known.first().is_some_and(|first| known.iter().all(|a| same_network(a, first))) {
                found.problems.push(format!(
                    "{owner} NS: all {} name server address(es) are in {}; one network outage takes the {} down",
                    known.len(),
                    prefix(&known[0]),
                    if owner == origin { "zone" } else { "delegation" }
                ));
            }
            found
        })
        .collect();

    let mut out = Vec::new();
    let mut targets_used: HashSet<&Name> = HashSet::new();
    let mut edges: BTreeMap<Name, BTreeSet<Name>> = BTreeMap::new();
    for found in &servers {
        out.extend(found.problems.iter().cloned());
        targets_used.extend(&found.targets);
        if !found.edges.is_empty() {
            edges
                .entry(found.owner.clone())
                .or_default()
                .extend(found.edges.iter().cloned());
        }
    }
    let leftovers: Vec<String> = view
        .nodes
        .par_iter()
        .filter(|node| node.kind == NameKind::Occluded && !targets_used.contains(&node.name))
        .filter(|node| node.rrset(Rtype::A).is_some() || node.rrset(Rtype::AAAA).is_some())
        .map(|node| format!("{}: glue that no NS record in the zone uses (left over?)", node.name))
        .collect();
    out.extend(leftovers);
    out.extend(cycles(&edges));
    out
}

/// What one NS set (the apex's or a delegation's) shows.
struct ServerFindings<'a> {
    owner: &'a Name,
    problems: Vec<String>,
    /// Its name servers inside the zone.
    targets: Vec<Name>,
    /// The other delegations its unglued name servers lie below.
    edges: Vec<Name>,
}

/// Whether two addresses are in one network as [`prefix`] draws them.
fn same_network(a: &IpAddr, b: &IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets()[..3] == b.octets()[..3],
        (IpAddr::V6(a), IpAddr::V6(b)) => a.segments()[..3] == b.segments()[..3],
        _ => false,
    }
}

/// The network an address is in, for diversity: IPv4 /24, IPv6 /48.
fn prefix(addr: &IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// Cycles in "delegation A's name servers lie, unglued, below delegation B".
fn cycles(edges: &BTreeMap<Name, BTreeSet<Name>>) -> Vec<String> {
    let mut seen: BTreeSet<Vec<Name>> = BTreeSet::new();
    let mut out = Vec::new();
    for start in edges.keys() {
        // Depth-first search for a path back to `start`.
        let mut stack: Vec<(Name, Vec<Name>)> = vec![(start.clone(), vec![start.clone()])];
        let mut visited: HashSet<Name> = HashSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    let mut key = path.clone();
                    key.sort();
                    if seen.insert(key) {
                        let mut shown: Vec<String> = path.iter().map(ToString::to_string).collect();
                        shown.push(start.to_string());
                        out.push(format!(
                            "{}: these delegations' name servers lie in each other without glue; none of them can be resolved",
                            shown.join(" -> ")
                        ));
                    }
                } else if visited.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    out
}
