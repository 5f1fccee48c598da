//! **trust-chain**: each DS record the parent publishes
//! (`guardrails.parent_ds`) matches a key of the DNSKEY set, that key has
//! the SEP bit, and it signs the DNSKEY RRset. A DS that matches no key,
//! or only a key without SEP, fails: validators following it would find
//! the zone bogus (or, for a non-SEP key, operators and tools disagree).

use keybundles::Rtype;

use super::{Inputs, Outcome, Status};

pub const NAME: &str = "trust-chain";

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let Some(parent_ds) = inputs.parent_ds else {
        return Outcome::not_applicable(
            NAME,
            "no guardrails.parent_ds configured; set it to the parent's DS records to check the chain of trust",
        );
    };
    let origin = inputs.origin;
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
