//! Signatures: every RRSIG checked cryptographically (in parallel), every
//! authoritative RRset signed with every algorithm of the apex DNSKEY set,
//! the DNSKEY set signed by a SEP key, nothing non-authoritative signed
//! (RFC 4034 §3, RFC 4035 §2.2 and §5.3, RFC 6840 §5.11).

use std::collections::BTreeSet;

use keybundles::algorithm::Algorithm;
use keybundles::crypto::{self, invert_signatures, KeyedVerifier, SignatureInverse};
use keybundles::dnskey::Dnskey;
use keybundles::rrsig::signing_input;
use keybundles::{Name, Record, Rtype};
use rayon::prelude::*;

use super::expiry::{is_fatal, Window};
use super::zone_view::{NameKind, Node, RRset, Signature, ZoneView};
use super::{Expiry, Failure, KeyInfo, Options, Problem};

/// What the signature pass found.
#[derive(Debug, Default)]
pub struct SigOutcome {
    pub failures: Vec<Failure>,
    /// Authoritative RRsets (all of which must be signed).
    pub rrsets: usize,
    pub signatures: usize,
    pub valid_signatures: usize,
    pub earliest_expiration: Option<Expiry>,
}

impl SigOutcome {
    fn merge(mut self, other: SigOutcome) -> SigOutcome {
        self.failures.extend(other.failures);
        self.rrsets += other.rrsets;
        self.signatures += other.signatures;
        self.valid_signatures += other.valid_signatures;
        self.earliest_expiration = earliest(self.earliest_expiration, other.earliest_expiration);
        self
    }
}

fn earliest(a: Option<Expiry>, b: Option<Expiry>) -> Option<Expiry> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.expiration < a.expiration { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The apex DNSKEY set, decoded, with the structural checks on the apex
/// (SOA present, DNSKEY present, zone keys, a SEP key).
pub fn apex_keys(view: &ZoneView, failures: &mut Vec<Failure>) -> Vec<KeyInfo> {
    let origin = &view.origin;
    let apex = view.apex();
    if apex.and_then(|a| a.rrset(Rtype::SOA)).is_none() {
        failures.push(Failure::new(origin, Rtype::SOA, None, Problem::NoSoa));
    }
    let Some(rrset) = apex.and_then(|a| a.rrset(Rtype::DNSKEY)) else {
        failures.push(Failure::new(origin, Rtype::DNSKEY, None, Problem::NoDnskey));
        return Vec::new();
    };
    let mut keys = Vec::new();
    for record in &rrset.records {
        match Dnskey::from_rdata(&record.rdata) {
            Ok(dnskey) => keys.push(KeyInfo {
                key_tag: dnskey.key_tag(),
                algorithm: dnskey.algorithm,
                flags: dnskey.flags,
                dnskey,
            }),
            Err(e) => failures.push(Failure::new(
                origin,
                Rtype::DNSKEY,
                None,
                Problem::BadRdata(e.to_string()),
            )),
        }
    }
    if !keys.iter().any(|k| usable(&k.dnskey)) {
        failures.push(Failure::new(origin, Rtype::DNSKEY, None, Problem::NoZoneKey));
    } else if !keys.iter().any(|k| usable(&k.dnskey) && k.is_sep()) {
        failures.push(Failure::new(origin, Rtype::DNSKEY, None, Problem::NoSepKey));
    }
    keys
}

/// Keys that may verify zone data (RFC 4034 §2.1.1, §2.1.2).
fn usable(key: &Dnskey) -> bool {
    key.is_zone_key() && key.protocol == 3
}

struct Checker<'a> {
    origin: &'a Name,
    keys: &'a [KeyInfo],
    /// For each of `keys`, the private half when the caller holds it.
    held: Vec<Option<&'a KeyedVerifier>>,
    options: &'a Options,
    /// Algorithms every RRset must be signed with.
    algorithms: BTreeSet<u8>,
    has_sep_key: bool,
}

