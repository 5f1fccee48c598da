//! The NSEC3 chain (RFC 5155 §7.1, §8; RFC 9276): an NSEC3PARAM at the
//! apex matching the chain's parameters; one NSEC3 for every name with
//! authoritative data, every secure delegation and every empty
//! non-terminal; insecure delegations (and ENTs only they create) either
//! present or covered by an opt-out NSEC3; nothing for glue or occluded
//! names; hashes in a closed ring; exact type bitmaps.

use std::collections::{HashMap, HashSet};

use data_encoding::BASE32HEX_NOPAD;
use keybundles::nsec3::{Nsec3Params, HASH_SHA1};
use keybundles::{Name, Rtype};
use rayon::prelude::*;

use super::nsec::{bitmap_problem, ttl_problem};
use super::rdata::{Nsec3, Nsec3Param, TypeSet};
use super::zone_view::{NameKind, Node, ZoneView};
use super::{Failure, Problem};

/// What the NSEC3 pass found.
#[derive(Debug)]
pub struct Nsec3Outcome {
    pub failures: Vec<Failure>,
    /// The chain's parameters.
    pub params: Nsec3Params,
    pub opt_out: bool,
}

/// One NSEC3 record of the chain.
struct Link<'a> {
    node: &'a Node,
    hash: Vec<u8>,
    nsec3: Nsec3,
}

/// Whether a name must have an NSEC3 record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    /// Insecure delegations, and ENTs with only those below them: may be
    /// left out when covered by an opt-out NSEC3.
    OptOutable,
}

/// The names that need (or may have) an NSEC3, with their bitmaps.
pub fn expected_names(view: &ZoneView) -> Vec<(&Node, Need, TypeSet)> {
    let required = |n: &Node| match n.kind {
        NameKind::Apex | NameKind::Authoritative => n.has_data(),
        NameKind::Delegation => n.rrset(Rtype::DS).is_some(),
        NameKind::Occluded | NameKind::EmptyNonTerminal => false,
    };
    // ENTs above a required name are required (a TLD's delegations have
    // none between them and the apex: this is quick there).
    let required_ents: HashSet<Name> = view
        .nodes
        .par_iter()
        .filter(|n| required(n))
        .flat_map_iter(|node| {
            std::iter::successors(node.name.parent(), Name::parent)
                .take_while(|n| n.wire_len() > view.origin.wire_len())
        })
        .collect();
    // In the order of the names (rayon's collect keeps it).
    view.nodes
        .par_iter()
        .filter_map(|node| {
            let need = match node.kind {
                NameKind::Occluded => return None,
                NameKind::Apex | NameKind::Authoritative if !node.has_data() => return None,
                NameKind::EmptyNonTerminal if required_ents.contains(&node.name) => Need::Required,
                NameKind::EmptyNonTerminal => Need::OptOutable,
                _ if required(node) => Need::Required,
                _ => Need::OptOutable,
            };
            let mut types: TypeSet = node.authoritative_types().into_iter().collect();
            // Everything but an insecure delegation's NS is signed.
            if types.iter().any(|&t| node.is_authoritative_for(t)) {
                types.insert(Rtype::RRSIG);
            }
            Some((node, need, types))
        })
        .collect()
}

fn b32(hash: &[u8]) -> String {
    BASE32HEX_NOPAD.encode(hash).to_ascii_lowercase()
}

fn params_text(p: &Nsec3Params) -> String {
    let salt = if p.salt.is_empty() {
        "-".to_string()
    } else {
        data_encoding::HEXLOWER.encode(&p.salt)
    };
    format!("{} {} {}", p.algorithm, p.iterations, salt)
}

/// The hash an NSEC3 owner name carries, if it is `<base32hex>.<origin>`.
fn owner_hash(owner: &Name, origin: &Name) -> Option<Vec<u8>> {
    if owner.parent().as_ref() != Some(origin) {
        return None;
    }
    let label = owner.labels().next()?.to_ascii_uppercase();
    BASE32HEX_NOPAD.decode(&label).ok().filter(|h| !h.is_empty())
}

