//! **expiry-as-planned**: every signature's inception and expiration are
//! what the policy (`[signatures]` validity, inception_offset, jitter)
//! gives for the instant it was made. A signature that expires *earlier*
//! than planned fails even when it clears the floor: that is how a
//! re-timing bug first shows, weeks before anything expires in public.
//!
//! The instant a signature was made is its inception plus the inception
//! offset; its planned expiration is that instant plus the validity, less
//! the per-RRset jitter offset ([`SigningPolicy::planned_expiration`]).
//! So signatures kept from an earlier run (made at another instant) are
//! checked against their own plan, and must still have more than
//! `refresh` left, or they should have been made again.

use keybundles::time::format_duration;
use rayon::prelude::*;

use super::facts::{SigTimes, SignedRRset};
use super::{when, Inputs, Outcome, Status};
use crate::config::SignatureSection;
use crate::signing::{Denial, SigningPolicy};
use keybundles::{Name, Rtype};

pub const NAME: &str = "expiry-as-planned";

/// The expiration the policy plans for a signature over `owner`/`rtype`
/// whose inception is `inception`: made at inception + inception_offset,
/// valid for `validity`, less the RRset's jitter offset. With `cap` (the
/// offline-KSK ZSK leaves the DNSKEY RRset then) no later than the cap,
/// the jitter shrunk as [`crate::bundles::signing::cap_expiration`] does.
pub fn planned_expiration(s: &SignatureSection, owner: &Name, rtype: Rtype, inception: i64, cap: Option<i64>) -> i64 {
    let made = inception + s.inception_offset;
    let mut policy = SigningPolicy {
        inception,
        expiration: made + s.validity,
        jitter: s.jitter,
        denial: Denial::Nsec,
    };
    if let Some(until) = cap.filter(|&until| policy.expiration > until) {
        policy.expiration = until;
        let room = until - inception;
        if policy.jitter >= room {
            policy.jitter = room / 2;
        }
    }
    policy.planned_expiration(owner, rtype)
}

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let s = &inputs.config.signatures;
    // With imported bundles the key-set signatures follow the bundle's
    // own plan, checked by bundle-runway.
    let checked_here = |set: &&SignedRRset| {
        !(inputs.bundles_in_use() && matches!(set.rtype, Rtype::DNSKEY | Rtype::CDS | Rtype::CDNSKEY))
    };
    let signed = &inputs.facts.signed;
    let checked: usize = signed.par_iter().filter(checked_here).map(|set| set.sigs.len()).sum();
    // In canonical order (rayon's collect keeps it).
    let findings: Vec<String> = signed
        .par_iter()
        .filter(checked_here)
        .flat_map_iter(|set| set.sigs.iter().filter_map(move |sig| finding(inputs, set, sig)))
        .collect();
    if findings.is_empty() {
        return Outcome::pass(
            NAME,
            format!(
                "all {checked} signatures have the inception and expiration the policy plans (validity {}, inception offset {}, jitter {})",
                format_duration(s.validity),
                format_duration(s.inception_offset),
                format_duration(s.jitter)
            ),
        );
    }
    Outcome::new(
        NAME,
        Status::Fail,
        format!(
            "{} signature(s) do not have the times the policy plans; something re-timed them (the early-expiry symptom)",
            findings.len()
        ),
    )
    .with_findings(findings)
}

/// What is wrong with the times of `sig`, one of `set`'s signatures.
fn finding(inputs: &Inputs<'_>, set: &SignedRRset, sig: &SigTimes) -> Option<String> {
    let s = &inputs.config.signatures;
    let (owner, rtype, key) = (&set.owner, set.rtype, sig.key_tag);
    let made = sig.inception + s.inception_offset;
    let planned = planned_expiration(s, owner, rtype, sig.inception, inputs.expiration_cap);
    if sig.expiration < planned {
        Some(format!(
            "{owner} {rtype} {key}: expires {}, {} EARLIER than planned ({}) for a signature made {}",
            when(sig.expiration),
            format_duration(planned - sig.expiration),
            when(planned),
            when(made)
        ))
    } else if sig.expiration > planned {
        Some(format!(
            "{owner} {rtype} {key}: expires {}, {} later than planned ({}) for a signature made {}",
            when(sig.expiration),
            format_duration(sig.expiration - planned),
            when(planned),
            when(made)
        ))
    } else if made > inputs.now {
        Some(format!(
            "{owner} {rtype} {key}: inception {} is after now less the inception offset ({})",
            when(sig.inception),
            format_duration(s.inception_offset)
        ))
    } else if made < inputs.now && sig.expiration - inputs.now < s.refresh {
        Some(format!(
            "{owner} {rtype} {key}: kept from {} with only {} left, less than signatures.refresh ({}); it should have been made again",
            when(made),
            format_duration(sig.expiration - inputs.now),
            format_duration(s.refresh)
        ))
    } else {
        None
    }
}