/// Checks every signature of the zone and the signing of every
/// authoritative RRset, on all cores. Signatures by a key in `held_keys`
/// are checked with its private half: the same verdict, a third of the
/// arithmetic (see [`KeyedVerifier`]).
pub fn check<'a>(
    view: &'a ZoneView,
    keys: &'a [KeyInfo],
    held_keys: &'a [KeyedVerifier],
    options: &'a Options,
) -> SigOutcome {
    let checker = Checker {
        origin: &view.origin,
        keys,
        held: keys
            .iter()
            .map(|k| {
                held_keys
                    .iter()
                    .find(|h| k.algorithm == h.algorithm().number() && k.dnskey.public_key == h.public_key())
            })
            .collect(),
        options,
        algorithms: keys
            .iter()
            .filter(|k| usable(&k.dnskey) && !k.dnskey.is_revoked())
            .map(|k| k.algorithm)
            .collect(),
        has_sep_key: keys.iter().any(|k| usable(&k.dnskey) && k.is_sep()),
    };
    view.nodes
        .par_chunks(NODES_PER_BATCH)
        .chain(view.nsec3_nodes.par_chunks(NODES_PER_BATCH))
        .map(|nodes| checker.check_nodes(nodes))
        .reduce(SigOutcome::default, SigOutcome::merge)
}

/// Names checked together: their signatures' s⁻¹ for the held keys are
/// computed in one inversion ([`invert_signatures`]). About 100
/// signatures in a TLD's delegations; a batch's inversion is then about
/// 1% of its work.
const NODES_PER_BATCH: usize = 64;