/// Checks the NSEC3PARAM and the NSEC3 chain.
pub fn check(view: &ZoneView) -> Nsec3Outcome {
    let origin = &view.origin;
    let soa = view.soa_ttls();
    let mut failures = Vec::new();

    // The NSEC3PARAM an authoritative server would use (flags 0, SHA-1).
    let mut param: Option<Nsec3Params> = None;
    if let Some(rrset) = view.apex().and_then(|a| a.rrset(Rtype::NSEC3PARAM)) {
        for record in &rrset.records {
            match Nsec3Param::from_rdata(&record.rdata) {
                Ok(p) if p.flags == 0 && p.hash_algorithm == HASH_SHA1 => {
                    param.get_or_insert_with(|| p.params());
                }
                Ok(_) => {}
                Err(e) => failures.push(Failure::new(origin, Rtype::NSEC3PARAM, None, Problem::BadRdata(e))),
            }
        }
    }

    // The chain's links, read on all cores (a TLD's chain has hundreds of
    // thousands); the failures keep the order of the names.
    let read: Vec<(Option<Link>, Vec<Failure>)> = view
        .nsec3_nodes
        .par_iter()
        .filter_map(|node| Some((node, node.rrset(Rtype::NSEC3)?)))
        .map(|(node, rrset)| {
            let mut found = Vec::new();
            let fail = |p: Problem| Failure::new(&node.name, Rtype::NSEC3, None, p);
            let Some(hash) = owner_hash(&node.name, origin) else {
                return (None, vec![fail(Problem::Nsec3Owner)]);
            };
            if rrset.records.len() > 1 {
                found.push(fail(Problem::DuplicateDenial(rrset.records.len(), Rtype::NSEC3)));
            }
            if let Some(p) = ttl_problem(rrset.ttl, soa) {
                found.push(fail(p));
            }
            let link = match rrset.records.first().map(|r| Nsec3::from_rdata(&r.rdata)) {
                Some(Ok(nsec3)) => {
                    if nsec3.flags & !keybundles::nsec3::FLAG_OPT_OUT != 0 {
                        found.push(fail(Problem::Nsec3Flags(nsec3.flags)));
                    }
                    Some(Link { node, hash, nsec3 })
                }
                Some(Err(e)) => {
                    found.push(fail(Problem::BadRdata(e)));
                    None
                }
                None => None,
            };
            (link, found)
        })
        .collect();
    let mut links: Vec<Link> = Vec::with_capacity(read.len());
    for (link, found) in read {
        failures.extend(found);
        links.extend(link);
    }

    // The chain's parameters: those of its first link, which must match
    // the NSEC3PARAM and every other link.
    let params = links
        .first()
        .map(|l| l.nsec3.params())
        .or_else(|| param.clone())
        .unwrap_or_default();
    match &param {
        None => failures.push(Failure::new(origin, Rtype::NSEC3PARAM, None, Problem::NoNsec3Param)),
        Some(p) if *p != params => failures.push(Failure::new(
            origin,
            Rtype::NSEC3PARAM,
            None,
            Problem::Nsec3ParamMismatch(params_text(p), params_text(&params)),
        )),
        Some(_) => {}
    }
    for link in &links {
        let found = link.nsec3.params();
        if found != params {
            failures.push(Failure::new(
                &link.node.name,
                Rtype::NSEC3,
                None,
                Problem::Nsec3Params {
                    found: params_text(&found),
                    expected: params_text(&params),
                },
            ));
        }
    }
    let opt_out = links.iter().any(|l| l.nsec3.opt_out());
    if params.algorithm != HASH_SHA1 {
        failures.push(Failure::new(
            origin,
            Rtype::NSEC3,
            None,
            Problem::BadRdata(format!("unknown NSEC3 hash algorithm {}", params.algorithm)),
        ));
        return Nsec3Outcome {
            failures,
            params,
            opt_out,
        };
    }

    // The ring of hashes.
    links.par_sort_by(|a, b| a.hash.cmp(&b.hash));
    let broken: Vec<Failure> = links
        .par_iter()
        .enumerate()
        .filter_map(|(i, link)| {
            let next = &links[(i + 1) % links.len()].hash;
            (link.nsec3.next_hashed != *next).then(|| {
                Failure::new(
                    &link.node.name,
                    Rtype::NSEC3,
                    None,
                    Problem::Nsec3Next {
                        found: b32(&link.nsec3.next_hashed),
                        expected: b32(next),
                    },
                )
            })
        })
        .collect();
    failures.extend(broken);

    // Every name that needs one has one, with the right bitmap.
    let expected = expected_names(view);
    // Each name's link (its index in `links`) and what is wrong with it,
    // found on all cores, in the order of the names. Links are found by
    // hash; the one covering a missing name is searched for only when the
    // name may be opted out and not every link opts out (a million binary
    // searches were most of this check's time for an opt-out TLD).
    let by_hash: HashMap<&[u8], usize> = links.iter().enumerate().map(|(i, l)| (l.hash.as_slice(), i)).collect();
    let all_opt_out = !links.is_empty() && links.iter().all(|l| l.nsec3.opt_out());
    let matched: Vec<(Option<usize>, Option<Failure>)> = expected
        .par_iter()
        .map(|(node, need, types)| {
            let hash = params.hash(&node.name);
            let found = match by_hash.get(&hash[..]) {
                Some(&i) => Ok(i),
                None if *need == Need::OptOutable && all_opt_out => return (None, None),
                None if *need == Need::OptOutable => links.binary_search_by(|l| l.hash.as_slice().cmp(&hash[..])),
                None => Err(0),
            };
            match found {
                Ok(i) => {
                    let wrong = bitmap_problem(&links[i].nsec3.types, types).map(|(missing, extra)| {
                        Failure::new(
                            &links[i].node.name,
                            Rtype::NSEC3,
                            None,
                            Problem::Nsec3Bitmap {
                                name: node.name.clone(),
                                missing,
                                extra,
                            },
                        )
                    });
                    (Some(i), wrong)
                }
                Err(i) => {
                    let owner = origin.prepend(b32(&hash).as_bytes()).unwrap_or_else(|_| origin.clone());
                    let covering = links.get(i.checked_sub(1).unwrap_or(links.len().wrapping_sub(1)));
                    let problem = match (need, covering) {
                        (Need::OptOutable, Some(c)) if c.nsec3.opt_out() => return (None, None),
                        (Need::OptOutable, Some(c)) => Problem::MissingNsec3NoOptOut(c.node.name.clone()),
                        _ => Problem::MissingNsec3(owner),
                    };
                    (None, Some(Failure::new(&node.name, Rtype::NSEC3, None, problem)))
                }
            }
        })
        .collect();
    let mut used = vec![false; links.len()];
    for (link, failure) in matched {
        if let Some(i) = link {
            used[i] = true;
        }
        failures.extend(failure);
    }
    for (link, used) in links.iter().zip(used) {
        if !used {
            failures.push(Failure::new(
                &link.node.name,
                Rtype::NSEC3,
                None,
                Problem::UnexpectedNsec3,
            ));
        }
    }
    Nsec3Outcome {
        failures,
        params,
        opt_out,
    }
}
