//! **trust-chain**: each DS record the parent publishes
//! (`guardrails.parent_ds`) matches a key of the DNSKEY set, that key has
//! the SEP bit, and it signs the DNSKEY RRset. A DS that matches no key,
//! or only a key without SEP, fails: validators following it would find
//! the zone bogus (or, for a non-SEP key, operators and tools disagree).

use keybundles::Rtype;

use super::{Inputs, Outcome, Status};

pub const NAME: &str = "trust-chain";

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let signers: Vec<(u16, u8)> = inputs
        .view
        .apex()
        .map(|apex| {
            apex.signatures
                .iter()
                .filter(|s| s.rrsig.type_covered == Rtype::DNSKEY)
                .map(|s| (s.rrsig.key_tag, s.rrsig.algorithm))
                .collect()
        })
        .unwrap_or_default();
    let Some(parent_ds) = inputs.parent_ds else {
        return match inputs.trust_anchor {
            Some(anchor) => against_anchor(inputs, anchor, &signers),
            None => Outcome::not_applicable(
                NAME,
                "no guardrails.parent_ds configured; set it to the parent's DS records to check the chain of trust",
            ),
        };
    };
    let origin = inputs.origin;
    let mut findings = Vec::new();
    let mut good = Vec::new();
    for ds in parent_ds {
        match inputs.facts.dnskeys.iter().find(|k| ds.matches(origin, k)) {
            None => findings.push(format!(
                "DS {ds} matches no key in the DNSKEY set{}",
                if keybundles::ds::DigestType::from_number(ds.digest_type).is_none() {
                    format!(" (digest type {} is not supported here)", ds.digest_type)
                } else {
                    String::new()
                }
            )),
            Some(key) if !key.is_sep() => findings.push(format!(
                "DS {ds} matches key {} which has flags {} without the SEP bit (257 expected)",
                key.key_tag(),
                key.flags
            )),
            Some(key) if !signers.contains(&(key.key_tag(), key.algorithm)) => findings.push(format!(
                "DS {ds} matches key {}, but that key does not sign the DNSKEY RRset",
                key.key_tag()
            )),
            Some(key) => good.push(key.key_tag()),
        }
    }
    if findings.is_empty() {
        let tags: Vec<String> = good.iter().map(u16::to_string).collect();
        return Outcome::pass(
            NAME,
            format!(
                "every parent DS matches a SEP key that signs the DNSKEY RRset (key {})",
                tags.join(", ")
            ),
        );
    }
    Outcome::new(
        NAME,
        Status::Fail,
        "the DS records at the parent do not all lead to a key signing this zone's DNSKEY RRset",
    )
    .with_findings(findings)
}

/// Offline KSK without a parent DS file: the configured trust anchor must
/// match a SEP key that signs the DNSKEY RRset about to be published.
fn against_anchor(inputs: &Inputs<'_>, anchor: &crate::bundles::TrustAnchor, signers: &[(u16, u8)]) -> Outcome {
    let good: Vec<u16> = inputs
        .facts
        .dnskeys
        .iter()
        .filter(|k| anchor.matches(k) && k.is_sep() && signers.contains(&(k.key_tag(), k.algorithm)))
        .map(|k| k.key_tag())
        .collect();
    if good.is_empty() {
        let tags: Vec<String> = anchor.tags().iter().map(u16::to_string).collect();
        return Outcome::new(
            NAME,
            Status::Fail,
            format!(
                "no SEP key signing the DNSKEY RRset matches keys.trust_anchor (key {}): validators anchored on the KSK would find the zone bogus",
                tags.join(", ")
            ),
        );
    }
    let tags: Vec<String> = good.iter().map(u16::to_string).collect();
    Outcome::pass(
        NAME,
        format!(
            "the trust anchor's KSK {} signs the DNSKEY RRset (set guardrails.parent_ds to check the parent's DS too)",
            tags.join(", ")
        ),
    )
}