impl Checker<'_> {
    /// Checks a run of names, with the s⁻¹ of all their signatures
    /// computed first in one batch when a key's private half is held.
    fn check_nodes(&self, nodes: &[Node]) -> SigOutcome {
        let inverses = if self.held.iter().any(Option::is_some) {
            let signatures = nodes.iter().flat_map(|n| &n.signatures);
            invert_signatures(signatures.map(|s| s.rrsig.signature.as_slice()))
        } else {
            Vec::new()
        };
        let mut out = SigOutcome::default();
        let mut offset = 0;
        for node in nodes {
            let end = offset + node.signatures.len();
            let node_inverses = inverses.get(offset..end).unwrap_or_default();
            out = out.merge(self.check_node(node, node_inverses));
            offset = end;
        }
        out
    }

    /// `inverses`: s⁻¹ for each of the node's signatures, or empty.
    fn check_node(&self, node: &Node, inverses: &[SignatureInverse]) -> SigOutcome {
        let mut out = SigOutcome::default();
        // Signatures on what must not be signed.
        for sig in &node.signatures {
            let covered = sig.rrsig.type_covered;
            let problem = match (node.kind, node.rrset(covered)) {
                (NameKind::Occluded, _) => Some(Problem::SignedBelowCut),
                (_, None) => Some(Problem::OrphanRrsig),
                (_, Some(_)) if node.is_authoritative_for(covered) => None,
                (NameKind::Delegation, Some(_)) if covered == Rtype::NS => Some(Problem::SignedDelegationNs),
                (_, Some(_)) => Some(Problem::SignedNonAuthoritative),
            };
            if let Some(problem) = problem {
                out.failures
                    .push(Failure::new(&node.name, covered, Some(sig.rrsig.key_tag), problem));
            }
        }
        if matches!(node.kind, NameKind::Apex | NameKind::Authoritative) && node.rrset(Rtype::DS).is_some() {
            out.failures
                .push(Failure::new(&node.name, Rtype::DS, None, Problem::DsNotAtDelegation));
        }
        for rrset in &node.rrsets {
            if node.is_authoritative_for(rrset.rtype) {
                out.rrsets += 1;
                self.check_rrset(node, rrset, inverses, &mut out);
            }
        }
        out
    }

    fn check_rrset(&self, node: &Node, rrset: &RRset, inverses: &[SignatureInverse], out: &mut SigOutcome) {
        let records: Vec<&Record> = rrset.records.iter().collect();
        let mut signed_with = BTreeSet::new();
        let mut valid_with = BTreeSet::new();
        let mut sep_tried = false;
        let covering = node.signatures.iter().enumerate();
        for (index, sig) in covering.filter(|(_, s)| s.rrsig.type_covered == rrset.rtype) {
            out.signatures += 1;
            signed_with.insert(sig.rrsig.algorithm);
            sep_tried |= self
                .keys
                .iter()
                .any(|k| k.key_tag == sig.rrsig.key_tag && k.algorithm == sig.rrsig.algorithm && k.is_sep());
            let (problems, key) = self.check_signature(node, rrset, &records, sig, inverses.get(index));
            let usable = key.is_some() && !problems.iter().any(is_fatal);
            if usable {
                out.valid_signatures += 1;
                valid_with.insert(sig.rrsig.algorithm);
                let expiration = Window::of(&sig.rrsig, self.options.at).expiration;
                out.earliest_expiration = earliest(
                    out.earliest_expiration.take(),
                    Some(Expiry {
                        owner: node.name.clone(),
                        rtype: rrset.rtype,
                        key_tag: sig.rrsig.key_tag,
                        expiration,
                    }),
                );
            }
            let tag = Some(sig.rrsig.key_tag);
            out.failures.extend(
                problems
                    .into_iter()
                    .map(|p| Failure::new(&node.name, rrset.rtype, tag, p)),
            );
        }
        if signed_with.is_empty() {
            out.failures
                .push(Failure::new(&node.name, rrset.rtype, None, Problem::Unsigned));
            return;
        }
        // Algorithms with no signature at all; those with only bad ones
        // were reported signature by signature.
        for &algorithm in self.algorithms.difference(&signed_with) {
            out.failures.push(Failure::new(
                &node.name,
                rrset.rtype,
                None,
                Problem::MissingAlgorithm(algorithm),
            ));
        }
        // A SEP signature that is there but bad was reported above.
        if rrset.rtype == Rtype::DNSKEY && node.kind == NameKind::Apex && self.has_sep_key && !sep_tried {
            out.failures.push(Failure::new(
                &node.name,
                rrset.rtype,
                None,
                Problem::DnskeyNotSignedBySep,
            ));
        }
    }

    /// Checks one RRSIG over `rrset`; returns its problems and the key
    /// that verified it, if one did.
    fn check_signature<'k>(
        &'k self,
        node: &Node,
        rrset: &RRset,
        records: &[&Record],
        sig: &Signature,
        inverse: Option<&SignatureInverse>,
    ) -> (Vec<Problem>, Option<&'k Dnskey>) {
        let rrsig = &sig.rrsig;
        let mut problems = Vec::new();
        if !rrsig.signer.as_wire().eq_ignore_ascii_case(self.origin.as_wire()) {
            problems.push(Problem::SignerName(rrsig.signer.clone()));
        }
        let expected_labels = node.name.rrsig_labels();
        if rrsig.labels != expected_labels {
            problems.push(Problem::Labels {
                found: rrsig.labels,
                expected: expected_labels,
            });
        }
        if rrsig.original_ttl != rrset.ttl {
            problems.push(Problem::OriginalTtl {
                found: rrsig.original_ttl,
                expected: rrset.ttl,
            });
        }
        if sig.record.ttl != rrset.ttl {
            problems.push(Problem::RrsigTtl {
                found: sig.record.ttl,
                expected: rrset.ttl,
            });
        }
        problems.extend(Window::of(rrsig, self.options.at).problems(self.options.at, self.options.min_remaining));

        let mut candidates = self
            .keys
            .iter()
            .zip(&self.held)
            .filter(|(k, _)| k.key_tag == rrsig.key_tag && k.algorithm == rrsig.algorithm && usable(&k.dnskey))
            .peekable();
        if candidates.peek().is_none() {
            problems.push(Problem::UnknownKey(rrsig.algorithm));
            return (problems, None);
        }
        if Algorithm::from_number(rrsig.algorithm).is_none() {
            problems.push(Problem::UnsupportedAlgorithm(rrsig.algorithm));
            return (problems, None);
        }
        let input = signing_input(rrsig, records);
        let key = candidates
            .find(|(k, held)| match held {
                Some(held) => match inverse {
                    Some(inverse) => held.verify_with(&input, &rrsig.signature, inverse).is_ok(),
                    None => held.verify(&input, &rrsig.signature).is_ok(),
                },
                None => crypto::verify(&k.dnskey, &input, &rrsig.signature).is_ok(),
            })
            .map(|(k, _)| &k.dnskey);
        if key.is_none() {
            problems.push(Problem::BadSignature);
        }
        (problems, key)
    }
}
